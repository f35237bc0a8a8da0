#![no_main]
//! Arbitrary DNS message bytes and an offset into the name reader, the presentation writer and
//! parser, the message walker and the rdata name walker. Checks the documented bounds: a name
//! read is a valid uncompressed name of at most 255 bytes, the bytes consumed stay inside the
//! message, and presentation text parses back to the same name.
use std::ops::ControlFlow;

use libfuzzer_sys::fuzz_target;
use nmsg::dns::{self, NameBuf, RdataRef, Records};

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let offset = usize::from(u16::from_le_bytes([data[0], data[1]]));
    let msg = &data[2..];

    let mut name = NameBuf::new();
    if let Ok(consumed) = dns::read_name(msg, offset, &mut name) {
        assert!(consumed >= 1 && offset + consumed <= msg.len());
        assert!(name.len() <= dns::MAX_NAME_LEN);
        assert_eq!(dns::validate_name(name.as_wire()), Ok(()));
        let text = dns::NameDisplay(name.as_wire()).to_string();
        let mut back = NameBuf::new();
        dns::parse_name(&text, &mut back).expect("presentation text parses");
        assert_eq!(back.as_wire(), name.as_wire());
    } else {
        assert!(name.is_empty());
    }
    // Lenient rendering of arbitrary bytes never fails.
    let _ = dns::NameDisplay(msg).to_string();
    if let Ok(text) = std::str::from_utf8(msg) {
        if dns::parse_name(text, &mut name).is_ok() {
            assert_eq!(dns::validate_name(name.as_wire()), Ok(()));
        }
    }

    if let Ok((_, records)) = Records::new(msg) {
        let mut buf = NameBuf::new();
        for rec in records {
            let Ok(rec) = rec else { break };
            assert!(rec.rdata_offset + rec.rdata.len() <= msg.len());
            if rec.read_name(&mut buf).is_ok() {
                assert_eq!(dns::validate_name(buf.as_wire()), Ok(()));
            }
            let r = rec.rdata_ref();
            let _ = dns::rdata_names(rec.rtype, r, &mut buf, |n| {
                assert_eq!(dns::validate_name(n.as_wire()), Ok(()));
                ControlFlow::Continue(())
            });
            let _ = dns::rdata_names(rec.rtype, RdataRef::standalone(rec.rdata), &mut buf, |n| {
                assert_eq!(dns::validate_name(n.as_wire()), Ok(()));
                ControlFlow::Continue(())
            });
            let _ = dns::rdata_address(rec.rtype, rec.rclass, rec.rdata);
        }
    }
});
