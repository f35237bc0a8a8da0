//! A small "maybe present" filter in front of a hash table: one 64-bit word per probe.
//!
//! Most keys of real traffic match no watch, and a miss in a table of 100,000 watches costs
//! a cache miss or two (the bucket, then the key it points to). The filter answers most of
//! those misses from a bit array small enough to stay in the CPU cache (16 bits per stored
//! key, rounded up to a power of two): a key's hash picks one word and two bits in it (a
//! blocked Bloom filter with k = 2). "Absent" is always right; "maybe" is wrong for about 1 %
//! of absent keys, which then take the table probe as before.

/// The filter, built once with the table it guards.
#[derive(Debug, Clone, Default)]
pub struct HashFilter {
    words: Vec<u64>,
}

#[inline]
fn bits(h: u64) -> u64 {
    (1u64 << ((h >> 32) & 63)) | (1u64 << ((h >> 40) & 63))
}

impl HashFilter {
    /// A filter holding the given key hashes (from the table's own hasher).
    pub fn build(hashes: impl ExactSizeIterator<Item = u64>) -> Self {
        let n = hashes.len();
        if n == 0 {
            return HashFilter::default();
        }
        let mut words = vec![0u64; n.div_ceil(4).next_power_of_two()];
        let mask = words.len() - 1;
        for h in hashes {
            words[h as usize & mask] |= bits(h);
        }
        HashFilter { words }
    }

    /// False when no key with hash `h` was stored; true when one may have been.
    #[inline]
    pub fn may_contain(&self, h: u64) -> bool {
        let Some(mask) = self.words.len().checked_sub(1) else {
            return false;
        };
        let b = bits(h);
        self.words
            .get(h as usize & mask)
            .is_some_and(|w| w & b == b)
    }

    /// Bytes of filter memory.
    pub fn size_bytes(&self) -> usize {
        self.words.len() * 8
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::hasher::FastBuild;
    use std::hash::BuildHasher;

    #[test]
    fn no_false_negatives_and_few_false_positives() {
        let b = FastBuild::default();
        let stored: Vec<u64> = (0u32..5000).map(|i| b.hash_one(i)).collect();
        let f = HashFilter::build(stored.iter().copied());
        assert!(stored.iter().all(|h| f.may_contain(*h)));
        let fp = (5000u32..105_000)
            .filter(|i| f.may_contain(b.hash_one(*i)))
            .count();
        assert!(fp < 3000, "false positive rate {} %", fp as f64 / 1000.0);
        assert!(!HashFilter::default().may_contain(0));
    }
}
