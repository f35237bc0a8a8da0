//! Command-line definitions of the drop-in tools (clap), kept in the library so they can be
//! tested without running the binaries.
//!
//! Both tools take the option letters of libaxa 3.0.2 with the same meanings. Additions are
//! long options only: `--ca-file`, `--pin` and `--insecure-accept-any-certificate` choose how
//! the `apikey:` server certificate is checked ([`crate::TlsVerify`]); without them the
//! certificate is verified against the system roots, which a self-signed SRA server fails
//! (libaxa never verifies; pass `--pin` with the server's certificate digest for those).

pub mod logging;
pub mod signals;
pub mod sratool;
pub mod sratunnel;
pub mod tls_args;

/// A command-line error: the message for stderr and the exit status (64 = EX_USAGE).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct UsageError {
    /// What to print.
    pub message: String,
    /// Process exit status.
    pub exit_code: i32,
}

/// sysexits.h EX_USAGE.
pub const EX_USAGE: i32 = 64;

impl UsageError {
    /// A usage error (exit 64).
    pub fn usage(message: impl Into<String>) -> UsageError {
        UsageError {
            message: message.into(),
            exit_code: EX_USAGE,
        }
    }
}
