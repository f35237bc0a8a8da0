//! Sampling: forward a set fraction of a session's hits (AXA OPT SAMPLE).
//!
//! The rate is in millionths, like the OPT SAMPLE value (1,000,000 = 100 %). Sampling is
//! deterministic and counter based: of the first N hits offered, exactly
//! ⌊N · rate / 1,000,000⌋ pass, evenly spread (hit n passes when ⌊(n+1)·r/10⁶⌋ > ⌊n·r/10⁶⌋).
//! Lock-free: one atomic add per offered hit (none at 100 %).

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

/// 100 % in millionths (AXA_P_OPT_SAMPLE_MAX).
pub const SAMPLE_MAX: u32 = 1_000_000;

/// A session's sampler.
#[derive(Debug)]
pub struct Sampler {
    rate: AtomicU32,
    offered: AtomicU64,
}

impl Default for Sampler {
    fn default() -> Self {
        Sampler::new(SAMPLE_MAX)
    }
}

impl Sampler {
    /// A sampler passing `rate` millionths of the hits (clamped to 1..=1,000,000).
    pub fn new(rate: u32) -> Self {
        Sampler {
            rate: AtomicU32::new(rate.clamp(1, SAMPLE_MAX)),
            offered: AtomicU64::new(0),
        }
    }

    /// Changes the rate (clamped to 1..=1,000,000) and returns the value now in force.
    pub fn set_rate(&self, rate: u32) -> u32 {
        let r = rate.clamp(1, SAMPLE_MAX);
        self.rate.store(r, Ordering::Relaxed);
        r
    }

    /// The rate in millionths.
    pub fn rate(&self) -> u32 {
        self.rate.load(Ordering::Relaxed)
    }

    /// Decides for one hit: true = forward it, false = count it as `sampled`.
    #[inline]
    pub fn admit(&self) -> bool {
        let r = u64::from(self.rate.load(Ordering::Relaxed));
        if r >= u64::from(SAMPLE_MAX) {
            return true;
        }
        let n = self.offered.fetch_add(1, Ordering::Relaxed);
        let m = u64::from(SAMPLE_MAX);
        (n + 1) * r / m > n * r / m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_fractions() {
        for (rate, n, want) in [
            (SAMPLE_MAX, 1000, 1000),
            (500_000, 1000, 500),
            (250_000, 1000, 250),
            (1, 2_000_000, 2),
            (333_333, 3000, 999),
        ] {
            let s = Sampler::new(rate);
            let passed = (0..n).filter(|_| s.admit()).count();
            assert_eq!(passed, want, "rate {rate}");
        }
    }

    #[test]
    fn half_alternates_and_rate_is_clamped() {
        let s = Sampler::new(500_000);
        let v: Vec<bool> = (0..6).map(|_| s.admit()).collect();
        assert_eq!(v, [false, true, false, true, false, true]);
        assert_eq!(s.set_rate(0), 1);
        assert_eq!(s.set_rate(5_000_000), SAMPLE_MAX);
    }
}
