//! A fast, non-cryptographic hasher for the index's hash tables.
//!
//! The keys are masked IP addresses (many low bits zero) and short DNS wire names. The hasher
//! folds 8 bytes at a time with a multiply (FxHash style) and finishes with the murmur3 64-bit
//! mixer so that every input bit reaches the low bits hashbrown uses to pick a bucket. Watch
//! keys are chosen by authenticated users, not by the traffic, so HashDoS resistance is not
//! needed here; the traffic only *looks up* keys.

use std::hash::{BuildHasherDefault, Hasher};

/// The hasher state.
#[derive(Debug, Default, Clone, Copy)]
pub struct FastHasher(u64);

/// `BuildHasher` for [`FastHasher`].
pub type FastBuild = BuildHasherDefault<FastHasher>;

/// A `HashMap` using [`FastHasher`].
pub type FastMap<K, V> = std::collections::HashMap<K, V, FastBuild>;

const K: u64 = 0x517c_c1b7_2722_0a95;

impl FastHasher {
    #[inline]
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(K);
    }
}

impl Hasher for FastHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(w) ^ ((rest.len() as u64) << 59));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    #[inline]
    fn write_u128(&mut self, i: u128) {
        self.add(i as u64);
        self.add((i >> 64) as u64);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        // murmur3 fmix64
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasher;

    #[test]
    fn masked_keys_spread_over_low_bits() {
        let b = FastBuild::default();
        let mut low = std::collections::HashSet::new();
        for i in 0u32..256 {
            low.insert(b.hash_one(i << 24) & 0xff);
        }
        // 256 keys differing only in their top byte land in many distinct low-byte buckets.
        assert!(low.len() > 128, "{}", low.len());
    }

    #[test]
    fn byte_strings_differ_by_length() {
        let b = FastBuild::default();
        assert_ne!(b.hash_one(&b"\0"[..]), b.hash_one(&b"\0\0"[..]));
    }
}
