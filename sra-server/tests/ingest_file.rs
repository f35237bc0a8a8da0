//! NMSG file replay → ingest → subscriber: looping, pacing, bad bytes, missing files.

mod ingest_common;

use std::time::{Duration, Instant};

use ingest_common::*;
use nmsg::writer::{Writer, WriterConfig};
use nmsg::Payload;
use sra_server::config::Source;
use sra_server::feed::RunningChannel;

/// Ten payloads; 1, 4 and 7 match `ip=198.51.100.0/24`.
fn payloads() -> Vec<Payload> {
    (0..10)
        .map(|i| {
            let ip = if i % 3 == 1 {
                [198, 51, 100, i as u8]
            } else {
                [203, 0, 113, 1]
            };
            dnsdedupe(i, &format!("n{i}.example.org"), ip, &[], 0)
        })
        .collect()
}

fn write_file(
    dir: &tempfile::TempDir,
    name: &str,
    ps: &[Payload],
    junk: bool,
) -> std::path::PathBuf {
    let path = dir.path().join(name);
    let mut bytes = Vec::new();
    for half in ps.chunks(5) {
        let mut w = Writer::to_stream(&mut bytes, WriterConfig::file());
        half.iter().for_each(|p| w.write(p).unwrap());
        w.flush().unwrap();
        drop(w);
        if junk {
            bytes.extend_from_slice(b"garbage between containers");
        }
    }
    std::fs::write(&path, bytes).unwrap();
    path
}

fn file(path: std::path::PathBuf, rate: Option<u32>, repeat: bool) -> Source {
    Source::File { path, rate, repeat }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loops_and_matches() {
    let dir = tempfile::tempdir().unwrap();
    let ps = payloads();
    let path = write_file(&dir, "a.nmsg", &ps, false);
    let (idx, id, sub) = one_subscriber(204);
    watch_ip(&idx, id, 3, "198.51.100.0/24");
    let ch = RunningChannel::start(&channel(204, file(path, None, true)), &idx).unwrap();
    let hits = collect_until(&sub, 10, |h| h.len() >= 9).await;
    assert!(hits.len() >= 9, "three passes at least: {}", hits.len());
    for h in &hits {
        let p = hit_payload(h);
        let i = (p.time_sec - 1_700_000_000) as usize;
        assert_eq!(i % 3, 1);
        assert_eq!(p, ps[i]);
        assert_eq!((h.tag, h.field_idx, h.val_idx), (3, 6, 0));
    }
    let t = ch.stats().totals();
    assert!(t.payloads >= 30 && t.containers >= 6, "{t:?}");
    assert_eq!(t.data_errors, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paced_replay_ends() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(&dir, "b.nmsg", &payloads(), true);
    let (idx, id, sub) = one_subscriber(204);
    watch_dns(&idx, id, 1, "*.example.org");
    let t0 = Instant::now();
    let mut ch = RunningChannel::start(&channel(204, file(path, Some(100), false)), &idx).unwrap();
    tokio::time::timeout(Duration::from_secs(10), ch.finished())
        .await
        .expect("a replay without loop ends");
    let took = t0.elapsed();
    // 10 payloads at 100/s: the last is due 90 ms after the first.
    assert!(took >= Duration::from_millis(85), "{took:?}");
    assert!(ch.is_finished());
    let t = ch.stats().totals();
    assert_eq!((t.payloads, t.containers), (10, 2), "{t:?}");
    assert!(t.data_errors >= 1, "junk between containers counted: {t:?}");
    assert_eq!(drain(&sub).len(), 10);
}

#[tokio::test]
async fn missing_file_fails_at_start() {
    let (idx, _, _) = one_subscriber(1);
    let e = RunningChannel::start(
        &channel(1, file("/nonexistent/x.nmsg".into(), None, false)),
        &idx,
    )
    .unwrap_err();
    assert!(e.to_string().contains("/nonexistent/x.nmsg"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nobody_listening_only_counts() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(&dir, "c.nmsg", &payloads(), false);
    let (idx, id, sub) = one_subscriber(204);
    watch_dns(&idx, id, 1, "*.example.org");
    // The replay feeds channel 99, which the only session has not switched on.
    let mut ch = RunningChannel::start(&channel(99, file(path, None, false)), &idx).unwrap();
    tokio::time::timeout(Duration::from_secs(10), ch.finished())
        .await
        .unwrap();
    let t = ch.stats().totals();
    assert_eq!((t.payloads, t.considered, t.queued), (10, 0, 0), "{t:?}");
    assert!(drain(&sub).is_empty());
    assert_eq!(sub.counters.totals().filtered, 0);
}
