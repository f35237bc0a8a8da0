//! IPv4/IPv6 prefix tables: one hash table per prefix length present, probed longest first.
//!
//! A lookup masks the address once per prefix length that has at least one watch and probes
//! that length's table: with W distinct lengths it costs W hash probes, independent of the
//! number of prefixes, and it allocates nothing. Real watch sets use few lengths (/32, /24,
//! /16, /8, /128, /64, /48, /32 ...), which keeps W small; the benchmark in `benches/` uses
//! five lengths per family.
//!
//! A [`HashFilter`] over the addresses cut to the shortest stored prefix length (at most
//! 64 bits) comes first: an address whose cut no prefix shares is rejected with one bit test,
//! before any level is probed.

use std::hash::{BuildHasher, Hash};

use super::filter::HashFilter;
use super::hasher::{FastBuild, FastMap};
use super::{Entry, Span};

/// An address family's bits as an integer key.
pub trait AddrBits: Copy + Eq + Hash + std::fmt::Debug {
    /// 32 or 128.
    const BITS: u8;
    /// The address with every bit after the first `len` cleared.
    fn masked(self, len: u8) -> Self;
}

impl AddrBits for u32 {
    const BITS: u8 = 32;
    #[inline]
    fn masked(self, len: u8) -> u32 {
        if len == 0 {
            0
        } else {
            self & (u32::MAX << (32 - u32::from(len.min(32))))
        }
    }
}

impl AddrBits for u128 {
    const BITS: u8 = 128;
    #[inline]
    fn masked(self, len: u8) -> u128 {
        if len == 0 {
            0
        } else {
            self & (u128::MAX << (128 - u32::from(len.min(128))))
        }
    }
}

#[inline]
fn hash<A: Hash>(a: A) -> u64 {
    FastBuild::default().hash_one(a)
}

/// The immutable prefix table of one address family.
#[derive(Debug, Default)]
pub struct IpTable<A: AddrBits> {
    /// (prefix length, its table), longest first.
    levels: Vec<(u8, FastMap<A, Span>)>,
    /// The filter's cut: the shortest stored prefix length, at most 64.
    coarse: u8,
    /// The stored prefixes cut to `coarse` bits.
    filter: HashFilter,
    values: Vec<Entry>,
}

impl<A: AddrBits> IpTable<A> {
    /// Builds the table from (masked address, prefix length, entry) triples. Entries of one
    /// prefix keep the order of the input.
    pub fn build(items: impl IntoIterator<Item = (A, u8, Entry)>) -> Self {
        let mut grouped: FastMap<(u8, A), Vec<Entry>> = FastMap::default();
        for (addr, len, e) in items {
            grouped.entry((len, addr.masked(len))).or_default().push(e);
        }
        let mut keys: Vec<(u8, A)> = grouped.keys().copied().collect();
        keys.sort_by_key(|k| std::cmp::Reverse(k.0));
        let coarse = keys.last().map_or(0, |k| k.0.min(64));
        let mut cuts: Vec<u64> = keys.iter().map(|k| hash(k.1.masked(coarse))).collect();
        cuts.sort_unstable();
        cuts.dedup();
        let filter = HashFilter::build(cuts.into_iter());
        let mut levels: Vec<(u8, FastMap<A, Span>)> = Vec::new();
        let mut values = Vec::new();
        for (len, addr) in keys {
            let entries = grouped.remove(&(len, addr)).unwrap_or_default();
            let span = Span::push(&mut values, &entries);
            match levels.last_mut() {
                Some((l, m)) if *l == len => {
                    m.insert(addr, span);
                }
                _ => {
                    let mut m = FastMap::default();
                    m.insert(addr, span);
                    levels.push((len, m));
                }
            }
        }
        IpTable {
            levels,
            coarse,
            filter,
            values,
        }
    }

    /// Calls `f` with every entry whose prefix contains `addr`, longest prefixes first.
    #[inline]
    pub fn for_each_match(&self, addr: A, mut f: impl FnMut(Entry)) {
        if !self.filter.may_contain(hash(addr.masked(self.coarse))) {
            return;
        }
        for (len, map) in &self.levels {
            if let Some(span) = map.get(&addr.masked(*len)) {
                for e in span.of(&self.values) {
                    f(*e);
                }
            }
        }
    }

    /// The number of distinct prefix lengths (= hash probes per lookup).
    pub fn levels(&self) -> usize {
        self.levels.len()
    }

    /// The number of stored (prefix, entry) pairs.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// True when no prefix is stored.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::{SessionId, Tag};

    fn e(s: u32, t: u16) -> Entry {
        Entry {
            session: SessionId(s),
            tag: Tag(t),
        }
    }

    fn v4(s: &str) -> u32 {
        u32::from(s.parse::<std::net::Ipv4Addr>().unwrap())
    }

    fn hits(t: &IpTable<u32>, a: &str) -> Vec<Entry> {
        let mut v = Vec::new();
        t.for_each_match(v4(a), |e| v.push(e));
        v
    }

    #[test]
    fn longest_first_and_boundaries() {
        let t = IpTable::build([
            (v4("10.0.0.0"), 8, e(1, 1)),
            (v4("10.1.0.0"), 16, e(2, 7)),
            (v4("10.1.2.3"), 32, e(3, 9)),
            (v4("10.1.2.3"), 32, e(4, 1)),
        ]);
        assert_eq!(t.levels(), 3);
        assert_eq!(hits(&t, "10.1.2.3"), [e(3, 9), e(4, 1), e(2, 7), e(1, 1)]);
        assert_eq!(hits(&t, "10.1.255.255"), [e(2, 7), e(1, 1)]);
        assert_eq!(hits(&t, "10.255.0.0"), [e(1, 1)]);
        assert_eq!(hits(&t, "11.0.0.0"), []);
        assert_eq!(hits(&t, "9.255.255.255"), []);
    }

    #[test]
    fn zero_length_prefix_matches_everything() {
        let t = IpTable::build([(0u32, 0, e(1, 1))]);
        assert_eq!(hits(&t, "203.0.113.9"), [e(1, 1)]);
    }

    #[test]
    fn ipv6_prefixes() {
        let a = |s: &str| u128::from(s.parse::<std::net::Ipv6Addr>().unwrap());
        let t = IpTable::build([
            (a("2001:db8::"), 32, e(1, 4)),
            (a("2001:db8:1::1"), 128, e(2, 2)),
        ]);
        let mut v = Vec::new();
        t.for_each_match(a("2001:db8:1::1"), |e| v.push(e));
        assert_eq!(v, [e(2, 2), e(1, 4)]);
        v.clear();
        t.for_each_match(a("2001:db9::"), |e| v.push(e));
        assert!(v.is_empty());
    }
}
