//! Shared helpers of the fields_* and dns_* tests: the test data directory, payloads of the
//! single-container fixtures, and keys rendered as text.
#![allow(dead_code)]

use std::ops::ControlFlow;
use std::path::PathBuf;

use bytes::Bytes;
use nmsg::dns::NameDisplay;
use nmsg::fields::{self, Key, KeyValue};
use nmsg::proto::{FieldIter, Value};
use nmsg::Payload;

/// `$AXA_TESTDATA/nmsg`, else `<workspace>/../shared/testdata/nmsg`; `None` (with a notice)
/// when absent.
pub fn nmsg_dir() -> Option<PathBuf> {
    let base = std::env::var_os("AXA_TESTDATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/testdata"));
    let dir = base.join("nmsg");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("test data not found at {}: skipping", dir.display());
        None
    }
}

/// The payloads of a fixture: one uncompressed container (10-byte header, then `Nmsg` whose
/// field 1 holds the payloads).
pub fn payloads(file: &str) -> Option<Vec<Payload>> {
    let data = std::fs::read(nmsg_dir()?.join(file)).expect("read fixture");
    assert_eq!(&data[..4], b"NMSG");
    assert_eq!(data[5], 2, "version");
    assert_eq!(data[4], 0, "flags: uncompressed, unfragmented");
    let len = u32::from_be_bytes([data[6], data[7], data[8], data[9]]) as usize;
    let body = Bytes::from(data).slice(10..10 + len);
    let mut out = Vec::new();
    for f in FieldIter::new(&body) {
        let f = f.expect("protobuf");
        if let (1, Value::Len(p)) = (f.number, f.value) {
            out.push(Payload::decode(&body.slice_ref(p)).expect("payload"));
        }
    }
    Some(out)
}

/// One key as text: `idx/val ip 1.2.3.4` or `idx/val name example.com.`.
pub fn key_text(k: &Key<'_>) -> String {
    match k.value {
        KeyValue::Ip(ip) => format!("{}/{} ip {ip}", k.field_idx, k.val_idx),
        KeyValue::Name(n) => format!("{}/{} name {}", k.field_idx, k.val_idx, NameDisplay(n)),
    }
}

/// Every key of a payload, as text.
pub fn keys(p: &Payload) -> Vec<String> {
    keys_of(p.vid, p.msgtype, p.payload_bytes())
}

/// Every key of raw payload bytes, as text; panics on an extraction error.
pub fn keys_of(vid: u32, msgtype: u32, bytes: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    fields::extract(vid, msgtype, bytes, &mut |k: Key<'_>| {
        out.push(key_text(&k));
        ControlFlow::Continue(())
    })
    .expect("extract");
    out
}
