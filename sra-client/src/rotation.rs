//! When sratunnel stops, or with `-k` rotates its output file: after `-C count` hits, at each
//! `-T secs` wall-clock boundary, or when the file reaches `-Z bytes`.
//!
//! `-T` is aligned on the wall clock, as in libaxa: with `-T 3600` the file is cut at every full
//! hour (UTC epoch multiple), not 3600 s after start-up. Every received hit counts for `-C`,
//! including ones the output ignores (NMSG fragments), as in libaxa.

/// The configured limits (all optional).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Limits {
    /// `-C`: hits per file (or before exiting).
    pub count: Option<u64>,
    /// `-T`: seconds per interval.
    pub interval_secs: Option<u64>,
    /// `-Z`: bytes per file.
    pub max_bytes: Option<u64>,
}

/// Which limit fired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// `-C` hits were received.
    Count,
    /// A `-T` boundary passed.
    Time,
    /// The output reached `-Z` bytes.
    Size,
}

/// Tracks the limits for the current file.
#[derive(Debug, Clone)]
pub struct Rotation {
    limits: Limits,
    hits: u64,
    interval_start: u64,
}

impl Rotation {
    /// Starts tracking at Unix time `now`.
    pub fn new(limits: Limits, now: u64) -> Rotation {
        Rotation {
            limits,
            hits: 0,
            interval_start: align(now, limits.interval_secs),
        }
    }

    /// The limits.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Counts one hit; `Some(Count)` when `-C` is reached (the count restarts).
    pub fn on_hit(&mut self) -> Option<Trigger> {
        self.hits += 1;
        match self.limits.count {
            Some(c) if self.hits >= c => {
                self.hits = 0;
                Some(Trigger::Count)
            }
            _ => None,
        }
    }

    /// `Some(Time)` when a `-T` boundary has passed since the last one (then tracks the next).
    pub fn on_tick(&mut self, now: u64) -> Option<Trigger> {
        let secs = self.limits.interval_secs?;
        if now >= self.interval_start.saturating_add(secs) {
            self.interval_start = align(now, Some(secs));
            Some(Trigger::Time)
        } else {
            None
        }
    }

    /// Seconds until the next `-T` boundary (for timers), if `-T` is set.
    pub fn secs_to_boundary(&self, now: u64) -> Option<u64> {
        let secs = self.limits.interval_secs?;
        Some(self.interval_start.saturating_add(secs).saturating_sub(now))
    }

    /// `Some(Size)` when an output of `bytes` has reached `-Z`.
    pub fn on_size(&self, bytes: u64) -> Option<Trigger> {
        match self.limits.max_bytes {
            Some(max) if bytes >= max => Some(Trigger::Size),
            _ => None,
        }
    }
}

fn align(now: u64, secs: Option<u64>) -> u64 {
    match secs {
        Some(s) if s > 0 => now - now % s,
        _ => now,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn count_fires_every_n_hits() {
        let mut r = Rotation::new(
            Limits {
                count: Some(3),
                ..Limits::default()
            },
            0,
        );
        let fired: Vec<bool> = (0..7).map(|_| r.on_hit().is_some()).collect();
        assert_eq!(fired, [false, false, true, false, false, true, false]);
    }

    #[test]
    fn time_is_aligned_on_the_wall_clock() {
        let mut r = Rotation::new(
            Limits {
                interval_secs: Some(60),
                ..Limits::default()
            },
            1_000_030,
        );
        // 1_000_030 is 10 s into the minute starting at 1_000_020.
        assert_eq!(r.secs_to_boundary(1_000_030), Some(50));
        assert_eq!(r.on_tick(1_000_079), None);
        assert_eq!(r.on_tick(1_000_080), Some(Trigger::Time));
        assert_eq!(r.on_tick(1_000_081), None);
        // A long pause fires once, then realigns.
        assert_eq!(r.on_tick(1_000_520), Some(Trigger::Time));
        assert_eq!(r.secs_to_boundary(1_000_520), Some(40));
    }

    #[test]
    fn size_and_unset_limits() {
        let r = Rotation::new(
            Limits {
                max_bytes: Some(1000),
                ..Limits::default()
            },
            0,
        );
        assert_eq!(r.on_size(999), None);
        assert_eq!(r.on_size(1000), Some(Trigger::Size));
        let mut none = Rotation::new(Limits::default(), 5);
        assert_eq!(none.on_hit(), None);
        assert_eq!(none.on_tick(u64::MAX), None);
        assert_eq!(none.on_size(u64::MAX), None);
        assert_eq!(none.secs_to_boundary(5), None);
    }
}
