//! The tunnel's fast lane (WHITs handed to the output thread in batches, NMSG payloads copied
//! through encoded) writes exactly what decoding and re-encoding every payload writes, counts
//! hits for `-C` as before (a multi-payload container counts, an undecodable one does not),
//! and reaches UDP receivers through the batched `sendmmsg` sink.

mod common;

use std::net::UdpSocket;
use std::time::Duration;

use axa_proto::{ConnSpec, Message, Op, Whit, WhitNmsg};
use bytes::{Bytes, BytesMut};
use common::{listener, Peer};
use nmsg::writer::{Writer, WriterConfig};
use nmsg::{ContainerBuilder, Payload};
use sra_client::output::driver::{DriverExit, OutputDriver};
use sra_client::output::nmsg_out::NmsgOptions;
use sra_client::output::{open, OutputSpec};
use sra_client::rotation::{Limits, Trigger};
use sra_client::session::startup::{plan, StartupOptions};
use sra_client::tunnel::{run, TunnelConfig, TunnelExit};
use sra_client::ClientOptions;

const HITS: u32 = 600;

fn payload(n: u32) -> Payload {
    Payload {
        vid: 2,
        msgtype: 1,
        time_sec: 1_600_000_000 + i64::from(n),
        time_nsec: n,
        payload: Some(Bytes::from(vec![
            (n % 251) as u8;
            20 + (n as usize * 7) % 400
        ])),
        source: (n % 3 == 0).then_some(n),
        ..Payload::default()
    }
}

fn whit(payloads: &[Payload]) -> Bytes {
    let mut b = ContainerBuilder::new();
    for p in payloads {
        b.push(p);
    }
    let mut body = BytesMut::new();
    b.write_body(None, &mut body);
    let mut c = BytesMut::new();
    c.extend_from_slice(b"NMSG\x00\x02");
    c.extend_from_slice(&(body.len() as u32).to_be_bytes());
    c.extend_from_slice(&body);
    c.freeze()
}

fn hit(container: Bytes) -> Message {
    Message::Whit(Whit::Nmsg(WhitNmsg {
        ch: 221,
        field_idx: 0xFFF1,
        val_idx: 0xFFF1,
        vid: 2,
        msgtype: 1,
        ts_sec: 0,
        ts_nsec: 0,
        container,
    }))
}

/// Start-up, then the hits: every 100th is preceded by a container whose payload fails its
/// CRC (skipped, not counted) and a two-payload container (ignored but counted, as libaxa).
async fn serve(l: tokio::net::TcpListener) {
    let (tcp, _) = l.accept().await.unwrap();
    let mut p = Peer::new(tcp);
    p.login().await;
    loop {
        let f = p.recv().await;
        p.ok(f.tag(), f.op(), "ok").await;
        if f.op() == Op::Go {
            break;
        }
    }
    for n in 0..HITS {
        if n % 100 == 50 {
            let mut bad = whit(&[payload(n)]).to_vec();
            let inner = payload(n).payload.unwrap();
            let at = bad.windows(inner.len()).position(|w| w == inner).unwrap();
            bad[at + inner.len() / 2] ^= 0x10;
            p.send(1, hit(Bytes::from(bad))).await;
            p.send(1, hit(whit(&[payload(n), payload(n + 1)]))).await;
        }
        p.send(1, hit(whit(&[payload(n)]))).await;
    }
    // The tunnel stops after -C and hangs up.
    let _ = p.try_recv().await;
}

fn config(port: u16) -> TunnelConfig {
    let steps = plan(&StartupOptions {
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

/// Runs the tunnel to `spec` until `-C` (the good hits plus the ignored ones).
async fn tunnel_to(spec: OutputSpec) {
    let (l, port) = listener().await;
    let server = tokio::spawn(serve(l));
    let opener =
        Box::new(move |p: Option<&std::path::Path>| open(&spec, p, false, NmsgOptions::default()));
    let limits = Limits {
        count: Some(u64::from(HITS + HITS / 100)),
        ..Limits::default()
    };
    let driver = OutputDriver::start(opener, limits, None, 4).unwrap();
    let exit = tokio::time::timeout(
        Duration::from_secs(30),
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
    server.await.unwrap();
}

#[tokio::test]
async fn file_output_is_byte_identical_to_decode_and_rewrite() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("out.nmsg");
    tunnel_to(OutputSpec::NmsgFile(path.clone())).await;
    let written = std::fs::read(&path).unwrap();
    let got: Vec<Payload> = nmsg::reader::StreamReader::new(&written[..], nmsg::Limits::default())
        .map(|r| r.unwrap())
        .collect();
    assert_eq!(got.len(), HITS as usize);
    assert!(got == (0..HITS).map(payload).collect::<Vec<_>>());
    // Container by container (the output thread's flush after silence decides where they
    // end), the bytes are those of decoding the payloads and writing them again.
    let mut rest = &written[..];
    while !rest.is_empty() {
        let len = 10 + u32::from_be_bytes(rest[6..10].try_into().unwrap()) as usize;
        let frame = Bytes::copy_from_slice(&rest[..len]);
        rest = &rest[len..];
        let c = nmsg::container::decode(&frame, &nmsg::Limits::default()).unwrap();
        let mut w = Writer::to_stream(Vec::new(), WriterConfig::file());
        for p in c.payloads() {
            w.write(&p.unwrap()).unwrap();
        }
        let expected = w.into_inner().unwrap().0;
        assert!(
            frame[..] == expected[..],
            "output differs from decode and re-encode"
        );
    }
}

#[tokio::test]
async fn udp_output_delivers_every_hit_in_order() {
    let rx = UdpSocket::bind("127.0.0.1:0").unwrap();
    rx.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let port = rx.local_addr().unwrap().port();
    let spec = OutputSpec::parse(&format!("nmsg:udp:127.0.0.1,{port}")).unwrap();
    // Received while the tunnel runs (the default socket buffer holds only part of them).
    let receiver = std::thread::spawn(move || {
        let mut input = nmsg::Input::new(nmsg::Limits::default());
        let mut buf = vec![0u8; 2048];
        let mut got = Vec::new();
        while got.len() < HITS as usize {
            let Ok(n) = rx.recv(&mut buf) else { break };
            assert!(n <= nmsg::writer::SIZE_ETHER);
            let c = input
                .decode_datagram(
                    Bytes::copy_from_slice(&buf[..n]),
                    None,
                    std::time::Instant::now(),
                )
                .unwrap()
                .expect("whole containers");
            for p in c.payloads() {
                got.push(p.unwrap());
            }
        }
        (got, input.stats().lost)
    });
    tunnel_to(spec).await;
    let (got, lost) = receiver.join().unwrap();
    assert_eq!(lost, 0);
    assert_eq!(got.len(), HITS as usize);
    assert!(got == (0..HITS).map(payload).collect::<Vec<_>>());
}
