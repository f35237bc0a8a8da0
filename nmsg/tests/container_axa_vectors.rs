//! The NMSG containers libnmsg 1.3.3 built inside the AXA watch-hit vectors
//! (testdata/axa/json-vectors.tsv): each decodes as a single container holding one payload,
//! plain or zlib, and re-encodes byte for byte; the header-less one is refused.

use std::path::PathBuf;

use bytes::Bytes;
use nmsg::{container, Limits};

/// AXA header (8 bytes) + WHIT NMSG header (20 bytes) precede the container.
const PREFIX: usize = 28;

fn vectors() -> Option<Vec<(String, Vec<u8>, String)>> {
    let base = std::env::var_os("AXA_TESTDATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/testdata"));
    let Ok(tsv) = std::fs::read_to_string(base.join("axa/json-vectors.tsv")) else {
        eprintln!(
            "SKIPPED: AXA test vectors not found under {}",
            base.display()
        );
        return None;
    };
    let hex = |s: &str| -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    };
    Some(
        tsv.lines()
            .skip(1)
            .filter_map(|l| {
                let mut f = l.split('\t');
                let (name, h, exp) = (f.next()?, f.next()?, f.next()?);
                name.contains("whit_nmsg")
                    .then(|| (name.to_string(), hex(h), exp.to_string()))
            })
            .collect(),
    )
}

#[test]
fn watch_hit_containers() {
    let Some(rows) = vectors() else { return };
    let limits = Limits::default();
    let mut checked = 0;
    for (name, wire, expected) in rows {
        let Some(body) = wire.get(PREFIX..) else {
            continue;
        };
        let body = Bytes::copy_from_slice(body);
        let r = container::decode_single(&body, &limits);
        if expected == "FAIL" {
            if name.contains("no_nmsg_header") {
                assert!(r.is_err(), "{name}");
                checked += 1;
            }
            continue;
        }
        let p = r.unwrap_or_else(|e| panic!("{name}: {e}"));
        checked += 1;
        if body[4] == 0 {
            let mut out = Vec::new();
            container::encode(std::slice::from_ref(&p), &mut out);
            assert_eq!(out, &body[..], "{name}: re-encoding");
        }
    }
    assert_eq!(checked, 6);
}
