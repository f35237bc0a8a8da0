//! The tools' log output: `tracing` lines without decoration, as the C tools print them —
//! informational lines on stdout, warnings and errors on stderr. `-d` raises the level:
//! none = warnings, `-d` = info (connecting, connected), `-dd` = debug (server text),
//! `-ddd` = trace (every message).

use tracing::Level;
use tracing_subscriber::fmt::writer::MakeWriterExt;

/// The level for a `-d` count.
pub fn level(debug: u8) -> Level {
    match debug {
        0 => Level::WARN,
        1 => Level::INFO,
        2 => Level::DEBUG,
        _ => Level::TRACE,
    }
}

/// Installs the subscriber (once; later calls do nothing).
pub fn init(debug: u8) {
    let writer = std::io::stderr
        .with_max_level(Level::WARN)
        .or_else(std::io::stdout);
    let _ = tracing_subscriber::fmt()
        .with_max_level(level(debug))
        .without_time()
        .with_ansi(false)
        .with_target(false)
        .with_level(false)
        .with_writer(writer)
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels() {
        assert_eq!(level(0), Level::WARN);
        assert_eq!(level(1), Level::INFO);
        assert_eq!(level(2), Level::DEBUG);
        assert_eq!(level(9), Level::TRACE);
    }
}
