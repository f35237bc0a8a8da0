//! Field extraction throughput over the dnsqr and dedupe fixture payloads, against two
//! baselines measured in the same run: a bare `FieldIter` walk of the same bytes and a memcpy
//! of them.
//!
//! Run: `cargo bench -p nmsg --bench fields`.

#[path = "../tests/fields_common/mod.rs"]
mod fields_common;

use std::hint::black_box;
use std::ops::ControlFlow;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use nmsg::fields::{self, Key};
use nmsg::proto::FieldIter;

fn group(c: &mut Criterion, name: &str, file: &str) {
    let Some(ps) = fields_common::payloads(file) else {
        return;
    };
    let inputs: Vec<(u32, u32, Vec<u8>)> = ps
        .iter()
        .map(|p| (p.vid, p.msgtype, p.payload_bytes().to_vec()))
        .collect();
    let total: usize = inputs.iter().map(|i| i.2.len()).sum();
    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Elements(inputs.len() as u64));

    g.bench_function("baseline_memcpy", |b| {
        let mut buf = vec![0u8; total];
        b.iter(|| {
            let mut at = 0;
            for (_, _, bytes) in &inputs {
                buf[at..at + bytes.len()].copy_from_slice(black_box(bytes));
                at += bytes.len();
            }
            black_box(&buf);
        })
    });
    g.bench_function("baseline_fielditer", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for (_, _, bytes) in &inputs {
                n += FieldIter::new(black_box(bytes)).count();
            }
            black_box(n)
        })
    });
    g.bench_function("check", |b| {
        b.iter(|| {
            for (vid, msgtype, bytes) in &inputs {
                black_box(fields::check(*vid, *msgtype, black_box(bytes))).ok();
            }
        })
    });
    g.bench_function("extract", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for (vid, msgtype, bytes) in &inputs {
                fields::extract(*vid, *msgtype, black_box(bytes), &mut |k: Key<'_>| {
                    black_box(&k);
                    n += 1;
                    ControlFlow::Continue(())
                })
                .ok();
            }
            black_box(n)
        })
    });
    g.finish();
}

fn benches(c: &mut Criterion) {
    group(c, "fields_dnsqr", "test1-dnsqr.nmsg");
    group(c, "fields_dedupe", "dedupe.nmsg");
}

criterion_group!(fields_benches, benches);
criterion_main!(fields_benches);
