//! sratunnel kickfile rotation (`-k cmd`): output goes to a hidden `.part` file that is renamed
//! to its final name when it is finished, after which `cmd FILE` is started.
//!
//! Names, as libaxa makes them: temporary `<dir>/.<base>.<kt>.part`, final
//! `<dir>/<base>.<kt><suffix>` (suffix `.nmsg`, `.jsonl`, `.pcap` or none), where `kt` is the UTC
//! time `YYYYMMDD.HHMM.<epoch seconds>.<microseconds printed with 9 digits>`.
//!
//! Difference from libaxa, on purpose: libaxa runs `system("cmd FILE &")`, interpolating the file
//! name into a shell command line. We never use a shell: `cmd` is split into words once (blanks
//! separate words; single and double quotes and backslash escapes group them; nothing is
//! expanded) and the file name is passed as one extra argument, so no file name can inject
//! shell syntax. The command runs in the background; [`Kickfile::wait_commands`] reaps it (the
//! tunnel waits, bounded, before exiting so that the last file is processed).

use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::utc::UtcTime;

/// Errors of kickfile handling.
#[derive(Debug, thiserror::Error)]
pub enum KickfileError {
    /// The output path has no file name.
    #[error("kickfile output path {0:?} has no file name")]
    NoFileName(PathBuf),
    /// The command text could not be split into words.
    #[error("invalid kickfile command {cmd:?}: {reason}")]
    BadCommand {
        /// The command text.
        cmd: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// Renaming the finished file failed (the `.part` file is removed, as libaxa does).
    #[error("cannot rename {from} to {to}: {source}")]
    Rename {
        /// The temporary file.
        from: PathBuf,
        /// The final name.
        to: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The command could not be started.
    #[error("cannot run kickfile command {program:?}: {source}")]
    Spawn {
        /// argv\[0\].
        program: String,
        /// Why.
        source: io::Error,
    },
}

/// The `kt` part of kickfile names for a given time.
pub fn kick_time(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs() as i64;
    let u = UtcTime::from_unix(secs);
    format!(
        "{:04}{:02}{:02}.{:02}{:02}.{}.{:09}",
        u.year,
        u.month,
        u.day,
        u.hour,
        u.minute,
        secs,
        d.subsec_micros()
    )
}

/// Splits a command into words: blanks separate, `'…'` is literal, `"…"` allows `\"` and `\\`,
/// a backslash outside quotes escapes the next character. No expansion of any kind.
pub fn split_command(cmd: &str) -> Result<Vec<String>, KickfileError> {
    let bad = |reason| KickfileError::BadCommand {
        cmd: cmd.to_owned(),
        reason,
    };
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = cmd.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\n' => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => cur.push(c),
                        None => return Err(bad("unterminated single quote")),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\')) => cur.push(c),
                            Some(c) => {
                                cur.push('\\');
                                cur.push(c);
                            }
                            None => return Err(bad("unterminated double quote")),
                        },
                        Some(c) => cur.push(c),
                        None => return Err(bad("unterminated double quote")),
                    }
                }
            }
            '\\' => {
                in_word = true;
                cur.push(chars.next().ok_or_else(|| bad("trailing backslash"))?);
            }
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    if words.is_empty() {
        return Err(bad("empty command"));
    }
    Ok(words)
}

/// The names of the current output file and the command to run on finished files.
#[derive(Debug)]
pub struct Kickfile {
    dir: PathBuf,
    base: OsString,
    suffix: String,
    argv: Option<Vec<String>>,
    part: PathBuf,
    done: PathBuf,
    running: Vec<Child>,
}

impl Kickfile {
    /// Kickfile naming for output `path` (its directory and file name become `<dir>` and
    /// `<base>`), with the final-name `suffix` and an optional command (`None` or empty = just
    /// rename). The first names are made for the current time.
    pub fn new(path: &Path, suffix: &str, cmd: Option<&str>) -> Result<Kickfile, KickfileError> {
        let base = path
            .file_name()
            .ok_or_else(|| KickfileError::NoFileName(path.to_owned()))?
            .to_owned();
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        };
        let argv = match cmd {
            Some(c) if !c.trim().is_empty() => Some(split_command(c)?),
            _ => None,
        };
        let mut k = Kickfile {
            dir,
            base,
            suffix: suffix.to_owned(),
            argv,
            part: PathBuf::new(),
            done: PathBuf::new(),
            running: Vec::new(),
        };
        k.rotate(SystemTime::now());
        Ok(k)
    }

    /// Makes the names for a new file from time `t`.
    pub fn rotate(&mut self, t: SystemTime) {
        self.rotate_named(&kick_time(t));
    }

    /// Makes the names for a new file with an explicit `kt` part (libaxa's
    /// `axa_kickfile_rotate(kf, name)`).
    pub fn rotate_named(&mut self, kt: &str) {
        let mut part = OsString::from(".");
        part.push(&self.base);
        part.push(format!(".{kt}.part"));
        let mut done = self.base.clone();
        done.push(format!(".{kt}{}", self.suffix));
        self.part = self.dir.join(part);
        self.done = self.dir.join(done);
    }

    /// Where the output writes now.
    pub fn part_path(&self) -> &Path {
        &self.part
    }

    /// The name the current file gets when finished.
    pub fn final_path(&self) -> &Path {
        &self.done
    }

    /// Renames the finished `.part` file to its final name and starts the command on it.
    /// Returns the final path. On a failed rename the `.part` file is removed.
    pub fn finish(&mut self) -> Result<PathBuf, KickfileError> {
        self.reap();
        if let Err(source) = std::fs::rename(&self.part, &self.done) {
            let _ = std::fs::remove_file(&self.part);
            return Err(KickfileError::Rename {
                from: self.part.clone(),
                to: self.done.clone(),
                source,
            });
        }
        if let Some(argv) = &self.argv {
            let child = Command::new(&argv[0])
                .args(&argv[1..])
                .arg(&self.done)
                .stdin(Stdio::null())
                .spawn()
                .map_err(|source| KickfileError::Spawn {
                    program: argv[0].clone(),
                    source,
                })?;
            tracing::debug!(file = %self.done.display(), pid = child.id(), "kickfile command started");
            self.running.push(child);
        }
        Ok(self.done.clone())
    }

    /// Number of started commands not yet known to have exited.
    pub fn running_commands(&mut self) -> usize {
        self.reap();
        self.running.len()
    }

    /// Waits up to `timeout` for the started commands to exit (used at shutdown).
    pub fn wait_commands(&mut self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            self.reap();
            if self.running.is_empty() {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn reap(&mut self) {
        self.running.retain_mut(|c| match c.try_wait() {
            Ok(Some(status)) => {
                if !status.success() {
                    tracing::warn!(%status, "kickfile command failed");
                }
                false
            }
            Ok(None) => true,
            Err(_) => false,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kick_time_format() {
        let t = UNIX_EPOCH + Duration::new(1_519_311_169, 123_456_789);
        assert_eq!(kick_time(t), "20180222.1452.1519311169.000123456");
    }

    #[test]
    fn names_as_libaxa_makes_them() {
        // test-kickfile of the reference distribution.
        let dir = std::env::temp_dir();
        let mut k = Kickfile::new(&dir.join("test_kickfile_rotate_basename"), "", None).unwrap();
        k.rotate_named("rotate_here");
        assert_eq!(
            k.part_path(),
            dir.join(".test_kickfile_rotate_basename.rotate_here.part")
        );
        assert_eq!(
            k.final_path(),
            dir.join("test_kickfile_rotate_basename.rotate_here")
        );

        let mut k = Kickfile::new(Path::new("out"), ".nmsg", None).unwrap();
        k.rotate_named("X");
        assert_eq!(k.part_path(), Path::new("./.out.X.part"));
        assert_eq!(k.final_path(), Path::new("./out.X.nmsg"));
    }

    #[test]
    fn split_words() {
        assert_eq!(
            split_command("tar uvf /tmp/a.tar --remove-files -P").unwrap(),
            ["tar", "uvf", "/tmp/a.tar", "--remove-files", "-P"]
        );
        assert_eq!(
            split_command(r#"cmd 'a b' "c \"d\"" e\ f '' $HOME;x"#).unwrap(),
            ["cmd", "a b", "c \"d\"", "e f", "", "$HOME;x"]
        );
        assert!(split_command("a 'b").is_err());
        assert!(split_command("a \"b").is_err());
        assert!(split_command("a \\").is_err());
        assert!(split_command("   ").is_err());
    }

    #[test]
    fn finish_renames_and_runs_the_command_without_a_shell() {
        let tmp = tempfile::tempdir().unwrap();
        let dest = tmp.path().join("dest");
        std::fs::create_dir(&dest).unwrap();
        // A base name full of shell syntax: must reach the command as one literal argument.
        let base = "out;touch PWNED;$(touch PWNED2)";
        let cmd = format!("cp -t '{}'", dest.display());
        let mut k = Kickfile::new(&tmp.path().join(base), ".nmsg", Some(&cmd)).unwrap();
        k.rotate_named("KT");
        std::fs::write(k.part_path(), b"NMSG data").unwrap();
        let done = k.finish().unwrap();
        assert_eq!(done, tmp.path().join(format!("{base}.KT.nmsg")));
        assert!(done.exists());
        assert!(!k.part_path().exists());
        assert!(k.wait_commands(Duration::from_secs(10)));
        let copied = dest.join(format!("{base}.KT.nmsg"));
        assert_eq!(std::fs::read(copied).unwrap(), b"NMSG data");
        assert!(!tmp.path().join("PWNED").exists());
        assert!(!tmp.path().join("PWNED2").exists());
        assert!(!Path::new("PWNED").exists());
    }

    #[test]
    fn failed_rename_removes_nothing_else_and_reports() {
        let tmp = tempfile::tempdir().unwrap();
        let mut k = Kickfile::new(&tmp.path().join("x"), "", None).unwrap();
        let err = k.finish().unwrap_err();
        assert!(matches!(err, KickfileError::Rename { .. }), "{err}");
    }

    #[test]
    fn missing_program_is_a_clear_error() {
        let tmp = tempfile::tempdir().unwrap();
        let mut k =
            Kickfile::new(&tmp.path().join("x"), "", Some("/nonexistent/prog arg")).unwrap();
        std::fs::write(k.part_path(), b"x").unwrap();
        let err = k.finish().unwrap_err();
        assert!(matches!(err, KickfileError::Spawn { .. }), "{err}");
        // The file was still renamed.
        assert!(k.final_path().exists());
    }
}
