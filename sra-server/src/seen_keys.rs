//! The set of keys already stored in a [`crate::MatchKeys`], so that a payload's repeated
//! keys (an RRset's owner, a question name repeated in the answer) are stored once in
//! linear time.
//!
//! An open-addressing table of key numbers with their hashes, at most half full. It is
//! emptied in O(1) by bumping a generation stamp (a slot is live only when it carries the
//! current stamp), so the ingest task can clear it for every payload; it allocates only when
//! a payload has more keys than any before.

use std::hash::Hasher;

use crate::index::hasher::FastHasher;

#[derive(Debug, Clone, Copy, Default)]
struct Slot {
    generation: u32,
    hash: u32,
    key: u32,
}

/// Key numbers (indices into the caller's key list) by hash.
#[derive(Debug, Clone)]
pub(crate) struct SeenKeys {
    slots: Vec<Slot>,
    /// Never 0: that is the stamp of never-used slots.
    generation: u32,
    len: usize,
}

impl Default for SeenKeys {
    fn default() -> Self {
        SeenKeys {
            slots: Vec::new(),
            generation: 1,
            len: 0,
        }
    }
}

/// The hash [`SeenKeys::insert`] expects for key bytes `raw`.
pub(crate) fn hash(raw: &[u8]) -> u32 {
    let mut h = FastHasher::default();
    h.write(raw);
    h.finish() as u32
}

impl SeenKeys {
    /// True when no key is recorded.
    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Forgets every key, keeping the table.
    pub(crate) fn clear(&mut self) {
        self.len = 0;
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            // Wrapped: stamps from 2^32 clears ago would look live.
            self.slots.fill(Slot::default());
            self.generation = 1;
        }
    }

    /// Records key number `key` with hash `hash` (from [`hash`]) unless a key recorded
    /// before has the same hash and `same(its number)` holds; true when recorded.
    pub(crate) fn insert(&mut self, hash: u32, key: u32, same: impl Fn(u32) -> bool) -> bool {
        if (self.len + 1) * 2 > self.slots.len() {
            self.grow();
        }
        let mask = self.slots.len() - 1;
        let mut i = hash as usize & mask;
        loop {
            let s = self.slots[i];
            if s.generation != self.generation {
                self.slots[i] = Slot {
                    generation: self.generation,
                    hash,
                    key,
                };
                self.len += 1;
                return true;
            }
            if s.hash == hash && same(s.key) {
                return false;
            }
            i = (i + 1) & mask;
        }
    }

    /// Doubles the table (at least 32 slots) and re-places the live slots.
    fn grow(&mut self) {
        let n = (self.slots.len() * 2).max(32);
        let old = std::mem::replace(&mut self.slots, vec![Slot::default(); n]);
        let mask = n - 1;
        for s in old.into_iter().filter(|s| s.generation == self.generation) {
            let mut i = s.hash as usize & mask;
            while self.slots[i].generation == self.generation {
                i = (i + 1) & mask;
            }
            self.slots[i] = s;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_repeats_across_growth_and_clears() {
        let mut s = SeenKeys::default();
        let keys: Vec<Vec<u8>> = (0u32..200).map(|i| i.to_be_bytes().to_vec()).collect();
        for round in 0..3 {
            for (i, k) in keys.iter().enumerate() {
                let same = |j: u32| keys[j as usize] == *k;
                assert!(s.insert(hash(k), i as u32, same), "round {round} key {i}");
                assert!(!s.insert(hash(k), 999, same), "round {round} repeat {i}");
            }
            s.clear();
        }
        // Same hash, different bytes: both recorded.
        assert!(s.insert(7, 0, |_| false));
        assert!(s.insert(7, 1, |_| false));
        assert!(!s.insert(7, 2, |k| k == 1));
        // The generation wraps without reviving old slots.
        s.generation = u32::MAX;
        s.clear();
        assert!(s.insert(7, 0, |_| true));
    }
}
