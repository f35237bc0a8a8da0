//! Real TLS handshakes on 127.0.0.1 against a rustls server with certificates made by rcgen.

use std::io::Write;
use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use rustls::ServerConfig;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::*;

struct Pki {
    ca_pem: String,
    leaf: CertificateDer<'static>,
    leaf_key: Vec<u8>,
}

/// A CA and a server certificate for `localhost` and 127.0.0.1 signed by it.
fn pki() -> Pki {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    static SERIAL: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let serial = SERIAL.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, format!("test CA {serial}"));
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let leaf_key = KeyPair::generate().unwrap();
    let leaf_params =
        CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).unwrap();
    let leaf = leaf_params.signed_by(&leaf_key, &issuer).unwrap();
    Pki {
        ca_pem: ca_cert.pem(),
        leaf: leaf.der().clone(),
        leaf_key: leaf_key.serialize_der(),
    }
}

/// Serves one TLS connection per accept: reads 4 bytes and echoes them back.
async fn server(pki: &Pki, tls12_only: bool) -> std::net::SocketAddr {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let versions: &[&rustls::SupportedProtocolVersion] = if tls12_only {
        &[&rustls::version::TLS12]
    } else {
        &[&rustls::version::TLS13, &rustls::version::TLS12]
    };
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(pki.leaf_key.clone()));
    let config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![pki.leaf.clone()], key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                if let Ok(mut tls) = acceptor.accept(tcp).await {
                    let mut buf = [0u8; 4];
                    if tls.read_exact(&mut buf).await.is_ok() {
                        let _ = tls.write_all(&buf).await;
                        let _ = tls.flush().await;
                    }
                }
            });
        }
    });
    addr
}

async fn handshake(
    addr: std::net::SocketAddr,
    host: &str,
    opts: TlsOptions,
) -> Result<TlsSessionInfo, TlsError> {
    let connector = TlsConnector::new(&opts)?;
    let tcp = TcpStream::connect(addr).await.unwrap();
    let mut tls = connector.connect(host, tcp).await?;
    tls.write_all(b"ping").await.unwrap();
    let mut buf = [0u8; 4];
    tls.read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"ping");
    Ok(TlsSessionInfo::of(&tls).expect("handshake done"))
}

fn ca_file(pem: &str) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(pem.as_bytes()).unwrap();
    f
}

fn opts(verify: TlsVerify) -> TlsOptions {
    TlsOptions {
        verify,
        tls12_ciphers: None,
    }
}

#[tokio::test]
async fn ca_file_verifies_the_server() {
    let pki = pki();
    let addr = server(&pki, false).await;
    let ca = ca_file(&pki.ca_pem);
    handshake(addr, "localhost", opts(TlsVerify::CaFile(ca.path().into())))
        .await
        .unwrap();
    handshake(addr, "127.0.0.1", opts(TlsVerify::CaFile(ca.path().into())))
        .await
        .unwrap();
}

#[tokio::test]
async fn unknown_issuer_is_refused_with_a_clear_error() {
    let pki = pki();
    let addr = server(&pki, false).await;
    let other = ca_file(&self::pki().ca_pem);
    let err = handshake(
        addr,
        "localhost",
        opts(TlsVerify::CaFile(other.path().into())),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(
            &err,
            TlsError::Certificate {
                reason: rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer),
                ..
            }
        ),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains("server certificate of localhost rejected"),
        "{text}"
    );
}

#[tokio::test]
async fn default_mode_verifies_against_system_roots() {
    let pki = pki();
    let addr = server(&pki, false).await;
    // A private CA is not in the system store: either the store is empty or the chain fails.
    match handshake(addr, "localhost", TlsOptions::default()).await {
        Err(TlsError::NoSystemRoots(_)) | Err(TlsError::Certificate { .. }) => {}
        other => panic!("default verification accepted a private CA: {other:?}"),
    }
}

#[tokio::test]
async fn wrong_host_name_is_refused() {
    let pki = pki();
    let addr = server(&pki, false).await;
    let ca = ca_file(&pki.ca_pem);
    let err = handshake(
        addr,
        "example.com",
        opts(TlsVerify::CaFile(ca.path().into())),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, TlsError::Certificate { .. }), "{err:?}");
}

#[tokio::test]
async fn pin_accepts_the_pinned_certificate_only() {
    let pki = pki();
    let addr = server(&pki, false).await;
    let good = CertPin::of_der(pki.leaf.as_ref());
    // A pin ignores the chain and the host name.
    handshake(addr, "example.com", opts(TlsVerify::Pin(vec![good])))
        .await
        .unwrap();

    let bad = CertPin::of_der(b"some other certificate");
    let err = handshake(addr, "localhost", opts(TlsVerify::Pin(vec![bad])))
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, TlsError::Certificate { .. }), "{text}");
    assert!(text.contains("certificate pin mismatch"), "{text}");
    assert!(text.contains(&good.to_string()), "{text}");
}

#[tokio::test]
async fn pin_over_tls12_with_a_cipher_list() {
    let pki = pki();
    let addr = server(&pki, true).await;
    let pin = CertPin::of_der(pki.leaf.as_ref());
    let opts = TlsOptions {
        verify: TlsVerify::Pin(vec![pin]),
        tls12_ciphers: Some("ECDHE-ECDSA-AES256-GCM-SHA384".into()),
    };
    let info = handshake(addr, "localhost", opts).await.unwrap();
    assert_eq!(info.to_string(), "TLSv1.2 ECDHE-ECDSA-AES256-GCM-SHA384");
}

#[tokio::test]
async fn insecure_mode_accepts_anything() {
    let pki = pki();
    let addr = server(&pki, false).await;
    let info = handshake(
        addr,
        "example.com",
        opts(TlsVerify::InsecureAcceptAnyCertificate),
    )
    .await
    .unwrap();
    assert_eq!(info.version, "TLSv1.3");
    assert!(
        [
            "TLS_AES_256_GCM_SHA384",
            "TLS_AES_128_GCM_SHA256",
            "TLS_CHACHA20_POLY1305_SHA256"
        ]
        .contains(&info.cipher.as_str()),
        "{info:?}"
    );
}

#[test]
fn configuration_errors() {
    assert!(matches!(
        TlsConnector::new(&opts(TlsVerify::Pin(vec![]))),
        Err(TlsError::NoPins)
    ));
    assert!(matches!(
        TlsConnector::new(&opts(TlsVerify::CaFile("/nonexistent/ca.pem".into()))),
        Err(TlsError::CaFile { .. })
    ));
    let empty = ca_file("no certificates here\n");
    assert!(matches!(
        TlsConnector::new(&opts(TlsVerify::CaFile(empty.path().into()))),
        Err(TlsError::NoCaCertificates(_))
    ));
    let bad_cipher = TlsOptions {
        verify: TlsVerify::InsecureAcceptAnyCertificate,
        tls12_ciphers: Some("NULL-MD5".into()),
    };
    assert!(matches!(
        TlsConnector::new(&bad_cipher),
        Err(TlsError::Cipher(_))
    ));
}
