//! Decoding containers (header, body scan, payload envelopes, CRC-32C check) and extracting
//! AXA match keys, against a memcpy of the same bytes measured in the same run.
//!
//! Fixtures: test1-dnsqr.nmsg (5 base:dnsqr, 3375 bytes) and dedupe.nmsg (5 SIE:dnsdedupe,
//! 720 bytes), each alone and as a 1000-container stream read through `StreamReader`.
//! Run: `cargo bench -p nmsg --bench container_decode`.

use std::hint::black_box;
use std::ops::ControlFlow;
use std::path::PathBuf;

use bytes::Bytes;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use nmsg::reader::StreamReader;
use nmsg::{container, fields, Limits};

fn testdata() -> Option<PathBuf> {
    let base = std::env::var_os("AXA_TESTDATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/testdata"));
    let dir = base.join("nmsg");
    dir.is_dir().then_some(dir)
}

fn bench(c: &mut Criterion) {
    let Some(dir) = testdata() else {
        eprintln!("SKIPPED: NMSG test data not found");
        return;
    };
    let limits = Limits::default();
    for name in ["test1-dnsqr.nmsg", "dedupe.nmsg"] {
        let raw = Bytes::from(std::fs::read(dir.join(name)).unwrap());
        let n = container::decode(&raw, &limits).unwrap().len() as u64;
        let mut g = c.benchmark_group(name);
        g.throughput(Throughput::Bytes(raw.len() as u64));
        let mut dst = vec![0u8; raw.len()];
        g.bench_function("memcpy", |b| {
            b.iter(|| {
                dst.copy_from_slice(black_box(&raw));
                black_box(&dst);
            })
        });
        g.bench_function("decode+crc", |b| {
            b.iter(|| {
                let c = container::decode(black_box(&raw), &limits).unwrap();
                let mut total = 0;
                for p in c.payloads() {
                    total += p.unwrap().payload_bytes().len();
                }
                black_box(total)
            })
        });
        g.bench_function("decode+crc+fields", |b| {
            b.iter(|| {
                let c = container::decode(black_box(&raw), &limits).unwrap();
                let mut keys = 0usize;
                for p in c.payloads() {
                    let p = p.unwrap();
                    let _ = fields::extract(p.vid, p.msgtype, p.payload_bytes(), &mut |k| {
                        black_box(k);
                        keys += 1;
                        ControlFlow::Continue(())
                    });
                }
                black_box(keys)
            })
        });
        // 1000 containers back to back, read as a file stream.
        let stream: Vec<u8> = raw.iter().copied().cycle().take(raw.len() * 1000).collect();
        g.throughput(Throughput::Bytes(stream.len() as u64));
        let mut sdst = vec![0u8; stream.len()];
        g.bench_function("stream-memcpy-x1000", |b| {
            b.iter(|| {
                sdst.copy_from_slice(black_box(&stream));
                black_box(&sdst);
            })
        });
        g.bench_function("stream-read-x1000", |b| {
            b.iter(|| {
                let r = StreamReader::new(black_box(&stream[..]), limits.clone());
                let mut count = 0u64;
                for p in r {
                    black_box(p.unwrap());
                    count += 1;
                }
                assert_eq!(count, 1000 * n);
                black_box(count)
            })
        });
        g.finish();
        eprintln!("{name}: {n} payloads per container, {} bytes", raw.len());
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
