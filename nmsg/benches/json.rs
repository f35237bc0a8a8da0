//! JSON output (`nmsg::json::write_payload`) and input (`parse_payload`) throughput over the
//! test1-dnsqr and dedupe fixture payloads, against baselines measured in the same run:
//! base64 of the same payload bytes (a floor: every dnsqr rendering base64s its packets), and
//! serde_json serialising an already-built `Value` tree of the same output (what a
//! tree-building renderer pays at least).
//!
//! Run: `cargo bench -p nmsg --bench json`.

use std::hint::black_box;
use std::path::PathBuf;

use base64::Engine as _;
use bytes::Bytes;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use nmsg::json::{parse_payload, write_payload};
use nmsg::proto::{FieldIter, Value};
use nmsg::Payload;

fn payloads(file: &str) -> Option<Vec<Payload>> {
    let dir = std::env::var_os("AXA_TESTDATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/testdata"));
    let Ok(data) = std::fs::read(dir.join("nmsg").join(file)) else {
        eprintln!("testdata absent: skipping {file}");
        return None;
    };
    let body = Bytes::from(data).slice(10..);
    let mut out = Vec::new();
    for f in FieldIter::new(&body) {
        if let Ok(nmsg::proto::Field {
            number: 1,
            value: Value::Len(b),
        }) = f
        {
            out.push(Payload::decode(&body.slice_ref(b)).ok()?);
        }
    }
    Some(out)
}

fn group(c: &mut Criterion, name: &str, file: &str) {
    let Some(ps) = payloads(file) else {
        return;
    };
    let lines: Vec<String> = ps
        .iter()
        .map(|p| {
            let mut s = String::new();
            write_payload(&mut s, p).unwrap();
            s
        })
        .collect();
    let trees: Vec<serde_json::Value> = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Elements(ps.len() as u64));
    g.bench_function("baseline_base64_payload", |b| {
        let mut out = String::with_capacity(1 << 16);
        b.iter(|| {
            out.clear();
            for p in &ps {
                base64::engine::general_purpose::STANDARD
                    .encode_string(black_box(p.payload_bytes()), &mut out);
            }
            black_box(&out);
        })
    });
    g.bench_function("baseline_serde_value_to_string", |b| {
        let mut out = Vec::with_capacity(1 << 16);
        b.iter(|| {
            out.clear();
            for t in &trees {
                serde_json::to_writer(&mut out, black_box(t)).unwrap();
            }
            black_box(&out);
        })
    });
    g.bench_function("write_payload", |b| {
        let mut out = String::with_capacity(1 << 16);
        b.iter(|| {
            out.clear();
            for p in &ps {
                write_payload(&mut out, black_box(p)).unwrap();
            }
            black_box(&out);
        })
    });
    g.bench_function("parse_payload", |b| {
        b.iter(|| {
            for l in &lines {
                black_box(parse_payload(black_box(l)).unwrap());
            }
        })
    });
    g.finish();
}

fn benches(c: &mut Criterion) {
    group(c, "json_dnsqr", "test1-dnsqr.nmsg");
    group(c, "json_dedupe", "dedupe.nmsg");
}

criterion_group!(json, benches);
criterion_main!(json);
