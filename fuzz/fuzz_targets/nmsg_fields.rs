#![no_main]
//! Arbitrary vid, msgtype and payload bytes into field extraction. Input layout: byte 0 = vid
//! (low 2 bits), byte 1 = msgtype (low 5 bits), the rest = the payload. Checks: no panic, keys
//! only for decodable payloads, every name key a valid lower-case wire name.
use std::ops::ControlFlow;

use libfuzzer_sys::fuzz_target;
use nmsg::dns;
use nmsg::fields::{self, Key, KeyValue};

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let vid = u32::from(data[0] & 3);
    let msgtype = u32::from(data[1] & 0x1f);
    let payload = &data[2..];
    let checked = fields::check(vid, msgtype, payload);
    let mut n = 0usize;
    let r = fields::extract(vid, msgtype, payload, &mut |k: Key<'_>| {
        n += 1;
        assert!(k.field_idx < 0xfff0 && k.val_idx < 0xfff0);
        if let KeyValue::Name(w) = k.value {
            assert_eq!(dns::validate_name(w), Ok(()));
            assert!(!w.iter().any(u8::is_ascii_uppercase));
        }
        ControlFlow::Continue(())
    });
    assert_eq!(r, checked);
    if r.is_err() {
        assert_eq!(n, 0);
    }
    // Stopping at the first key works.
    let mut m = 0usize;
    let _ = fields::extract(vid, msgtype, payload, &mut |_k: Key<'_>| {
        m += 1;
        ControlFlow::Break(())
    });
    assert!(m <= 1);
});
