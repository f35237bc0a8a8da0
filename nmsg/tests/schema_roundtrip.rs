//! Property tests: every schema's messages re-encode byte for byte (protobuf-c order), render
//! without panicking, and the JSON rendering reads back to a payload that renders the same.
//! Garbage payload bytes and garbage JSON never panic.

use bytes::Bytes;
use nmsg::json::{parse_payload, write_payload};
use nmsg::schema::{FieldType, FieldValue, Format, Label, Message, Wire, SCHEMAS};
use nmsg::Payload;
use proptest::prelude::*;

/// A random value for field `def` (shaped by its type so that most values render).
fn value_for(def: &nmsg::schema::FieldDef, seed: u64, raw: Vec<u8>) -> FieldValue {
    match def.wire {
        Wire::Fixed32 => FieldValue::Fixed32(seed as u32),
        Wire::Fixed64 => FieldValue::Fixed64(((seed % 2_000_000) as f64 / 1000.0).to_bits()),
        Wire::Len => {
            let b = match (def.ty, def.format) {
                (FieldType::Ip, _) => raw
                    .iter()
                    .copied()
                    .cycle()
                    .take(if seed % 2 == 0 { 4 } else { 16 })
                    .collect(),
                (_, Format::Name) => {
                    let mut n = Vec::new();
                    for chunk in raw.chunks(5).take(3) {
                        n.push(chunk.len() as u8);
                        n.extend(chunk.iter().map(|c| b'a' + c % 26));
                    }
                    n.push(0);
                    n
                }
                _ => raw,
            };
            FieldValue::Bytes(Bytes::from(b))
        }
        _ => match def.ty {
            FieldType::Enum(t) if seed % 4 != 0 => {
                FieldValue::Varint(u64::from(t[(seed as usize / 4) % t.len()].0))
            }
            FieldType::Bool => FieldValue::Varint(seed % 2),
            FieldType::U16 => FieldValue::Varint(seed % 70_000),
            _ => FieldValue::Varint(seed),
        },
    }
}

fn arb_payload() -> impl Strategy<Value = (usize, Payload)> {
    (
        0..SCHEMAS.len(),
        proptest::collection::vec(
            (
                any::<u64>(),
                proptest::collection::vec(any::<u8>(), 0..12),
                0u8..4,
            ),
            30,
        ),
        any::<u32>(),
    )
        .prop_map(|(si, vals, src)| {
            let s = &SCHEMAS[si];
            let mut m = Message::new(s);
            for (def, (seed, raw, pick)) in s.fields.iter().zip(vals) {
                let n = match def.label {
                    Label::Virtual => 0,
                    Label::Required => 1,
                    Label::Optional => usize::from(pick % 2),
                    Label::Repeated => usize::from(pick),
                };
                for k in 0..n {
                    m.push(
                        def.name,
                        value_for(def, seed.wrapping_add(k as u64 * 7919), raw.clone()),
                    );
                }
            }
            let p = Payload {
                vid: s.vid,
                msgtype: s.msgtype,
                time_sec: 1_500_000_000 + i64::from(src % 1000),
                time_nsec: src % 1_000_000_000,
                payload: Some(m.to_bytes()),
                source: (src % 3 == 0).then_some(src),
                operator: None,
                group: None,
            };
            (si, p)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn reencode_is_byte_identical((si, p) in arb_payload()) {
        let bytes = p.payload.clone().unwrap();
        let m = Message::decode(&SCHEMAS[si], &bytes).unwrap();
        prop_assert_eq!(m.to_bytes(), bytes);
        prop_assert_eq!(m.encoded_len(), m.to_bytes().len());
    }

    #[test]
    fn json_renders_and_reads_back((_si, p) in arb_payload()) {
        let mut first = String::new();
        if write_payload(&mut first, &p).is_ok() {
            // What reads back must render the same text (nmsgtool -J | nmsgtool -j | -J).
            if let Ok(back) = parse_payload(&first) {
                let mut second = String::new();
                write_payload(&mut second, &back).unwrap();
                prop_assert_eq!(second, first);
            }
        }
    }

    #[test]
    fn garbage_payloads_never_panic(vid in 1u32..3, msgtype in 0u32..16, data in proptest::collection::vec(any::<u8>(), 0..200)) {
        let p = Payload { vid, msgtype, payload: Some(Bytes::from(data.clone())), ..Payload::default() };
        let mut s = String::new();
        let _ = write_payload(&mut s, &p);
        if let Some(schema) = nmsg::schema::schema(vid, msgtype) {
            if let Ok(m) = Message::decode(schema, &Bytes::from(data)) {
                let _ = m.to_bytes();
            }
        }
    }

    #[test]
    fn garbage_json_never_panics(s in "\\PC{0,200}") {
        let _ = parse_payload(&s);
    }

    #[test]
    fn garbage_dns_messages_never_panic(data in proptest::collection::vec(any::<u8>(), 0..300)) {
        // dnsqr with the garbage as the UDP payload of a response packet; dnsobs response.
        let mut m = Message::new(nmsg::schema::schema(1, 14).unwrap());
        for (n, v) in [("time", FieldValue::Varint(1)), ("qtype", FieldValue::Varint(1)), ("qclass", FieldValue::Varint(1)), ("rcode", FieldValue::Varint(0))] {
            m.push(n, v);
        }
        m.push("response_ip", FieldValue::Bytes(Bytes::from_static(&[1, 2, 3, 4])));
        m.push("qname", FieldValue::Bytes(Bytes::from_static(b"\x00")));
        m.push("response", FieldValue::Bytes(Bytes::from(data.clone())));
        let p = Payload { vid: 1, msgtype: 14, payload: Some(m.to_bytes()), ..Payload::default() };
        let mut s = String::new();
        write_payload(&mut s, &p).unwrap();
        let mut d = Message::new(nmsg::schema::schema(2, 1).unwrap());
        d.push("response", FieldValue::Bytes(Bytes::from(data)));
        let p = Payload { vid: 2, msgtype: 1, payload: Some(d.to_bytes()), ..Payload::default() };
        s.clear();
        write_payload(&mut s, &p).unwrap();
    }
}

#[test]
fn compressed_name_loops_are_refused() {
    // A DNS message whose question name points to itself, and one with a forward pointer:
    // rendered as null, quickly.
    for msg in [
        &[0u8, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1][..],
        &[
            0u8, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 14, 0xc0, 12, 0, 1, 0, 1,
        ][..],
    ] {
        let mut m = Message::new(nmsg::schema::schema(1, 14).unwrap());
        for (n, v) in [("time", 1u64), ("qtype", 1), ("qclass", 1), ("rcode", 0)] {
            m.push(n, FieldValue::Varint(v));
        }
        m.push(
            "response_ip",
            FieldValue::Bytes(Bytes::from_static(&[1, 2, 3, 4])),
        );
        m.push("qname", FieldValue::Bytes(Bytes::from_static(b"\x00")));
        m.push("response", FieldValue::Bytes(Bytes::copy_from_slice(msg)));
        let p = Payload {
            vid: 1,
            msgtype: 14,
            payload: Some(m.to_bytes()),
            ..Payload::default()
        };
        let mut s = String::new();
        write_payload(&mut s, &p).unwrap();
        assert!(s.contains("\"response_json\":null"), "{s}");
    }
}
