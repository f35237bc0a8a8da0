//! A built-in generator of realistic SIE-like traffic, seeded and rate-set.
//!
//! Four kinds, each on its usual channel (spec §14): `dnsdedupe` (`SIE:dnsdedupe`, ch204),
//! `newdomain` (`SIE:newdomain`, ch213), `dnsqr` (`base:dnsqr` with real IP/UDP/DNS packets,
//! ch202) and `darknet` (raw IPv4/IPv6 scan packets, ch14, delivered as IP watch hits). Names
//! come from built-in word/TLD lists with `.com` dominant and a steady share under
//! `google.com` and `example.com`.
//!
//! Output is deterministic: the same (kind, rate, seed, start time) gives the same items with
//! the same timestamps, spaced 1/rate apart. Pacing against the wall clock is the channel
//! source's job; the generator only stamps times. Each item comes with its match keys, filled
//! into a caller-owned [`MatchKeys`] (later the ingest path extracts keys with `nmsg::fields`
//! instead and the generator's keys serve as a cross-check).

pub mod darknet;
pub mod dnsqr;
pub mod names;
pub mod packet;
pub mod records;
pub mod rng;
pub mod sie;

use bytes::Bytes;
use nmsg::Payload;

use crate::hit::HitMeta;
use crate::observation::MatchKeys;
use rng::Rng;

/// What a generator produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// `SIE:dnsdedupe` (vid 2, type 1).
    Dnsdedupe,
    /// `SIE:newdomain` (vid 2, type 5).
    Newdomain,
    /// `base:dnsqr` (vid 1, type 9).
    Dnsqr,
    /// Raw darknet IP packets.
    Darknet,
}

impl Kind {
    /// The channel this kind of data is carried on at SIE.
    pub fn default_channel(self) -> u16 {
        match self {
            Kind::Dnsdedupe => 204,
            Kind::Newdomain => 213,
            Kind::Dnsqr => 202,
            Kind::Darknet => 14,
        }
    }

    /// (vid, msgtype) of the NMSG kinds; `None` for raw packets.
    pub fn nmsg_type(self) -> Option<(u16, u16)> {
        match self {
            Kind::Dnsdedupe => Some((2, 1)),
            Kind::Newdomain => Some((2, 5)),
            Kind::Dnsqr => Some((1, 9)),
            Kind::Darknet => None,
        }
    }
}

/// One generated observation.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// An NMSG payload (envelope with the encoded inner message).
    Nmsg(Payload),
    /// A raw IP datagram captured at (`tv_sec`, `tv_usec`).
    Ip {
        /// The datagram.
        packet: Bytes,
        /// Capture time, seconds.
        tv_sec: u32,
        /// Capture time, microseconds.
        tv_usec: u32,
    },
}

impl Item {
    /// The WHIT metadata for this item.
    pub fn meta(&self) -> HitMeta {
        match self {
            Item::Nmsg(p) => HitMeta::Nmsg {
                vid: p.vid as u16,
                msgtype: p.msgtype as u16,
                time_sec: p.time_sec as u32,
                time_nsec: p.time_nsec,
            },
            Item::Ip {
                packet,
                tv_sec,
                tv_usec,
            } => HitMeta::Ip {
                tv_sec: *tv_sec,
                tv_usec: *tv_usec,
                ip_len: packet.len() as u32,
            },
        }
    }

    /// The hit body: an NMSG container holding the one payload, or the datagram.
    pub fn hit_body(&self) -> Bytes {
        match self {
            Item::Nmsg(p) => {
                let one = std::slice::from_ref(p);
                let mut v = Vec::with_capacity(nmsg::container::encoded_len(one));
                nmsg::container::encode(one, &mut v);
                Bytes::from(v)
            }
            Item::Ip { packet, .. } => packet.clone(),
        }
    }
}

/// A deterministic traffic generator.
#[derive(Debug, Clone)]
pub struct Generator {
    kind: Kind,
    rng: Rng,
    interval_ns: u64,
    next_ns: u64,
}

impl Generator {
    /// A generator of `kind` at `rate` items per second (at least 1), seeded with `seed`,
    /// whose first item is stamped `start_sec` (UNIX seconds).
    pub fn new(kind: Kind, rate: u32, seed: u64, start_sec: u32) -> Self {
        Generator {
            kind,
            rng: Rng::new(seed ^ (kind as u64).wrapping_mul(0x9e37_79b9)),
            interval_ns: 1_000_000_000 / u64::from(rate.max(1)),
            next_ns: u64::from(start_sec) * 1_000_000_000,
        }
    }

    /// The kind generated.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// The nanoseconds between two items.
    pub fn interval_ns(&self) -> u64 {
        self.interval_ns
    }

    /// Produces the next item and replaces the contents of `keys` with its match keys.
    pub fn next_into(&mut self, keys: &mut MatchKeys) -> Item {
        keys.clear();
        let t = self.next_ns;
        self.next_ns += self.interval_ns;
        let (sec, nsec) = ((t / 1_000_000_000) as u32, (t % 1_000_000_000) as u32);
        let rng = &mut self.rng;
        let inner = match self.kind {
            Kind::Dnsdedupe => sie::dnsdedupe(rng, sec, keys),
            Kind::Newdomain => sie::newdomain(rng, sec, keys),
            Kind::Dnsqr => dnsqr::dnsqr(rng, sec, nsec, keys),
            Kind::Darknet => {
                return Item::Ip {
                    packet: Bytes::from(darknet::packet(rng, keys)),
                    tv_sec: sec,
                    tv_usec: nsec / 1000,
                }
            }
        };
        let (vid, msgtype) = self.kind.nmsg_type().unwrap_or((0, 0));
        Item::Nmsg(Payload {
            vid: u32::from(vid),
            msgtype: u32::from(msgtype),
            time_sec: i64::from(sec),
            time_nsec: nsec,
            payload: Some(Bytes::from(inner)),
            source: None,
            operator: None,
            group: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::name;
    use nmsg::proto::{FieldIter, Value};

    const KINDS: [Kind; 4] = [Kind::Dnsdedupe, Kind::Newdomain, Kind::Dnsqr, Kind::Darknet];

    fn fields(b: &[u8]) -> Vec<(u32, Value<'_>)> {
        FieldIter::new(b)
            .map(|f| {
                let f = f.unwrap();
                (f.number, f.value)
            })
            .collect()
    }

    fn bytes_of<'a>(fs: &[(u32, Value<'a>)], n: u32) -> Vec<&'a [u8]> {
        fs.iter()
            .filter(|(k, _)| *k == n)
            .map(|(_, v)| v.bytes(n).unwrap())
            .collect()
    }

    #[test]
    fn deterministic_per_seed_and_timed_by_rate() {
        for kind in KINDS {
            let mut k = MatchKeys::default();
            let a: Vec<Item> = {
                let mut g = Generator::new(kind, 100, 42, 1_700_000_000);
                (0..50).map(|_| g.next_into(&mut k)).collect()
            };
            let mut g = Generator::new(kind, 100, 42, 1_700_000_000);
            let b: Vec<Item> = (0..50).map(|_| g.next_into(&mut k)).collect();
            assert_eq!(a, b);
            let mut g = Generator::new(kind, 100, 43, 1_700_000_000);
            assert_ne!(a[0], g.next_into(&mut k));
            match (a[0].meta(), a[1].meta()) {
                (
                    HitMeta::Nmsg {
                        time_sec,
                        time_nsec,
                        ..
                    },
                    HitMeta::Nmsg { time_nsec: n1, .. },
                ) => {
                    assert_eq!((time_sec, time_nsec, n1), (1_700_000_000, 0, 10_000_000));
                }
                (HitMeta::Ip { tv_usec, .. }, HitMeta::Ip { tv_usec: u1, .. }) => {
                    assert_eq!((tv_usec, u1), (0, 10_000));
                }
                _ => panic!("mixed metas"),
            }
        }
    }

    #[test]
    fn nmsg_payloads_decode_and_keys_are_in_them() {
        for kind in [Kind::Dnsdedupe, Kind::Newdomain, Kind::Dnsqr] {
            let mut g = Generator::new(kind, 1000, 7, 1_700_000_000);
            let mut keys = MatchKeys::default();
            for _ in 0..200 {
                let item = g.next_into(&mut keys);
                let body = item.hit_body();
                let p = nmsg::container::decode_single(&body, &nmsg::Limits::default()).unwrap();
                let Item::Nmsg(orig) = &item else { panic!() };
                assert_eq!(&p, orig);
                let inner = fields(p.payload_bytes());
                let all_bytes: Vec<&[u8]> =
                    inner.iter().filter_map(|(n, v)| v.bytes(*n).ok()).collect();
                // Every key appears verbatim in a bytes field, or inside a packet (dnsqr).
                for k in keys.ips().chain(keys.names()) {
                    assert!(
                        all_bytes
                            .iter()
                            .any(|b| b.windows(k.bytes.len()).any(|w| w == k.bytes)),
                        "{kind:?}: key {:?} not in payload",
                        k.bytes
                    );
                }
                for k in keys.names() {
                    assert!(name::validate(k.bytes).is_ok());
                }
                match kind {
                    Kind::Dnsdedupe => {
                        assert_eq!((p.vid, p.msgtype), (2, 1));
                        assert_eq!(bytes_of(&inner, 1).len(), 1, "rrname");
                        assert!(!bytes_of(&inner, 5).is_empty(), "rdata");
                    }
                    Kind::Newdomain => {
                        assert_eq!((p.vid, p.msgtype), (2, 5));
                        let d = bytes_of(&inner, 1)[0];
                        let rr = bytes_of(&inner, 3)[0];
                        assert!(rr.ends_with(d), "domain is a suffix of rrname");
                    }
                    Kind::Dnsqr => {
                        assert_eq!((p.vid, p.msgtype), (1, 9));
                        let q = bytes_of(&inner, 12)[0];
                        let r = bytes_of(&inner, 15)[0];
                        let qname = bytes_of(&inner, 8)[0];
                        for pkt in [q, r] {
                            let hl = if pkt[0] >> 4 == 4 {
                                assert!(packet::checksum_ok(&pkt[..20]));
                                20
                            } else {
                                40
                            };
                            // UDP header, then the DNS message with the question name at 12.
                            let dns = &pkt[hl + 8..];
                            assert_eq!(&dns[12..12 + qname.len()], qname);
                        }
                    }
                    Kind::Darknet => unreachable!(),
                }
            }
        }
    }

    #[test]
    fn darknet_packets_are_well_formed() {
        let mut g = Generator::new(Kind::Darknet, 1000, 9, 1_700_000_000);
        let mut keys = MatchKeys::default();
        let mut v6 = 0;
        for _ in 0..300 {
            let item = g.next_into(&mut keys);
            let Item::Ip { packet: p, .. } = &item else {
                panic!()
            };
            let HitMeta::Ip { ip_len, .. } = item.meta() else {
                panic!()
            };
            assert_eq!(ip_len as usize, p.len());
            let dst: Vec<_> = keys.ips().map(|k| k.bytes.to_vec()).collect();
            if p[0] >> 4 == 4 {
                assert!(packet::checksum_ok(&p[..20]));
                assert_eq!(u16::from_be_bytes([p[2], p[3]]) as usize, p.len());
                assert_eq!(&p[12..16], &dst[0][..]);
                assert_eq!(&p[16..20], &dst[1][..]);
                assert_eq!(p[16] & 0xfe, 198 & 0xfe);
            } else {
                v6 += 1;
                assert_eq!(u16::from_be_bytes([p[4], p[5]]) as usize, p.len() - 40);
                assert_eq!(&p[24..40], &dst[1][..]);
            }
        }
        assert!(v6 > 5 && v6 < 80, "{v6}");
    }

    type KeySet = std::collections::BTreeSet<(Vec<u8>, u16, u16)>;

    fn key_set(k: &MatchKeys) -> KeySet {
        k.ips()
            .chain(k.names())
            .map(|k| (k.bytes.to_vec(), k.field_idx, k.val_idx))
            .collect()
    }

    /// The generator's own keys against the server's extraction (`nmsg::fields` through
    /// `feed::keys`, which reports each distinct key once): the same key bytes for the SIE
    /// types, each extracted (key, field, value) among the generator's; for dnsqr the
    /// extractor also finds names in the response message, so the generator's keys are a
    /// subset; for darknet packets the addresses agree.
    #[test]
    fn keys_agree_with_nmsg_fields() {
        use crate::feed::keys::{extract_packet, extract_payload};
        for kind in KINDS {
            let mut g = Generator::new(kind, 1000, 3, 1_700_000_000);
            let (mut mine, mut theirs, mut scratch) =
                (MatchKeys::default(), MatchKeys::default(), Vec::new());
            for _ in 0..300 {
                match g.next_into(&mut mine) {
                    Item::Nmsg(p) => {
                        let bad = extract_payload(p.vid, p.msgtype, p.payload_bytes(), &mut theirs);
                        assert!(!bad, "{kind:?} payload decodes");
                        let (a, b) = (key_set(&mine), key_set(&theirs));
                        let bytes = |k: &KeySet| -> std::collections::BTreeSet<Vec<u8>> {
                            k.iter().map(|(b, _, _)| b.clone()).collect()
                        };
                        if kind == Kind::Dnsqr {
                            assert!(bytes(&a).is_subset(&bytes(&b)), "{kind:?}: {a:?} / {b:?}");
                        } else {
                            // The extractor reports a repeated key once (first field only).
                            assert_eq!(bytes(&a), bytes(&b), "{kind:?}");
                            assert!(b.is_subset(&a), "{kind:?}: {b:?} not in {a:?}");
                        }
                    }
                    Item::Ip { packet, .. } => {
                        extract_packet(&packet, &mut scratch, &mut theirs);
                        let ips =
                            |k: &MatchKeys| k.ips().map(|k| k.bytes.to_vec()).collect::<Vec<_>>();
                        assert_eq!(ips(&mine), ips(&theirs));
                    }
                }
            }
        }
    }
}
