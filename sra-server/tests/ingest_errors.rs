//! Error and channel watches through a real replay: undecodable payloads reach `errors`
//! watches with field_idx/val_idx ERROR, channel watches see everything with NONE, and a
//! session with the channel off sees nothing.

mod ingest_common;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use ingest_common::*;
use nmsg::writer::{Writer, WriterConfig};
use nmsg::Payload;
use sra_server::config::Source;
use sra_server::feed::RunningChannel;
use sra_server::hit::{IDX_ERROR, IDX_NONE};
use sra_server::limiter::RLIMIT_OFF;
use sra_server::{Subscriber, Tag, WatchPattern};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_and_channel_watches() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("e.nmsg");
    let good = dnsdedupe(0, "www.example.com", [192, 0, 2, 1], &[], 0);
    // A dnsdedupe whose inner message is not protobuf (a length running past the end).
    let bad = Payload {
        payload: Some(Bytes::from_static(b"\x0a\x7fshort")),
        ..dnsdedupe(1, "x.example.com", [192, 0, 2, 2], &[], 0)
    };
    // A type this server has no schema for: not an error (a choice), no keys.
    let unknown = Payload {
        vid: 77,
        msgtype: 3,
        ..dnsdedupe(2, "y.example.com", [192, 0, 2, 3], &[], 0)
    };
    let mut bytes = Vec::new();
    let mut w = Writer::to_stream(&mut bytes, WriterConfig::file());
    for p in [&good, &bad, &unknown] {
        w.write(p).unwrap();
    }
    w.flush().unwrap();
    drop(w);
    std::fs::write(&path, bytes).unwrap();

    let (idx, id, errs) = one_subscriber(213);
    idx.update(|m| m.add_watch(id, Tag(4), WatchPattern::Errors))
        .unwrap();
    watch_dns(&idx, id, 9, "*.example.com");
    let all = Arc::new(Subscriber::new(100, RLIMIT_OFF));
    all.channels.set(213, true);
    let off = Arc::new(Subscriber::new(100, RLIMIT_OFF));
    idx.update(|m| {
        let a = m.add_session(all.clone());
        m.add_watch(a, Tag(1), WatchPattern::Channel(213)).unwrap();
        let o = m.add_session(off.clone());
        m.add_watch(o, Tag(1), WatchPattern::Channel(213)).unwrap();
    });
    let src = Source::File {
        path,
        rate: None,
        repeat: false,
    };
    let mut ch = RunningChannel::start(&channel(213, src), &idx).unwrap();
    tokio::time::timeout(Duration::from_secs(10), ch.finished())
        .await
        .unwrap();

    let e: Vec<_> = drain(&errs)
        .iter()
        .map(|h| {
            (
                h.tag,
                h.field_idx,
                h.val_idx,
                hit_payload(h).time_sec - 1_700_000_000,
            )
        })
        .collect();
    assert_eq!(e, vec![(9, 8, 0, 0), (4, IDX_ERROR, IDX_ERROR, 1)]);
    let a = drain(&all);
    assert_eq!(a.len(), 3);
    assert!(a
        .iter()
        .all(|h| (h.tag, h.field_idx, h.val_idx) == (1, IDX_NONE, IDX_NONE)));
    assert_eq!(
        hit_payload(&a[1]),
        bad,
        "undecodable payloads travel unchanged"
    );
    assert!(drain(&off).is_empty(), "channel off: nothing");
    let t = ch.stats().totals();
    assert_eq!((t.payloads, t.undecodable, t.queued), (3, 1, 5), "{t:?}");
}
