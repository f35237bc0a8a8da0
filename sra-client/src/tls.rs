//! The TLS connector for `apikey:` connections (rustls with the ring provider, TLS 1.3 and 1.2).
//!
//! Unlike libaxa, which never verifies the server, the server certificate IS verified by
//! default, against the system roots (rustls-native-certs) and the host name. The other modes
//! are [`TlsVerify::CaFile`] (a private CA, e.g. the one that signed an SRA server's
//! certificate), [`TlsVerify::Pin`] (the SHA-256 of the server's own certificate; best for
//! self-signed servers) and the loudly named [`TlsVerify::InsecureAcceptAnyCertificate`], which
//! reproduces the reference client and logs a warning on every handshake.

use std::io;
use std::path::PathBuf;
use std::sync::Arc;

use rustls::crypto::CryptoProvider;
use rustls::{ClientConfig, RootCertStore};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_rustls::client::TlsStream;

use crate::ciphers::{self, UnknownCipher};
use crate::insecure::AcceptAnyCertificate;
use crate::pin::{CertPin, PinnedVerifier};

/// How the server certificate is checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum TlsVerify {
    /// Chain to the operating system's trusted roots and match the host name (the default).
    #[default]
    SystemRoots,
    /// Chain to the CA certificate(s) in this PEM file and match the host name.
    CaFile(PathBuf),
    /// Accept only a server certificate whose DER SHA-256 is one of these (chain and host name
    /// are not checked; handshake signatures are).
    Pin(Vec<CertPin>),
    /// Accept ANY certificate: no protection against an active attacker. Logs a warning on each
    /// handshake. This is what libaxa 3.0.2 does; use it only for test servers.
    InsecureAcceptAnyCertificate,
}

/// TLS client settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsOptions {
    /// Server certificate verification.
    pub verify: TlsVerify,
    /// OpenSSL-style TLS 1.2 cipher list (`-E`); `None` = every suite rustls supports.
    pub tls12_ciphers: Option<String>,
}

/// What a finished handshake agreed on: sratool's `connect`/`status` "TLS info" (spec §8.1).
/// libaxa prints it as `<version> <cipher>  no compression` (OpenSSL's
/// `SSL_CIPHER_get_version`/`SSL_CIPHER_get_name`); the names here are spelled the same way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsSessionInfo {
    /// `TLSv1.3` or `TLSv1.2`.
    pub version: String,
    /// The cipher suite by its OpenSSL name, e.g. `TLS_AES_256_GCM_SHA384` (TLS 1.3) or
    /// `ECDHE-RSA-AES256-GCM-SHA384` (TLS 1.2; the rustls name for a suite OpenSSL does not
    /// know by another name).
    pub cipher: String,
}

impl TlsSessionInfo {
    /// The parameters of an established client connection; `None` before the handshake
    /// completed.
    pub fn of<S>(stream: &TlsStream<S>) -> Option<TlsSessionInfo> {
        let (_, conn) = stream.get_ref();
        let version = match conn.protocol_version()? {
            rustls::ProtocolVersion::TLSv1_3 => "TLSv1.3".to_owned(),
            rustls::ProtocolVersion::TLSv1_2 => "TLSv1.2".to_owned(),
            other => format!("{other:?}"),
        };
        let negotiated = conn.negotiated_cipher_suite()?;
        let openssl = ciphers::supported_names().into_iter().find(|name| {
            ciphers::suites_for_list(name).is_ok_and(|v| v.last() == Some(&negotiated))
        });
        let cipher = match openssl {
            Some(name) => name.to_owned(),
            None => {
                let suite = negotiated.suite();
                match suite.as_str() {
                    Some(iana) => iana.replacen("TLS13_", "TLS_", 1),
                    None => format!("{suite:?}"),
                }
            }
        };
        Some(TlsSessionInfo { version, cipher })
    }
}

impl std::fmt::Display for TlsSessionInfo {
    /// `TLSv1.3 TLS_AES_256_GCM_SHA384`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.version, self.cipher)
    }
}

/// Errors building the TLS configuration or doing the handshake.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// The CA file could not be read.
    #[error("cannot read CA file {path}: {source}")]
    CaFile {
        /// The file.
        path: PathBuf,
        /// Why.
        source: rustls_pki_types::pem::Error,
    },
    /// The CA file holds no certificate rustls accepts as a trust anchor.
    #[error("CA file {0} holds no usable CA certificate")]
    NoCaCertificates(PathBuf),
    /// No system root certificate could be loaded.
    #[error("no trusted root certificates found on this system ({0}); use a CA file or a certificate pin")]
    NoSystemRoots(String),
    /// A pin list was empty.
    #[error("certificate pinning needs at least one pin")]
    NoPins,
    /// The `-E` list names an unsupported cipher.
    #[error(transparent)]
    Cipher(#[from] UnknownCipher),
    /// rustls refused the configuration.
    #[error("TLS configuration: {0}")]
    Config(#[from] rustls::Error),
    /// The host cannot be used as a TLS server name.
    #[error("invalid TLS server name {0:?}")]
    ServerName(String),
    /// The server's certificate was rejected.
    #[error("server certificate of {server} rejected: {}", describe(reason))]
    Certificate {
        /// Host we connected to.
        server: String,
        /// The rustls verdict (unknown issuer, name mismatch, pin mismatch, expired...).
        reason: rustls::Error,
    },
    /// The handshake failed for another reason (protocol, I/O).
    #[error("TLS handshake with {server} failed: {source}")]
    Handshake {
        /// Host we connected to.
        server: String,
        /// The underlying error.
        source: io::Error,
    },
}

/// A reusable client-side TLS connector.
#[derive(Clone)]
pub struct TlsConnector {
    inner: tokio_rustls::TlsConnector,
}

impl std::fmt::Debug for TlsConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TlsConnector")
    }
}

impl TlsConnector {
    /// Builds the rustls configuration (loads roots or the CA file now).
    pub fn new(opts: &TlsOptions) -> Result<TlsConnector, TlsError> {
        let mut provider = rustls::crypto::ring::default_provider();
        if let Some(list) = &opts.tls12_ciphers {
            provider.cipher_suites = ciphers::suites_for_list(list)?;
        }
        let algorithms = provider.signature_verification_algorithms;
        let provider: Arc<CryptoProvider> = Arc::new(provider);
        let builder = ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?;
        let config = match &opts.verify {
            TlsVerify::SystemRoots => {
                let loaded = rustls_native_certs::load_native_certs();
                let mut roots = RootCertStore::empty();
                let (added, _) = roots.add_parsable_certificates(loaded.certs);
                if added == 0 {
                    let why = loaded
                        .errors
                        .first()
                        .map(|e| e.to_string())
                        .unwrap_or_else(|| "none installed".to_owned());
                    return Err(TlsError::NoSystemRoots(why));
                }
                builder.with_root_certificates(roots)
            }
            TlsVerify::CaFile(path) => {
                let mut roots = RootCertStore::empty();
                let certs = CertificateDer::pem_file_iter(path)
                    .and_then(|it| it.collect::<Result<Vec<_>, _>>())
                    .map_err(|source| TlsError::CaFile {
                        path: path.clone(),
                        source,
                    })?;
                let (added, _) = roots.add_parsable_certificates(certs);
                if added == 0 {
                    return Err(TlsError::NoCaCertificates(path.clone()));
                }
                builder.with_root_certificates(roots)
            }
            TlsVerify::Pin(pins) => {
                if pins.is_empty() {
                    return Err(TlsError::NoPins);
                }
                builder
                    .dangerous()
                    .with_custom_certificate_verifier(PinnedVerifier::new(pins.clone(), algorithms))
            }
            TlsVerify::InsecureAcceptAnyCertificate => {
                tracing::warn!("TLS server certificates will NOT be verified (insecure mode)");
                builder
                    .dangerous()
                    .with_custom_certificate_verifier(AcceptAnyCertificate::new(algorithms))
            }
        }
        .with_no_client_auth();
        Ok(TlsConnector {
            inner: tokio_rustls::TlsConnector::from(Arc::new(config)),
        })
    }

    /// Does the client handshake over `stream`; `host` is the name (or address literal) the
    /// certificate must be valid for in the verifying modes.
    pub async fn connect<S>(&self, host: &str, stream: S) -> Result<TlsStream<S>, TlsError>
    where
        S: AsyncRead + AsyncWrite + Unpin,
    {
        let name = server_name(host)?;
        self.inner
            .connect(name, stream)
            .await
            .map_err(|source| handshake_error(host, source))
    }
}

fn server_name(host: &str) -> Result<ServerName<'static>, TlsError> {
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    ServerName::try_from(bare.to_owned()).map_err(|_| TlsError::ServerName(host.to_owned()))
}

/// rustls prints custom verifier errors with `Debug`; show our own message instead.
fn describe(reason: &rustls::Error) -> String {
    match reason {
        rustls::Error::InvalidCertificate(rustls::CertificateError::Other(other)) => {
            other.to_string()
        }
        other => other.to_string(),
    }
}

fn handshake_error(host: &str, source: io::Error) -> TlsError {
    let reason = source
        .get_ref()
        .and_then(|e| e.downcast_ref::<rustls::Error>())
        .cloned();
    match reason {
        Some(reason @ rustls::Error::InvalidCertificate(_)) => TlsError::Certificate {
            server: host.to_owned(),
            reason,
        },
        _ => TlsError::Handshake {
            server: host.to_owned(),
            source,
        },
    }
}

#[cfg(test)]
mod tests;
