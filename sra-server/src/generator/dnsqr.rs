//! `base:dnsqr` (ch202) encoder: a resolver's query and the authority's response as real
//! IP/UDP/DNS packets, with the fields-table keys (query_ip, response_ip, qname, and the
//! addresses and names in the response; nmsg-format §4.1).

use std::net::IpAddr;

use nmsg::proto::{put_bytes_field, put_fixed32_field, put_varint_field};

use super::names;
use super::packet::{self, PROTO_UDP};
use super::records::{ip_bytes, RrSet};
use super::rng::Rng;
use crate::observation::MatchKeys;

/// Field indices of `base:dnsqr` (§4.1).
pub mod idx {
    /// query_ip.
    pub const QUERY_IP: u16 = 1;
    /// response_ip.
    pub const RESPONSE_IP: u16 = 2;
    /// qname.
    pub const QNAME: u16 = 7;
    /// response (the DNS message of the response packet).
    pub const RESPONSE: u16 = 23;
}

/// Encodes one UDP_QUERY_RESPONSE `base:dnsqr` message at time (`sec`, `nsec`) and adds its
/// keys to `keys`. About one response in ten is NXDOMAIN without answers.
pub fn dnsqr(rng: &mut Rng, sec: u32, nsec: u32, keys: &mut MatchKeys) -> Vec<u8> {
    let rr = RrSet::random(rng);
    let v6 = rng.chance(15);
    let (resolver, server) = if v6 {
        (IpAddr::V6(names::ipv6(rng)), IpAddr::V6(names::ipv6(rng)))
    } else {
        (IpAddr::V4(names::ipv4(rng)), IpAddr::V4(names::ipv4(rng)))
    };
    let id = rng.next_u64() as u16;
    let sport = 1024 + rng.below(64_000) as u16;
    let nx = rng.chance(10);
    let rcode = if nx { 3 } else { 0 };
    let answers = if nx { Vec::new() } else { rr.answers() };
    let query = packet::dns_message(id, false, 0, &rr.owner_wire, rr.rtype, &[]);
    let response = packet::dns_message(id, true, rcode, &rr.owner_wire, rr.rtype, &answers);
    let qpkt = packet::ip(
        resolver,
        server,
        PROTO_UDP,
        64,
        id,
        &packet::udp(resolver, server, sport, 53, &query),
    );
    let rpkt = packet::ip(
        server,
        resolver,
        PROTO_UDP,
        57,
        id ^ 0x5a5a,
        &packet::udp(server, resolver, 53, sport, &response),
    );
    let delay_ns = 1_000_000 + rng.below(80_000_000) as u32;
    let (rsec, rnsec) = if nsec + delay_ns >= 1_000_000_000 {
        (sec + 1, nsec + delay_ns - 1_000_000_000)
    } else {
        (sec, nsec + delay_ns)
    };
    let (qip, sip) = (ip_bytes(resolver), ip_bytes(server));
    let mut m = Vec::with_capacity(qpkt.len() + rpkt.len() + 96);
    put_varint_field(&mut m, 1, 1);
    put_bytes_field(&mut m, 2, &qip);
    put_bytes_field(&mut m, 3, &sip);
    put_varint_field(&mut m, 4, u64::from(PROTO_UDP));
    put_varint_field(&mut m, 5, u64::from(sport));
    put_varint_field(&mut m, 6, 53);
    put_varint_field(&mut m, 7, u64::from(id));
    put_bytes_field(&mut m, 8, &rr.owner_wire);
    put_varint_field(&mut m, 9, u64::from(rr.rtype));
    put_varint_field(&mut m, 10, 1);
    put_varint_field(&mut m, 11, u64::from(rcode));
    put_bytes_field(&mut m, 12, &qpkt);
    put_varint_field(&mut m, 13, u64::from(sec));
    put_fixed32_field(&mut m, 14, nsec);
    put_bytes_field(&mut m, 15, &rpkt);
    put_varint_field(&mut m, 16, u64::from(rsec));
    put_fixed32_field(&mut m, 17, rnsec);
    put_varint_field(&mut m, 21, 3);
    keys.push_ip(&qip, idx::QUERY_IP, 0);
    keys.push_ip(&sip, idx::RESPONSE_IP, 0);
    keys.push_name(&rr.owner_wire, idx::QNAME, 0);
    // `response` is not a repeated field: val_idx 0 for every key found in it (as
    // nmsg::fields reports them).
    for r in answers.iter().map(|a| &a.rdata) {
        if rr.rdata_is_ip() {
            keys.push_ip(r, idx::RESPONSE, 0);
        } else {
            keys.push_name(r, idx::RESPONSE, 0);
        }
    }
    m
}
