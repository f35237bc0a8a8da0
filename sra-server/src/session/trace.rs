//! Server trace output for OPT TRACE (spec §3.3, §6): text lines sent as OK with orig_op = OK
//! and tag 0, which sratool prints and sratunnel shows with `-d`/`-t`. Trace lines are never
//! ERROR or OPT, so a streaming sratunnel (which reconnects on ERROR and fails a wait on OPT)
//! is not disturbed.
//!
//! The reference client does not say what a server traces; our levels (sratool `trace on` is
//! 3), each including the lower ones:
//! * 0: nothing (the default).
//! * 1: once a second, the hits this session lost in that second, when there were any:
//!   `lost in the last second: N for congestion, N for rate limit, N missed on input`.
//! * 2: every 10 seconds a status line with the session totals and the outbox fill:
//!   `status: considered N, sent N, queued N/CAP, congestion N, rate limit N, sampled out N,
//!   missed N` (the ACCT counters, plus what only the server sees).
//! * 3: the status line every second, and after each WATCH, STOP, ALL_STOP or CHANNEL the
//!   session's watch and channel set: `watches: N (ipv4 a, ipv6 b, dns c, channel d, errors
//!   e); channels on: ch221 ch204`.

use crate::accounting::Totals;

/// Seconds between status lines at level 2.
const STATUS_SECS: u64 = 10;

/// One session's trace level and what its periodic lines compare against.
#[derive(Debug, Default)]
pub struct Tracer {
    level: u32,
    prev: Totals,
    last_status: u64,
}

/// The session figures a status line shows.
#[derive(Debug, Clone, Copy)]
pub struct Status {
    /// The session's counters now.
    pub totals: Totals,
    /// Hits waiting in the outbox.
    pub queued: usize,
    /// The outbox capacity.
    pub capacity: usize,
}

impl Tracer {
    /// The level in force.
    pub fn level(&self) -> u32 {
        self.level
    }

    /// Sets the level at UNIX time `now`; the periodic lines start from `totals`.
    pub fn set_level(&mut self, level: u32, totals: Totals, now: u64) {
        self.level = level;
        self.prev = totals;
        self.last_status = now;
    }

    /// The periodic lines due at UNIX time `now` (call about once a second).
    pub fn poll(&mut self, now: u64, s: Status, out: &mut Vec<String>) {
        if self.level == 0 {
            return;
        }
        let t = s.totals;
        let (congestion, rlimit, missed) = (
            t.dropped.wrapping_sub(self.prev.dropped),
            t.rlimit.wrapping_sub(self.prev.rlimit),
            t.missed.wrapping_sub(self.prev.missed),
        );
        self.prev = t;
        if congestion + rlimit + missed > 0 {
            out.push(format!(
                "lost in the last second: {congestion} for congestion, {rlimit} for rate limit, \
                 {missed} missed on input"
            ));
        }
        let every = match self.level {
            1 => return,
            2 => STATUS_SECS,
            _ => 1,
        };
        if now.saturating_sub(self.last_status) >= every {
            self.last_status = now;
            out.push(format!(
                "status: considered {}, sent {}, queued {}/{}, congestion {}, rate limit {}, \
                 sampled out {}, missed {}",
                t.filtered, t.sent, s.queued, s.capacity, t.dropped, t.rlimit, t.sampled, t.missed
            ));
        }
    }

    /// The watch/channel line after a change (level 3), from the counts per kind (ipv4,
    /// ipv6, dns, channel, errors) and the channels on.
    pub fn watch_set(&self, kinds: [u32; 5], on: &[u16]) -> Option<String> {
        if self.level < 3 {
            return None;
        }
        let [v4, v6, dns, ch, errors] = kinds;
        let total = v4 + v6 + dns + ch + errors;
        let chans: Vec<String> = on.iter().map(|c| format!("ch{c}")).collect();
        let chans = if chans.is_empty() {
            "none".to_string()
        } else {
            chans.join(" ")
        };
        Some(format!(
            "watches: {total} (ipv4 {v4}, ipv6 {v6}, dns {dns}, channel {ch}, errors {errors}); \
             channels on: {chans}"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(dropped: u64, sent: u64) -> Status {
        Status {
            totals: Totals {
                filtered: dropped + sent,
                dropped,
                sent,
                ..Totals::default()
            },
            queued: 0,
            capacity: 8,
        }
    }

    #[test]
    fn levels() {
        let mut t = Tracer::default();
        let mut out = Vec::new();
        t.poll(1, status(5, 5), &mut out);
        assert!(out.is_empty(), "level 0 traces nothing");
        t.set_level(1, status(5, 5).totals, 1);
        t.poll(2, status(5, 9), &mut out);
        assert!(out.is_empty(), "nothing lost");
        t.poll(3, status(7, 9), &mut out);
        assert_eq!(
            out,
            ["lost in the last second: 2 for congestion, 0 for rate limit, 0 missed on input"]
        );
        out.clear();
        t.set_level(2, status(7, 9).totals, 3);
        t.poll(4, status(7, 10), &mut out);
        assert!(out.is_empty(), "status every 10 s at level 2");
        t.poll(13, status(7, 10), &mut out);
        assert_eq!(out.len(), 1);
        assert!(out[0].starts_with("status: considered 17, sent 10, queued 0/8"));
        assert!(t.watch_set([1, 0, 2, 1, 0], &[221]).is_none());
        t.set_level(3, status(7, 10).totals, 13);
        assert_eq!(
            t.watch_set([1, 0, 2, 1, 0], &[221]).unwrap(),
            "watches: 4 (ipv4 1, ipv6 0, dns 2, channel 1, errors 0); channels on: ch221"
        );
    }
}
