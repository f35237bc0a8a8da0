//! The tunnel's per-hit work: decoding a WATCH HIT's NMSG container into a payload and writing
//! it to an NMSG output, against a baseline of copying the container bytes.

use std::hint::black_box;
use std::path::Path;

use axa_proto::{Whit, WhitNmsg};
use bytes::{Bytes, BytesMut};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use nmsg::{ContainerBuilder, Payload};
use sra_client::output::driver::OwnedHit;
use sra_client::output::nmsg_out::{NmsgOptions, NmsgOutput};
use sra_client::output::Output;
use sra_client::session::hit::owned_hit;

fn whit() -> Whit {
    let p = Payload {
        vid: 2,
        msgtype: 1,
        time_sec: 1_600_000_000,
        time_nsec: 1,
        payload: Some(Bytes::from(vec![0x42; 300])),
        ..Payload::default()
    };
    let mut b = ContainerBuilder::new();
    b.push(&p);
    let mut body = BytesMut::new();
    b.write_body(None, &mut body);
    let mut c = BytesMut::from(&b"NMSG\x00\x02"[..]);
    c.extend_from_slice(&(body.len() as u32).to_be_bytes());
    c.extend_from_slice(&body);
    Whit::Nmsg(WhitNmsg {
        ch: 204,
        field_idx: 0,
        val_idx: 0,
        vid: 2,
        msgtype: 1,
        ts_sec: 0,
        ts_nsec: 0,
        container: c.freeze(),
    })
}

fn bench(c: &mut Criterion) {
    let w = whit();
    let limits = nmsg::Limits::default();
    let mut g = c.benchmark_group("hit_path");
    g.throughput(Throughput::Elements(1));
    let Whit::Nmsg(n) = &w else { return };
    g.bench_function("baseline_copy_container", |b| {
        b.iter(|| black_box(n.container.to_vec()))
    });
    g.bench_function("decode_hit", |b| {
        b.iter(|| black_box(owned_hit(black_box(&w), &limits).ok()))
    });
    let mut out = match NmsgOutput::file(Path::new("/dev/null"), false, NmsgOptions::default()) {
        Ok(o) => o,
        Err(e) => panic!("{e}"),
    };
    g.bench_function("decode_and_write_nmsg_file", |b| {
        b.iter(|| {
            if let Ok(OwnedHit::Nmsg {
                channel,
                payload,
                crc,
            }) = owned_hit(&w, &limits)
            {
                let _ = out.write_nmsg(channel, &payload, crc);
            }
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
