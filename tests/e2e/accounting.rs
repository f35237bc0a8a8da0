//! Scenario f: the accounting invariant `considered = sent + dropped + rlimit + sampled`
//! (nothing queued once the channel is off and the outbox drained), read from ACCT replies,
//! for one client that stalls (never reads for a while) and fast ones (plain, rate-limited,
//! sampled) on the same channel. The stalled one must lose hits to congestion; its loss must
//! not slow the others.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axa::client::{Client, ClientOptions, Event};
use axa::proto::{
    ChannelOnOff, Direction, FrameDecoder, Message, Op, RateLimit, RlimitValue, User, Watch,
    WatchMode,
};
use bytes::BytesMut;

use crate::common::TestServer;

/// Fast clients use TCP; the stalled one the UNIX socket, whose fixed ~200 KiB send buffer
/// (no autotuning, unlike loopback TCP's 4 MiB) fills within a second.
const CONFIG: &str = r#"
[[listener]]
kind = "tcp"
address = "127.0.0.1:0"
logins = ["user"]

[[listener]]
kind = "unix"
address = "SOCKET"

[limits]
outbox_hits = 256
report_secs = 1

[[channel]]
number = 221
description = "ch221 generated"
source = { kind = "generator", generator = "dnsdedupe", rate = 2000, seed = 221 }

[[user]]
name = "acct"
channels = [221]
"#;

/// The counters of an ACCT reply text.
#[derive(Debug, Default)]
struct Acct {
    filtered: u64,
    sent: u64,
    ratelimited: u64,
    congested: u64,
    /// `total-sampled`, present only when sampling held hits back.
    sampled: u64,
}

fn parse_acct(text: &str) -> Acct {
    let mut a = Acct::default();
    for (k, v) in text.split_whitespace().filter_map(|w| w.split_once('=')) {
        let v: u64 = v.parse().unwrap();
        match k {
            "total-filtered" => a.filtered = v,
            "total-sent" => a.sent = v,
            "total-ratelimited" => a.ratelimited = v,
            "total-congested" => a.congested = v,
            "total-sampled" => a.sampled = v,
            _ => {}
        }
    }
    a
}

fn frame(tag: u16, m: &Message) -> BytesMut {
    let mut b = BytesMut::new();
    m.encode_frame(tag, 1, &mut b);
    b
}

/// A client on a blocking UNIX socket, speaking AXA frames directly.
struct RawClient {
    sock: UnixStream,
    dec: FrameDecoder,
    buf: BytesMut,
    hits: u64,
    /// Sum of the `dropped` deltas of the MISSED reports received.
    missed_dropped: u64,
}

impl RawClient {
    fn connect(path: &Path) -> RawClient {
        RawClient {
            sock: UnixStream::connect(path).unwrap(),
            dec: FrameDecoder::new(Direction::FromSra),
            buf: BytesMut::new(),
            hits: 0,
            missed_dropped: 0,
        }
    }

    fn send(&mut self, tag: u16, m: Message) {
        self.sock.write_all(&frame(tag, &m)).unwrap();
    }

    /// The next non-WHIT message (WHITs are counted), `None` after `idle` of silence.
    fn next(&mut self, idle: Duration) -> Option<(u16, Message)> {
        self.sock.set_read_timeout(Some(idle)).unwrap();
        loop {
            while let Some(f) = self.dec.decode(&mut self.buf).unwrap() {
                if f.op() == Op::Whit {
                    self.hits += 1;
                } else if let Ok(Message::Missed(m)) = f.message() {
                    self.missed_dropped += m.dropped;
                } else {
                    return Some((f.tag(), f.message().unwrap()));
                }
            }
            let mut chunk = [0u8; 65536];
            match self.sock.read(&mut chunk) {
                Ok(0) => panic!("server closed"),
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(_) => return None,
            }
        }
    }

    /// Waits for the OK or ERROR answering `op`.
    fn reply(&mut self, op: Op) -> Message {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Some((_, m @ (Message::Ok(_) | Message::Error(_)))) =
                self.next(Duration::from_secs(1))
            {
                if let Message::Ok(r) | Message::Error(r) = &m {
                    if r.orig_op() == Some(op) {
                        return m;
                    }
                }
            }
        }
        panic!("no reply to {op}");
    }
}

/// The stalled session: subscribes, does not read for `stall`, then switches the channel
/// off, drains, and asks for ACCT. Returns the counters and the hits it received.
fn stalled(path: &Path, stall: Duration) -> (Acct, u64) {
    let mut c = RawClient::connect(path);
    c.send(
        0,
        Message::User(User {
            name: "acct".into(),
        }),
    );
    c.send(
        1,
        Message::Watch(Watch::parse_text("ch=221", WatchMode::Sra).unwrap()),
    );
    c.send(1, Message::Channel(ChannelOnOff { ch: 221, on: true }));
    std::thread::sleep(stall);
    c.send(2, Message::Channel(ChannelOnOff { ch: 221, on: false }));
    assert!(matches!(c.reply(Op::Channel), Message::Ok(_)));
    assert!(
        matches!(c.reply(Op::Channel), Message::Ok(_)),
        "CHANNEL off"
    );
    while c.next(Duration::from_millis(300)).is_some() {}
    c.send(3, Message::Acct);
    let acct = match c.reply(Op::Acct) {
        Message::Ok(r) => parse_acct(&r.text),
        other => panic!("{other:?}"),
    };
    // MISSED reports (at most one per report_secs = 1) carry deltas that add up to the
    // congestion total once the last report is out.
    let deadline = Instant::now() + Duration::from_secs(4);
    while c.missed_dropped < acct.congested && Instant::now() < deadline {
        c.next(Duration::from_millis(200));
    }
    assert_eq!(
        c.missed_dropped, acct.congested,
        "MISSED deltas vs ACCT: {acct:?}"
    );
    (acct, c.hits)
}

/// A fast session: counts its hits while `setup` has shaped it.
async fn fast(addr: SocketAddr) -> (Client, Arc<AtomicU64>) {
    let spec = format!("tcp:acct@127.0.0.1,{}", addr.port());
    let (c, mut events) = Client::connect_str(&spec, &ClientOptions::default())
        .await
        .unwrap();
    c.authenticated().await.unwrap();
    let hits = Arc::new(AtomicU64::new(0));
    let h = hits.clone();
    tokio::spawn(async move {
        while let Some(ev) = events.next().await {
            if let Event::Hit { .. } = ev {
                h.fetch_add(1, Ordering::Relaxed);
            }
        }
    });
    c.watch(1, Watch::parse_text("ch=221", WatchMode::Sra).unwrap())
        .await
        .unwrap();
    (c, hits)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invariant_holds_for_stalled_and_fast_sessions() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("srad.sock");
    let s = TestServer::start(&CONFIG.replace("SOCKET", path.to_str().unwrap()));
    let addr = s.addrs[0];
    let stall = tokio::task::spawn_blocking(move || stalled(&path, Duration::from_secs(2)));

    let (plain, plain_hits) = fast(addr).await;
    let (limited, limited_hits) = fast(addr).await;
    limited
        .rate_limit(RateLimit::request(RlimitValue::Value(20), RlimitValue::Na))
        .await
        .unwrap();
    let (sampled, sampled_hits) = fast(addr).await;
    assert_eq!(sampled.sample(50 * 10_000).await.unwrap(), 50 * 10_000);
    let on = Instant::now();
    for c in [&plain, &limited, &sampled] {
        c.channel(221, true).await.unwrap();
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    for c in [&plain, &limited, &sampled] {
        c.channel(221, false).await.unwrap();
    }
    // Seconds in which the rate-limited session could receive (its per-second windows).
    let windows = on.elapsed().as_secs() + 2;
    tokio::time::sleep(Duration::from_millis(300)).await;

    let mut accts = Vec::new();
    for (c, hits) in [
        (&plain, &plain_hits),
        (&limited, &limited_hits),
        (&sampled, &sampled_hits),
    ] {
        let a = parse_acct(&c.accounting().await.unwrap().text);
        assert_eq!(
            a.sent,
            hits.load(Ordering::Relaxed),
            "sent = received: {a:?}"
        );
        assert!(a.filtered > 0, "{a:?}");
        accts.push(a);
    }
    let (p, l, m) = (&accts[0], &accts[1], &accts[2]);
    assert_eq!(p.filtered, p.sent + p.ratelimited + p.congested, "{p:?}");
    assert_eq!(p.ratelimited, 0, "{p:?}");
    assert_eq!(l.filtered, l.sent + l.ratelimited + l.congested, "{l:?}");
    assert!(l.ratelimited > 0 && l.sent <= 20 * windows, "{l:?}");
    // The sampled session's counters add up with `total-sampled`, about half of them.
    assert_eq!(
        p.sampled + l.sampled,
        0,
        "no total-sampled without sampling"
    );
    assert_eq!(
        m.filtered,
        m.sent + m.ratelimited + m.congested + m.sampled,
        "{m:?}"
    );
    assert!(
        m.sampled * 4 > m.filtered && m.sampled * 4 < m.filtered * 3,
        "about half sampled out: {m:?}"
    );

    let (st, received) = stall.await.unwrap();
    assert_eq!(
        st.filtered,
        st.sent + st.ratelimited + st.congested,
        "{st:?}"
    );
    assert_eq!(st.sent, received, "{st:?}");
    assert!(
        st.congested > 0,
        "a session that does not read must lose hits: {st:?}"
    );
    // The stalled session did not hold back the plain one (which may lose a few on its
    // own on a loaded machine, never like the stalled one).
    assert!(p.congested * 100 <= p.filtered, "{p:?}");
}
