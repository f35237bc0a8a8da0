//! Filling an observation's [`MatchKeys`] from the raw bytes of an NMSG payload or an IP
//! datagram with `nmsg::fields` (the fields table, spec §10), once per observation.

use std::net::IpAddr;
use std::ops::ControlFlow;

use nmsg::fields::{self, FieldError, KeyValue};

use crate::observation::MatchKeys;

/// base:packet (vid 1, msgtype 12): the type raw IP datagrams are wrapped in for extraction.
const PACKET: (u32, u32) = (1, 12);

/// Replaces the contents of `keys` with the keys of payload `vid`:`msgtype` (inner message
/// `payload`), each distinct value once (its first occurrence). Returns true when the payload
/// does not decode (an `errors` watch matches it). A type this server has no schema for is not
/// an error (choice: it is not malformed, merely unknown; channel watches still see it) and
/// yields no key.
pub fn extract_payload(vid: u32, msgtype: u32, payload: &[u8], keys: &mut MatchKeys) -> bool {
    keys.clear();
    let r = fields::extract(vid, msgtype, payload, &mut |k: fields::Key<'_>| {
        // A key seen before in this payload (an RRset's owner, a question name repeated in
        // the answer) would match the same watches with a later field: skip it. The
        // dispatcher reports the first matching key, so hits are unchanged.
        match k.value {
            KeyValue::Ip(IpAddr::V4(a)) => keys.push_ip_unique(&a.octets(), k.field_idx, k.val_idx),
            KeyValue::Ip(IpAddr::V6(a)) => keys.push_ip_unique(&a.octets(), k.field_idx, k.val_idx),
            KeyValue::Name(n) => keys.push_name_unique(n, k.field_idx, k.val_idx),
        }
        ControlFlow::Continue(())
    });
    matches!(r, Err(FieldError::Proto(_)))
}

/// True when the payload does not decode (the check alone, for `errors` watches when no key
/// is needed).
pub fn undecodable(vid: u32, msgtype: u32, payload: &[u8]) -> bool {
    matches!(
        fields::check(vid, msgtype, payload),
        Err(FieldError::Proto(_))
    )
}

/// Replaces the contents of `keys` with the keys of the raw IP datagram `ip`: its source and
/// destination addresses and, for DNS over UDP (port 53 or 5353), the names and addresses in
/// the DNS message. The datagram is wrapped as a base:packet message in `scratch` (reused, so
/// no allocation after warm-up) and handed to the same extractor as NMSG payloads.
pub fn extract_packet(ip: &[u8], scratch: &mut Vec<u8>, keys: &mut MatchKeys) {
    scratch.clear();
    nmsg::proto::put_varint_field(scratch, 1, 1);
    nmsg::proto::put_bytes_field(scratch, 2, ip);
    extract_payload(PACKET.0, PACKET.1, scratch, keys);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packet_addresses() {
        let mut p = vec![0x45u8, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0];
        p.extend_from_slice(&[192, 0, 2, 1, 198, 51, 100, 7]);
        p.extend_from_slice(&[0x30, 0x39, 0x30, 0x39, 0, 8, 0, 0]);
        let (mut s, mut k) = (Vec::new(), MatchKeys::default());
        extract_packet(&p, &mut s, &mut k);
        let ips: Vec<_> = k.ips().map(|k| k.bytes.to_vec()).collect();
        assert_eq!(ips, vec![vec![192, 0, 2, 1], vec![198, 51, 100, 7]]);
        // The same address twice (source = destination) is one key.
        p[16..20].copy_from_slice(&[192, 0, 2, 1]);
        extract_packet(&p, &mut s, &mut k);
        assert_eq!(k.ips().count(), 1);
        assert!(
            extract_payload(2, 1, b"\xff\xff", &mut k),
            "malformed protobuf"
        );
        assert!(k.is_empty());
        assert!(!extract_payload(99, 1, b"\x08\x01", &mut k), "unknown type");
        assert!(undecodable(2, 1, b"\x0a\x05ab"));
    }
}
