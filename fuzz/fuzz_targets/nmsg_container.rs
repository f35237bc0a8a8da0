#![no_main]
//! Arbitrary bytes as an NMSG file stream, as one datagram, and as a single container (AXA
//! watch hit). Nothing may panic; decoders must stay within their limits; what decodes must
//! re-encode and decode to the same payloads; the encoded pass-through path (next_encoded ->
//! write_encoded_with_crc) must agree with the decoding path payload for payload.
use std::time::Instant;

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use nmsg::{
    container,
    reader::StreamReader,
    writer::{Writer, WriterConfig},
    Input, Limits, Payload,
};

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
    // The single-payload fast path (watch hits) agrees with the general decoder.
    match (
        container::single_encoded(&bytes, &limits),
        container::decode_single(&bytes, &limits),
    ) {
        (Ok(ce), Ok(p)) => {
            assert_eq!(Payload::decode(ce.envelope()).expect("checked envelope"), p)
        }
        (Err(_), Err(_)) => {}
        (a, b) => panic!(
            "single_encoded ok={} but decode_single ok={}",
            a.is_ok(),
            b.is_ok()
        ),
    }

    // The encoded path agrees with the decoding path, and passing envelopes through a writer
    // gives the same payloads.
    if let Ok(c) = container::decode(&bytes, &limits) {
        let (mut enc, mut dec) = (c.payloads(), c.payloads());
        let mut writer = Writer::to_stream(Vec::new(), WriterConfig::file());
        let mut expected = Vec::new();
        loop {
            match (enc.next_encoded(), dec.next_with_crc()) {
                (None, None) => break,
                (Some(Ok((env, crc))), Some(Ok((p, crc2)))) => {
                    assert_eq!(crc, crc2);
                    assert_eq!(Payload::decode(&env).expect("checked envelope decodes"), p);
                    writer
                        .write_encoded_with_crc(&env, crc)
                        .expect("checked envelope is written");
                    expected.push(p);
                }
                (Some(Err(_)), Some(Err(_))) => {}
                (e, d) => panic!(
                    "paths disagree: encoded ok={:?} decoded ok={:?}",
                    e.map(|r| r.is_ok()),
                    d.map(|r| r.is_ok())
                ),
            }
        }
        let out = writer.into_inner().expect("in-memory write").0;
        let mut back = StreamReader::new(&out[..], Limits::default());
        for p in &expected {
            assert_eq!(back.next().expect("payload").expect("re-read"), *p);
        }
        assert!(back.next().is_none());
    }
});
