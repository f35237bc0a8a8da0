//! Decode+validate and encode of a 300-byte WATCH HIT frame and of a WATCH frame, against a
//! `copy_from_slice` of the same 300 bytes measured in the same run.
//!
//! `cargo bench -p axa-proto --bench frames -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;

use axa_proto::{Direction, Frame, Message, Watch, WatchMode, Whit, WhitNmsg, PVERS};
use bytes::{BufMut, Bytes, BytesMut};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const FRAME_LEN: usize = 300;

fn whit_frame() -> (WhitNmsg, Bytes) {
    let container = Bytes::from(vec![0xa5u8; FRAME_LEN - 28]);
    let hit = WhitNmsg {
        ch: 204,
        field_idx: 3,
        val_idx: 0,
        vid: 2,
        msgtype: 1,
        ts_sec: 1_700_000_000,
        ts_nsec: 123_456_789,
        container,
    };
    let mut b = BytesMut::with_capacity(FRAME_LEN);
    Message::Whit(Whit::Nmsg(hit.clone())).encode_frame(7, PVERS, &mut b);
    assert_eq!(b.len(), FRAME_LEN);
    (hit, b.freeze())
}

fn benches(c: &mut Criterion) {
    let mut g = c.benchmark_group("axa");
    g.throughput(Throughput::Elements(1));

    let src = [0x5au8; FRAME_LEN];
    let mut dst = [0u8; FRAME_LEN];
    g.bench_function("memcpy_300", |b| {
        b.iter(|| {
            dst.copy_from_slice(black_box(&src));
            black_box(&dst);
        })
    });

    let (hit, wire) = whit_frame();
    g.bench_function("bytes_clone_drop", |b| {
        b.iter(|| black_box(black_box(&wire).clone()))
    });
    g.bench_function("whit_300_decode_validate", |b| {
        b.iter(|| {
            let f = Frame::decode(black_box(&wire).clone(), Direction::FromSra).unwrap();
            black_box(f.into_message());
        })
    });

    let mut out = BytesMut::with_capacity(4 * FRAME_LEN);
    g.bench_function("whit_300_encode", |b| {
        b.iter(|| {
            out.clear();
            let h = black_box(&hit);
            h.encode_header(7, PVERS, &mut out);
            out.put_slice(&h.container);
            black_box(&out);
        })
    });

    g.bench_function("whit_fanout_header_28", |b| {
        b.iter(|| black_box(black_box(&hit).frame_header(7, PVERS)))
    });

    let watch = Message::Watch(Watch::parse_text("dns=*.example.com", WatchMode::Sra).unwrap());
    let mut wb = BytesMut::new();
    watch.encode_frame(1, PVERS, &mut wb);
    let wwire = wb.freeze();
    g.bench_function("watch_decode_validate", |b| {
        b.iter(|| {
            let f = Frame::decode(black_box(&wwire).clone(), Direction::ToSra).unwrap();
            black_box(f.into_message());
        })
    });
    g.bench_function("watch_encode", |b| {
        b.iter(|| {
            out.clear();
            black_box(&watch).encode_frame(1, PVERS, &mut out);
            black_box(&out);
        })
    });
    g.finish();
}

criterion_group!(frames, benches);
criterion_main!(frames);
