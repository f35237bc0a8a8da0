//! Real IPv4/IPv6 packets (with correct header, UDP and TCP checksums) and DNS messages.

use std::net::IpAddr;

/// IP protocol numbers used here.
pub const PROTO_ICMP: u8 = 1;
/// TCP.
pub const PROTO_TCP: u8 = 6;
/// UDP.
pub const PROTO_UDP: u8 = 17;

/// DNS record types used here.
pub const TYPE_A: u16 = 1;
/// NS.
pub const TYPE_NS: u16 = 2;
/// CNAME.
pub const TYPE_CNAME: u16 = 5;
/// AAAA.
pub const TYPE_AAAA: u16 = 28;

/// The internet checksum (RFC 1071) of `data`, continuing from `sum`.
fn sum16(mut sum: u32, data: &[u8]) -> u32 {
    let mut chunks = data.chunks_exact(2);
    for c in &mut chunks {
        sum += u32::from(u16::from_be_bytes([c[0], c[1]]));
    }
    if let [b] = chunks.remainder() {
        sum += u32::from(*b) << 8;
    }
    sum
}

fn fold(mut sum: u32) -> u16 {
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// Verifies a checksum over `data` (the ones'-complement sum is all ones).
pub fn checksum_ok(data: &[u8]) -> bool {
    fold(sum16(0, data)) == 0
}

fn pseudo_sum(src: IpAddr, dst: IpAddr, proto: u8, len: usize) -> u32 {
    let mut s = 0;
    match (src, dst) {
        (IpAddr::V4(a), IpAddr::V4(b)) => {
            s = sum16(s, &a.octets());
            s = sum16(s, &b.octets());
        }
        (a, b) => {
            let v6 = |ip: IpAddr| match ip {
                IpAddr::V4(x) => x.to_ipv6_mapped().octets(),
                IpAddr::V6(x) => x.octets(),
            };
            s = sum16(s, &v6(a));
            s = sum16(s, &v6(b));
        }
    }
    s + u32::from(proto) + len as u32
}

/// A UDP datagram (header + `data`) with its checksum for the given addresses.
pub fn udp(src: IpAddr, dst: IpAddr, sport: u16, dport: u16, data: &[u8]) -> Vec<u8> {
    let len = 8 + data.len();
    let mut u = Vec::with_capacity(len);
    u.extend_from_slice(&sport.to_be_bytes());
    u.extend_from_slice(&dport.to_be_bytes());
    u.extend_from_slice(&(len as u16).to_be_bytes());
    u.extend_from_slice(&[0, 0]);
    u.extend_from_slice(data);
    let mut c = fold(sum16(pseudo_sum(src, dst, PROTO_UDP, len), &u));
    if c == 0 {
        c = 0xffff;
    }
    u[6..8].copy_from_slice(&c.to_be_bytes());
    u
}

/// A 20-byte TCP SYN segment with its checksum.
pub fn tcp_syn(src: IpAddr, dst: IpAddr, sport: u16, dport: u16, seq: u32) -> Vec<u8> {
    let mut t = Vec::with_capacity(20);
    t.extend_from_slice(&sport.to_be_bytes());
    t.extend_from_slice(&dport.to_be_bytes());
    t.extend_from_slice(&seq.to_be_bytes());
    t.extend_from_slice(&0u32.to_be_bytes());
    t.extend_from_slice(&[0x50, 0x02]); // data offset 5, SYN
    t.extend_from_slice(&65535u16.to_be_bytes());
    t.extend_from_slice(&[0, 0, 0, 0]); // checksum, urgent
    let c = fold(sum16(pseudo_sum(src, dst, PROTO_TCP, 20), &t));
    t[16..18].copy_from_slice(&c.to_be_bytes());
    t
}

/// An ICMP echo request (type 8) with its checksum.
pub fn icmp_echo(id: u16, seq: u16) -> Vec<u8> {
    let mut m = vec![8, 0, 0, 0];
    m.extend_from_slice(&id.to_be_bytes());
    m.extend_from_slice(&seq.to_be_bytes());
    m.extend_from_slice(b"abcdefghijklmnopqrstuvwabcdefghi");
    let c = fold(sum16(0, &m));
    m[2..4].copy_from_slice(&c.to_be_bytes());
    m
}

/// A complete IP datagram from `src` to `dst` carrying `payload` of protocol `proto`
/// (IPv4 with header checksum, or IPv6; the families of `src` and `dst` must agree, IPv4 is
/// used otherwise).
pub fn ip(src: IpAddr, dst: IpAddr, proto: u8, ttl: u8, id: u16, payload: &[u8]) -> Vec<u8> {
    match (src, dst) {
        (IpAddr::V6(s), IpAddr::V6(d)) => {
            let mut p = Vec::with_capacity(40 + payload.len());
            p.extend_from_slice(&[0x60, 0, 0, 0]);
            p.extend_from_slice(&(payload.len() as u16).to_be_bytes());
            p.push(proto);
            p.push(ttl);
            p.extend_from_slice(&s.octets());
            p.extend_from_slice(&d.octets());
            p.extend_from_slice(payload);
            p
        }
        _ => {
            let v4 = |a: IpAddr| match a {
                IpAddr::V4(x) => x.octets(),
                IpAddr::V6(_) => [0; 4],
            };
            let total = (20 + payload.len()) as u16;
            let mut p = Vec::with_capacity(usize::from(total));
            p.extend_from_slice(&[0x45, 0]);
            p.extend_from_slice(&total.to_be_bytes());
            p.extend_from_slice(&id.to_be_bytes());
            p.extend_from_slice(&[0x40, 0]); // DF
            p.push(ttl);
            p.push(proto);
            p.extend_from_slice(&[0, 0]);
            p.extend_from_slice(&v4(src));
            p.extend_from_slice(&v4(dst));
            let c = fold(sum16(0, &p));
            p[10..12].copy_from_slice(&c.to_be_bytes());
            p.extend_from_slice(payload);
            p
        }
    }
}

/// One answer record: type and rdata (names in rdata uncompressed).
#[derive(Debug, Clone)]
pub struct Answer {
    /// Record type.
    pub rtype: u16,
    /// TTL.
    pub ttl: u32,
    /// Record data.
    pub rdata: Vec<u8>,
}

/// A DNS message: one IN question for `qname` (wire form) and, for a response, `answers`
/// owned by the question name (compressed as a pointer to offset 12, as servers do).
pub fn dns_message(
    id: u16,
    response: bool,
    rcode: u8,
    qname: &[u8],
    qtype: u16,
    answers: &[Answer],
) -> Vec<u8> {
    let mut m = Vec::with_capacity(32 + qname.len() + answers.len() * 32);
    m.extend_from_slice(&id.to_be_bytes());
    let flags: u16 = if response {
        0x8180 | u16::from(rcode & 0x0f)
    } else {
        0x0100
    };
    m.extend_from_slice(&flags.to_be_bytes());
    m.extend_from_slice(&1u16.to_be_bytes());
    let an = if response { answers.len() as u16 } else { 0 };
    m.extend_from_slice(&an.to_be_bytes());
    m.extend_from_slice(&[0, 0, 0, 0]);
    m.extend_from_slice(qname);
    m.extend_from_slice(&qtype.to_be_bytes());
    m.extend_from_slice(&1u16.to_be_bytes());
    if response {
        for a in answers {
            m.extend_from_slice(&[0xc0, 0x0c]);
            m.extend_from_slice(&a.rtype.to_be_bytes());
            m.extend_from_slice(&1u16.to_be_bytes());
            m.extend_from_slice(&a.ttl.to_be_bytes());
            m.extend_from_slice(&(a.rdata.len() as u16).to_be_bytes());
            m.extend_from_slice(&a.rdata);
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv4_udp_checksums_verify() {
        let (s, d): (IpAddr, IpAddr) = (
            "192.0.2.1".parse().unwrap(),
            "198.51.100.7".parse().unwrap(),
        );
        let u = udp(s, d, 53, 40000, b"hello");
        let p = ip(s, d, PROTO_UDP, 64, 1, &u);
        assert_eq!(p.len(), 20 + 8 + 5);
        assert!(checksum_ok(&p[..20]));
        // UDP: pseudo header + segment sums to all ones.
        let total = sum16(pseudo_sum(s, d, PROTO_UDP, u.len()), &u);
        assert_eq!(fold(total), 0);
    }

    #[test]
    fn ipv6_tcp_and_icmp() {
        let (s, d): (IpAddr, IpAddr) = (
            "2001:db8::1".parse().unwrap(),
            "2001:db8::2".parse().unwrap(),
        );
        let t = tcp_syn(s, d, 1234, 22, 99);
        assert_eq!(fold(sum16(pseudo_sum(s, d, PROTO_TCP, 20), &t)), 0);
        let p = ip(s, d, PROTO_TCP, 64, 0, &t);
        assert_eq!((p[0] >> 4, p[6], p.len()), (6, PROTO_TCP, 60));
        assert!(checksum_ok(&icmp_echo(1, 2)));
    }

    #[test]
    fn dns_response_layout() {
        let q = crate::index::name::from_text("www.example.com").unwrap();
        let m = dns_message(
            7,
            true,
            0,
            &q,
            TYPE_A,
            &[Answer {
                rtype: TYPE_A,
                ttl: 60,
                rdata: vec![192, 0, 2, 1],
            }],
        );
        assert_eq!(&m[..12], &[0, 7, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0]);
        assert_eq!(&m[12..12 + q.len()], &q[..]);
        assert_eq!(&m[m.len() - 4..], &[192, 0, 2, 1]);
    }
}
