//! DNS names and messages: hostile inputs (pointer loops, forward pointers, over-long names,
//! truncation) and property tests (no panic, bounds kept, render/parse consistency).

use std::ops::ControlFlow;

use nmsg::dns::{
    self, parse_name, read_name, validate_name, DnsError, NameBuf, NameDisplay, RdataRef, Records,
    MAX_NAME_LEN,
};
use proptest::prelude::*;

fn header(qd: u16, an: u16) -> Vec<u8> {
    let mut m = vec![0x12, 0x34, 0x81, 0x80];
    for c in [qd, an, 0, 0] {
        m.extend_from_slice(&c.to_be_bytes());
    }
    m
}

#[test]
fn pointer_loop_is_refused() {
    // Two pointers pointing at each other: 12 -> 14 is forward, so refused at once.
    let mut m = header(1, 0);
    m.extend_from_slice(&[0xc0, 14, 0xc0, 12, 0, 1, 0, 1]);
    let mut n = NameBuf::new();
    assert_eq!(read_name(&m, 12, &mut n), Err(DnsError::BadPointer(14)));
    // 14 -> 12 is backwards, then 12 -> 14 forward: refused.
    assert_eq!(read_name(&m, 14, &mut n), Err(DnsError::BadPointer(14)));
    // A pointer to itself.
    let mut m = header(1, 0);
    m.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1]);
    assert_eq!(read_name(&m, 12, &mut n), Err(DnsError::BadPointer(12)));
    let (_, mut recs) = Records::new(&m).unwrap();
    let rec = recs.next().unwrap().unwrap();
    assert_eq!(rec.read_name(&mut n), Err(DnsError::BadPointer(12)));
    // A pointer cut short is an error of the walk itself.
    let mut m = header(1, 0);
    m.push(0xc0);
    let (_, mut recs) = Records::new(&m).unwrap();
    assert_eq!(recs.next().unwrap().err(), Some(DnsError::Truncated));
    assert!(recs.next().is_none());
}

#[test]
fn pointer_chain_is_bounded() {
    // A long chain of backward pointers, each to the previous one, ending in the root label:
    // the hop limit stops it.
    let mut m = vec![0u8];
    for i in 0..300usize {
        let target = if i == 0 { 0 } else { 1 + 2 * (i - 1) };
        m.extend_from_slice(&[0xc0 | (target >> 8) as u8, target as u8]);
    }
    let mut n = NameBuf::new();
    let last = m.len() - 2;
    assert_eq!(read_name(&m, last, &mut n), Err(DnsError::TooManyPointers));
    // A short chain is fine and gives the root name.
    assert_eq!(read_name(&m, 1 + 2 * 10, &mut n), Ok(2));
    assert_eq!(n.as_wire(), b"\x00");
}

#[test]
fn compression_past_255_bytes_is_refused() {
    // 63-byte labels: four of them exceed 255 bytes once decompressed through pointers.
    let mut m = Vec::new();
    let label = [b'x'; 63];
    m.push(63);
    m.extend_from_slice(&label);
    m.push(0); // name A at 0: one label
    let a = 0usize;
    let b = m.len();
    m.push(63);
    m.extend_from_slice(&label);
    m.extend_from_slice(&[0xc0, a as u8]); // B = x.A
    let c = m.len();
    m.push(63);
    m.extend_from_slice(&label);
    m.extend_from_slice(&[0xc0 | (b >> 8) as u8, b as u8]); // C = x.x.A (193 bytes)
    let d = m.len();
    m.push(63);
    m.extend_from_slice(&label);
    m.extend_from_slice(&[0xc0 | (c >> 8) as u8, c as u8]); // D = 4 labels: 257 bytes
    let mut n = NameBuf::new();
    assert_eq!(read_name(&m, c, &mut n), Ok(66));
    assert_eq!(n.len(), 193);
    assert_eq!(read_name(&m, d, &mut n), Err(DnsError::NameTooLong));
    assert!(n.is_empty());
}

#[test]
fn truncated_messages() {
    let mut m = header(1, 1);
    m.extend_from_slice(b"\x03fsi\x02io\x00\x00\x01\x00\x01");
    m.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 1, 2, 3, 4]);
    for cut in 0..m.len() {
        let part = &m[..cut];
        match Records::new(part) {
            Err(e) => assert_eq!(e, DnsError::Truncated, "cut {cut}"),
            Ok((_, recs)) => {
                let items: Vec<_> = recs.collect();
                // Either a clean end between records, or one error that ends the walk.
                let errs = items.iter().filter(|r| r.is_err()).count();
                assert!(errs <= 1);
                if errs == 1 {
                    assert!(items.last().unwrap().is_err());
                }
            }
        }
    }
    let (_, recs) = Records::new(&m).unwrap();
    assert_eq!(recs.filter(Result::is_ok).count(), 2);
}

#[test]
fn rdata_names_in_message() {
    // MX pointing back at the question name.
    let mut m = header(1, 1);
    m.extend_from_slice(b"\x03fsi\x02io\x00\x00\x0f\x00\x01");
    m.extend_from_slice(&[0xc0, 12, 0, 15, 0, 1, 0, 0, 0, 60, 0, 9, 0, 10]);
    m.extend_from_slice(b"\x04mail\xc0\x0c");
    let (_, recs) = Records::new(&m).unwrap();
    let rec = recs.last().unwrap().unwrap();
    let mut buf = NameBuf::new();
    let mut got = Vec::new();
    let flow = dns::rdata_names(rec.rtype, rec.rdata_ref(), &mut buf, |n| {
        got.push(NameDisplay(n.as_wire()).to_string());
        ControlFlow::Continue(())
    });
    assert_eq!(flow, Ok(ControlFlow::Continue(())));
    assert_eq!(got, ["mail.fsi.io."]);
    // The same rdata standalone cannot resolve the pointer.
    let standalone = dns::rdata_names(rec.rtype, RdataRef::standalone(rec.rdata), &mut buf, |_| {
        ControlFlow::Continue(())
    });
    assert_eq!(standalone, Err(DnsError::Compressed));
}

#[test]
fn presentation_matches_nmsgtool() {
    let cases: &[(&[u8], &str)] = &[
        (b"\x00", "."),
        (b"\x05icann\x03org\x00", "icann.org."),
        (
            b"\x04dns1\x11registrar-servers\x03com\x00",
            "dns1.registrar-servers.com.",
        ),
        (b"\x05x\"y\\z\x00", "x\"y\\\\z."),
        (b"\x01*\x07example\x00", "*.example."),
        (b"\x03a\x7fb\x00", "a\\127b."),
    ];
    for (wire, text) in cases {
        assert_eq!(NameDisplay(wire).to_string(), *text);
        let mut n = NameBuf::new();
        parse_name(text, &mut n).unwrap();
        assert_eq!(n.as_wire(), *wire);
    }
}

/// A strategy for valid wire names: up to 8 labels of 1..=63 arbitrary bytes, kept ≤ 255.
fn wire_name() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(prop::collection::vec(any::<u8>(), 1..=63), 0..8).prop_map(|labels| {
        let mut w = Vec::new();
        for l in labels {
            if w.len() + 1 + l.len() + 1 > MAX_NAME_LEN {
                break;
            }
            w.push(l.len() as u8);
            w.extend_from_slice(&l);
        }
        w.push(0);
        w
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn render_then_parse_is_identity(wire in wire_name()) {
        prop_assert_eq!(validate_name(&wire), Ok(()));
        let text = NameDisplay(&wire).to_string();
        prop_assert!(text.ends_with('.'));
        prop_assert!(text.bytes().all(|b| (b'!'..=b'~').contains(&b)));
        let mut n = NameBuf::new();
        prop_assert_eq!(parse_name(&text, &mut n), Ok(()));
        prop_assert_eq!(n.as_wire(), &wire[..]);
    }

    #[test]
    fn lowercase_keeps_structure(wire in wire_name()) {
        let mut n = NameBuf::new();
        n.set(&wire).unwrap();
        n.make_ascii_lowercase();
        prop_assert_eq!(validate_name(n.as_wire()), Ok(()));
        prop_assert_eq!(n.as_wire(), &wire.to_ascii_lowercase()[..]);
    }

    #[test]
    fn random_bytes_never_break_bounds(msg in prop::collection::vec(any::<u8>(), 0..600), off in 0usize..700) {
        let mut n = NameBuf::new();
        match read_name(&msg, off, &mut n) {
            Ok(consumed) => {
                prop_assert!(off + consumed <= msg.len());
                prop_assert!(n.len() <= MAX_NAME_LEN);
                prop_assert_eq!(validate_name(n.as_wire()), Ok(()));
            }
            Err(_) => prop_assert!(n.is_empty()),
        }
        let _ = NameDisplay(&msg).to_string();
        let _ = dns::wire_name_len(&msg);
        if let Ok((_, recs)) = Records::new(&msg) {
            let mut buf = NameBuf::new();
            for r in recs.take(1000) {
                let Ok(r) = r else { break };
                prop_assert!(r.rdata_offset + r.rdata.len() <= msg.len());
                let _ = dns::rdata_names(r.rtype, RdataRef::in_message(&msg, r.rdata_offset, r.rdata.len()), &mut buf, |n| {
                    assert_eq!(validate_name(n.as_wire()), Ok(()));
                    ControlFlow::Continue(())
                });
            }
        }
    }

    #[test]
    fn random_text_parses_to_valid_names(text in "[a-zA-Z0-9.\\\\ -]{0,80}") {
        let mut n = NameBuf::new();
        if parse_name(&text, &mut n).is_ok() {
            prop_assert_eq!(validate_name(n.as_wire()), Ok(()));
            // Re-rendering and re-parsing is stable.
            let again = NameDisplay(n.as_wire()).to_string();
            let mut m = NameBuf::new();
            prop_assert_eq!(parse_name(&again, &mut m), Ok(()));
            prop_assert_eq!(m, n);
        } else {
            prop_assert!(n.is_empty());
        }
    }
}
