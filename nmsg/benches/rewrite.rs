//! Re-writing a file (`nmsgtool-rs -r in -w out` without the disk): a 1000-container stream of
//! test1-dnsqr.nmsg (5000 base:dnsqr payloads) read with `StreamReader` and written with a
//! file `Writer` into memory, with the reader's checked CRCs handed over
//! (`write_with_crc`) and recomputed (`write`), and left encoded (`next_encoded` →
//! `write_encoded_with_crc`, what `nmsgtool-rs -r -w` does), against a memcpy of the same bytes measured in
//! the same run. Run: `cargo bench -p nmsg --bench rewrite`.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use nmsg::reader::StreamReader;
use nmsg::writer::{Writer, WriterConfig};
use nmsg::Limits;

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
    let raw = std::fs::read(dir.join("test1-dnsqr.nmsg")).unwrap();
    let stream = raw.repeat(1000);
    let limits = Limits::default();
    let mut g = c.benchmark_group("rewrite-test1-dnsqr-x1000");
    // Elements = payloads: criterion reports payloads per second.
    g.throughput(Throughput::Elements(5000));
    let mut dst = vec![0u8; stream.len()];
    g.bench_function("memcpy", |b| {
        b.iter(|| {
            dst.copy_from_slice(black_box(&stream));
            black_box(&dst);
        })
    });
    let mut out = Vec::with_capacity(stream.len());
    for handover in [true, false] {
        let name = if handover {
            "crc-handed-over"
        } else {
            "crc-recomputed"
        };
        g.bench_function(name, |b| {
            b.iter(|| {
                out.clear();
                let mut r = StreamReader::new(black_box(&stream[..]), limits.clone());
                let mut w = Writer::to_stream(&mut out, WriterConfig::file());
                while let Some(p) = r.next_with_crc() {
                    let (p, crc) = p.unwrap();
                    if handover {
                        w.write_with_crc(&p, crc).unwrap();
                    } else {
                        w.write(&p).unwrap();
                    }
                }
                w.flush().unwrap();
                assert_eq!(w.stats().payloads, 5000);
            });
            black_box(out.len());
        });
    }
    g.bench_function("encoded-pass-through", |b| {
        b.iter(|| {
            out.clear();
            let mut r = StreamReader::new(black_box(&stream[..]), limits.clone());
            let mut w = Writer::to_stream(&mut out, WriterConfig::file());
            while let Some(p) = r.next_encoded() {
                let (envelope, crc) = p.unwrap();
                w.write_encoded_with_crc(&envelope, crc).unwrap();
            }
            w.flush().unwrap();
            assert_eq!(w.stats().payloads, 5000);
        });
        black_box(out.len());
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
