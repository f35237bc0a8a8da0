//! The `-P pidfile`: written at start, removed at exit.

use std::io;
use std::path::{Path, PathBuf};

/// A written pid file; dropping it removes the file.
#[derive(Debug)]
pub struct PidFile {
    path: PathBuf,
}

impl PidFile {
    /// Writes this process's id and a newline to `path` (replacing an old file).
    pub fn create(path: &Path) -> io::Result<PidFile> {
        std::fs::write(path, format!("{}\n", std::process::id()))?;
        Ok(PidFile {
            path: path.to_owned(),
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for PidFile {
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_file(&self.path) {
            tracing::warn!(path = %self.path.display(), error = %e, "cannot remove pid file");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_then_removed() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("t.pid");
        let pf = PidFile::create(&path).unwrap();
        assert_eq!(
            std::fs::read_to_string(pf.path()).unwrap(),
            format!("{}\n", std::process::id())
        );
        drop(pf);
        assert!(!path.exists());
        assert!(PidFile::create(&tmp.path().join("no/such/dir/x.pid")).is_err());
    }
}
