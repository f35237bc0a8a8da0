//! The reconnect policy: exponential back-off with jitter.
//!
//! Like libaxa, the first retry waits 1 s and each further failure doubles the wait up to 60 s;
//! a permanent failure (e.g. the server refused our credentials) jumps straight to 60 s. The
//! wait is reset once a session is healthy again, which the tunnel defines as "the whole
//! start-up sequence (USER ... GO) was answered", as the reference tunnel does.
//!
//! Jitter spreads many tunnels reconnecting to one restarted server: each delay is drawn from
//! `[nominal × (1 − JITTER), nominal]`, then clamped to `[min, max]`, so a delay never exceeds
//! the 60 s cap and never drops under the 1 s floor.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

/// Fraction of the nominal delay that jitter may take away.
pub const JITTER: f64 = 0.25;
/// libaxa's minimum reconnect delay.
pub const MIN_DELAY: Duration = Duration::from_secs(1);
/// libaxa's maximum reconnect delay.
pub const MAX_DELAY: Duration = Duration::from_secs(60);

/// A source of jitter: returns numbers in `[0, 1)`.
pub type JitterSource = Box<dyn FnMut() -> f64 + Send>;

/// Exponential back-off state.
pub struct Backoff {
    min: Duration,
    max: Duration,
    nominal: Option<Duration>,
    jitter: JitterSource,
}

impl std::fmt::Debug for Backoff {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Backoff")
            .field("min", &self.min)
            .field("max", &self.max)
            .field("nominal", &self.nominal)
            .finish_non_exhaustive()
    }
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff::new()
    }
}

impl Backoff {
    /// 1 s to 60 s with random jitter.
    pub fn new() -> Backoff {
        let mut state = RandomState::new().build_hasher().finish() | 1;
        Backoff::with_jitter(
            MIN_DELAY,
            MAX_DELAY,
            Box::new(move || {
                // xorshift64*: plenty for spreading reconnects; not for cryptography.
                state ^= state >> 12;
                state ^= state << 25;
                state ^= state >> 27;
                let v = state.wrapping_mul(0x2545_f491_4f6c_dd1d);
                (v >> 11) as f64 / (1u64 << 53) as f64
            }),
        )
    }

    /// Custom bounds and jitter source (tests pass a deterministic one).
    pub fn with_jitter(min: Duration, max: Duration, jitter: JitterSource) -> Backoff {
        Backoff {
            min,
            max: max.max(min),
            nominal: None,
            jitter,
        }
    }

    /// The delay before the next connection attempt after an ordinary failure; doubles the
    /// nominal delay for the one after.
    pub fn next_delay(&mut self) -> Duration {
        let nominal = match self.nominal {
            None => self.min,
            Some(d) => d.saturating_mul(2).min(self.max),
        };
        self.nominal = Some(nominal);
        self.jittered(nominal)
    }

    /// The delay after a failure that will not go away by retrying quickly (bad credentials,
    /// refused request): the maximum.
    pub fn permanent_failure(&mut self) -> Duration {
        self.nominal = Some(self.max);
        self.jittered(self.max)
    }

    /// Back to the minimum: call once a session is healthy.
    pub fn reset(&mut self) {
        self.nominal = None;
    }

    /// The nominal (un-jittered) delay last returned, if any since the last reset.
    pub fn current_nominal(&self) -> Option<Duration> {
        self.nominal
    }

    fn jittered(&mut self, nominal: Duration) -> Duration {
        let r = (self.jitter)().clamp(0.0, 1.0);
        nominal.mul_f64(1.0 - JITTER * r).clamp(self.min, self.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixed(r: f64) -> Backoff {
        Backoff::with_jitter(MIN_DELAY, MAX_DELAY, Box::new(move || r))
    }

    fn secs(d: Duration) -> f64 {
        d.as_secs_f64()
    }

    #[test]
    fn doubles_from_one_to_sixty_without_jitter() {
        let mut b = fixed(0.0);
        let got: Vec<f64> = (0..9).map(|_| secs(b.next_delay())).collect();
        assert_eq!(got, [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0, 60.0]);
    }

    #[test]
    fn jitter_shortens_but_stays_within_bounds() {
        let mut b = fixed(1.0);
        let got: Vec<f64> = (0..8).map(|_| secs(b.next_delay())).collect();
        // 1 s cannot go lower; the others lose up to 25 %.
        assert_eq!(got, [1.0, 1.5, 3.0, 6.0, 12.0, 24.0, 45.0, 45.0]);
    }

    #[test]
    fn reset_after_a_healthy_session() {
        let mut b = fixed(0.5);
        b.next_delay();
        b.next_delay();
        assert_eq!(b.current_nominal(), Some(Duration::from_secs(2)));
        b.reset();
        assert_eq!(b.current_nominal(), None);
        assert_eq!(b.next_delay(), Duration::from_secs(1));
    }

    #[test]
    fn permanent_failure_jumps_to_the_maximum() {
        let mut b = fixed(0.0);
        b.next_delay();
        assert_eq!(b.permanent_failure(), MAX_DELAY);
        assert_eq!(b.next_delay(), MAX_DELAY);
    }

    #[test]
    fn random_jitter_stays_in_range() {
        let mut b = Backoff::new();
        for _ in 0..200 {
            let d = b.next_delay();
            assert!(d >= MIN_DELAY && d <= MAX_DELAY, "{d:?}");
            let n = b.current_nominal().unwrap();
            assert!(d >= n.mul_f64(1.0 - JITTER) && d <= n);
        }
    }
}
