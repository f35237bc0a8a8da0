//! The explicitly insecure verifier: accepts any server certificate.
//!
//! This is what the reference client (libaxa 3.0.2) does for every `apikey:` connection. Here it
//! must be asked for by name ([`crate::TlsVerify::InsecureAcceptAnyCertificate`]) and it logs a
//! warning on every handshake. Handshake signatures are still checked against the presented
//! certificate, which proves only that the peer holds that certificate's key, not who it is.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, WebPkiSupportedAlgorithms};
use rustls::{DigitallySignedStruct, SignatureScheme};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};

use crate::pin::CertPin;

/// Accepts whatever certificate the server sends (logging a warning with its SHA-256 pin, so an
/// operator can switch to pinning).
#[derive(Debug)]
pub struct AcceptAnyCertificate {
    algorithms: WebPkiSupportedAlgorithms,
}

impl AcceptAnyCertificate {
    /// A verifier using the given signature algorithms for the handshake signatures.
    pub fn new(algorithms: WebPkiSupportedAlgorithms) -> Arc<AcceptAnyCertificate> {
        Arc::new(AcceptAnyCertificate { algorithms })
    }
}

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        tracing::warn!(
            server = ?server_name,
            pin = %CertPin::of_der(end_entity.as_ref()),
            "INSECURE: server certificate NOT verified (accept-any-certificate mode); \
             consider pinning this certificate"
        );
        Ok(ServerCertVerified::assertion())
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
