//! Darknet (ch14) packets: scans and probes from public addresses to an unused ("dark")
//! prefix: TCP SYNs to common service ports, UDP probes and ICMP echo requests, as complete
//! IPv4 (90 %) or IPv6 datagrams. Keys: source and destination address.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::names;
use super::packet::{self, PROTO_ICMP, PROTO_TCP, PROTO_UDP};
use super::records::ip_bytes;
use super::rng::Rng;
use crate::hit::IDX_DARK;
use crate::observation::MatchKeys;

/// The dark IPv4 prefix the packets are sent to (198.18.0.0/15, RFC 2544 benchmarking).
pub const DARK_V4: (Ipv4Addr, u8) = (Ipv4Addr::new(198, 18, 0, 0), 15);
/// The dark IPv6 prefix (2001:db8:da4c::/48, documentation space).
pub const DARK_V6: (Ipv6Addr, u8) = (Ipv6Addr::new(0x2001, 0xdb8, 0xda4c, 0, 0, 0, 0, 0), 48);

const TCP_PORTS: &[u16] = &[
    22, 23, 80, 443, 445, 1433, 3306, 3389, 5900, 6379, 8080, 8443,
];
const UDP_PROBES: &[(u16, &[u8])] = &[
    (
        53,
        b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\xff\x00\x01",
    ),
    (123, b"\xe3\x00\x04\xfa\x00\x01\x00\x00\x00\x01\x00\x00"),
    (
        1900,
        b"M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n\r\n",
    ),
    (161, b"\x30\x26\x02\x01\x01\x04\x06public"),
];

/// One darknet packet; adds its source and destination to `keys`.
pub fn packet(rng: &mut Rng, keys: &mut MatchKeys) -> Vec<u8> {
    let (src, dst) = if rng.chance(90) {
        let host = (rng.next_u64() as u32) & ((1u32 << (32 - DARK_V4.1)) - 1);
        (
            IpAddr::V4(names::ipv4(rng)),
            IpAddr::V4(Ipv4Addr::from(u32::from(DARK_V4.0) | host)),
        )
    } else {
        let host = u128::from(rng.next_u64()) & ((1u128 << (128 - DARK_V6.1)) - 1);
        (
            IpAddr::V6(names::ipv6(rng)),
            IpAddr::V6(Ipv6Addr::from(u128::from(DARK_V6.0) | host)),
        )
    };
    let sport = 1024 + rng.below(64_000) as u16;
    let id = rng.next_u64() as u16;
    let ttl = *rng.pick(&[45u8, 50, 52, 113, 116, 240]);
    let kind = rng.below(100);
    let pkt = if kind < 70 {
        let t = packet::tcp_syn(src, dst, sport, *rng.pick(TCP_PORTS), rng.next_u64() as u32);
        packet::ip(src, dst, PROTO_TCP, ttl, id, &t)
    } else if kind < 90 || src.is_ipv6() {
        let (port, data) = *rng.pick(UDP_PROBES);
        packet::ip(
            src,
            dst,
            PROTO_UDP,
            ttl,
            id,
            &packet::udp(src, dst, sport, port, data),
        )
    } else {
        packet::ip(src, dst, PROTO_ICMP, ttl, id, &packet::icmp_echo(id, 1))
    };
    keys.push_ip(&ip_bytes(src), IDX_DARK, 0);
    keys.push_ip(&ip_bytes(dst), IDX_DARK, 1);
    pkt
}
