//! Property tests: extraction never panics on arbitrary or mutated payloads, gives keys only
//! for decodable payloads, and every name key is a valid lower-case wire name.

mod fields_common;

use std::ops::ControlFlow;

use nmsg::dns::validate_name;
use nmsg::fields::{self, Key, KeyValue};
use proptest::prelude::*;

fn run(vid: u32, msgtype: u32, payload: &[u8]) -> Result<usize, TestCaseError> {
    let checked = fields::check(vid, msgtype, payload);
    let mut n = 0usize;
    let mut bad = None;
    let r = fields::extract(vid, msgtype, payload, &mut |k: Key<'_>| {
        n += 1;
        if let KeyValue::Name(w) = k.value {
            if validate_name(w).is_err() || w.iter().any(u8::is_ascii_uppercase) {
                bad = Some(w.to_vec());
            }
        }
        ControlFlow::Continue(())
    });
    prop_assert_eq!(r, checked);
    prop_assert!(bad.is_none(), "bad name key {:?}", bad);
    if r.is_err() {
        prop_assert_eq!(n, 0);
    }
    Ok(n)
}

fn fixture_payloads() -> Vec<(u32, u32, Vec<u8>)> {
    let mut v = Vec::new();
    for f in ["test1-dnsqr.nmsg", "dedupe.nmsg", "test1-dns.nmsg"] {
        if let Some(ps) = fields_common::payloads(f) {
            v.extend(
                ps.iter()
                    .map(|p| (p.vid, p.msgtype, p.payload_bytes().to_vec())),
            );
        }
    }
    v
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn random_payloads(vid in 0u32..4, msgtype in 0u32..20, payload in prop::collection::vec(any::<u8>(), 0..400)) {
        run(vid, msgtype, &payload)?;
    }

    #[test]
    fn mutated_fixtures(pick in any::<prop::sample::Index>(), flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8), cut in any::<prop::sample::Index>()) {
        let all = fixture_payloads();
        if all.is_empty() {
            return Ok(());
        }
        let (vid, msgtype, mut bytes) = all[pick.index(all.len())].clone();
        for (at, b) in flips {
            let i = at.index(bytes.len());
            bytes[i] ^= b;
        }
        let keep = cut.index(bytes.len() + 1);
        run(vid, msgtype, &bytes[..keep.max(bytes.len() / 2)])?;
        run(vid, msgtype, &bytes)?;
    }
}
