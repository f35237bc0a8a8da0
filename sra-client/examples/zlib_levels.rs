//! What `-z` costs per zlib level on sratunnel's UDP output: 1280-byte containers
//! (`NMSG_WBUFSZ_ETHER`) of ~300-byte dnsdedupe payloads, each body compressed on its own with
//! one reused compressor (as nmsg's writer does), at levels 1–9. Prints CPU per container and
//! the bytes sent against the uncompressed containers, for payloads that are all the same (the
//! `tunnel_cpu` feed, far more compressible than real traffic) and for payloads whose names,
//! addresses and times differ (closer to a real channel).
//!
//! ```text
//! cargo run --release -p sra-client --example zlib_levels [-- CONTAINERS]
//! ```

use std::time::Instant;

use bytes::BytesMut;
use flate2::{Compress, Compression, FlushCompress, Status};
use nmsg::proto::{put_bytes_field, put_varint_field};
use nmsg::{ContainerBuilder, Payload};

/// A dnsdedupe INSERTION of `name.com` (7 letters) answering `ip`, as in `tunnel_cpu`.
fn dnsdedupe(name: &[u8; 7], ip: [u8; 4], t: u32) -> Payload {
    let mut qname = b"\x03www\x07".to_vec();
    qname.extend_from_slice(name);
    qname.extend_from_slice(b"\x03com\x00");
    let mut m = BytesMut::new();
    put_bytes_field(&mut m, 1, &qname);
    put_varint_field(&mut m, 2, 1);
    put_varint_field(&mut m, 3, 1);
    put_varint_field(&mut m, 4, 3600);
    put_bytes_field(&mut m, 5, &ip);
    put_varint_field(&mut m, 10, 1);
    put_varint_field(&mut m, 11, u64::from(t));
    put_varint_field(&mut m, 12, u64::from(t) + 100);
    put_varint_field(&mut m, 13, 1);
    put_bytes_field(&mut m, 14, &[192, 0, 2, 53]);
    let mut resp = Vec::new();
    resp.extend_from_slice(b"\x12\x34\x84\x00\x00\x01\x00\x02\x00\x02\x00\x02");
    resp.extend_from_slice(&qname);
    resp.extend_from_slice(b"\x00\x01\x00\x01");
    for last in [ip[3], ip[3] ^ 1] {
        resp.extend_from_slice(b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x0e\x10\x00\x04");
        resp.extend_from_slice(&[ip[0], ip[1], ip[2], last]);
    }
    for ns in [b'a', b'b'] {
        resp.extend_from_slice(b"\xc0\x10\x00\x02\x00\x01\x00\x01\x51\x80\x00\x14\x01");
        resp.push(ns);
        resp.extend_from_slice(b"\x0ciana-servers\x03net\x00");
    }
    for (ns, last) in [(b'a', 43u8), (b'b', 44)] {
        resp.extend_from_slice(b"\x01");
        resp.push(ns);
        resp.extend_from_slice(
            b"\x0ciana-servers\x03net\x00\x00\x01\x00\x01\x00\x01\x51\x80\x00\x04",
        );
        resp.extend_from_slice(&[199, 43, 135, last]);
    }
    put_bytes_field(&mut m, 15, &resp);
    let mut bailiwick = vec![7u8];
    bailiwick.extend_from_slice(name);
    bailiwick.extend_from_slice(b"\x03com\x00");
    put_bytes_field(&mut m, 16, &bailiwick);
    Payload {
        vid: 2,
        msgtype: 1,
        time_sec: i64::from(t) + 100,
        time_nsec: t.wrapping_mul(2_654_435_761) % 1_000_000_000,
        payload: Some(m.freeze()),
        source: Some(0x00a1_ba5e),
        ..Payload::default()
    }
}

/// Container bodies of `n` payloads from `next`, filled as the writer fills 1280-byte ones.
fn bodies(n: usize, mut next: impl FnMut(usize) -> Payload) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut b = ContainerBuilder::new();
    for i in 0..n {
        let p = next(i);
        if !b.is_empty() && b.is_full_for(&p, nmsg::writer::SIZE_ETHER) {
            let mut body = Vec::new();
            b.write_body(None, &mut body);
            out.push(body);
            b.clear();
        }
        b.push(&p);
    }
    out
}

fn compress(c: &mut Compress, body: &[u8], out: &mut Vec<u8>) {
    out.clear();
    c.reset();
    out.reserve(body.len() + 64);
    loop {
        let done = c.total_in() as usize;
        match c.compress_vec(&body[done..], out, FlushCompress::Finish) {
            Ok(Status::StreamEnd) => return,
            Ok(_) => out.reserve(4096),
            Err(e) => panic!("{e}"),
        }
    }
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(400_000);
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut rand = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let same = bodies(n, |_| {
        dnsdedupe(b"example", [93, 184, 216, 34], 1_700_000_000)
    });
    let varied = bodies(n, |i| {
        let r = rand();
        let name: [u8; 7] = std::array::from_fn(|k| b'a' + ((r >> (5 * k)) % 26) as u8);
        let ip = (r >> 40).to_be_bytes();
        dnsdedupe(
            &name,
            [ip[4], ip[5], ip[6], ip[7]],
            1_700_000_000 + i as u32,
        )
    });
    println!("{n} payloads; per container: CPU µs, bytes sent (header + length prefix + stream) vs plain");
    for (what, set) in [("same", &same), ("varied", &varied)] {
        let plain: usize = set.iter().map(|b| 10 + b.len()).sum();
        println!(
            "{what}: {} containers, {:.0} plain bytes each",
            set.len(),
            plain as f64 / set.len() as f64
        );
        for level in [1u32, 2, 3, 4, 5, 6, 9] {
            let mut c = Compress::new(Compression::new(level), true);
            let mut out = Vec::new();
            let mut sent = 0usize;
            let t0 = Instant::now();
            for body in set.iter() {
                compress(&mut c, body, &mut out);
                sent += 14 + out.len();
            }
            let us = t0.elapsed().as_secs_f64() * 1e6 / set.len() as f64;
            println!(
                "  level {level}: {us:6.2} µs/container  {:7.1} bytes  ({:.3} of plain)",
                sent as f64 / set.len() as f64,
                sent as f64 / plain as f64
            );
        }
    }
}
