//! SIE message encoders: `SIE:dnsdedupe` (ch204) and `SIE:newdomain` (ch213), with the match
//! keys of the fields table (spec §10) and their field indices (nmsg-format §4.5, §4.6).

use nmsg::proto::{put_bytes_field, put_varint_field};

use super::names;
use super::records::{ip_bytes, server_ip, RrSet};
use super::rng::Rng;
use crate::index::name;
use crate::observation::MatchKeys;

/// Field indices of `SIE:dnsdedupe` (§4.5).
pub mod dedupe_idx {
    /// response_ip.
    pub const RESPONSE_IP: u16 = 6;
    /// bailiwick.
    pub const BAILIWICK: u16 = 7;
    /// rrname.
    pub const RRNAME: u16 = 8;
    /// rdata.
    pub const RDATA: u16 = 12;
}

/// Field indices of `SIE:newdomain` (§4.6).
pub mod newdomain_idx {
    /// domain.
    pub const DOMAIN: u16 = 0;
    /// response_ip.
    pub const RESPONSE_IP: u16 = 8;
    /// bailiwick.
    pub const BAILIWICK: u16 = 9;
    /// rrname.
    pub const RRNAME: u16 = 10;
    /// rdata.
    pub const RDATA: u16 = 14;
}

fn rdata_keys(rr: &RrSet, idx: u16, keys: &mut MatchKeys) {
    for (i, r) in rr.rdata.iter().enumerate() {
        if rr.rdata_is_ip() {
            keys.push_ip(r, idx, i as u16);
        } else {
            keys.push_name(r, idx, i as u16);
        }
    }
}

/// Encodes one `SIE:dnsdedupe` message (fields in number order, as protobuf-c writes them)
/// and adds its keys (response_ip, bailiwick, rrname, rdata) to `keys`.
pub fn dnsdedupe(rng: &mut Rng, now: u32, keys: &mut MatchKeys) -> Vec<u8> {
    let rr = RrSet::random(rng);
    let server = ip_bytes(server_ip(rng));
    let mut m = Vec::with_capacity(160);
    put_bytes_field(&mut m, 1, &rr.owner_wire);
    put_varint_field(&mut m, 2, u64::from(rr.rtype));
    put_varint_field(&mut m, 3, 1);
    put_varint_field(&mut m, 4, u64::from(rr.ttl));
    for r in &rr.rdata {
        put_bytes_field(&mut m, 5, r);
    }
    let first = now.saturating_sub(rng.below(86_400 * 30) as u32);
    put_varint_field(&mut m, 10, 1 + rng.below(500));
    put_varint_field(&mut m, 11, u64::from(first));
    put_varint_field(&mut m, 12, u64::from(now));
    put_varint_field(&mut m, 13, *rng.pick(&[0u64, 0, 0, 3, 4, 5, 6]));
    put_bytes_field(&mut m, 14, &server);
    put_bytes_field(&mut m, 16, &rr.bailiwick);
    keys.push_ip(&server, dedupe_idx::RESPONSE_IP, 0);
    keys.push_name(&rr.bailiwick, dedupe_idx::BAILIWICK, 0);
    keys.push_name(&rr.owner_wire, dedupe_idx::RRNAME, 0);
    rdata_keys(&rr, dedupe_idx::RDATA, keys);
    m
}

/// Encodes one `SIE:newdomain` message and adds its keys (domain, response_ip, bailiwick,
/// rrname, rdata) to `keys`.
pub fn newdomain(rng: &mut Rng, now: u32, keys: &mut MatchKeys) -> Vec<u8> {
    let rr = RrSet::random(rng);
    let domain = name::from_text(names::base_of(&rr.owner)).unwrap_or_else(|_| vec![0]);
    let server = ip_bytes(server_ip(rng));
    let mut m = Vec::with_capacity(180);
    put_bytes_field(&mut m, 1, &domain);
    put_varint_field(&mut m, 2, u64::from(now));
    put_bytes_field(&mut m, 3, &rr.owner_wire);
    put_varint_field(&mut m, 4, u64::from(rr.rtype));
    put_varint_field(&mut m, 5, 1);
    put_varint_field(&mut m, 6, u64::from(rr.ttl));
    for r in &rr.rdata {
        put_bytes_field(&mut m, 7, r);
    }
    put_varint_field(&mut m, 10, 1);
    put_varint_field(&mut m, 11, u64::from(now));
    put_varint_field(&mut m, 12, u64::from(now));
    put_varint_field(&mut m, 13, 0);
    put_bytes_field(&mut m, 14, &server);
    put_bytes_field(&mut m, 16, &rr.bailiwick);
    put_varint_field(&mut m, 19, u64::from(rng.chance(30)));
    put_varint_field(&mut m, 20, 1);
    keys.push_name(&domain, newdomain_idx::DOMAIN, 0);
    keys.push_ip(&server, newdomain_idx::RESPONSE_IP, 0);
    keys.push_name(&rr.bailiwick, newdomain_idx::BAILIWICK, 0);
    keys.push_name(&rr.owner_wire, newdomain_idx::RRNAME, 0);
    rdata_keys(&rr, newdomain_idx::RDATA, keys);
    m
}
