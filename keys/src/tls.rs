//! Loading PEM certificates and keys into rustls, and the server's rustls configuration.

use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use ring::digest::{digest, SHA256};
use rustls::ServerConfig;
use rustls_pki_types::pem::{self, PemObject};
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

/// The largest PEM file read (a long chain is a few tens of KiB).
pub const MAX_PEM_BYTES: u64 = 1 << 20;

/// Why a certificate, key or TLS configuration could not be loaded or built.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// Reading the file failed.
    #[error("{file}: {source}")]
    Io {
        /// The file.
        file: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The file is larger than [`MAX_PEM_BYTES`].
    #[error("{file}: larger than {MAX_PEM_BYTES} bytes")]
    TooLarge {
        /// The file.
        file: String,
    },
    /// The PEM text is malformed or has no item of the wanted kind.
    #[error("{file}: {what}: {message}")]
    Pem {
        /// The file.
        file: String,
        /// What was looked for.
        what: &'static str,
        /// The parser's message.
        message: String,
    },
    /// rustls refused the certificate/key pair (for example a key that does not match).
    #[error("TLS configuration: {0}")]
    Rustls(#[from] rustls::Error),
}

fn read_bounded(path: &Path) -> Result<Vec<u8>, TlsError> {
    let file = path.display().to_string();
    let io = |source| TlsError::Io {
        file: file.clone(),
        source,
    };
    let mut data = Vec::new();
    File::open(path)
        .map_err(io)?
        .take(MAX_PEM_BYTES + 1)
        .read_to_end(&mut data)
        .map_err(io)?;
    if data.len() as u64 > MAX_PEM_BYTES {
        return Err(TlsError::TooLarge { file });
    }
    Ok(data)
}

fn pem_error(path: &Path, what: &'static str, e: pem::Error) -> TlsError {
    let message = match e {
        pem::Error::NoItemsFound => "none found".to_owned(),
        other => other.to_string(),
    };
    TlsError::Pem {
        file: path.display().to_string(),
        what,
        message,
    }
}

/// Loads every `CERTIFICATE` block of a PEM file, leaf first as written (at least one).
pub fn load_cert_chain(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    const WHAT: &str = "PEM certificates";
    let data = read_bounded(path)?;
    let chain = CertificateDer::pem_slice_iter(&data)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| pem_error(path, WHAT, e))?;
    if chain.is_empty() {
        return Err(pem_error(path, WHAT, pem::Error::NoItemsFound));
    }
    Ok(chain)
}

/// Loads the first private key of a PEM file: PKCS#8 (`PRIVATE KEY`: RSA, ECDSA, Ed25519),
/// PKCS#1 (`RSA PRIVATE KEY`) or SEC1 (`EC PRIVATE KEY`).
pub fn load_private_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    let data = read_bounded(path)?;
    PrivateKeyDer::from_pem_slice(&data).map_err(|e| pem_error(path, "a PEM private key", e))
}

/// The server's rustls configuration: ring provider with its default suites and groups,
/// TLS 1.3 and TLS 1.2, no client authentication, SNI not required, the given chain and key.
/// With an RSA certificate the TLS 1.2 suite `ECDHE-RSA-AES256-GCM-SHA384` that libaxa clients
/// offer is available.
pub fn server_config(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<ServerConfig, TlsError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?
        .with_no_client_auth()
        .with_single_cert(chain, key)?)
}

/// Loads a certificate chain and key from PEM files and builds [`server_config`].
pub fn server_config_from_files(cert: &Path, key: &Path) -> Result<ServerConfig, TlsError> {
    server_config(load_cert_chain(cert)?, load_private_key(key)?)
}

/// SHA-256 of a certificate's DER: the pin clients check.
pub fn fingerprint_sha256(cert: &CertificateDer<'_>) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(digest(&SHA256, cert.as_ref()).as_ref());
    out
}

/// [`fingerprint_sha256`] as 64 lower-case hex digits (the form `sra-client` pins accept).
pub fn fingerprint_hex(cert: &CertificateDer<'_>) -> String {
    fingerprint_sha256(cert)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
