//! Generated certificates load into rustls and complete real TLS 1.2 and 1.3 handshakes on
//! 127.0.0.1, with the client configured the way libaxa is (TLS 1.2 with only
//! ECDHE-RSA-AES256-GCM-SHA384 on P-256, no SNI) and pinning the certificate fingerprint.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{ring as ring_provider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{CipherSuite, ClientConfig, DigitallySignedStruct, ProtocolVersion, SignatureScheme};
use sra_keys::{
    fingerprint_hex, fingerprint_sha256, load_cert_chain, load_private_key,
    server_config_from_files, KeyAlgorithm, SelfSigned, TlsError,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::{TlsAcceptor, TlsConnector};

/// RSA generation takes seconds in debug builds: do it once for the whole file.
fn rsa() -> &'static SelfSigned {
    static RSA: OnceLock<SelfSigned> = OnceLock::new();
    RSA.get_or_init(|| {
        SelfSigned::generate(
            &["localhost".into(), "127.0.0.1".into()],
            KeyAlgorithm::Rsa2048,
        )
        .unwrap()
    })
}

fn ecdsa() -> SelfSigned {
    SelfSigned::generate(&["localhost".into()], KeyAlgorithm::EcdsaP256).unwrap()
}

/// Accepts exactly the certificate with the pinned SHA-256 (signatures still verified).
#[derive(Debug)]
struct Pin {
    digest: [u8; 32],
    provider: Arc<rustls::crypto::CryptoProvider>,
}

impl ServerCertVerifier for Pin {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if fingerprint_sha256(end_entity) == self.digest {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General("certificate pin mismatch".into()))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// A client like libaxa's: TLS 1.2 only with the single RSA suite and P-256, or TLS 1.3.
fn client(pin: [u8; 32], libaxa_tls12: bool) -> ClientConfig {
    let mut provider = ring_provider::default_provider();
    let versions: &[&rustls::SupportedProtocolVersion] = if libaxa_tls12 {
        provider.cipher_suites =
            vec![ring_provider::cipher_suite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384];
        provider.kx_groups = vec![ring_provider::kx_group::SECP256R1];
        &[&rustls::version::TLS12]
    } else {
        &[&rustls::version::TLS13]
    };
    let provider = Arc::new(provider);
    let mut config = ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(versions)
        .unwrap()
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(Pin {
            digest: pin,
            provider,
        }))
        .with_no_client_auth();
    config.enable_sni = false;
    config
}

/// Handshakes over 127.0.0.1, echoes a message, and returns the negotiated version and suite.
async fn handshake(
    server: rustls::ServerConfig,
    client: ClientConfig,
) -> Result<(ProtocolVersion, CipherSuite), String> {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(server));
    let server_task = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let mut tls = acceptor.accept(tcp).await.map_err(|e| e.to_string())?;
        let mut buf = [0u8; 4];
        tls.read_exact(&mut buf).await.map_err(|e| e.to_string())?;
        tls.write_all(&buf).await.map_err(|e| e.to_string())?;
        tls.shutdown().await.map_err(|e| e.to_string())
    });
    let tcp = TcpStream::connect(addr).await.unwrap();
    let name = ServerName::try_from("localhost").unwrap();
    let result = async {
        let mut tls = TlsConnector::from(Arc::new(client))
            .connect(name, tcp)
            .await
            .map_err(|e| e.to_string())?;
        tls.write_all(b"axa!").await.map_err(|e| e.to_string())?;
        let mut buf = [0u8; 4];
        tls.read_exact(&mut buf).await.map_err(|e| e.to_string())?;
        assert_eq!(&buf, b"axa!");
        let conn = tls.get_ref().1;
        Ok((
            conn.protocol_version().unwrap(),
            conn.negotiated_cipher_suite().unwrap().suite(),
        ))
    }
    .await;
    let server_result = server_task.await.unwrap();
    if result.is_ok() {
        server_result.unwrap();
    }
    result
}

#[tokio::test]
async fn rsa_certificate_serves_the_libaxa_tls12_suite() {
    let cert = rsa();
    let got = handshake(
        cert.server_config().unwrap(),
        client(cert.fingerprint(), true),
    )
    .await;
    assert_eq!(
        got,
        Ok((
            ProtocolVersion::TLSv1_2,
            CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
        ))
    );
}

#[tokio::test]
async fn rsa_certificate_serves_tls13() {
    let cert = rsa();
    let (version, _) = handshake(
        cert.server_config().unwrap(),
        client(cert.fingerprint(), false),
    )
    .await
    .unwrap();
    assert_eq!(version, ProtocolVersion::TLSv1_3);
}

#[tokio::test]
async fn ecdsa_certificate_serves_tls13_but_not_the_libaxa_tls12_suite() {
    let cert = ecdsa();
    let (version, _) = handshake(
        cert.server_config().unwrap(),
        client(cert.fingerprint(), false),
    )
    .await
    .unwrap();
    assert_eq!(version, ProtocolVersion::TLSv1_3);
    // The one TLS 1.2 suite libaxa offers needs an RSA certificate.
    assert!(handshake(
        cert.server_config().unwrap(),
        client(cert.fingerprint(), true)
    )
    .await
    .is_err());
}

#[tokio::test]
async fn a_wrong_pin_fails_the_handshake() {
    let cert = ecdsa();
    let other = ecdsa();
    let got = handshake(
        cert.server_config().unwrap(),
        client(other.fingerprint(), false),
    )
    .await;
    assert!(got.unwrap_err().contains("pin mismatch"));
}

#[tokio::test]
async fn written_files_load_and_serve() {
    let dir = tempfile::tempdir().unwrap();
    let cert = rsa();
    let (cert_path, key_path) = cert.write_files(dir.path()).unwrap();
    let mode = |p: &Path| {
        std::os::unix::fs::PermissionsExt::mode(&p.metadata().unwrap().permissions()) & 0o777
    };
    assert_eq!(mode(&key_path), 0o600);
    assert_eq!(mode(&cert_path), 0o644);
    let chain = load_cert_chain(&cert_path).unwrap();
    assert_eq!(chain, vec![cert.cert_der.clone()]);
    assert_eq!(fingerprint_hex(&chain[0]).len(), 64);
    assert!(matches!(
        load_private_key(&key_path).unwrap(),
        PrivateKeyDer::Pkcs8(_)
    ));
    let server = server_config_from_files(&cert_path, &key_path).unwrap();
    let (version, suite) = handshake(server, client(cert.fingerprint(), true))
        .await
        .unwrap();
    assert_eq!(version, ProtocolVersion::TLSv1_2);
    assert_eq!(suite, CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384);
}

#[test]
fn loads_chains_and_every_key_format() {
    use rsa::pkcs1::EncodeRsaPrivateKey;
    use rsa::pkcs8::DecodePrivateKey;
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    // A chain of two certificates, in file order.
    let (a, b) = (ecdsa(), ecdsa());
    let chain = load_cert_chain(&write("chain.pem", &(a.cert_pem.clone() + &b.cert_pem))).unwrap();
    assert_eq!(chain, vec![a.cert_der.clone(), b.cert_der.clone()]);

    // PKCS#1 RSA ("RSA PRIVATE KEY").
    let rsa_key = rsa::RsaPrivateKey::from_pkcs8_der(rsa().key_der.secret_pkcs8_der()).unwrap();
    let pkcs1 = rsa_key.to_pkcs1_pem(rsa::pkcs8::LineEnding::LF).unwrap();
    let k = load_private_key(&write("rsa1.pem", &pkcs1)).unwrap();
    assert!(matches!(k, PrivateKeyDer::Pkcs1(_)));
    ring_provider::sign::any_supported_type(&k).unwrap();
    // The PKCS#1 key still pairs with its certificate.
    sra_keys::server_config(vec![rsa().cert_der.clone()], k).unwrap();

    // SEC1 ("EC PRIVATE KEY"); a throwaway P-256 test key that protects nothing.
    let sec1 = "-----BEGIN EC PRIVATE KEY-----\n\
        MHcCAQEEIEXOf4FEkEPRAl6imZa4QQ1NOwIKdP313u6s0yUblklGoAoGCCqGSM49\n\
        AwEHoUQDQgAE6fQTHbyXD3HVBSPZ4FR5qB6npczGaOgR2wO6tpwn3JeMmYcfG4wB\n\
        ma0AdkTHSJ4hVjykR7I5g3ik9DlyPkfu9A==\n\
        -----END EC PRIVATE KEY-----\n";
    let k = load_private_key(&write("sec1.pem", sec1)).unwrap();
    assert!(matches!(k, PrivateKeyDer::Sec1(_)));
    ring_provider::sign::any_supported_type(&k).unwrap();

    // Ed25519 PKCS#8.
    let ed = rcgen::KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap();
    let k = load_private_key(&write("ed.pem", &ed.serialize_pem())).unwrap();
    assert!(matches!(k, PrivateKeyDer::Pkcs8(_)));
    ring_provider::sign::any_supported_type(&k).unwrap();
}

#[test]
fn bad_files_give_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.pem");
    std::fs::write(&empty, "no pem here\n").unwrap();
    let e = load_cert_chain(&empty).unwrap_err();
    assert!(matches!(e, TlsError::Pem { .. }));
    assert!(
        e.to_string().contains("empty.pem") && e.to_string().contains("none found"),
        "{e}"
    );
    assert!(matches!(
        load_private_key(&empty),
        Err(TlsError::Pem { .. })
    ));
    let missing = dir.path().join("missing.pem");
    assert!(matches!(
        load_cert_chain(&missing),
        Err(TlsError::Io { .. })
    ));
    let big = dir.path().join("big.pem");
    std::fs::write(&big, vec![b'a'; sra_keys::MAX_PEM_BYTES as usize + 1]).unwrap();
    assert!(matches!(
        load_private_key(&big),
        Err(TlsError::TooLarge { .. })
    ));
    // A key that does not belong to the certificate is refused.
    let (a, b) = (ecdsa(), ecdsa());
    let (cert_a, _) = a.write_files(dir.path()).unwrap();
    let other = dir.path().join("other");
    std::fs::create_dir(&other).unwrap();
    let (_, key_b) = b.write_files(&other).unwrap();
    assert!(matches!(
        server_config_from_files(&cert_a, &key_b),
        Err(TlsError::Rustls(_))
    ));
}
