//! Pacing a replay to a rate (items per second) against the monotonic clock.
//!
//! The pacer does not sleep per item: it says how many items are due at a given instant, so a
//! source wakes at most about once per millisecond (the timer's resolution) and sends what is
//! due in one batch. A source that falls behind (the queue was full) catches up in bursts of
//! at most one batch, never by skipping items.

use std::time::{Duration, Instant};

/// Items due against a fixed start: item `n` is due at `start + n / rate`.
#[derive(Debug, Clone)]
pub struct Pacer {
    start: Instant,
    rate: Option<u32>,
    done: u64,
}

impl Pacer {
    /// A pacer starting now; `rate` `None` (or 0) means as fast as possible.
    pub fn new(rate: Option<u32>, now: Instant) -> Pacer {
        Pacer {
            start: now,
            rate: rate.filter(|r| *r > 0),
            done: 0,
        }
    }

    /// How many items may go at `now`, at most `max`.
    pub fn due(&self, now: Instant, max: usize) -> usize {
        let Some(rate) = self.rate else {
            return max;
        };
        let elapsed = now.saturating_duration_since(self.start).as_nanos();
        // One item is due at the start; then one every 1/rate.
        let allowed = elapsed * u128::from(rate) / 1_000_000_000 + 1;
        let owed = allowed.saturating_sub(u128::from(self.done));
        usize::try_from(owed).unwrap_or(usize::MAX).min(max)
    }

    /// How long from `now` until the next item is due (zero when one is due already).
    pub fn wait(&self, now: Instant) -> Duration {
        let Some(rate) = self.rate else {
            return Duration::ZERO;
        };
        let due_ns = u128::from(self.done) * 1_000_000_000 / u128::from(rate);
        let due = self
            .start
            .checked_add(Duration::from_nanos(
                u64::try_from(due_ns).unwrap_or(u64::MAX),
            ))
            .unwrap_or(now);
        due.saturating_duration_since(now)
    }

    /// Records that `n` items went out.
    pub fn sent(&mut self, n: usize) {
        self.done += n as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_follows_the_rate() {
        let t0 = Instant::now();
        let mut p = Pacer::new(Some(1000), t0);
        assert_eq!(p.due(t0, 100), 1);
        p.sent(1);
        assert_eq!(p.due(t0, 100), 0);
        assert_eq!(p.wait(t0), Duration::from_millis(1));
        let t1 = t0 + Duration::from_millis(50);
        assert_eq!(p.due(t1, 100), 50);
        assert_eq!(p.due(t1, 10), 10);
        p.sent(50);
        assert_eq!(p.due(t1, 100), 0);
        let unpaced = Pacer::new(None, t0);
        assert_eq!(unpaced.due(t0, 7), 7);
        assert_eq!(unpaced.wait(t0), Duration::ZERO);
    }
}
