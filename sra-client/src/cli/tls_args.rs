//! The TLS verification options shared by both tools (long options; our addition).

use std::path::PathBuf;

use clap::Args;

use crate::{CertPin, TlsOptions, TlsVerify};

/// How to check the `apikey:` server certificate.
#[derive(Debug, Clone, Default, PartialEq, Eq, Args)]
pub struct TlsArgs {
    /// Verify the server certificate against the CA certificate(s) in this PEM file.
    #[arg(long = "ca-file", value_name = "PEM", conflicts_with_all = ["pins", "insecure"])]
    pub ca_file: Option<PathBuf>,
    /// Accept only a server certificate with this SHA-256 digest of its DER encoding
    /// (64 hex digits; repeat for a roll-over).
    #[arg(long = "pin", value_name = "SHA256", value_parser = parse_pin, conflicts_with = "insecure")]
    pub pins: Vec<CertPin>,
    /// Do NOT verify the server certificate (like libaxa). Only for test servers.
    #[arg(long = "insecure-accept-any-certificate", id = "insecure")]
    pub insecure: bool,
}

fn parse_pin(s: &str) -> Result<CertPin, String> {
    CertPin::parse(s).map_err(|e| e.to_string())
}

impl TlsArgs {
    /// The TLS options these flags (and `-E ciphers`) select.
    pub fn options(&self, ciphers: Option<&str>) -> TlsOptions {
        let verify = if self.insecure {
            TlsVerify::InsecureAcceptAnyCertificate
        } else if !self.pins.is_empty() {
            TlsVerify::Pin(self.pins.clone())
        } else if let Some(f) = &self.ca_file {
            TlsVerify::CaFile(f.clone())
        } else {
            TlsVerify::SystemRoots
        };
        TlsOptions {
            verify,
            tls12_ciphers: ciphers.map(str::to_owned),
        }
    }
}
