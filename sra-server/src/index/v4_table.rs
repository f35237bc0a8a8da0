//! The IPv4 prefix table: a direct index on the top 16 address bits, in 64 shards.
//!
//! The address space is split into [`SHARDS`] shards by the top 6 bits; each shard is a
//! [`V4Table`] over its 1024 /16 blocks and is rebuilt alone when one of its prefixes changes.
//! In a shard, `offsets[b]..offsets[b + 1]` are the prefixes that can contain an address of
//! /16 block `b`: the prefixes of length ≥ 16 inside the block, and every shorter prefix
//! covering it (expanded into each block it covers; a /8 appears in 256 blocks). A lookup
//! reads two adjacent offsets (one cache line) and, only for a non-empty block, scans its few
//! prefixes: typically one memory access instead of one hash probe per prefix length, and no
//! allocation. A shard with prefixes costs 4 KiB of offsets.
//!
//! In front of the offsets, a bitmap of the shard's 16,384 /20 blocks (2 KiB, one bit per
//! block that some prefix overlaps) answers most lookups of unwatched addresses from the CPU
//! cache: at 40,000 random prefixes about 10 % of the /20 blocks are marked, and the other
//! lookups stop after one bit test.

use super::hasher::FastMap;
use super::ip_table::AddrBits;
use super::{Entry, Span};

#[derive(Debug, Clone, Copy)]
struct Item {
    key: u32,
    len: u8,
    span: Span,
}

/// The immutable IPv4 prefix table.
#[derive(Debug, Default)]
pub struct V4Table {
    /// Bit b: some prefix overlaps /20 block b of the shard.
    blocks20: Vec<u64>,
    offsets: Vec<u32>,
    items: Vec<Item>,
    values: Vec<Entry>,
}

/// Number of shards (top 6 address bits).
pub const SHARDS: usize = 64;
const BLOCKS: usize = 1 << 10;
/// /20 blocks per shard.
const BLOCKS20: usize = 1 << 14;

/// The shard of an address.
#[inline]
pub fn shard_of(addr: u32) -> usize {
    (addr >> 26) as usize
}

/// The shards a prefix (masked) overlaps.
pub fn shards_of(key: u32, len: u8) -> std::ops::Range<usize> {
    let first = shard_of(key);
    let count = if len >= 6 { 1 } else { 1usize << (6 - len) };
    first..first + count
}

impl V4Table {
    /// Builds one shard from (address, prefix length, entry) triples (host bits are masked
    /// here); prefixes are clipped to the shard of `shard`. Entries of one prefix keep the
    /// order of the input.
    pub fn build(shard: usize, items: impl IntoIterator<Item = (u32, u8, Entry)>) -> Self {
        let mut grouped: FastMap<(u8, u32), Vec<Entry>> = FastMap::default();
        for (addr, len, e) in items {
            let len = len.min(32);
            grouped.entry((len, addr.masked(len))).or_default().push(e);
        }
        if grouped.is_empty() {
            return V4Table::default();
        }
        let mut prefixes: Vec<((u8, u32), Vec<Entry>)> = grouped.into_iter().collect();
        // Longest prefixes first inside each block, then by address for a stable layout.
        prefixes.sort_by_key(|((len, key), _)| (std::cmp::Reverse(*len), *key));
        let mut values = Vec::new();
        let mut per_block: Vec<Vec<Item>> = vec![Vec::new(); BLOCKS];
        let mut blocks20 = vec![0u64; BLOCKS20 / 64];
        for ((len, key), entries) in prefixes {
            let span = Span::push(&mut values, &entries);
            let item = Item { key, len, span };
            let first = (key >> 12) as usize;
            let count = if len >= 20 { 1 } else { 1usize << (20 - len) };
            let lo = first.max(shard * BLOCKS20);
            let hi = (first + count).min((shard + 1) * BLOCKS20);
            for b in lo - shard * BLOCKS20..hi.saturating_sub(shard * BLOCKS20) {
                blocks20[b / 64] |= 1 << (b % 64);
            }
            // Global /16 blocks covered, clipped to this shard's 1024.
            let first = (key >> 16) as usize;
            let count = if len >= 16 { 1 } else { 1usize << (16 - len) };
            let lo = first.max(shard * BLOCKS);
            let hi = (first + count).min((shard + 1) * BLOCKS);
            for b in lo..hi {
                per_block[b - shard * BLOCKS].push(item);
            }
        }
        let mut offsets = Vec::with_capacity(BLOCKS + 1);
        let mut flat = Vec::new();
        for b in per_block {
            offsets.push(flat.len() as u32);
            flat.extend(b);
        }
        offsets.push(flat.len() as u32);
        V4Table {
            blocks20,
            offsets,
            items: flat,
            values,
        }
    }

    /// Calls `f` with every entry whose prefix contains `addr`, longest prefixes first.
    #[inline]
    pub fn for_each_match(&self, addr: u32, mut f: impl FnMut(Entry)) {
        let b20 = ((addr >> 12) as usize) & (BLOCKS20 - 1);
        if self
            .blocks20
            .get(b20 / 64)
            .is_none_or(|w| w & (1 << (b20 % 64)) == 0)
        {
            return;
        }
        let b = ((addr >> 16) as usize) & (BLOCKS - 1);
        let (Some(&s), Some(&e)) = (self.offsets.get(b), self.offsets.get(b + 1)) else {
            return;
        };
        for it in self.items.get(s as usize..e as usize).unwrap_or(&[]) {
            if addr.masked(it.len) == it.key {
                for v in it.span.of(&self.values) {
                    f(*v);
                }
            }
        }
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

    /// All 64 shards, each built from the items overlapping it.
    struct All(Vec<V4Table>);

    impl All {
        fn build(items: impl IntoIterator<Item = (u32, u8, Entry)>) -> All {
            let items: Vec<_> = items.into_iter().collect();
            All((0..SHARDS)
                .map(|s| {
                    V4Table::build(
                        s,
                        items
                            .iter()
                            .filter(|(k, l, _)| shards_of(k.masked(*l), *l).contains(&s))
                            .copied(),
                    )
                })
                .collect())
        }

        fn for_each_match(&self, addr: u32, f: impl FnMut(Entry)) {
            self.0[shard_of(addr)].for_each_match(addr, f)
        }
    }

    fn hits(t: &All, a: &str) -> Vec<Entry> {
        let mut v = Vec::new();
        t.for_each_match(v4(a), |e| v.push(e));
        v
    }

    #[test]
    fn short_and_long_prefixes() {
        let t = All::build([
            (v4("10.0.0.0"), 8, e(1, 1)),
            (v4("10.1.0.0"), 16, e(2, 7)),
            (v4("10.1.2.0"), 23, e(5, 5)),
            (v4("10.1.2.3"), 32, e(3, 9)),
            (v4("10.1.2.3"), 32, e(4, 1)),
            (v4("128.0.0.0"), 1, e(6, 6)),
        ]);
        assert_eq!(
            hits(&t, "10.1.2.3"),
            [e(3, 9), e(4, 1), e(5, 5), e(2, 7), e(1, 1)]
        );
        assert_eq!(hits(&t, "10.1.3.255"), [e(5, 5), e(2, 7), e(1, 1)]);
        assert_eq!(hits(&t, "10.1.4.0"), [e(2, 7), e(1, 1)]);
        assert_eq!(hits(&t, "10.255.255.255"), [e(1, 1)]);
        assert_eq!(hits(&t, "11.0.0.0"), []);
        assert_eq!(hits(&t, "9.255.255.255"), []);
        assert_eq!(hits(&t, "255.255.255.255"), [e(6, 6)]);
        assert_eq!(hits(&t, "127.255.255.255"), []);
    }

    #[test]
    fn everything_and_nothing() {
        let t = All::build([(v4("1.2.3.4"), 0, e(1, 1))]);
        assert_eq!(hits(&t, "203.0.113.9"), [e(1, 1)]);
        assert_eq!(hits(&t, "0.0.0.0"), [e(1, 1)]);
        assert_eq!(hits(&All::build([]), "1.2.3.4"), []);
    }

    #[test]
    fn agrees_with_the_hash_level_table() {
        use crate::generator::rng::Rng;
        use crate::index::ip_table::IpTable;
        let mut rng = Rng::new(5);
        let items: Vec<(u32, u8, Entry)> = (0..3000)
            .map(|i| {
                let len = *rng.pick(&[32u8, 30, 24, 20, 16, 12, 8]);
                ((rng.next_u64() as u32) & 0xf0ff_ffff, len, e(i, 1))
            })
            .collect();
        let a = All::build(items.clone());
        let b = IpTable::<u32>::build(items);
        for _ in 0..20_000 {
            let addr = (rng.next_u64() as u32) & 0xf0ff_ffff;
            let (mut x, mut y) = (Vec::new(), Vec::new());
            a.for_each_match(addr, |e| x.push(e));
            b.for_each_match(addr, |e| y.push(e));
            x.sort();
            y.sort();
            assert_eq!(x, y);
        }
    }
}
