//! Shared helpers of the container/I/O integration tests: where the test data is, and the
//! capture file format of testdata/README.md.
#![allow(dead_code)]

use std::path::PathBuf;

use bytes::Bytes;
use nmsg::{reader::StreamReader, Limits, Payload};

/// `$AXA_TESTDATA/nmsg`, else `<workspace>/../shared/testdata/nmsg`; `None` (with a notice)
/// when absent.
pub fn testdata() -> Option<PathBuf> {
    let base = std::env::var_os("AXA_TESTDATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/testdata"));
    let dir = base.join("nmsg");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("SKIPPED: NMSG test data not found at {}", dir.display());
        None
    }
}

/// The bytes of one fixture.
pub fn fixture(dir: &std::path::Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Every payload of a file, with the reader's data errors.
pub fn read_all(bytes: &[u8]) -> (Vec<Payload>, Vec<nmsg::Error>, nmsg::Stats) {
    let mut r = StreamReader::new(bytes, Limits::default());
    let (mut ok, mut bad) = (Vec::new(), Vec::new());
    for p in &mut r {
        match p {
            Ok(p) => ok.push(p),
            Err(e) => bad.push(e),
        }
    }
    let stats = r.stats();
    (ok, bad, stats)
}

/// The datagrams of a capture: records of a 4-byte big-endian length and the bytes.
pub fn capture(bytes: &[u8]) -> Vec<Bytes> {
    let mut out = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let n = u32::from_be_bytes(rest[..4].try_into().unwrap()) as usize;
        out.push(Bytes::copy_from_slice(&rest[4..4 + n]));
        rest = &rest[4 + n..];
    }
    out
}

/// The .nmsg fixtures.
pub const FIXTURES: &[&str] = &[
    "test1-dnsqr.nmsg",
    "dedupe.nmsg",
    "dedupe.zlib.nmsg",
    "test_crc32c_absent.nmsg",
    "test_crc32c_correct.nmsg",
    "test_crc32c_incorrect.nmsg",
    "packet.nmsg",
    "test1-dns.nmsg",
];
