//! libaxa 3.0.2 JSON vectors (`testdata/axa/json-vectors.tsv`, spec §7.4): every row is
//! decoded with the direction rule of §7.1; `FAIL` rows must be rejected, the others must
//! render byte-identical JSON and, where our encoder is canonical, re-encode to the same
//! bytes. The WATCH HIT rows with an NMSG container (`test_whit_nmsg`,
//! `extra_whit_nmsg_*`) go through the `nmsg` crate (`json::NmsgCrate`).

use std::path::PathBuf;

use axa_proto::json::wire_to_json;
use axa_proto::{Direction, Frame};
use bytes::{Bytes, BytesMut};

fn testdata() -> Option<PathBuf> {
    let dir = std::env::var_os("AXA_TESTDATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/testdata"));
    let f = dir.join("axa/json-vectors.tsv");
    f.exists().then_some(f)
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// Rows whose bytes our (canonical) encoder does not reproduce, and why.
const NOT_CANONICAL: &[(&str, &str)] = &[
    (
        "test_anom_empty",
        "64-byte body of zero parms; senders write 32 + strlen + 1",
    ),
    ("extra_channel_on_value2", "on byte 2; we write 1"),
    (
        "extra_opt_sample_nonzero_pad",
        "non-zero pad; we write zeros",
    ),
];

#[test]
fn json_vectors() {
    let Some(path) = testdata() else {
        eprintln!("json_vectors: test data absent (set AXA_TESTDATA); skipped");
        return;
    };
    let text = std::fs::read_to_string(&path).unwrap();
    let mut rows = 0;
    let mut failures = Vec::new();
    let mut reencoded = 0;
    for line in text.lines().skip(1) {
        let mut it = line.split('\t');
        let (name, hex, expected) = (it.next().unwrap(), it.next().unwrap(), it.next().unwrap());
        rows += 1;
        let bytes = unhex(hex);
        let got = wire_to_json(Bytes::from(bytes.clone()));
        if expected == "FAIL" {
            if let Ok(j) = got {
                failures.push(format!("{name}: expected FAIL, got {j}"));
            }
            continue;
        }
        match got {
            Ok(j) if j == expected => {}
            Ok(j) => failures.push(format!("{name}:\n  got      {j}\n  expected {expected}")),
            Err(e) => failures.push(format!("{name}: error {e}, expected {expected}")),
        }
        // Re-encode.
        let op = bytes[7];
        let frame = Frame::decode(Bytes::from(bytes.clone()), Direction::for_json(op)).unwrap();
        let msg = frame.message().unwrap();
        let mut out = BytesMut::new();
        msg.encode_frame(frame.header().tag, frame.header().pvers, &mut out);
        let listed = NOT_CANONICAL.iter().any(|(n, _)| *n == name);
        if (out[..] != bytes[..]) != listed {
            failures.push(format!("{name}: canonical re-encoding = {}", !listed));
        }
        reencoded += usize::from(!listed);
        // The re-encoded frame always decodes to the same message.
        let again = Frame::decode(out.freeze(), Direction::for_json(op)).unwrap();
        assert_eq!(again.message().unwrap(), msg, "{name}");
    }
    assert_eq!(rows, 185);
    eprintln!("json_vectors: {rows} rows, {reencoded} re-encoded byte-identical");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
