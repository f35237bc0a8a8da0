//! Loss counting from container sequence numbers, with libnmsg's semantics (spec §1.9).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Instant;

use crate::limits::Limits;

/// A gap above this many containers resets the source instead of counting loss
/// (reordering and restarts look like huge gaps).
pub const MAX_DROP: u32 = 1_048_576;

#[derive(Debug, Clone, Copy)]
struct Source {
    expected: u32,
    seen: Instant,
}

/// Counts lost containers per (sequence_id, sender).
#[derive(Debug)]
pub struct SequenceTracker {
    limits: Limits,
    sources: HashMap<(u64, Option<SocketAddr>), Source>,
    last_sweep: Option<Instant>,
}

impl SequenceTracker {
    /// An empty tracker bounded by [`Limits::max_sources`] and [`Limits::source_timeout`].
    pub fn new(limits: Limits) -> SequenceTracker {
        SequenceTracker {
            limits,
            sources: HashMap::new(),
            last_sweep: None,
        }
    }

    /// Records a complete container and returns how many containers were lost before it.
    /// A new source counts no loss; a gap `(sequence − expected) mod 2^32` above
    /// [`MAX_DROP`] resets the source and counts none.
    pub fn observe(
        &mut self,
        sequence_id: u64,
        sequence: u32,
        sender: Option<SocketAddr>,
        now: Instant,
    ) -> u64 {
        self.sweep(now);
        let key = (sequence_id, sender);
        let lost = match self.sources.get(&key) {
            Some(s) => {
                let delta = sequence.wrapping_sub(s.expected);
                if delta > MAX_DROP {
                    0
                } else {
                    u64::from(delta)
                }
            }
            None => {
                if self.sources.len() >= self.limits.max_sources.max(1) {
                    let oldest = self
                        .sources
                        .iter()
                        .min_by_key(|(_, s)| s.seen)
                        .map(|(k, _)| *k);
                    if let Some(k) = oldest {
                        self.sources.remove(&k);
                    }
                }
                0
            }
        };
        self.sources.insert(
            key,
            Source {
                expected: sequence.wrapping_add(1),
                seen: now,
            },
        );
        lost
    }

    /// Forgets sources idle for [`Limits::source_timeout`]; runs at most once per timeout.
    fn sweep(&mut self, now: Instant) {
        let timeout = self.limits.source_timeout;
        match self.last_sweep {
            Some(t) if now.saturating_duration_since(t) < timeout => {}
            _ => {
                self.sources
                    .retain(|_, s| now.saturating_duration_since(s.seen) < timeout);
                self.last_sweep = Some(now);
            }
        }
    }

    /// The number of sources tracked.
    pub fn sources(&self) -> usize {
        self.sources.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn libnmsg_semantics() {
        let mut t = SequenceTracker::new(Limits::default());
        let now = Instant::now();
        assert_eq!(t.observe(7, 1, None, now), 0);
        assert_eq!(t.observe(7, 3, None, now), 1);
        assert_eq!(t.observe(7, 4, None, now), 0);
        // Another sender, same id: its own source.
        let a: SocketAddr = "127.0.0.1:9".parse().unwrap();
        assert_eq!(t.observe(7, 100, Some(a), now), 0);
        // Duplicate: huge delta, reset, no loss.
        assert_eq!(t.observe(7, 4, None, now), 0);
        assert_eq!(t.observe(7, 5, None, now), 0);
        // Exactly MAX_DROP counts; one more resets.
        assert_eq!(t.observe(7, 6 + MAX_DROP, None, now), u64::from(MAX_DROP));
        assert_eq!(t.observe(7, 8 + 2 * MAX_DROP, None, now), 0);
        // Wrap-around.
        assert_eq!(t.observe(8, u32::MAX, None, now), 0);
        assert_eq!(t.observe(8, 1, None, now), 1);
        // Idle sources are forgotten.
        let later = now + Duration::from_secs(121);
        assert_eq!(t.observe(8, 10, None, later), 0);
        assert_eq!(t.sources(), 1);
    }

    #[test]
    fn bounded_sources() {
        let limits = Limits {
            max_sources: 3,
            ..Limits::default()
        };
        let mut t = SequenceTracker::new(limits);
        let now = Instant::now();
        for id in 0..100 {
            t.observe(id, 0, None, now);
        }
        assert_eq!(t.sources(), 3);
    }
}
