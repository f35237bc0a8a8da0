//! A session's delivery state, shared by its request handler, its writer and the ingest tasks:
//! channels switched on, pause, sampling, rate limit, counters and outbox.
//!
//! The index stores an `Arc<Subscriber>` per session. Channel switches, PAUSE/GO and option
//! changes are atomic stores here and never rebuild the index.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::accounting::Counters;
use crate::hit::Hit;
use crate::index::snapshot::MAX_CHANNEL;
use crate::limiter::RateLimiter;
use crate::outbox::Outbox;
use crate::sampler::Sampler;

/// The set of channels a session has switched on (4096 bits, lock-free).
#[derive(Debug)]
pub struct ChannelSet([AtomicU64; 64]);

impl Default for ChannelSet {
    fn default() -> Self {
        ChannelSet(std::array::from_fn(|_| AtomicU64::new(0)))
    }
}

impl ChannelSet {
    /// Switches channel `ch` (0..=4095) on or off; larger numbers are ignored.
    pub fn set(&self, ch: u16, on: bool) {
        if ch > MAX_CHANNEL {
            return;
        }
        let (w, bit) = (usize::from(ch / 64), 1u64 << (ch % 64));
        if on {
            self.0[w].fetch_or(bit, Ordering::Relaxed);
        } else {
            self.0[w].fetch_and(!bit, Ordering::Relaxed);
        }
    }

    /// Switches every channel off.
    pub fn clear(&self) {
        for w in &self.0 {
            w.store(0, Ordering::Relaxed);
        }
    }

    /// Whether channel `ch` is on.
    #[inline]
    pub fn is_on(&self, ch: u16) -> bool {
        self.0
            .get(usize::from(ch / 64))
            .is_some_and(|w| w.load(Ordering::Relaxed) & (1u64 << (ch % 64)) != 0)
    }
}

/// What became of an offered hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// Queued in the outbox.
    Queued,
    /// Dropped because the session is paused (counted in `dropped`).
    Paused,
    /// Not picked by sampling (`sampled`).
    Sampled,
    /// Over the rate limit (`rlimit`).
    RateLimited,
    /// Outbox full or closed (`dropped`).
    Congested,
}

/// One session's delivery state.
#[derive(Debug)]
pub struct Subscriber {
    /// Channels switched on (all off at start, spec §11).
    pub channels: ChannelSet,
    paused: AtomicBool,
    /// Sampling (OPT SAMPLE).
    pub sampler: Sampler,
    /// Rate limit (OPT RLIMIT).
    pub limiter: RateLimiter,
    /// Loss accounting.
    pub counters: Counters,
    /// Replies and hits waiting for the writer.
    pub outbox: Outbox,
}

impl Subscriber {
    /// A new subscriber: no channel on, not paused, 100 % sampling, rate limit `rlimit`
    /// (hits/s or [`crate::limiter::RLIMIT_OFF`]), an outbox of `outbox_capacity` hits.
    pub fn new(outbox_capacity: usize, rlimit: u64) -> Self {
        Subscriber {
            channels: ChannelSet::default(),
            paused: AtomicBool::new(false),
            sampler: Sampler::default(),
            limiter: RateLimiter::new(rlimit),
            counters: Counters::default(),
            outbox: Outbox::new(outbox_capacity),
        }
    }

    /// PAUSE (true) or GO (false).
    pub fn set_paused(&self, paused: bool) {
        self.paused.store(paused, Ordering::Relaxed);
    }

    /// Whether output is paused.
    pub fn is_paused(&self) -> bool {
        self.paused.load(Ordering::Relaxed)
    }

    /// Offers one hit on a channel that is on (architecture step 3): counts it as considered,
    /// then pause, sampling, the rate limit of second `now_sec`, and the outbox; the first
    /// step that refuses it counts it. A queued hit wakes the writer.
    #[inline]
    pub fn offer(&self, hit: Hit, now_sec: u32) -> Fate {
        let (fate, wake) = self.offer_quiet(hit, now_sec);
        if wake {
            self.outbox.wake();
        }
        fate
    }

    /// [`Subscriber::offer`] without waking the writer; the second value is true when the
    /// caller must call [`Outbox::wake`] on [`Subscriber::outbox`] later.
    #[inline]
    pub fn offer_quiet(&self, hit: Hit, now_sec: u32) -> (Fate, bool) {
        let c = &self.counters;
        c.add_filtered(1);
        if self.is_paused() {
            c.add_dropped(1);
            return (Fate::Paused, false);
        }
        if !self.sampler.admit() {
            c.add_sampled(1);
            return (Fate::Sampled, false);
        }
        if !self.limiter.admit(now_sec) {
            c.add_rlimit(1);
            return (Fate::RateLimited, false);
        }
        match self.outbox.try_send_data_quiet(hit) {
            Ok(wake) => (Fate::Queued, wake),
            Err(_) => {
                c.add_dropped(1);
                (Fate::Congested, false)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hit::{HitMeta, IDX_NONE};
    use crate::limiter::RLIMIT_OFF;
    use bytes::Bytes;

    fn hit() -> Hit {
        Hit {
            tag: 1,
            channel: 221,
            field_idx: IDX_NONE,
            val_idx: IDX_NONE,
            meta: HitMeta::Ip {
                tv_sec: 0,
                tv_usec: 0,
                ip_len: 0,
            },
            body: Bytes::new(),
        }
    }

    #[test]
    fn channel_set() {
        let s = ChannelSet::default();
        assert!(!s.is_on(221));
        s.set(221, true);
        s.set(4095, true);
        s.set(5000, true);
        assert!(s.is_on(221) && s.is_on(4095) && !s.is_on(220) && !s.is_on(5000));
        s.set(221, false);
        assert!(!s.is_on(221));
        s.clear();
        assert!(!s.is_on(4095));
    }

    #[test]
    fn every_refusal_is_counted_and_the_invariant_holds() {
        let s = Subscriber::new(3, 5);
        s.sampler.set_rate(500_000);
        let mut fates = Vec::new();
        for _ in 0..20 {
            fates.push(s.offer(hit(), 1));
        }
        s.set_paused(true);
        fates.push(s.offer(hit(), 2));
        s.set_paused(false);
        let t = s.counters.totals();
        assert_eq!(t.filtered, 21);
        assert_eq!(t.sampled, 10);
        assert_eq!(t.rlimit, 5);
        assert_eq!(t.dropped, 2 + 1, "2 congested + 1 paused");
        assert_eq!(s.outbox.queued(), 3);
        assert!(t.balanced(s.outbox.queued() as u64));
        assert_eq!(fates.iter().filter(|f| **f == Fate::Queued).count(), 3);
        // The writer takes the queue and counts what it wrote.
        let (mut c, mut d) = (Vec::new(), Vec::new());
        s.outbox.try_batch(&mut c, &mut d, 64);
        s.counters.add_sent(d.len() as u64);
        assert!(s.counters.totals().balanced(0));
        let _ = RLIMIT_OFF;
    }
}
