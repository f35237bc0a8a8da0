//! `srad` with no configuration file, as a real process: the embedded default set-up on free
//! ports, its start-up summary, a libaxa-style TLS 1.2 login with the printed API key, and the
//! generated certificate kept in the data directory across restarts.

use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axa_proto::{AxaCodec, Direction, Message, User};
use futures::{SinkExt, StreamExt};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CipherSuite, DigitallySignedStruct, ProtocolVersion, SignatureScheme};
use tokio_util::codec::Framed;

/// A running `srad`, killed on drop.
struct Srad {
    child: Child,
}

impl Drop for Srad {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What the start-up summary says.
#[derive(Debug)]
struct Summary {
    key: String,
    tls: SocketAddr,
    cert: PathBuf,
    fingerprint: String,
    text: String,
}

/// The text after `label` up to the end of its line, trimmed.
fn after<'a>(text: &'a str, label: &str) -> Option<&'a str> {
    let rest = &text[text.find(label)? + label.len()..];
    Some(rest[..rest.find('\n')?].trim())
}

fn parse(text: &str) -> Option<Summary> {
    let line = after(text, "TLS listener:")?;
    Some(Summary {
        key: after(text, "new at every start):")?.to_string(),
        tls: line.split_whitespace().next()?.parse().ok()?,
        cert: PathBuf::from(after(text, "certificate:")?),
        fingerprint: after(text, "SHA-256 fingerprint:")?.to_string(),
        text: text.to_string(),
    })
}

/// Starts `srad --data-dir DIR` on free ports and waits for its summary.
fn start(dir: &Path, log: &Path) -> (Srad, Summary) {
    let child = Command::new(env!("CARGO_BIN_EXE_srad"))
        .arg("--data-dir")
        .arg(dir)
        .args(["--tls-port", "0", "--tcp-port", "0"])
        .env("RUST_LOG", "warn")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(log).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let srad = Srad { child };
    let start = Instant::now();
    loop {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        if text.contains("Connect with:") {
            // The client lines follow; give the writer a moment to finish them.
            std::thread::sleep(Duration::from_millis(100));
            let text = std::fs::read_to_string(log).unwrap();
            let s = parse(&text).unwrap_or_else(|| panic!("unreadable summary:\n{text}"));
            return (srad, s);
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "srad printed no summary:\n{text}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Accepts exactly the server certificate whose DER has the pinned SHA-256.
#[derive(Debug)]
struct Pinned {
    fingerprint: String,
    algs: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for Pinned {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let d = ring::digest::digest(&ring::digest::SHA256, end_entity.as_ref());
        let hex: String = d.as_ref().iter().map(|b| format!("{b:02x}")).collect();
        if hex == self.fingerprint {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General(format!("fingerprint {hex}")))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.algs)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.algs)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algs.supported_schemes()
    }
}

/// What a libaxa 3.0.2 client negotiates over TLS 1.2: only ECDHE-RSA-AES256-GCM-SHA384 with
/// P-256, no SNI; here with the certificate pinned.
fn libaxa_tls12_client(fingerprint: &str) -> tokio_rustls::TlsConnector {
    let mut provider = rustls::crypto::ring::default_provider();
    provider.cipher_suites =
        vec![rustls::crypto::ring::cipher_suite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384];
    provider.kx_groups = vec![rustls::crypto::ring::kx_group::SECP256R1];
    let algs = provider.signature_verification_algorithms;
    let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(provider))
        .with_protocol_versions(&[&rustls::version::TLS12])
        .unwrap()
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(Pinned {
            fingerprint: fingerprint.to_string(),
            algs,
        }))
        .with_no_client_auth();
    config.enable_sni = false;
    tokio_rustls::TlsConnector::from(Arc::new(config))
}

/// Logs in over TLS 1.2 with the API key; returns the OK USER text.
async fn login(s: &Summary) -> String {
    let tcp = tokio::net::TcpStream::connect(s.tls).await.unwrap();
    let tls = libaxa_tls12_client(&s.fingerprint)
        .connect(ServerName::IpAddress(s.tls.ip().into()), tcp)
        .await
        .unwrap();
    let conn = tls.get_ref().1;
    assert_eq!(conn.protocol_version(), Some(ProtocolVersion::TLSv1_2));
    assert_eq!(
        conn.negotiated_cipher_suite().map(|c| c.suite()),
        Some(CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384)
    );
    let mut framed = Framed::new(tls, AxaCodec::new(Direction::FromSra));
    let first = framed.next().await.unwrap().unwrap().message().unwrap();
    assert!(matches!(first, Message::Hello(_)), "{first:?}");
    framed
        .send((
            0u16,
            Message::User(User {
                name: s.key.clone(),
            }),
        ))
        .await
        .unwrap();
    loop {
        match framed.next().await.unwrap().unwrap().message().unwrap() {
            Message::Ok(r) => return r.text,
            Message::Error(r) => panic!("USER refused: {}", r.text),
            _ => {}
        }
    }
}

#[tokio::test]
async fn embedded_default_serves_tls_and_keeps_its_certificate() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let (srad, first) = start(&data, &tmp.path().join("first.log"));
    // The summary: key, certificate in the data directory, ready-to-paste client lines.
    assert_eq!(first.key.len(), 36, "{}", first.text);
    assert_eq!(first.fingerprint.len(), 64, "{}", first.text);
    assert_eq!(first.cert, data.join("cert.pem"));
    let spec = format!(
        "sratunnel -s apikey:{}@{},{} --pin {} -c ch204",
        first.key,
        first.tls.ip(),
        first.tls.port(),
        first.fingerprint
    );
    assert!(first.text.contains(&spec), "{}", first.text);
    assert_eq!(
        first.text.matches(&first.key).count(),
        3,
        "key line, pinned and libaxa client lines: {}",
        first.text
    );
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&data.join("key.pem")), 0o600);

    let ok = tokio::time::timeout(Duration::from_secs(20), login(&first))
        .await
        .expect("login timed out");
    assert_eq!(ok, "demo authorized");
    drop(srad);

    // The next start reuses the certificate; the API key is new.
    let (_srad, second) = start(&data, &tmp.path().join("second.log"));
    assert_eq!(second.fingerprint, first.fingerprint);
    assert_ne!(second.key, first.key);
    let ok = tokio::time::timeout(Duration::from_secs(20), login(&second))
        .await
        .expect("login timed out");
    assert_eq!(ok, "demo authorized");
}

#[test]
fn port_flag_without_such_listener_is_refused() {
    let cfg = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/axa-test-suite.toml");
    let out = Command::new(env!("CARGO_BIN_EXE_srad"))
        .arg("--config")
        .arg(&cfg)
        .args(["--tls-port", "0", "--check"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--tls-port"), "{err}");
}
