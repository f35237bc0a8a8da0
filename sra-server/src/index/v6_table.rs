//! The IPv6 prefix table in 64 shards, so that a change rebuilds one shard, not every IPv6
//! watch.
//!
//! A prefix of /32 or longer lives in the shard picked by the hash of its first 32 bits; a
//! lookup hashes the address's first 32 bits the same way and probes that one shard (an
//! [`IpTable`]: one hash probe per prefix length, behind its filter). The rare prefixes
//! shorter than /32 cannot be placed by their first 32 bits: they live in one extra table,
//! probed only when it is not empty.

use std::hash::BuildHasher;
use std::sync::Arc;

use super::hasher::FastBuild;
use super::ip_table::{AddrBits, IpTable};
use super::Entry;

/// Number of shards (the short-prefix table comes after them, at index `SHARDS`).
pub const SHARDS: usize = 64;
/// Prefixes at least this long are sharded.
const CUT: u8 = 32;

/// The shard of an address: the hash of its first 32 bits.
#[inline]
fn shard_of_addr(addr: u128) -> usize {
    (FastBuild::default().hash_one(addr.masked(CUT)) >> 58) as usize
}

/// The table slot of a (masked) prefix: its shard, or `SHARDS` for a prefix shorter than /32.
pub fn slot_of(key: u128, len: u8) -> usize {
    if len >= CUT {
        shard_of_addr(key)
    } else {
        SHARDS
    }
}

/// The published IPv6 tables: `SHARDS` shards and the short-prefix table.
#[derive(Debug, Clone)]
pub struct V6Index {
    tables: Vec<Arc<IpTable<u128>>>,
    len: usize,
}

impl Default for V6Index {
    fn default() -> Self {
        V6Index::from_tables((0..=SHARDS).map(|_| Arc::default()).collect())
    }
}

impl V6Index {
    /// Assembles the index from its `SHARDS + 1` tables (the last one for short prefixes).
    pub fn from_tables(tables: Vec<Arc<IpTable<u128>>>) -> Self {
        let len = tables.iter().map(|t| t.len()).sum();
        V6Index { tables, len }
    }

    /// The tables, to share the unchanged ones with the next snapshot.
    pub fn tables(&self) -> &[Arc<IpTable<u128>>] {
        &self.tables
    }

    /// Calls `f` with every entry whose prefix contains `addr`.
    #[inline]
    pub fn for_each_match(&self, addr: u128, mut f: impl FnMut(Entry)) {
        if self.len == 0 {
            return;
        }
        if let Some(t) = self.tables.get(shard_of_addr(addr)) {
            t.for_each_match(addr, &mut f);
        }
        if let Some(t) = self.tables.get(SHARDS).filter(|t| !t.is_empty()) {
            t.for_each_match(addr, f);
        }
    }

    /// The number of stored (prefix, entry) pairs.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when no prefix is stored.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}
