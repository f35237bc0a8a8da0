//! Self-signed server certificates.
//!
//! ECDSA P-256 is the default. RSA-2048 is there for libaxa clients that negotiate TLS 1.2:
//! their cipher list is only `ECDHE-RSA-AES256-GCM-SHA384`, which needs an RSA certificate
//! (clients with TLS 1.3 take either). Certificates are valid from yesterday for 3650 days, with
//! the given host names / IP addresses as subject alternative names and the first as CN.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use rcgen::{CertificateParams, DistinguishedName, DnType, KeyPair};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::atomic::write_atomic;
use crate::expiry::Expiry;
use crate::rsa_key::{generate_rsa_pkcs8, RsaKeyError};
use crate::tls::{fingerprint_sha256, server_config, TlsError};

/// Validity of generated certificates.
pub const CERT_VALIDITY_DAYS: u32 = 3650;

/// The key type of a generated certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KeyAlgorithm {
    /// ECDSA with P-256 and SHA-256 (default).
    #[default]
    EcdsaP256,
    /// RSA-2048 with SHA-256 signatures (for TLS 1.2 libaxa clients).
    Rsa2048,
}

/// Why a certificate could not be generated or written.
#[derive(Debug, thiserror::Error)]
pub enum CertError {
    /// No host name was given.
    #[error("a certificate needs at least one host name")]
    NoName,
    /// rcgen refused (for example a name that is not a valid DNS name).
    #[error("certificate generation failed: {0}")]
    Rcgen(#[from] rcgen::Error),
    /// RSA key generation failed.
    #[error(transparent)]
    Rsa(#[from] RsaKeyError),
    /// Writing a file failed.
    #[error("{file}: {source}")]
    Io {
        /// The file.
        file: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

/// A generated certificate and its private key, in PEM and DER.
pub struct SelfSigned {
    /// The certificate, PEM.
    pub cert_pem: String,
    /// The private key, PKCS#8 PEM.
    pub key_pem: String,
    /// The certificate, DER.
    pub cert_der: CertificateDer<'static>,
    /// The private key, PKCS#8 DER.
    pub key_der: PrivatePkcs8KeyDer<'static>,
}

impl std::fmt::Debug for SelfSigned {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SelfSigned")
            .field("fingerprint", &crate::tls::fingerprint_hex(&self.cert_der))
            .finish_non_exhaustive()
    }
}

impl SelfSigned {
    /// Generates a key of `algorithm` and a self-signed certificate for `names` (DNS names or
    /// IP addresses; the first is also the subject CN).
    pub fn generate(names: &[String], algorithm: KeyAlgorithm) -> Result<SelfSigned, CertError> {
        let first = names.first().ok_or(CertError::NoName)?;
        let key_pair = match algorithm {
            KeyAlgorithm::EcdsaP256 => KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?,
            KeyAlgorithm::Rsa2048 => KeyPair::from_pkcs8_der_and_sign_algo(
                &generate_rsa_pkcs8(2048)?,
                &rcgen::PKCS_RSA_SHA256,
            )?,
        };
        let mut params = CertificateParams::new(names.to_vec())?;
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, first.as_str());
        params.distinguished_name = dn;
        let day = Duration::from_secs(86_400);
        let now = SystemTime::now();
        let (y, m, d) = utc_date(now - day);
        params.not_before = rcgen::date_time_ymd(y, m, d);
        let (y, m, d) = utc_date(now + day * CERT_VALIDITY_DAYS);
        params.not_after = rcgen::date_time_ymd(y, m, d);
        let cert = params.self_signed(&key_pair)?;
        Ok(SelfSigned {
            cert_pem: cert.pem(),
            key_pem: key_pair.serialize_pem(),
            cert_der: cert.der().clone(),
            key_der: PrivatePkcs8KeyDer::from(key_pair.serialize_der()),
        })
    }

    /// SHA-256 of the certificate DER (what a client pins).
    pub fn fingerprint(&self) -> [u8; 32] {
        fingerprint_sha256(&self.cert_der)
    }

    /// A rustls server configuration serving this certificate (see [`server_config`]).
    pub fn server_config(&self) -> Result<rustls::ServerConfig, TlsError> {
        server_config(
            vec![self.cert_der.clone()],
            PrivateKeyDer::Pkcs8(self.key_der.clone_key()),
        )
    }

    /// Writes `cert.pem` (mode 0644) and `key.pem` (mode 0600) into `dir`, each atomically,
    /// and returns their paths.
    pub fn write_files(&self, dir: &Path) -> Result<(PathBuf, PathBuf), CertError> {
        let cert = dir.join("cert.pem");
        let key = dir.join("key.pem");
        for (path, text, mode) in [(&key, &self.key_pem, 0o600), (&cert, &self.cert_pem, 0o644)] {
            write_atomic(path, text.as_bytes(), mode).map_err(|source| CertError::Io {
                file: path.display().to_string(),
                source,
            })?;
        }
        Ok((cert, key))
    }
}

/// The UTC calendar date of `t` (always a valid date, as `date_time_ymd` requires).
fn utc_date(t: SystemTime) -> (i32, u8, u8) {
    let (y, m, d) = Expiry::from(t).date();
    (i32::try_from(y).unwrap_or(2000), m, d)
}
