#![no_main]
//! Arbitrary sequences of fragments (structured: id, current, last, flags, data) into the
//! reassembler with small bounds, both directly and encoded as datagrams through `Input`.
//! The bounds must hold after every step and nothing may panic.
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::{BufMut, Bytes};
use libfuzzer_sys::fuzz_target;
use nmsg::fragment::Fragment;
use nmsg::header::{Header, FLAG_FRAGMENT, FLAG_ZLIB};
use nmsg::reassembly::Reassembler;
use nmsg::{Container, Input, Limits};

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_container: 512,
        max_inflated: 2048,
        max_open_sets: 4,
        max_fragments: 8,
        max_reassembly_bytes: 1024,
        fragment_timeout: Duration::from_secs(30),
        max_sources: 4,
        source_timeout: Duration::from_secs(120),
    };
    let senders: [SocketAddr; 2] = ["127.0.0.1:1".parse().unwrap(), "[::1]:2".parse().unwrap()];
    let mut r = Reassembler::new(limits.clone());
    let mut input = Input::new(limits.clone());
    let mut now = Instant::now();
    let mut rest = data;
    while let Some((&len, tail)) = rest.split_first() {
        let take = usize::from(len).min(tail.len());
        let (chunk, tail) = tail.split_at(take);
        rest = tail;
        let [ctl, id, current, last, body @ ..] = chunk else {
            continue;
        };
        if ctl & 0x08 != 0 {
            now += Duration::from_secs(u64::from(ctl >> 4) * 4);
        }
        let f = Fragment {
            id: u32::from(*id & 0x07),
            current: u32::from(*current & 0x0f),
            last: u32::from(*last & 0x0f),
            data: Bytes::copy_from_slice(body),
            crc: (ctl & 0x04 != 0).then_some(7),
        };
        let zlib = ctl & 0x01 != 0;
        let sender = Some(senders[usize::from(ctl >> 1 & 1)]);
        if ctl & 0x80 == 0 {
            if let Ok(Some(j)) = r.push(f, zlib, sender, now) {
                assert!(j.body.len() <= limits.max_container);
                let flags = if j.zlib { FLAG_ZLIB } else { 0 };
                if let Ok(c) = Container::from_body(j.body, flags, &limits) {
                    for p in c.payloads() {
                        let _ = p;
                    }
                }
            }
        } else {
            let mut d = Vec::new();
            let flags = FLAG_FRAGMENT | if zlib { FLAG_ZLIB } else { 0 };
            Header::new(flags, f.encoded_len() as u32).write(&mut d);
            f.encode(&mut d);
            d.put_slice(&[]);
            let _ = input.push_datagram(Bytes::from(d), sender, now);
            while input.next_payload().is_some() {}
        }
        assert!(r.open_sets() <= limits.max_open_sets);
        assert!(r.buffered_bytes() <= limits.max_reassembly_bytes + limits.max_container);
    }
    r.expire(now + Duration::from_secs(31));
    assert_eq!((r.open_sets(), r.buffered_bytes()), (0, 0));
});
