//! Field extraction over payloads built here: IP datagrams (base:packet, base:pkt, ncap),
//! a fragmented dnsqr response, every other type of the fields table, decodability errors and
//! early stop.

mod fields_common;

use std::ops::ControlFlow;

use fields_common::{key_text, keys_of, payloads};
use nmsg::fields::{self, FieldError, Key};
use nmsg::proto::{
    put_bytes_field, put_fixed32_field, put_varint_field, FieldIter, ProtoError, Value,
};

/// A DNS response: question `name` A, one answer A 192.0.2.7 and a CNAME to `www.<name>`.
fn dns_response(name: &[u8]) -> Vec<u8> {
    let mut m = vec![0, 7, 0x81, 0x80, 0, 1, 0, 2, 0, 0, 0, 0];
    m.extend_from_slice(name);
    m.extend_from_slice(&[0, 1, 0, 1]);
    m.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 7]);
    m.extend_from_slice(&[0xc0, 12, 0, 5, 0, 1, 0, 0, 0, 60, 0, 6]);
    m.extend_from_slice(&[3, b'W', b'W', b'W', 0xc0, 12]);
    m
}

fn udp(sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    let mut u = Vec::new();
    u.extend_from_slice(&sport.to_be_bytes());
    u.extend_from_slice(&dport.to_be_bytes());
    u.extend_from_slice(&((8 + payload.len()) as u16).to_be_bytes());
    u.extend_from_slice(&[0, 0]);
    u.extend_from_slice(payload);
    u
}

fn ipv4(src: [u8; 4], dst: [u8; 4], proto: u8, id: u16, frag: u16, payload: &[u8]) -> Vec<u8> {
    let mut p = vec![0x45, 0];
    p.extend_from_slice(&((20 + payload.len()) as u16).to_be_bytes());
    p.extend_from_slice(&id.to_be_bytes());
    p.extend_from_slice(&frag.to_be_bytes());
    p.extend_from_slice(&[64, proto, 0, 0]);
    p.extend_from_slice(&src);
    p.extend_from_slice(&dst);
    p.extend_from_slice(payload);
    p
}

fn ipv6(src: [u8; 16], dst: [u8; 16], next: u8, payload: &[u8]) -> Vec<u8> {
    let mut p = vec![0x60, 0, 0, 0];
    p.extend_from_slice(&(payload.len() as u16).to_be_bytes());
    p.extend_from_slice(&[next, 64]);
    p.extend_from_slice(&src);
    p.extend_from_slice(&dst);
    p.extend_from_slice(payload);
    p
}

fn packet_payload(dgram: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    put_varint_field(&mut out, 1, 1);
    put_bytes_field(&mut out, 2, dgram);
    out
}

const FSI: &[u8] = b"\x03FsI\x02io\x00";

#[test]
fn packet_ipv4_udp_dns() {
    let dns = dns_response(FSI);
    let dgram = ipv4(
        [192, 0, 2, 53],
        [198, 51, 100, 9],
        17,
        1,
        0,
        &udp(53, 40000, &dns),
    );
    let got = keys_of(1, 12, &packet_payload(&dgram));
    assert_eq!(
        got,
        [
            "1/0 ip 192.0.2.53",
            "1/0 ip 198.51.100.9",
            "1/0 name fsi.io.",
            "1/0 ip 192.0.2.7",
            "1/0 name www.fsi.io.",
        ]
    );
    // Not DNS ports: addresses only.
    let other = ipv4(
        [10, 0, 0, 1],
        [10, 0, 0, 2],
        17,
        1,
        0,
        &udp(1000, 2000, &dns),
    );
    assert_eq!(
        keys_of(1, 12, &packet_payload(&other)),
        ["1/0 ip 10.0.0.1", "1/0 ip 10.0.0.2"]
    );
    // payload_type other than IP: nothing.
    let mut not_ip = Vec::new();
    put_varint_field(&mut not_ip, 1, 2);
    put_bytes_field(&mut not_ip, 2, &dgram);
    assert!(keys_of(1, 12, &not_ip).is_empty());
}

#[test]
fn packet_ipv6_with_extension_header() {
    let dns = dns_response(FSI);
    let mut src = [0u8; 16];
    src[..4].copy_from_slice(&[0x20, 0x01, 0x0d, 0xb8]);
    src[15] = 1;
    let mut dst = src;
    dst[15] = 2;
    // Hop-by-hop options header (8 bytes) before UDP.
    let mut ext = vec![17, 0, 0, 0, 0, 0, 0, 0];
    ext.extend_from_slice(&udp(5353, 5353, &dns));
    let dgram = ipv6(src, dst, 0, &ext);
    let got = keys_of(1, 12, &packet_payload(&dgram));
    assert_eq!(
        got,
        [
            "1/0 ip 2001:db8::1",
            "1/0 ip 2001:db8::2",
            "1/0 name fsi.io.",
            "1/0 ip 192.0.2.7",
            "1/0 name www.fsi.io.",
        ]
    );
    // base:pkt carries the same datagram in field 1 (idx 1).
    let mut pkt = Vec::new();
    put_bytes_field(&mut pkt, 1, &dgram);
    put_varint_field(&mut pkt, 2, dgram.len() as u64);
    assert_eq!(keys_of(1, 8, &pkt), got);
}

#[test]
fn ncap_addresses_from_header_or_fields() {
    let dgram = ipv4([10, 1, 1, 1], [10, 2, 2, 2], 6, 1, 0, &[0; 20]);
    let mut p = Vec::new();
    put_varint_field(&mut p, 1, 0);
    put_bytes_field(&mut p, 2, &dgram);
    assert_eq!(keys_of(1, 1, &p), ["2/0 ip 10.1.1.1", "3/0 ip 10.2.2.2"]);
    let mut legacy = Vec::new();
    put_varint_field(&mut legacy, 1, 2);
    put_bytes_field(&mut legacy, 4, &[10, 9, 9, 9]);
    put_bytes_field(&mut legacy, 5, &[10, 8, 8, 8]);
    put_bytes_field(&mut legacy, 2, b"app data");
    assert_eq!(
        keys_of(1, 1, &legacy),
        ["2/0 ip 10.9.9.9", "3/0 ip 10.8.8.8"]
    );
}

/// The first dnsqr fixture payload with its single response packet split into two IPv4
/// fragments gives the same keys.
#[test]
fn dnsqr_fragmented_response_is_reassembled() {
    let Some(ps) = payloads("test1-dnsqr.nmsg") else {
        return;
    };
    let orig = ps[0].payload_bytes();
    let want = keys_of(1, 9, orig);
    let mut rebuilt = Vec::new();
    for f in FieldIter::new(orig) {
        let f = f.unwrap();
        match (f.number, f.value) {
            (15, Value::Len(pkt)) => {
                assert_eq!(pkt[0] >> 4, 4);
                let hl = usize::from(pkt[0] & 0xf) * 4;
                let body = &pkt[hl..];
                let src: [u8; 4] = pkt[12..16].try_into().unwrap();
                let dst: [u8; 4] = pkt[16..20].try_into().unwrap();
                let split = 64; // a multiple of 8
                let a = ipv4(src, dst, 17, 77, 0x2000, &body[..split]);
                let b = ipv4(src, dst, 17, 77, (split / 8) as u16, &body[split..]);
                // Out of order on purpose.
                put_bytes_field(&mut rebuilt, 15, &b);
                put_bytes_field(&mut rebuilt, 15, &a);
            }
            (n, Value::Len(b)) => put_bytes_field(&mut rebuilt, n, b),
            (n, Value::Varint(v)) => put_varint_field(&mut rebuilt, n, v),
            (n, Value::Fixed32(v)) => put_fixed32_field(&mut rebuilt, n, v),
            (n, Value::Fixed64(v)) => nmsg::proto::put_fixed64_field(&mut rebuilt, n, v),
        }
    }
    assert_ne!(rebuilt, orig);
    assert_eq!(keys_of(1, 9, &rebuilt), want);
}

#[test]
fn sie_types() {
    // newdomain: domain #1 (0), rrname #3 (10), rrtype #4, rrclass #5, rdata #7 (14),
    // response_ip #14 (8), bailiwick #16 (9).
    let mut nd = Vec::new();
    put_bytes_field(&mut nd, 1, b"\x07EXAMPLE\x03com\x00");
    put_bytes_field(&mut nd, 3, b"\x03www\x07example\x03com\x00");
    put_varint_field(&mut nd, 4, 28);
    put_varint_field(&mut nd, 5, 1);
    let v6 = [
        0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x42,
    ];
    put_bytes_field(&mut nd, 7, &v6);
    put_bytes_field(&mut nd, 7, &v6);
    put_bytes_field(&mut nd, 14, &[192, 0, 2, 1]);
    put_bytes_field(&mut nd, 16, b"\x03com\x00");
    assert_eq!(
        keys_of(2, 5, &nd),
        [
            "0/0 name example.com.",
            "10/0 name www.example.com.",
            "14/0 ip 2001:db8::42",
            "14/1 ip 2001:db8::42",
            "8/0 ip 192.0.2.1",
            "9/0 name com.",
        ]
    );
    // dnsnx: qname #1 (0), qclass #3, qtype #2, response_ip #4 (3).
    let mut nx = Vec::new();
    put_bytes_field(&mut nx, 1, b"\x02nx\x07example\x00");
    put_varint_field(&mut nx, 3, 1);
    put_varint_field(&mut nx, 2, 1);
    put_bytes_field(&mut nx, 4, &[192, 0, 2, 53]);
    assert_eq!(
        keys_of(2, 6, &nx),
        ["0/0 name nx.example.", "3/0 ip 192.0.2.53"]
    );
    // delay: query_ip #1 (0), response_ip #2 (1), all fields required.
    let mut d = Vec::new();
    put_bytes_field(&mut d, 1, &[10, 0, 0, 1]);
    put_bytes_field(&mut d, 2, &[10, 0, 0, 2]);
    nmsg::proto::put_fixed64_field(&mut d, 3, 0.5f64.to_bits());
    put_varint_field(&mut d, 4, 1);
    assert_eq!(keys_of(2, 4, &d), ["0/0 ip 10.0.0.1", "1/0 ip 10.0.0.2"]);
    // Missing required field: undecodable.
    assert_eq!(
        fields::check(2, 4, &d[..12]),
        Err(FieldError::Proto(ProtoError::MissingField("delay")))
    );
}

#[test]
fn base_text_and_json_types() {
    // ipconn srcip #2 (1), dstip #4 (3).
    let mut ic = Vec::new();
    put_varint_field(&mut ic, 1, 6);
    put_bytes_field(&mut ic, 2, &[10, 0, 0, 1]);
    put_bytes_field(&mut ic, 4, &[1, 2, 3]); // wrong length: no key
    assert_eq!(keys_of(1, 5, &ic), ["1/0 ip 10.0.0.1"]);
    // email srcip #3 (2), srchost #4 (3), helo #5 (4): text names.
    let mut em = Vec::new();
    put_bytes_field(&mut em, 3, &[10, 0, 0, 3]);
    put_bytes_field(&mut em, 4, b"Mail.Example.COM");
    put_bytes_field(&mut em, 5, b"bad..name");
    assert_eq!(
        keys_of(1, 2, &em),
        ["2/0 ip 10.0.0.3", "3/0 name mail.example.com."]
    );
    // http srchost #3 (2) as an address or a name; dstip #5 (4).
    let mut h = Vec::new();
    put_varint_field(&mut h, 1, 0);
    put_bytes_field(&mut h, 3, b"2001:db8::5");
    put_bytes_field(&mut h, 5, &[10, 0, 0, 4]);
    assert_eq!(keys_of(1, 4, &h), ["2/0 ip 2001:db8::5", "4/0 ip 10.0.0.4"]);
    // encode JSON (type 1) payload #2 (1).
    let mut enc = Vec::new();
    put_varint_field(&mut enc, 1, 1);
    put_bytes_field(
        &mut enc,
        2,
        br#"{"vic_ip_ip4":"192.0.2.9","rdns_ip_ip4":["198.51.100.1","x"],"domain":"Evil.Example."}"#,
    );
    assert_eq!(
        keys_of(1, 11, &enc),
        [
            "1/0 ip 192.0.2.9",
            "1/0 ip 198.51.100.1",
            "1/0 name evil.example."
        ]
    );
    // encode TEXT: nothing.
    let mut text = Vec::new();
    put_varint_field(&mut text, 1, 0);
    put_bytes_field(&mut text, 2, br#"{"vic_ip_ip4":"192.0.2.9"}"#);
    assert!(keys_of(1, 11, &text).is_empty());
    // Types without keys.
    let mut ll = Vec::new();
    put_bytes_field(&mut ll, 2, b"a log line 10.0.0.1");
    assert!(keys_of(1, 6, &ll).is_empty());
}

#[test]
fn dnstap_and_dnsobs() {
    let dns = dns_response(FSI);
    let mut m = Vec::new();
    put_varint_field(&mut m, 1, 4); // RESOLVER_RESPONSE
    put_bytes_field(&mut m, 5, &[192, 31, 80, 30]);
    put_bytes_field(&mut m, 11, b"\x02io\x00");
    put_bytes_field(&mut m, 14, &dns);
    let mut t = Vec::new();
    put_bytes_field(&mut t, 1, b"mikk.net");
    put_bytes_field(&mut t, 14, &m);
    put_varint_field(&mut t, 15, 1);
    assert_eq!(
        keys_of(1, 13, &t),
        [
            "13/0 ip 192.31.80.30",
            "17/0 name io.",
            "18/0 name fsi.io.",
            "18/0 ip 192.0.2.7",
            "18/0 name www.fsi.io.",
            "21/0 name fsi.io.",
        ]
    );
    // The embedded Message lacks its required type: undecodable.
    let mut bad = Vec::new();
    put_bytes_field(&mut bad, 14, &m[2..]);
    put_varint_field(&mut bad, 15, 1);
    assert_eq!(
        fields::check(1, 13, &bad),
        Err(FieldError::Proto(ProtoError::MissingField("message.type")))
    );
    // dnsobs: response_ip #2 (1), qname #3 (2), response #7 (6), query_zone #8 (8).
    let mut o = Vec::new();
    put_varint_field(&mut o, 1, 1_689_270_069);
    put_bytes_field(&mut o, 2, &[192, 5, 5, 241]);
    put_bytes_field(&mut o, 3, FSI);
    put_varint_field(&mut o, 4, 1);
    put_varint_field(&mut o, 5, 1);
    put_varint_field(&mut o, 6, 0);
    put_bytes_field(&mut o, 7, &dns);
    put_bytes_field(&mut o, 8, b"\x02io\x00");
    assert_eq!(
        keys_of(1, 14, &o),
        [
            "1/0 ip 192.5.5.241",
            "2/0 name fsi.io.",
            "6/0 name fsi.io.",
            "6/0 ip 192.0.2.7",
            "6/0 name www.fsi.io.",
            "8/0 name io.",
        ]
    );
}

#[test]
fn errors_and_early_stop() {
    let mut none = |_: Key<'_>| -> ControlFlow<()> { panic!("no key expected") };
    // Unknown type.
    assert_eq!(
        fields::extract(1, 99, b"", &mut none),
        Err(FieldError::UnknownType {
            vid: 1,
            msgtype: 99
        })
    );
    // Truncated protobuf.
    assert_eq!(
        fields::extract(2, 1, &[0x0a, 0x05, 1], &mut none),
        Err(FieldError::Proto(ProtoError::Truncated))
    );
    // Wrong wire type for a known field (dnsdedupe rrtype #2 as bytes).
    assert_eq!(
        fields::extract(2, 1, &[0x12, 0x01, 0x01], &mut none),
        Err(FieldError::Proto(ProtoError::WrongWireType(2)))
    );
    // dnsqr without its required fields.
    assert_eq!(
        fields::check(1, 9, &[0x08, 0x01]),
        Err(FieldError::Proto(ProtoError::MissingField("query_ip")))
    );
    // An empty dnsdedupe (every field optional) decodes and has no keys.
    assert_eq!(fields::extract(2, 1, b"", &mut none), Ok(()));
    // Unknown field numbers are skipped.
    assert_eq!(fields::check(2, 1, &[0xf8, 0x07, 0x01]), Ok(()));
    // Break stops at the first key.
    let Some(ps) = payloads("test1-dnsqr.nmsg") else {
        return;
    };
    let mut seen = Vec::new();
    fields::extract(1, 9, ps[0].payload_bytes(), &mut |k: Key<'_>| {
        seen.push(key_text(&k));
        ControlFlow::Break(())
    })
    .unwrap();
    assert_eq!(seen, ["1/0 ip 203.0.113.195"]);
}
