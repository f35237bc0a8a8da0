//! The reconnecting tunnel against a scripted fake server, writing a real NMSG file.

mod common;

use std::time::{Duration, Instant};

use axa_proto::{ConnSpec, Message, Op, Opt, Whit, WhitNmsg};
use bytes::{Bytes, BytesMut};
use common::{listener, Peer};
use nmsg::{ContainerBuilder, Payload};
use sra_client::output::driver::{DriverExit, OutputDriver};
use sra_client::output::nmsg_out::NmsgOptions;
use sra_client::output::{open, OutputSpec};
use sra_client::rotation::{Limits, Trigger};
use sra_client::session::startup::{plan, StartupOptions};
use sra_client::tunnel::{run, TunnelConfig, TunnelExit};
use sra_client::ClientOptions;

fn payload(n: u32) -> Payload {
    Payload {
        vid: 2,
        msgtype: 1,
        time_sec: 1_600_000_000,
        time_nsec: n,
        payload: Some(Bytes::from_static(b"\x08\x01")),
        ..Payload::default()
    }
}

fn hit(n: u32) -> Message {
    let mut b = ContainerBuilder::new();
    b.push(&payload(n));
    let mut body = BytesMut::new();
    b.write_body(None, &mut body);
    let mut c = BytesMut::new();
    c.extend_from_slice(b"NMSG\x00\x02");
    c.extend_from_slice(&(body.len() as u32).to_be_bytes());
    c.extend_from_slice(&body);
    Message::Whit(Whit::Nmsg(WhitNmsg {
        ch: 221,
        field_idx: 0xFFF1,
        val_idx: 0xFFF1,
        vid: 2,
        msgtype: 1,
        ts_sec: 0,
        ts_nsec: 0,
        container: c.freeze(),
    }))
}

/// Answers the start-up sequence; `fail_watch` answers the WATCH with an ERROR instead.
async fn startup<S>(p: &mut Peer<S>, fail_watch: bool) -> bool
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    p.login().await;
    let t = p.recv().await;
    assert_eq!(t.message().unwrap(), Message::Opt(Opt::Trace(1)));
    p.ok(1, Op::Opt, "trace set").await;
    let pause = p.recv().await;
    assert_eq!((pause.op(), pause.tag()), (Op::Pause, 1));
    p.ok(1, Op::Pause, "output paused").await;
    let w = p.recv().await;
    assert_eq!((w.op(), w.tag()), (Op::Watch, 1));
    if fail_watch {
        p.error(1, Op::Watch, "unknown channel ch221").await;
        return false;
    }
    p.ok(1, Op::Watch, "started").await;
    let c = p.recv().await;
    assert_eq!(c.op(), Op::Channel);
    p.ok(1, Op::Channel, "channel ch221 on").await;
    let go = p.recv().await;
    assert_eq!(go.op(), Op::Go);
    p.ok(1, Op::Go, "output resumed").await;
    true
}

fn config(port: u16) -> TunnelConfig {
    let steps = plan(&StartupOptions {
        trace: 1,
        watches: vec!["ch=221".into()],
        channels: vec!["221".into()],
        ..StartupOptions::default()
    })
    .unwrap();
    TunnelConfig {
        spec: ConnSpec::parse(&format!("tcp:valid-user@127.0.0.1,{port}")).unwrap(),
        client: ClientOptions {
            origin: "sratunnel".into(),
            ..ClientOptions::default()
        },
        steps,
        acct_interval: None,
        nmsg_limits: nmsg::Limits::default(),
    }
}

#[tokio::test]
async fn reconnects_after_a_refused_watch_then_stops_after_count() {
    let (l, port) = listener().await;
    let server = tokio::spawn(async move {
        // First connection: the WATCH is refused; the tunnel must hang up and come back.
        let (tcp, _) = l.accept().await.unwrap();
        let mut p = Peer::new(tcp);
        assert!(!startup(&mut p, true).await);
        assert!(p.try_recv().await.is_none(), "tunnel must disconnect");
        let first_done = Instant::now();
        // Second connection: everything OK, then hits (one fragment-like empty container
        // counts too).
        let (tcp, _) = l.accept().await.unwrap();
        let waited = first_done.elapsed();
        let mut p = Peer::new(tcp);
        assert!(startup(&mut p, false).await);
        for n in 0..3 {
            p.send(1, hit(n)).await;
        }
        // The tunnel stops after -C 3 and closes the connection.
        assert!(p.try_recv().await.is_none());
        waited
    });
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("out.nmsg");
    let spec = OutputSpec::NmsgFile(path.clone());
    let opener =
        Box::new(move |p: Option<&std::path::Path>| open(&spec, p, false, NmsgOptions::default()));
    let limits = Limits {
        count: Some(3),
        ..Limits::default()
    };
    let driver = OutputDriver::start(opener, limits, None, 1024).unwrap();
    let exit = tokio::time::timeout(
        Duration::from_secs(20),
        run(config(port), driver, futures::future::pending()),
    )
    .await
    .expect("tunnel did not stop");
    assert!(
        matches!(
            exit,
            TunnelExit::Output(DriverExit::LimitReached(Trigger::Count))
        ),
        "{exit:?}"
    );
    let waited = server.await.unwrap();
    assert!(
        waited >= Duration::from_millis(900),
        "back-off of about 1 s, got {waited:?}"
    );
    let got: Vec<Payload> = nmsg::reader::StreamReader::new(
        std::fs::File::open(&path).unwrap(),
        nmsg::Limits::default(),
    )
    .map(|r| r.unwrap())
    .collect();
    assert_eq!(got, vec![payload(0), payload(1), payload(2)]);
}

#[tokio::test]
async fn shutdown_finishes_the_output() {
    let (l, port) = listener().await;
    tokio::spawn(async move {
        let (tcp, _) = l.accept().await.unwrap();
        let mut p = Peer::new(tcp);
        assert!(startup(&mut p, false).await);
        p.send(1, hit(7)).await;
        // Keep the connection open.
        let _ = p.try_recv().await;
    });
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("o.nmsg");
    let spec = OutputSpec::NmsgFile(path.clone());
    let opener =
        Box::new(move |p: Option<&std::path::Path>| open(&spec, p, false, NmsgOptions::default()));
    let driver = OutputDriver::start(opener, Limits::default(), None, 1024).unwrap();
    let stop = tokio::time::sleep(Duration::from_millis(800));
    let exit = run(config(port), driver, stop).await;
    assert!(matches!(exit, TunnelExit::Shutdown), "{exit:?}");
    let got: Vec<Payload> = nmsg::reader::StreamReader::new(
        std::fs::File::open(&path).unwrap(),
        nmsg::Limits::default(),
    )
    .map(|r| r.unwrap())
    .collect();
    assert_eq!(got, vec![payload(7)]);
}
