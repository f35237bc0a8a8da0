//! Shared set-up of the ingest/source integration tests: an index with one subscriber, SIE
//! dnsdedupe payloads built field by field, and waiting for hits.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use nmsg::Payload;
use sra_server::config::{Channel, Source};
use sra_server::index::{name, shared::ip_watch};
use sra_server::limiter::RLIMIT_OFF;
use sra_server::{Hit, ServerIndex, SessionId, Subscriber, Tag, WatchPattern};

/// An index with one subscriber that has `channel` on.
pub fn one_subscriber(channel: u16) -> (Arc<ServerIndex>, SessionId, Arc<Subscriber>) {
    let idx = ServerIndex::new(100);
    let sub = Arc::new(Subscriber::new(100_000, RLIMIT_OFF));
    sub.channels.set(channel, true);
    let id = idx.update(|m| m.add_session(sub.clone()));
    (idx, id, sub)
}

/// Adds `ip=<text>` with `tag`.
pub fn watch_ip(idx: &ServerIndex, id: SessionId, tag: u16, text: &str) {
    idx.update(|m| m.add_watch(id, Tag(tag), ip_watch(text).unwrap()))
        .unwrap();
}

/// Adds `dns=<text>` (wildcard when it starts with `*.`) with `tag`.
pub fn watch_dns(idx: &ServerIndex, id: SessionId, tag: u16, text: &str) {
    let (wild, t) = match text.strip_prefix("*.") {
        Some(t) => (true, t),
        None => (false, text),
    };
    let p = WatchPattern::dns(&name::from_text(t).unwrap(), wild).unwrap();
    idx.update(|m| m.add_watch(id, Tag(tag), p)).unwrap();
}

/// A channel entry.
pub fn channel(number: u16, source: Source) -> Channel {
    Channel {
        number,
        description: String::new(),
        source,
    }
}

fn put_bytes(out: &mut Vec<u8>, n: u32, v: &[u8]) {
    nmsg::proto::put_bytes_field(out, n, v);
}

/// An SIE:dnsdedupe payload: rrname, response_ip, rrtype A (or TXT with `txt_len` bytes of
/// text when > 0), and `rdata` A records.
pub fn dnsdedupe(
    seq: i64,
    rrname: &str,
    response_ip: [u8; 4],
    rdata: &[[u8; 4]],
    txt_len: usize,
) -> Payload {
    let mut m = Vec::new();
    put_bytes(&mut m, 1, &name::from_text(rrname).unwrap());
    let rrtype = if txt_len > 0 { 16 } else { 1 };
    nmsg::proto::put_varint_field(&mut m, 2, rrtype);
    nmsg::proto::put_varint_field(&mut m, 3, 1);
    if txt_len > 0 {
        let mut txt = Vec::new();
        for chunk in vec![b'x'; txt_len].chunks(255) {
            txt.push(chunk.len() as u8);
            txt.extend_from_slice(chunk);
        }
        put_bytes(&mut m, 5, &txt);
    }
    for a in rdata {
        put_bytes(&mut m, 5, a);
    }
    put_bytes(&mut m, 14, &response_ip);
    Payload {
        vid: 2,
        msgtype: 1,
        time_sec: 1_700_000_000 + seq,
        time_nsec: 7,
        payload: Some(Bytes::from(m)),
        ..Payload::default()
    }
}

/// Takes every queued hit of `sub`.
pub fn drain(sub: &Subscriber) -> Vec<Hit> {
    let (mut c, mut d) = (Vec::new(), Vec::new());
    sub.outbox.try_batch(&mut c, &mut d, usize::MAX);
    sub.counters.add_sent(d.len() as u64);
    d
}

/// Collects hits until `done(&hits)` or `secs` seconds pass.
pub async fn collect_until(sub: &Subscriber, secs: u64, done: impl Fn(&[Hit]) -> bool) -> Vec<Hit> {
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut all = Vec::new();
    loop {
        all.extend(drain(sub));
        if done(&all) || Instant::now() > deadline {
            return all;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The payload inside an NMSG hit body (exactly one container with one payload).
pub fn hit_payload(h: &Hit) -> Payload {
    nmsg::container::decode_single(&h.body, &nmsg::Limits::default()).unwrap()
}

/// Waits until `cond()` or `secs` seconds pass; returns `cond()`.
pub async fn wait_for(secs: u64, cond: impl Fn() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !cond() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    cond()
}
