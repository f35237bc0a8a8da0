//! The client alias file `~/.axa/config` (spec §8.4).
//!
//! Path: the one given (sratool/sratunnel `-n`), else `$AXACONF/config` when `AXACONF` is
//! set and non-empty (our choice, by analogy with libaxa's `$AXACONF/certs` and
//! `$AXACONF/fields` lookups), else `$HOME/.axa/config`. The file may hold API keys, so
//! like libaxa we refuse it when any group/other permission bit is set. Reading the file
//! is the only I/O here.

use std::path::{Path, PathBuf};

/// Longest alias name kept (libaxa's field is 64 bytes).
pub const ALIAS_NAME_MAX: usize = 63;
/// Longest connection string kept (libaxa's field is 1024 bytes).
pub const ALIAS_TARGET_MAX: usize = 1023;

/// Why the config file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be opened or read (a missing file is normally ignored; see
    /// [`ConfigError::is_not_found`]).
    #[error("cannot open \"{}\": {source}", path.display())]
    Open {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// Group or other permission bits are set.
    #[error("config file \"{}\" has permissions set for group/other, please `chmod 600 {}`", path.display(), path.display())]
    BadPermissions {
        /// The file.
        path: PathBuf,
    },
    /// A line that is neither blank, a `#` comment nor `TYPE:NAME=VALUE`. The line itself
    /// is not repeated because it may hold an API key.
    #[error("invalid line {line} of \"{}\"", path.display())]
    InvalidLine {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
    },
    /// No path given, `AXACONF` unset and `HOME` unset.
    #[error("no config file path (HOME is not set)")]
    NoPath,
}

impl ConfigError {
    /// True when the file does not exist (libaxa prints a notice and carries on).
    pub fn is_not_found(&self) -> bool {
        matches!(self, ConfigError::Open { source, .. } if source.kind() == std::io::ErrorKind::NotFound)
    }
}

/// The aliases of a client config file, in file order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AxaConfig {
    aliases: Vec<(String, String)>,
}

impl AxaConfig {
    /// The path used when none is given: `$AXACONF/config`, else `$HOME/.axa/config`.
    pub fn default_path() -> Option<PathBuf> {
        if let Some(d) = std::env::var_os("AXACONF").filter(|d| !d.is_empty()) {
            return Some(PathBuf::from(d).join("config"));
        }
        std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .map(|h| PathBuf::from(h).join(".axa/config"))
    }

    /// Load `path`, or [`AxaConfig::default_path`] when `None`.
    pub fn load(path: Option<&Path>) -> Result<AxaConfig, ConfigError> {
        let path = match path {
            Some(p) => p.to_path_buf(),
            None => AxaConfig::default_path().ok_or(ConfigError::NoPath)?,
        };
        let open_err = |source| ConfigError::Open {
            path: path.clone(),
            source,
        };
        let text = std::fs::read(&path).map_err(open_err)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path)
                .map_err(open_err)?
                .permissions()
                .mode();
            if mode & 0o077 != 0 {
                return Err(ConfigError::BadPermissions { path });
            }
        }
        AxaConfig::parse(&String::from_utf8_lossy(&text)).map_err(|line| ConfigError::InvalidLine {
            path: path.clone(),
            line,
        })
    }

    /// Parse the file text. Blank lines and lines starting with `#` are skipped; every
    /// other line must BEGIN with `[A-Za-z0-9-]{1,63}:[A-Za-z0-9-]{1,63}=[A-Za-z0-9-]`
    /// (anchored only at the start, like libaxa's regex, so a valid prefix followed by
    /// anything loads). Lines whose type starts with `alias` define an alias (name up to
    /// `=`, target = the rest of the line); other types are accepted and ignored. On
    /// error, returns the 1-based number of the first bad line.
    pub fn parse(text: &str) -> Result<AxaConfig, usize> {
        let mut aliases = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim_matches(|c: char| c.is_ascii_whitespace());
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (ty, rest) = line.split_once(':').ok_or(i + 1)?;
            let (name, target) = rest.split_once('=').ok_or(i + 1)?;
            let word = |s: &str| {
                (1..=63).contains(&s.len())
                    && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            };
            let target_ok = target
                .bytes()
                .next()
                .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'-');
            if !word(ty) || !word(name) || !target_ok {
                return Err(i + 1);
            }
            if ty.starts_with("alias") {
                let mut t = target;
                if t.len() > ALIAS_TARGET_MAX {
                    let mut end = ALIAS_TARGET_MAX;
                    while !t.is_char_boundary(end) {
                        end -= 1;
                    }
                    t = &t[..end];
                }
                aliases.push((name.to_string(), t.to_string()));
            }
        }
        Ok(AxaConfig { aliases })
    }

    /// The target of alias `name` (the last definition wins, as in libaxa).
    pub fn alias(&self, name: &str) -> Option<&str> {
        self.aliases
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, t)| t.as_str())
    }

    /// All aliases in file order (sratool `alias` command).
    pub fn aliases(&self) -> impl Iterator<Item = (&str, &str)> {
        self.aliases.iter().map(|(n, t)| (n.as_str(), t.as_str()))
    }
}
