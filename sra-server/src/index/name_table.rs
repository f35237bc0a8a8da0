//! The domain table: wire names (lower-case) to their exact and wildcard watches, in 64
//! shards by name hash.
//!
//! A lookup lower-cases the query name into a stack buffer and probes each suffix on a label
//! boundary (`www.example.com`, `example.com`, `com`, root) in the shard of that suffix. The
//! full name yields its exact and wildcard watches; every shorter suffix yields only wildcard
//! watches. So `*.example.com` matches `example.com` itself and every name below it (spec
//! §5.4), and `*.` matches every name. Suffixes whose label count no watch has are skipped
//! (most watches have 2-4 labels, so the root and TLD probes are usually skipped). No
//! allocation on lookup. A change rebuilds only the shard of the changed name.
//!
//! Each suffix is hashed once: the hash picks the shard, then the shard's [`HashFilter`]
//! answers most probes of unwatched names without touching the hash table.

use std::hash::BuildHasher;
use std::sync::Arc;

use super::filter::HashFilter;
use super::hasher::{FastBuild, FastMap};
use super::name::{self, MAX_WIRE_NAME};
use super::{Entry, Span};

/// Number of shards.
pub const SHARDS: usize = 64;

/// The shard of a lower-case wire name.
#[inline]
pub fn shard_of(name: &[u8]) -> usize {
    (hash(name) >> 58) as usize
}

/// The hash of a lower-case wire name (its top 6 bits are its shard).
#[inline]
fn hash(name: &[u8]) -> u64 {
    FastBuild::default().hash_one(name)
}

/// The number of labels of a valid wire name (the root has 0), capped at 63.
fn depth(name: &[u8]) -> u32 {
    (name::suffixes(name).count() as u32 - 1).min(63)
}

#[derive(Debug, Default, Clone, Copy)]
struct Spans {
    exact: Span,
    wild: Span,
}

/// One shard: the names whose hash falls in it.
#[derive(Debug, Default)]
pub struct NameShard {
    map: FastMap<Box<[u8]>, Spans>,
    filter: HashFilter,
    values: Vec<Entry>,
    /// Bit d set: some exact watch has a name of d labels (d capped at 63).
    exact_depths: u64,
    /// Bit d set: some wildcard watch has a name of d labels.
    wild_depths: u64,
}

impl NameShard {
    /// Builds a shard from (lower-case wire name, wildcard flag, entry) triples. Entries of
    /// one name keep the order of the input.
    pub fn build<'a>(items: impl IntoIterator<Item = (&'a [u8], bool, Entry)>) -> Self {
        let mut grouped: FastMap<&'a [u8], (Vec<Entry>, Vec<Entry>)> = FastMap::default();
        for (n, wild, e) in items {
            let g = grouped.entry(n).or_default();
            if wild {
                g.1.push(e);
            } else {
                g.0.push(e);
            }
        }
        let mut map = FastMap::default();
        map.reserve(grouped.len());
        let mut values = Vec::new();
        let (mut exact_depths, mut wild_depths) = (0u64, 0u64);
        for (n, (exact, wild)) in grouped {
            if !exact.is_empty() {
                exact_depths |= 1 << depth(n);
            }
            if !wild.is_empty() {
                wild_depths |= 1 << depth(n);
            }
            let exact = Span::push(&mut values, &exact);
            let wild = Span::push(&mut values, &wild);
            map.insert(Box::from(n), Spans { exact, wild });
        }
        let filter = HashFilter::build(map.keys().map(|k| hash(k)));
        NameShard {
            map,
            filter,
            values,
            exact_depths,
            wild_depths,
        }
    }

    /// The number of stored (name, entry) pairs.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// True when no name is stored.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

/// All shards, with the union of their depth masks.
#[derive(Debug, Clone)]
pub struct NameIndex {
    shards: Vec<Arc<NameShard>>,
    exact_depths: u64,
    wild_depths: u64,
    len: usize,
}

impl Default for NameIndex {
    fn default() -> Self {
        NameIndex::from_shards((0..SHARDS).map(|_| Arc::default()).collect())
    }
}

impl NameIndex {
    /// Assembles the index from its [`SHARDS`] shards.
    pub fn from_shards(shards: Vec<Arc<NameShard>>) -> Self {
        let exact_depths = shards.iter().fold(0, |a, s| a | s.exact_depths);
        let wild_depths = shards.iter().fold(0, |a, s| a | s.wild_depths);
        let len = shards.iter().map(|s| s.len()).sum();
        NameIndex {
            shards,
            exact_depths,
            wild_depths,
            len,
        }
    }

    /// Builds every shard from (lower-case wire name, wildcard flag, entry) triples.
    pub fn build<'a>(items: impl IntoIterator<Item = (&'a [u8], bool, Entry)>) -> Self {
        let mut per: Vec<Vec<(&'a [u8], bool, Entry)>> = vec![Vec::new(); SHARDS];
        for it in items {
            per[shard_of(it.0)].push(it);
        }
        NameIndex::from_shards(
            per.into_iter()
                .map(|v| Arc::new(NameShard::build(v)))
                .collect(),
        )
    }

    /// The shards (to share unchanged ones with the next snapshot).
    pub fn shards(&self) -> &[Arc<NameShard>] {
        &self.shards
    }

    /// Calls `f` with every entry matching the wire name `qname` (any case). Malformed names
    /// match nothing.
    #[inline]
    pub fn for_each_match(&self, qname: &[u8], mut f: impl FnMut(Entry)) {
        if self.len == 0 {
            return;
        }
        let mut buf = [0u8; MAX_WIRE_NAME];
        let Some(lower) = name::lowercase_into(qname, &mut buf) else {
            return;
        };
        let full = depth(lower);
        for (i, suffix) in name::suffixes(lower).enumerate() {
            let d = full.saturating_sub(i as u32);
            let wanted = if i == 0 {
                self.exact_depths | self.wild_depths
            } else {
                self.wild_depths
            };
            if wanted & (1 << d) == 0 {
                continue;
            }
            let h = hash(suffix);
            let Some(shard) = self.shards.get((h >> 58) as usize) else {
                continue;
            };
            if !shard.filter.may_contain(h) {
                continue;
            }
            if let Some(s) = shard.map.get(suffix) {
                if i == 0 {
                    for e in s.exact.of(&shard.values) {
                        f(*e);
                    }
                }
                for e in s.wild.of(&shard.values) {
                    f(*e);
                }
            }
        }
    }

    /// The number of stored (name, entry) pairs.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when no name is stored.
    pub fn is_empty(&self) -> bool {
        self.len == 0
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

    fn hits(t: &NameIndex, q: &str) -> Vec<Entry> {
        let w = name::from_text(q).unwrap();
        let mut v = Vec::new();
        t.for_each_match(&w, |e| v.push(e));
        v
    }

    #[test]
    fn exact_and_wildcard() {
        let g = name::from_text("google.com").unwrap();
        let ex = name::from_text("example.com").unwrap();
        let root = name::from_text(".").unwrap();
        let t = NameIndex::build([
            (&g[..], true, e(1, 5)),
            (&ex[..], false, e(2, 1)),
            (&root[..], true, e(3, 7)),
        ]);
        assert_eq!(t.len(), 3);
        assert_eq!(hits(&t, "google.com"), [e(1, 5), e(3, 7)]);
        assert_eq!(hits(&t, "WWW.Google.COM"), [e(1, 5), e(3, 7)]);
        assert_eq!(hits(&t, "a.b.google.com"), [e(1, 5), e(3, 7)]);
        assert_eq!(hits(&t, "notgoogle.com"), [e(3, 7)]);
        assert_eq!(hits(&t, "example.com"), [e(2, 1), e(3, 7)]);
        assert_eq!(hits(&t, "www.example.com"), [e(3, 7)]);
        assert_eq!(hits(&t, "."), [e(3, 7)]);
    }

    #[test]
    fn deep_names_and_depth_filter() {
        let deep = name::from_text("a.b.c.d.e.f.example.org").unwrap();
        let org = name::from_text("org").unwrap();
        let t = NameIndex::build([(&deep[..], false, e(1, 1)), (&org[..], true, e(2, 2))]);
        assert_eq!(hits(&t, "A.b.c.d.e.f.example.org"), [e(1, 1), e(2, 2)]);
        assert_eq!(hits(&t, "b.c.d.e.f.example.org"), [e(2, 2)]);
        assert_eq!(hits(&t, "x.a.b.c.d.e.f.example.org"), [e(2, 2)]);
        assert_eq!(hits(&t, "org"), [e(2, 2)]);
        assert_eq!(hits(&t, "com"), []);
    }

    #[test]
    fn malformed_query_matches_nothing() {
        let root = name::from_text(".").unwrap();
        let t = NameIndex::build([(&root[..], true, e(3, 7))]);
        let mut n = 0;
        t.for_each_match(b"\x05abc", |_| n += 1);
        t.for_each_match(b"\xc0\x0c", |_| n += 1);
        assert_eq!(n, 0);
    }
}
