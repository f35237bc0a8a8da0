//! IP datagrams (IPv4, IPv6) and UDP, as far as field extraction needs them: addresses,
//! transport, fragment information, the UDP payload, and reassembly of a fragmented datagram
//! (dnsqr responses split into several `response_packet` entries).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Fragment information of a datagram that is a fragment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fragment {
    /// The identification (16 bits for IPv4, 32 for IPv6).
    pub id: u32,
    /// The offset of this fragment's data in the original payload, in bytes.
    pub offset: usize,
    /// The "more fragments" flag.
    pub more: bool,
}

/// One parsed IP datagram, borrowing its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Datagram<'a> {
    /// Source address.
    pub src: IpAddr,
    /// Destination address.
    pub dst: IpAddr,
    /// The transport protocol (IPv6: after the extension headers this parser skips).
    pub proto: u8,
    /// `Some` when the datagram is a fragment (more-fragments set or a non-zero offset).
    pub fragment: Option<Fragment>,
    /// The transport payload (for a fragment: this fragment's data), cut to the length the IP
    /// header gives when the capture holds more.
    pub payload: &'a [u8],
}

/// IP protocol number of UDP.
pub const PROTO_UDP: u8 = 17;

/// Parses an IPv4 or IPv6 datagram, chosen by the version nibble. `None` when the bytes are not
/// a plausible datagram (short header, bad header length, version not 4 or 6). A capture cut
/// short is accepted: the payload is what there is.
pub fn parse(buf: &[u8]) -> Option<Datagram<'_>> {
    match buf.first()? >> 4 {
        4 => parse_v4(buf),
        6 => parse_v6(buf),
        _ => None,
    }
}

fn parse_v4(buf: &[u8]) -> Option<Datagram<'_>> {
    let h = buf.get(..20)?;
    let hlen = usize::from(h[0] & 0xf) * 4;
    let total = usize::from(u16::from_be_bytes([h[2], h[3]]));
    if hlen < 20 || buf.len() < hlen || total < hlen {
        return None;
    }
    let frag = u16::from_be_bytes([h[6], h[7]]);
    let more = frag & 0x2000 != 0;
    let offset = usize::from(frag & 0x1fff) * 8;
    let fragment = (more || offset != 0).then_some(Fragment {
        id: u32::from(u16::from_be_bytes([h[4], h[5]])),
        offset,
        more,
    });
    let end = total.min(buf.len());
    Some(Datagram {
        src: IpAddr::V4(Ipv4Addr::new(h[12], h[13], h[14], h[15])),
        dst: IpAddr::V4(Ipv4Addr::new(h[16], h[17], h[18], h[19])),
        proto: h[9],
        fragment,
        payload: &buf[hlen..end],
    })
}

fn addr16(b: &[u8]) -> IpAddr {
    let mut a = [0u8; 16];
    a.copy_from_slice(&b[..16]);
    IpAddr::V6(Ipv6Addr::from(a))
}

fn parse_v6(buf: &[u8]) -> Option<Datagram<'_>> {
    let h = buf.get(..40)?;
    let plen = usize::from(u16::from_be_bytes([h[4], h[5]]));
    // A zero payload length (jumbogram) or a capture cut short: take what there is.
    let end = if plen == 0 {
        buf.len()
    } else {
        (40 + plen).min(buf.len())
    };
    let mut next = h[6];
    let mut pos = 40;
    let mut fragment = None;
    // Skip at most 8 extension headers.
    for _ in 0..8 {
        match next {
            // Hop-by-hop, routing, destination options.
            0 | 43 | 60 => {
                let e = buf.get(pos..pos + 2)?;
                next = e[0];
                pos += (usize::from(e[1]) + 1) * 8;
            }
            // Authentication header.
            51 => {
                let e = buf.get(pos..pos + 2)?;
                next = e[0];
                pos += (usize::from(e[1]) + 2) * 4;
            }
            // Fragment.
            44 => {
                let e = buf.get(pos..pos + 8)?;
                next = e[0];
                let off = u16::from_be_bytes([e[2], e[3]]);
                let offset = usize::from(off & 0xfff8);
                let more = off & 1 != 0;
                if more || offset != 0 {
                    fragment = Some(Fragment {
                        id: u32::from_be_bytes([e[4], e[5], e[6], e[7]]),
                        offset,
                        more,
                    });
                }
                pos += 8;
                if offset != 0 {
                    // Later fragments carry no further headers.
                    break;
                }
            }
            _ => break,
        }
    }
    if pos > end {
        return None;
    }
    Some(Datagram {
        src: addr16(&h[8..24]),
        dst: addr16(&h[24..40]),
        proto: next,
        fragment,
        payload: &buf[pos..end],
    })
}

/// A UDP header and payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Udp<'a> {
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
    /// The payload, cut to the UDP length when that is consistent.
    pub payload: &'a [u8],
}

/// Reads the UDP header at the start of `seg` (a transport payload). `None` when shorter than
/// 8 bytes.
pub fn udp(seg: &[u8]) -> Option<Udp<'_>> {
    let h = seg.get(..8)?;
    let len = usize::from(u16::from_be_bytes([h[4], h[5]]));
    let end = if len >= 8 {
        len.min(seg.len())
    } else {
        seg.len()
    };
    Some(Udp {
        src_port: u16::from_be_bytes([h[0], h[1]]),
        dst_port: u16::from_be_bytes([h[2], h[3]]),
        payload: &seg[8..end],
    })
}

/// The largest reassembled payload (the IPv4 and IPv6 limit without jumbograms).
pub const MAX_REASSEMBLED: usize = 65535;

/// Reassembles the transport payload of one datagram from its fragments, in any order.
///
/// Every fragment must have the same source, destination and identification; the last one
/// (more-fragments clear) sets the length; together they must cover it with no gap (overlaps
/// are written in order). Returns the payload and the transport protocol, or `None`. This is
/// the only allocating path of field extraction (rare: responses larger than the path MTU).
pub fn reassemble<'a, I>(fragments: I) -> Option<(Vec<u8>, u8)>
where
    I: IntoIterator<Item = Datagram<'a>>,
{
    let mut out: Vec<u8> = Vec::new();
    // One bit per 8-byte block of the payload.
    let mut covered = [0u64; MAX_REASSEMBLED / 8 / 64 + 1];
    let mut total = None;
    let mut first: Option<(IpAddr, IpAddr, u32)> = None;
    let mut proto = None;
    for d in fragments {
        let f = d.fragment?;
        let key = (d.src, d.dst, f.id);
        if *first.get_or_insert(key) != key {
            return None;
        }
        let end = f.offset + d.payload.len();
        if end > MAX_REASSEMBLED || (f.more && d.payload.len() % 8 != 0) {
            return None;
        }
        if f.offset == 0 {
            proto = Some(d.proto);
        }
        if !f.more {
            total = Some(end);
        }
        if out.len() < end {
            out.resize(end, 0);
        }
        out[f.offset..end].copy_from_slice(d.payload);
        for block in f.offset / 8..end.div_ceil(8) {
            covered[block / 64] |= 1 << (block % 64);
        }
    }
    let total = total?;
    let proto = proto?;
    if out.len() != total {
        return None;
    }
    let all = (0..total.div_ceil(8)).all(|b| covered[b / 64] & (1 << (b % 64)) != 0);
    all.then_some((out, proto))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(proto: u8, frag: u16, id: u16, payload: &[u8]) -> Vec<u8> {
        let total = (20 + payload.len()) as u16;
        let mut p = vec![0x45, 0];
        p.extend_from_slice(&total.to_be_bytes());
        p.extend_from_slice(&id.to_be_bytes());
        p.extend_from_slice(&frag.to_be_bytes());
        p.extend_from_slice(&[64, proto, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]);
        p.extend_from_slice(payload);
        p
    }

    #[test]
    fn v4_and_udp() {
        let udp_seg = [0, 53, 0x30, 0x39, 0, 11, 0, 0, 1, 2, 3];
        let p = v4(17, 0, 7, &udp_seg);
        let d = parse(&p).unwrap();
        assert_eq!(d.src, IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)));
        assert_eq!(d.fragment, None);
        let u = udp(d.payload).unwrap();
        assert_eq!(
            (u.src_port, u.dst_port, u.payload),
            (53, 12345, &[1, 2, 3][..])
        );
        assert!(parse(&p[..19]).is_none());
        assert!(parse(&[0x55; 40]).is_none());
    }

    #[test]
    fn reassembly() {
        let data: Vec<u8> = (0..40).collect();
        let a = v4(17, 0x2000, 9, &data[..16]);
        let b = v4(17, 2, 9, &data[16..]);
        let frags = [parse(&b).unwrap(), parse(&a).unwrap()];
        let (out, proto) = reassemble(frags).unwrap();
        assert_eq!((out, proto), (data.clone(), 17));
        // A gap.
        let c = v4(17, 3, 9, &data[24..]);
        assert!(reassemble([parse(&a).unwrap(), parse(&c).unwrap()]).is_none());
        // Different ids.
        let d = v4(17, 2, 8, &data[16..]);
        assert!(reassemble([parse(&a).unwrap(), parse(&d).unwrap()]).is_none());
    }
}
