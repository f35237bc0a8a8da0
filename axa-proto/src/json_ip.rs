//! JSON keys of an IP WATCH HIT: the raw datagram parsed as libnmsg's `nmsg_ipdg` does
//! (spec §7.2): IPv4/IPv6 with UDP, TCP or (IPv4 only) ICMP; anything else, and truncated
//! packets, give `"parse_error":true`.

use crate::ip_text::{ipv4_text, ipv6_text};
use crate::json::JsonOut;

const ICMP: u8 = 1;
const TCP: u8 = 6;
const UDP: u8 = 17;

/// Append `,"af":…` … `,"payload":…` (or `,"parse_error":true`) for `pkt`.
pub(crate) fn ip_keys(j: &mut JsonOut, pkt: &[u8]) {
    let Some(p) = parse(pkt) else {
        j.raw("parse_error", "true");
        return;
    };
    j.str("af", p.af);
    j.str("src", &p.src);
    j.str("dst", &p.dst);
    j.num("ttl", p.ttl);
    j.str(
        "proto",
        match p.proto {
            ICMP => "ICMP",
            TCP => "TCP",
            _ => "UDP",
        },
    );
    if let Some((sp, dp)) = p.ports {
        j.num("src_port", sp);
        j.num("dst_port", dp);
    }
    if let Some(f) = p.tcp_flags {
        let mut s = String::from("[");
        for (bit, name) in [(0x01, "FIN"), (0x02, "SYN"), (0x10, "ACK"), (0x04, "RST")] {
            if f & bit != 0 {
                if s.len() > 1 {
                    s.push(',');
                }
                s.push('"');
                s.push_str(name);
                s.push('"');
            }
        }
        s.push(']');
        j.raw("flags", &s);
    }
    j.str("payload", &base64(p.payload));
}

struct Parsed<'a> {
    af: &'static str,
    src: String,
    dst: String,
    ttl: u8,
    proto: u8,
    ports: Option<(u16, u16)>,
    tcp_flags: Option<u8>,
    payload: &'a [u8],
}

fn be16(b: &[u8], off: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(off..off + 2)?.try_into().ok()?))
}

fn parse(pkt: &[u8]) -> Option<Parsed<'_>> {
    let (af, src, dst, ttl, proto, fragment, rest) = match pkt.first()? >> 4 {
        4 => {
            let ihl = ((pkt[0] & 0x0f) as usize) * 4;
            if ihl < 20 || pkt.len() < ihl {
                return None;
            }
            // Like libnmsg, the captured length wins over the IP total length.
            let end = pkt.len();
            let frag_off = be16(pkt, 6)? & 0x1fff;
            let a = |o: usize| -> Option<[u8; 4]> { pkt.get(o..o + 4)?.try_into().ok() };
            (
                "IPv4",
                ipv4_text(a(12)?),
                ipv4_text(a(16)?),
                pkt[8],
                pkt[9],
                frag_off != 0,
                &pkt[ihl..end],
            )
        }
        6 => {
            if pkt.len() < 40 {
                return None;
            }
            let end = pkt.len();
            let a = |o: usize| -> Option<[u8; 16]> { pkt.get(o..o + 16)?.try_into().ok() };
            let mut next = pkt[6];
            let mut off = 40;
            let mut fragment = false;
            loop {
                match next {
                    0 | 43 | 60 => {
                        let h = pkt.get(off..off + 2)?;
                        next = h[0];
                        off += (h[1] as usize + 1) * 8;
                    }
                    44 => {
                        let h = pkt.get(off..off + 8)?;
                        next = h[0];
                        fragment = u16::from_be_bytes([h[2], h[3]]) & 0xfff8 != 0;
                        off += 8;
                    }
                    _ => break,
                }
                if off > end {
                    return None;
                }
            }
            (
                "IPv6",
                ipv6_text(a(8)?),
                ipv6_text(a(24)?),
                pkt[7],
                next,
                fragment,
                &pkt[off..end],
            )
        }
        _ => return None,
    };
    let is_v4 = af == "IPv4";
    let mut p = Parsed {
        af,
        src,
        dst,
        ttl,
        proto,
        ports: None,
        tcp_flags: None,
        payload: rest,
    };
    match proto {
        UDP | TCP => {}
        ICMP if is_v4 => {}
        _ => return None,
    }
    if fragment {
        return Some(p);
    }
    match proto {
        UDP => {
            let sp = be16(rest, 0)?;
            let dp = be16(rest, 2)?;
            let ulen = be16(rest, 4)? as usize;
            if rest.len() < 8 {
                return None;
            }
            let n = ulen.saturating_sub(8).min(rest.len() - 8);
            p.ports = Some((sp, dp));
            p.payload = &rest[8..8 + n];
        }
        TCP => {
            if rest.len() < 20 {
                return None;
            }
            let doff = ((rest[12] >> 4) as usize) * 4;
            if doff < 20 || doff > rest.len() {
                return None;
            }
            p.ports = Some((be16(rest, 0)?, be16(rest, 2)?));
            p.tcp_flags = Some(rest[13]);
            p.payload = &rest[doff..];
        }
        _ => {
            p.payload = rest.get(4..)?;
        }
    }
    Some(p)
}

/// Standard base64 with `=` padding, no line breaks.
pub(crate) fn base64(b: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::with_capacity(b.len().div_ceil(3) * 4);
    for c in b.chunks(3) {
        let n = (c[0] as u32) << 16
            | (*c.get(1).unwrap_or(&0) as u32) << 8
            | *c.get(2).unwrap_or(&0) as u32;
        s.push(A[(n >> 18) as usize & 63] as char);
        s.push(A[(n >> 12) as usize & 63] as char);
        s.push(if c.len() > 1 {
            A[(n >> 6) as usize & 63] as char
        } else {
            '='
        });
        s.push(if c.len() > 2 {
            A[n as usize & 63] as char
        } else {
            '='
        });
    }
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_padding() {
        assert_eq!(super::base64(b""), "");
        assert_eq!(super::base64(b"\xde\xad\xbe\xef"), "3q2+7w==");
        assert_eq!(super::base64(b"abc"), "YWJj");
        assert_eq!(super::base64(b"ab"), "YWI=");
    }
}
