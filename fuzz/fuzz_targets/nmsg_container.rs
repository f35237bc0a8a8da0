#![no_main]
//! Arbitrary bytes as an NMSG file stream, as one datagram, and as a single container (AXA
//! watch hit). Nothing may panic; decoders must stay within their limits; what decodes must
//! re-encode and decode to the same payloads.
use std::time::Instant;

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use nmsg::{container, reader::StreamReader, Input, Limits};

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_container: 64 * 1024,
        max_inflated: 64 * 1024,
        max_open_sets: 4,
        max_fragments: 64,
        max_reassembly_bytes: 64 * 1024,
        ..Limits::default()
    };
    let bytes = Bytes::copy_from_slice(data);

    // As a file stream.
    let mut reader = StreamReader::new(data, limits.clone());
    let mut n = 0u64;
    while let Some(r) = reader.next() {
        n += 1;
        assert!(
            r.is_err()
                || r.as_ref()
                    .is_ok_and(|p| p.payload_bytes().len() <= data.len() * 1100)
        );
        assert!(
            n <= 4 * data.len() as u64 + 4,
            "stream reader does not progress"
        );
    }
    let s = reader.stats();
    assert!(s.bytes <= data.len() as u64);

    // As one datagram.
    let mut input = Input::new(limits.clone());
    let _ = input.push_datagram(bytes.clone(), None, Instant::now());
    while input.next_payload().is_some() {}

    // As a single container: whatever decodes re-encodes to the same payloads.
    if let Ok(c) = container::decode(&bytes, &limits) {
        let ok: Vec<_> = c.payloads().filter_map(Result::ok).collect();
        let mut out = Vec::new();
        container::encode(&ok, &mut out);
        assert_eq!(out.len(), container::encoded_len(&ok));
        let again = container::decode(&Bytes::from(out), &limits).expect("re-decode");
        let back: Vec<_> = again
            .payloads()
            .collect::<Result<_, _>>()
            .expect("re-iterate");
        assert_eq!(back, ok);
    }
    let _ = container::decode_single(&bytes, &limits);
});
