//! The client against a scripted fake server on real loopback sockets.

mod common;

use std::time::Duration;

use axa_proto::{
    Clist, ConnSpec, Message, Missed, Op, Opt, RateLimit, RlimitValue, Watch, Whit, WhitIp,
};
use bytes::Bytes;
use common::{listener, Peer};
use sra_client::{Client, ClientError, ClientOptions, Event, SessionError};

fn opts() -> ClientOptions {
    ClientOptions {
        origin: "sratool".into(),
        list_idle: Duration::from_millis(300),
        ..ClientOptions::default()
    }
}

#[tokio::test]
async fn login_requests_and_events_over_tcp() {
    let (l, port) = listener().await;
    let server = tokio::spawn(async move {
        let (tcp, _) = l.accept().await.unwrap();
        let mut p = Peer::new(tcp);
        assert_eq!(p.login().await, "valid-user");
        // WATCH ch=221 → OK; WATCH ch=999 → ERROR.
        let w = p.recv().await;
        assert_eq!((w.op(), w.tag()), (Op::Watch, 1));
        assert_eq!(
            w.header().pvers,
            2,
            "requests go out with the negotiated version"
        );
        p.ok(1, Op::Watch, "started").await;
        let w = p.recv().await;
        assert_eq!(w.tag(), 2);
        p.error(2, Op::Watch, "unknown channel ch999").await;
        // CHANNEL → trace text first, then OK.
        let c = p.recv().await;
        assert_eq!(
            c.message().unwrap(),
            Message::Channel(axa_proto::ChannelOnOff { ch: 221, on: true })
        );
        p.ok(0, Op::Ok, "some trace text").await;
        p.ok(0, Op::Channel, "channel ch221 on").await;
        // CGET → two CLIST and no final OK (the list ends after a quiet period).
        assert_eq!(p.recv().await.op(), Op::Cget);
        for ch in [204u16, 221] {
            p.send(
                0,
                Message::Clist(Clist {
                    ch,
                    on: ch == 221,
                    spec: format!("ch{ch} demo"),
                }),
            )
            .await;
        }
        // RLIMIT → OPT.
        let r = p.recv().await;
        assert_eq!(r.op(), Op::Opt);
        p.send(
            0,
            Message::Opt(Opt::RateLimit(RateLimit {
                max_pkts_per_sec: RlimitValue::Value(10),
                cur_pkts_per_sec: 3,
                unused: [0; 2],
                report_secs: RlimitValue::Value(5),
            })),
        )
        .await;
        // GO → OK, then a hit and a MISSED report.
        assert_eq!(p.recv().await.op(), Op::Go);
        p.ok(0, Op::Go, "").await;
        p.send(
            1,
            Message::Whit(Whit::Ip(WhitIp {
                ch: 221,
                tv_sec: 1,
                tv_usec: 2,
                ip_len: 4,
                packet: Bytes::from_static(b"\x45\x00\x00\x04"),
            })),
        )
        .await;
        p.send(
            0,
            Message::Missed(Missed {
                missed: 1,
                dropped: 2,
                rlimit: 3,
                filtered: 4,
                last_report: 5,
            }),
        )
        .await;
        // Then close.
    });

    let spec = ConnSpec::parse(&format!("tcp:valid-user@127.0.0.1,{port}")).unwrap();
    let (client, mut events) = Client::connect(&spec, &opts()).await.unwrap();
    assert_eq!(
        client.authenticated().await.unwrap().as_deref(),
        Some("valid-user authorized")
    );
    assert_eq!(client.info().pvers, 2);
    let ok = client.watch(1, Watch::channel(221)).await.unwrap();
    assert_eq!(ok.text, "started");
    match client.watch(2, Watch::channel(999)).await {
        Err(ClientError::Session(SessionError::Refused(f))) => {
            assert_eq!(f.to_string(), "WATCH unknown channel ch999")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        client.channel(221, true).await.unwrap().text,
        "channel ch221 on"
    );
    let chans = client.list_channels().await.unwrap();
    assert_eq!(
        chans.iter().map(|c| (c.ch, c.on)).collect::<Vec<_>>(),
        [(204, false), (221, true)]
    );
    let r = client
        .rate_limit(RateLimit::request(RlimitValue::Value(10), RlimitValue::Na))
        .await
        .unwrap();
    assert_eq!(r.cur_pkts_per_sec, 3);
    client.go().await.unwrap();

    // Events: HELLO, the trace text, the hit, MISSED, then the end of the stream.
    let mut got = Vec::new();
    while let Some(ev) = tokio::time::timeout(Duration::from_secs(5), events.next())
        .await
        .unwrap()
    {
        got.push(ev);
    }
    server.await.unwrap();
    assert!(matches!(got[0], Event::Hello(_)), "{got:?}");
    assert!(got
        .iter()
        .any(|e| matches!(e, Event::Trace { result, .. } if result.text == "some trace text")));
    assert!(got
        .iter()
        .any(|e| matches!(e, Event::Hit { tag: 1, whit: Whit::Ip(ip) } if ip.ch == 221)));
    assert!(got
        .iter()
        .any(|e| matches!(e, Event::Missed(m) if m.filtered == 4)));
    // Requests after the server left fail cleanly.
    assert!(matches!(
        client.go().await,
        Err(ClientError::Session(SessionError::Closed(_)))
    ));
}

#[tokio::test]
async fn refused_user() {
    let (l, port) = listener().await;
    tokio::spawn(async move {
        let (tcp, _) = l.accept().await.unwrap();
        let mut p = Peer::new(tcp);
        assert_eq!(p.recv().await.op(), Op::User);
        p.hello().await;
        let _client_hello = p.recv().await;
        p.error(0, Op::User, "invalid user").await;
    });
    let spec = ConnSpec::parse(&format!("tcp:nobody@127.0.0.1,{port}")).unwrap();
    let (client, _events) = Client::connect(&spec, &opts()).await.unwrap();
    let e = client.authenticated().await.unwrap_err();
    assert_eq!(e.to_string(), "USER invalid user");
}

#[tokio::test]
async fn nop_identification_over_a_unix_socket() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("srad.sock");
    let l = tokio::net::UnixListener::bind(&path).unwrap();
    tokio::spawn(async move {
        let (s, _) = l.accept().await.unwrap();
        let mut p = Peer::new(s);
        let first = p.recv().await;
        assert_eq!((first.op(), first.header().pvers), (Op::Nop, 1));
        // An old server: HELLO speaking only version 1 → no client HELLO.
        p.send(
            0,
            Message::Hello(axa_proto::Hello {
                id: 1,
                pvers_min: 1,
                pvers_max: 1,
                text: "srad old".into(),
            }),
        )
        .await;
        let acct = p.recv().await;
        assert_eq!(acct.op(), Op::Acct);
        p.ok(0, Op::Acct, "total-filtered=1").await;
        // Wait for the client to go away.
        assert!(p.try_recv().await.is_none());
    });
    let spec = ConnSpec::parse(&format!("unix:{}", path.display())).unwrap();
    let (client, mut events) = Client::connect(&spec, &opts()).await.unwrap();
    assert_eq!(client.authenticated().await.unwrap(), None);
    assert_eq!(client.accounting().await.unwrap().text, "total-filtered=1");
    assert!(matches!(events.next().await, Some(Event::Hello(_))));
    assert_eq!(client.info().pvers, 1);
    let why = client.close().await;
    assert_eq!(why, "closed by the client");
}

#[tokio::test]
async fn bad_frames_end_the_session() {
    use tokio::io::AsyncWriteExt;
    let (l, port) = listener().await;
    tokio::spawn(async move {
        let (mut tcp, _) = l.accept().await.unwrap();
        // A header with protocol version 9.
        tcp.write_all(&[8, 0, 0, 0, 0, 0, 9, 0]).await.unwrap();
        tokio::time::sleep(Duration::from_secs(1)).await;
    });
    let spec = ConnSpec::parse(&format!("tcp:u@127.0.0.1,{port}")).unwrap();
    let (client, mut events) = Client::connect(&spec, &opts()).await.unwrap();
    assert!(events.next().await.is_none());
    match client.authenticated().await {
        Err(ClientError::Session(SessionError::Closed(why))) => {
            assert!(why.contains("protocol error"), "{why}")
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn connect_errors_are_clear() {
    let (l, port) = listener().await;
    drop(l);
    let e = Client::connect_str(&format!("tcp:u@127.0.0.1,{port}"), &opts())
        .await
        .unwrap_err();
    assert!(e.to_string().starts_with("connect to 127.0.0.1,"), "{e}");
    assert!(Client::connect_str("tls:u@h,1", &opts()).await.is_err());
}

#[tokio::test]
async fn keepalive_nop_after_silence() {
    let (l, port) = listener().await;
    let server = tokio::spawn(async move {
        let (tcp, _) = l.accept().await.unwrap();
        let mut p = Peer::new(tcp);
        p.login().await;
        let t0 = std::time::Instant::now();
        let nop = p.recv().await;
        assert_eq!((nop.op(), nop.tag()), (Op::Nop, 0));
        t0.elapsed()
    });
    let o = ClientOptions {
        keepalive: Duration::from_millis(300),
        ..opts()
    };
    let spec = ConnSpec::parse(&format!("tcp:valid-user@127.0.0.1,{port}")).unwrap();
    let (client, _events) = Client::connect(&spec, &o).await.unwrap();
    client.authenticated().await.unwrap();
    let waited = server.await.unwrap();
    assert!(waited >= Duration::from_millis(250), "{waited:?}");
}

mod tls {
    use super::*;
    use std::sync::Arc;

    use rcgen::{CertificateParams, KeyPair};
    use rustls_pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
    use sra_client::transport::TransportOptions;
    use sra_client::{CertPin, TlsOptions, TlsVerify};

    const KEY: &str = "08459ef5-1417-448a-bc93-d61917d32f52";

    /// An apikey server: TLS with a self-signed certificate; expects the key in USER.
    async fn apikey_server(tls: bool) -> (u16, CertPin, tokio::task::JoinHandle<String>) {
        let key = KeyPair::generate().unwrap();
        let cert = CertificateParams::new(vec!["localhost".to_owned()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let pin = CertPin::of_der(cert.der());
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
        .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let (l, port) = listener().await;
        let task = tokio::spawn(async move {
            let (tcp, _) = l.accept().await.unwrap();
            if tls {
                let mut p = Peer::new(acceptor.accept(tcp).await.unwrap());
                p.login().await
            } else {
                let mut p = Peer::new(tcp);
                p.login().await
            }
        });
        (port, pin, task)
    }

    fn with_tls(tls: TlsOptions, plain: bool) -> ClientOptions {
        ClientOptions {
            transport: TransportOptions {
                tls,
                plain_apikey: plain,
            },
            ..opts()
        }
    }

    #[tokio::test]
    async fn apikey_over_tls_with_a_pin() {
        let (port, pin, server) = apikey_server(true).await;
        let o = with_tls(
            TlsOptions {
                verify: TlsVerify::Pin(vec![pin]),
                tls12_ciphers: None,
            },
            false,
        );
        let (client, _ev) = Client::connect_str(&format!("apikey:{KEY}@localhost,{port}"), &o)
            .await
            .unwrap();
        assert_eq!(
            client.authenticated().await.unwrap().as_deref(),
            Some(&*format!("{KEY} authorized"))
        );
        // The negotiated parameters, by OpenSSL's names (sratool's status line).
        let tls = client.info().tls.expect("TLS session info");
        assert_eq!(tls.to_string(), "TLSv1.3 TLS_AES_256_GCM_SHA384");
        assert_eq!(server.await.unwrap(), KEY);
    }

    #[tokio::test]
    async fn apikey_refuses_an_unverified_certificate() {
        let (port, _pin, _server) = apikey_server(true).await;
        let o = with_tls(
            TlsOptions {
                verify: TlsVerify::Pin(vec![CertPin::from_digest([7; 32])]),
                tls12_ciphers: None,
            },
            false,
        );
        let e = Client::connect_str(&format!("apikey:{KEY}@127.0.0.1,{port}"), &o)
            .await
            .unwrap_err();
        assert!(e.to_string().contains("certificate pin mismatch"), "{e}");
    }

    #[tokio::test]
    async fn apikey_in_plain_tcp_with_dash_i() {
        let (port, _pin, server) = apikey_server(false).await;
        let o = with_tls(TlsOptions::default(), true);
        let (client, _ev) = Client::connect_str(&format!("apikey:{KEY}@127.0.0.1,{port}"), &o)
            .await
            .unwrap();
        client.authenticated().await.unwrap();
        assert!(client.info().tls.is_none(), "-I: no TLS");
        assert_eq!(server.await.unwrap(), KEY);
    }
}

#[tokio::test]
async fn a_second_hello_ends_the_session() {
    let (l, port) = listener().await;
    tokio::spawn(async move {
        let (tcp, _) = l.accept().await.unwrap();
        let mut p = Peer::new(tcp);
        p.login().await;
        p.hello().await;
        let _ = p.try_recv().await;
    });
    let spec = ConnSpec::parse(&format!("tcp:valid-user@127.0.0.1,{port}")).unwrap();
    let (client, mut events) = Client::connect(&spec, &opts()).await.unwrap();
    client.authenticated().await.unwrap();
    assert!(matches!(events.next().await, Some(Event::Hello(_))));
    assert!(
        events.next().await.is_none(),
        "duplicate HELLO closes the connection"
    );
    assert!(client.close().await.contains("duplicate HELLO"));
}
