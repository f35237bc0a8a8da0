//! Certificate pinning: the SHA-256 digest of the server's end-entity certificate (DER), and a
//! rustls verifier that accepts exactly the pinned certificate.
//!
//! A pin replaces chain and host-name validation (it is meant for servers with a self-signed
//! certificate, which is how SRA servers are usually deployed), but the handshake signatures are
//! still verified with the pinned certificate's key, so a peer that merely replays the
//! certificate without its private key is refused.

use std::fmt;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, WebPkiSupportedAlgorithms};
use rustls::{CertificateError, DigitallySignedStruct, OtherError, SignatureScheme};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};

/// The SHA-256 digest of a certificate's DER encoding (what `openssl x509 -outform der |
/// sha256sum` prints).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct CertPin([u8; 32]);

/// A pin given as text that is not 32 hex-encoded bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid certificate pin {0:?}: expected 64 hex digits (colons allowed), the SHA-256 of the certificate DER")]
pub struct PinParseError(pub String);

impl CertPin {
    /// Wraps a raw digest.
    pub const fn from_digest(digest: [u8; 32]) -> CertPin {
        CertPin(digest)
    }

    /// Computes the pin of a DER-encoded certificate.
    pub fn of_der(der: &[u8]) -> CertPin {
        let d = ring::digest::digest(&ring::digest::SHA256, der);
        let mut out = [0u8; 32];
        out.copy_from_slice(d.as_ref());
        CertPin(out)
    }

    /// The raw digest.
    pub fn digest(&self) -> &[u8; 32] {
        &self.0
    }

    /// Parses 64 hex digits; `:` separators (as `openssl -fingerprint` prints) and an optional
    /// `sha256:` prefix are accepted, case does not matter.
    pub fn parse(text: &str) -> Result<CertPin, PinParseError> {
        let err = || PinParseError(text.to_owned());
        let t = text.trim();
        let t = t
            .strip_prefix("sha256:")
            .or_else(|| t.strip_prefix("SHA256:"))
            .unwrap_or(t);
        let hex: Vec<u8> = t.bytes().filter(|&b| b != b':').collect();
        if hex.len() != 64 {
            return Err(err());
        }
        let mut out = [0u8; 32];
        for (i, pair) in hex.chunks_exact(2).enumerate() {
            let hi = hex_val(pair[0]).ok_or_else(err)?;
            let lo = hex_val(pair[1]).ok_or_else(err)?;
            out[i] = hi << 4 | lo;
        }
        Ok(CertPin(out))
    }
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

impl fmt::Display for CertPin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for CertPin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CertPin({self})")
    }
}

impl std::str::FromStr for CertPin {
    type Err = PinParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CertPin::parse(s)
    }
}

/// The server presented a certificate whose digest is not the pinned one.
#[derive(Debug, Clone, thiserror::Error)]
#[error("certificate pin mismatch: expected sha256 {expected}, server presented {actual}")]
pub struct PinMismatch {
    /// The configured pin.
    pub expected: CertPin,
    /// The digest of the certificate the server sent.
    pub actual: CertPin,
}

/// A rustls verifier accepting only a certificate with the pinned digest; handshake signatures
/// are verified with the supported algorithms of the crypto provider.
#[derive(Debug)]
pub struct PinnedVerifier {
    pins: Vec<CertPin>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl PinnedVerifier {
    /// A verifier accepting any of `pins` (several pins allow a certificate roll-over).
    pub fn new(pins: Vec<CertPin>, algorithms: WebPkiSupportedAlgorithms) -> Arc<PinnedVerifier> {
        Arc::new(PinnedVerifier { pins, algorithms })
    }
}

impl ServerCertVerifier for PinnedVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let actual = CertPin::of_der(end_entity.as_ref());
        // The digest is of public data; a plain comparison leaks nothing secret.
        if self.pins.contains(&actual) {
            return Ok(ServerCertVerified::assertion());
        }
        let expected = self.pins.first().copied().unwrap_or(CertPin([0; 32]));
        Err(rustls::Error::InvalidCertificate(CertificateError::Other(
            OtherError(Arc::new(PinMismatch { expected, actual })),
        )))
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_display_round_trip() {
        let hex = "00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF";
        let pin = CertPin::parse(hex).unwrap();
        assert_eq!(pin.to_string(), hex.to_lowercase());
        let colons: Vec<String> = pin.digest().iter().map(|b| format!("{b:02X}")).collect();
        assert_eq!(CertPin::parse(&colons.join(":")).unwrap(), pin);
        assert_eq!(CertPin::parse(&format!("sha256:{hex}")).unwrap(), pin);
    }

    #[test]
    fn parse_rejects_bad_text() {
        assert!(CertPin::parse("").is_err());
        assert!(CertPin::parse("abcd").is_err());
        assert!(CertPin::parse(&"g".repeat(64)).is_err());
        assert!(CertPin::parse(&"a".repeat(66)).is_err());
    }

    #[test]
    fn digest_of_known_input() {
        // SHA-256("abc")
        assert_eq!(
            CertPin::of_der(b"abc").to_string(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
