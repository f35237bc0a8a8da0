//! The per-session rate limit (AXA OPT RLIMIT): a fixed one-second window.
//!
//! Spec §6 (from `axa/protocol.h`): the server counts the hits considered in the current
//! second; a hit that makes the counter exceed `max_pkts_per_sec` is dropped and counted as
//! `rlimit`; the counter resets every second. That is a fixed window, not a token bucket, so
//! we do not use `governor` (a GCRA, i.e. a token bucket with bursts spread over the period);
//! the window is also cheaper: one compare-and-swap on a packed (second, count) word, no clock
//! read (the caller passes the current second, read once per batch). The benchmark
//! `benches/data_path.rs` measures both.

use std::sync::atomic::{AtomicU64, Ordering};

/// Largest settable limit (AXA_RLIMIT_MAX).
pub const RLIMIT_MAX: u64 = 1_000_000_000;
/// "Unlimited" on the wire (AXA_RLIMIT_OFF).
pub const RLIMIT_OFF: u64 = 1_000_000_001;
/// "No change / not applicable" on the wire (AXA_RLIMIT_NA).
pub const RLIMIT_NA: u64 = u64::MAX;

/// A session's rate limiter.
#[derive(Debug)]
pub struct RateLimiter {
    /// Hits per second, or [`RLIMIT_OFF`].
    max: AtomicU64,
    /// (second << 32) | count in that second.
    window: AtomicU64,
}

impl RateLimiter {
    /// A limiter allowing `max` hits per second ([`RLIMIT_OFF`] or anything above
    /// [`RLIMIT_MAX`] = unlimited).
    pub fn new(max: u64) -> Self {
        RateLimiter {
            max: AtomicU64::new(if max > RLIMIT_MAX { RLIMIT_OFF } else { max }),
            window: AtomicU64::new(0),
        }
    }

    /// Sets the limit ([`RLIMIT_NA`] = keep; above [`RLIMIT_MAX`] = unlimited) and returns
    /// the value now in force (as sent back in OPT RLIMIT: [`RLIMIT_OFF`] when unlimited).
    pub fn set_max(&self, max: u64) -> u64 {
        if max != RLIMIT_NA {
            let m = if max > RLIMIT_MAX { RLIMIT_OFF } else { max };
            self.max.store(m, Ordering::Relaxed);
        }
        self.max()
    }

    /// The limit in force ([`RLIMIT_OFF`] = unlimited).
    pub fn max(&self) -> u64 {
        self.max.load(Ordering::Relaxed)
    }

    /// The counter of second `now_sec` (the `cur_pkts_per_sec` of OPT RLIMIT).
    pub fn current(&self, now_sec: u32) -> u64 {
        let w = self.window.load(Ordering::Relaxed);
        if (w >> 32) as u32 == now_sec {
            w & 0xFFFF_FFFF
        } else {
            0
        }
    }

    /// Decides for one hit in second `now_sec`: true = within the limit, false = count it as
    /// `rlimit`.
    #[inline]
    pub fn admit(&self, now_sec: u32) -> bool {
        let max = self.max.load(Ordering::Relaxed);
        if max >= RLIMIT_OFF {
            return true;
        }
        let mut w = self.window.load(Ordering::Relaxed);
        loop {
            let (sec, count) = ((w >> 32) as u32, w & 0xFFFF_FFFF);
            let count = if sec == now_sec {
                (count + 1).min(0xFFFF_FFFF)
            } else {
                1
            };
            let next = (u64::from(now_sec) << 32) | count;
            match self
                .window
                .compare_exchange_weak(w, next, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => return count <= max,
                Err(actual) => w = actual,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_window_resets_each_second() {
        let l = RateLimiter::new(3);
        let v: Vec<bool> = (0..5).map(|_| l.admit(100)).collect();
        assert_eq!(v, [true, true, true, false, false]);
        assert_eq!(l.current(100), 5);
        assert_eq!(l.current(101), 0);
        assert!(l.admit(101));
        assert_eq!(l.current(101), 1);
    }

    #[test]
    fn off_and_na() {
        let l = RateLimiter::new(RLIMIT_OFF);
        assert!((0..10_000).all(|_| l.admit(7)));
        assert_eq!(l.set_max(2), 2);
        assert_eq!(l.set_max(RLIMIT_NA), 2);
        assert_eq!(l.set_max(5_000_000_000), RLIMIT_OFF);
        assert_eq!(RateLimiter::new(RLIMIT_MAX + 5).max(), RLIMIT_OFF);
    }

    #[test]
    fn shared_between_threads_counts_exactly() {
        let l = std::sync::Arc::new(RateLimiter::new(1000));
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let l = l.clone();
                std::thread::spawn(move || (0..5000).filter(|_| l.admit(9)).count())
            })
            .collect();
        let passed: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
        assert_eq!(passed, 1000);
    }
}
