//! Resource record sets for synthetic DNS data: an owner name, a type and its rdata.

use std::net::IpAddr;

use super::names;
use super::packet::{Answer, TYPE_A, TYPE_AAAA, TYPE_CNAME, TYPE_NS};
use super::rng::Rng;
use crate::index::name;

/// One RRset.
#[derive(Debug, Clone)]
pub struct RrSet {
    /// Owner name, presentation form.
    pub owner: String,
    /// Owner name, wire form.
    pub owner_wire: Vec<u8>,
    /// The zone the data came from (bailiwick), wire form.
    pub bailiwick: Vec<u8>,
    /// Record type.
    pub rtype: u16,
    /// TTL.
    pub ttl: u32,
    /// Rdata items (names uncompressed).
    pub rdata: Vec<Vec<u8>>,
}

impl RrSet {
    /// A random RRset: A (55 %), AAAA (15 %), CNAME (15 %) or NS (15 %).
    pub fn random(rng: &mut Rng) -> RrSet {
        let owner = names::domain(rng);
        let owner_wire = name::from_text(&owner).unwrap_or_else(|_| vec![0]);
        let base = names::base_of(&owner).to_string();
        let bailiwick = name::from_text(&base).unwrap_or_else(|_| vec![0]);
        let ttl = *rng.pick(&[60, 300, 300, 3600, 86400]);
        let (rtype, rdata) = match rng.below(100) {
            0..=54 => (
                TYPE_A,
                (0..1 + rng.below(3))
                    .map(|_| names::ipv4(rng).octets().to_vec())
                    .collect(),
            ),
            55..=69 => (TYPE_AAAA, vec![names::ipv6(rng).octets().to_vec()]),
            70..=84 => (TYPE_CNAME, vec![names::domain_wire(rng)]),
            _ => (
                TYPE_NS,
                ["ns1", "ns2"]
                    .iter()
                    .map(|h| name::from_text(&format!("{h}.{base}")).unwrap_or_else(|_| vec![0]))
                    .collect(),
            ),
        };
        RrSet {
            owner,
            owner_wire,
            bailiwick,
            rtype,
            ttl,
            rdata,
        }
    }

    /// Whether the rdata items are addresses (A/AAAA) rather than names.
    pub fn rdata_is_ip(&self) -> bool {
        matches!(self.rtype, TYPE_A | TYPE_AAAA)
    }

    /// The RRset as DNS answers.
    pub fn answers(&self) -> Vec<Answer> {
        self.rdata
            .iter()
            .map(|r| Answer {
                rtype: self.rtype,
                ttl: self.ttl,
                rdata: r.clone(),
            })
            .collect()
    }
}

/// A random authoritative server address (IPv4 90 %, IPv6 10 %) as raw bytes.
pub fn server_ip(rng: &mut Rng) -> IpAddr {
    if rng.chance(90) {
        IpAddr::V4(names::ipv4(rng))
    } else {
        IpAddr::V6(names::ipv6(rng))
    }
}

/// Raw network-order bytes of an address.
pub fn ip_bytes(ip: IpAddr) -> Vec<u8> {
    match ip {
        IpAddr::V4(a) => a.octets().to_vec(),
        IpAddr::V6(a) => a.octets().to_vec(),
    }
}
