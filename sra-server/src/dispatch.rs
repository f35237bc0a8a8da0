//! The hot path (architecture steps 2-5): match an observation against the shared index and
//! offer one hit to each matching session.
//!
//! For each observation: collect the (session, tag) candidates from the channel watches, the
//! error watches (undecodable payloads), the IP tables and the domain table; sort them by
//! (session, tag, key order) in a reusable scratch vector; keep the first candidate of each
//! session; skip sessions that have the channel off; offer the hit ([`Subscriber::offer`]:
//! sampling, rate limit, outbox). The hit body is shared (`Bytes`), never copied. A body too
//! large for one AXA frame ([`MAX_BODY_LEN`]) is counted as considered and dropped, never
//! sent.
//!
//! **Spec §15 item 4 (our choice): one hit per session, with the lowest matching tag.** A
//! payload that matches several watches of one session is delivered once; its WHIT carries
//! the smallest tag among the matching watches and the field/value index of the key that
//! matched that watch first (channel watches: NONE, error watches: ERROR). Sending one WHIT
//! per watch would multiply the traffic for overlapping watches (e.g. `ch=204` plus
//! `dns=*.com`) and the reference tools cannot tell the copies apart.

use std::sync::Arc;

use bytes::Bytes;

use crate::hit::{Hit, HitMeta, IDX_ERROR, IDX_NONE};
use crate::index::{Entry, IndexReader, SessionId, SharedIndex, Snapshot, Tag};
use crate::observation::Observation;
use crate::subscriber::{Fate, Subscriber};

/// The largest AXA body (spec §1.3); a hit whose WHIT body would exceed it cannot be sent
/// (the client would reject the frame and disconnect).
pub const MAX_BODY_LEN: usize = 196_608;

/// The session handle stored in the index.
pub type SessionHandle = Arc<Subscriber>;

/// The index type the server uses.
pub type ServerIndex = SharedIndex<SessionHandle>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Candidate {
    session: SessionId,
    tag: Tag,
    order: u32,
    field_idx: u16,
    val_idx: u16,
}

/// What one [`Dispatcher::dispatch`] call did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Sessions that matched with the channel on (hits considered).
    pub considered: u32,
    /// Hits queued in outboxes.
    pub queued: u32,
}

/// One ingest task's dispatcher: an index reader, a scratch buffer, and the writers to wake
/// after a batch ([`Dispatcher::dispatch_deferred`]).
#[derive(Debug)]
pub struct Dispatcher {
    reader: IndexReader<SessionHandle>,
    scratch: Vec<Candidate>,
    wakes: Vec<SessionHandle>,
}

impl Dispatcher {
    /// A dispatcher reading `index`.
    pub fn new(index: &Arc<ServerIndex>) -> Self {
        Dispatcher {
            reader: index.reader(),
            scratch: Vec::with_capacity(64),
            wakes: Vec::new(),
        }
    }

    /// Matches `obs` and offers a hit to every matching session with the channel on, in
    /// second `now_sec` (for the rate limit). The hit body comes from `body`, called at most
    /// once and only when some session with the channel on matched, so an unwanted
    /// observation costs no body; its result is shared by every session (moved into the last
    /// one, cloned for the others). Matching happens once: the candidates collected here are
    /// the ones offered. Allocation-free after warm-up, apart from what `body` allocates.
    pub fn dispatch(
        &mut self,
        obs: &Observation<'_>,
        now_sec: u32,
        body: impl FnOnce() -> Bytes,
    ) -> Outcome {
        self.run(obs, now_sec, body, false)
    }

    /// [`Dispatcher::dispatch`], but a writer whose outbox was empty is woken only by the
    /// next [`Dispatcher::flush_wakes`] (or when the dispatcher is dropped). The ingest task
    /// calls it for every payload of a container or batch and flushes once at the end: a
    /// writer is woken at most once per batch instead of once per hit (each wake-up of an
    /// idle runtime thread is a system call), and finds the whole batch's hits to write.
    pub fn dispatch_deferred(
        &mut self,
        obs: &Observation<'_>,
        now_sec: u32,
        body: impl FnOnce() -> Bytes,
    ) -> Outcome {
        self.run(obs, now_sec, body, true)
    }

    /// Wakes the writers that [`Dispatcher::dispatch_deferred`] queued hits for.
    pub fn flush_wakes(&mut self) {
        for s in self.wakes.drain(..) {
            s.outbox.wake();
        }
    }

    fn run(
        &mut self,
        obs: &Observation<'_>,
        now_sec: u32,
        body: impl FnOnce() -> Bytes,
        defer: bool,
    ) -> Outcome {
        let snap = self.reader.current();
        let wakes = &mut self.wakes;
        let scratch = &mut self.scratch;
        scratch.clear();
        collect(snap, obs, scratch);
        if scratch.is_empty() {
            return Outcome::default();
        }
        if scratch.len() > 1 {
            scratch.sort_unstable();
            // One candidate per session (the first in (tag, key order)), channel on only.
            let mut last = None;
            scratch.retain(|c| {
                let first = last != Some(c.session);
                last = Some(c.session);
                first
                    && snap
                        .session(c.session)
                        .is_some_and(|s| s.channels.is_on(obs.channel))
            });
        } else if !snap
            .session(scratch[0].session)
            .is_some_and(|s| s.channels.is_on(obs.channel))
        {
            return Outcome::default();
        }
        let Some(lastc) = scratch.last().copied() else {
            return Outcome::default();
        };
        let body = body();
        let whit_header = match obs.meta {
            HitMeta::Nmsg { .. } => 20,
            HitMeta::Ip { .. } => 16,
        };
        let oversize = body.len() + whit_header > MAX_BODY_LEN;
        let mut out = Outcome {
            considered: scratch.len() as u32,
            queued: 0,
        };
        let hit = |c: &Candidate, body: Bytes| Hit {
            tag: c.tag.0,
            channel: obs.channel,
            field_idx: c.field_idx,
            val_idx: c.val_idx,
            meta: obs.meta,
            body,
        };
        let (init, _) = scratch.split_at(scratch.len() - 1);
        let mut offer = |c: &Candidate, body: Bytes| {
            let Some(sub) = snap.session(c.session) else {
                return;
            };
            if oversize {
                // Considered but undeliverable: counted as dropped, never sent.
                sub.counters.add_filtered(1);
                sub.counters.add_dropped(1);
            } else {
                let (fate, wake) = sub.offer_quiet(hit(c, body), now_sec);
                if wake {
                    if defer {
                        wakes.push(sub.clone());
                    } else {
                        sub.outbox.wake();
                    }
                }
                if fate == Fate::Queued {
                    out.queued += 1;
                }
            }
        };
        for c in init {
            offer(c, body.clone());
        }
        offer(&lastc, body);
        out
    }

    /// Counts `n` lost input messages on `channel` as `missed` for every session that has the
    /// channel on.
    pub fn report_loss(&mut self, channel: u16, n: u64) {
        for (_, sub) in self.reader.current().sessions() {
            if sub.channels.is_on(channel) {
                sub.counters.add_missed(n);
            }
        }
    }
}

impl Drop for Dispatcher {
    fn drop(&mut self) {
        self.flush_wakes();
    }
}

fn collect(snap: &Snapshot<SessionHandle>, obs: &Observation<'_>, out: &mut Vec<Candidate>) {
    let mut order = 0u32;
    let mut push = |e: Entry, field_idx: u16, val_idx: u16| {
        out.push(Candidate {
            session: e.session,
            tag: e.tag,
            order,
            field_idx,
            val_idx,
        });
        order += 1;
    };
    for e in snap.channel_watches(obs.channel) {
        push(*e, IDX_NONE, IDX_NONE);
    }
    if obs.undecodable {
        for e in snap.error_watches() {
            push(*e, IDX_ERROR, IDX_ERROR);
        }
    }
    for k in obs.keys.ips() {
        snap.match_ip_bytes(k.bytes, |e| push(e, k.field_idx, k.val_idx));
    }
    for k in obs.keys.names() {
        snap.match_name(k.bytes, |e| push(e, k.field_idx, k.val_idx));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hit::HitMeta;
    use crate::index::{name, shared::ip_watch, WatchPattern};
    use crate::limiter::RLIMIT_OFF;
    use crate::observation::MatchKeys;
    use bytes::Bytes;

    const META: HitMeta = HitMeta::Nmsg {
        vid: 2,
        msgtype: 1,
        time_sec: 1,
        time_nsec: 2,
    };

    fn setup() -> (Arc<ServerIndex>, Vec<(SessionId, SessionHandle)>) {
        let idx = ServerIndex::new(100);
        let subs: Vec<_> = (0..3)
            .map(|_| {
                let s = Arc::new(Subscriber::new(16, RLIMIT_OFF));
                (idx.update(|m| m.add_session(s.clone())), s)
            })
            .collect();
        (idx, subs)
    }

    fn drain(s: &Subscriber) -> Vec<Hit> {
        let (mut c, mut d) = (Vec::new(), Vec::new());
        s.outbox.try_batch(&mut c, &mut d, 1000);
        s.counters.add_sent(d.len() as u64);
        d
    }

    fn dns(t: &str, wild: bool) -> WatchPattern {
        WatchPattern::dns(&name::from_text(t).unwrap(), wild).unwrap()
    }

    #[test]
    fn one_hit_per_session_with_the_lowest_tag() {
        let (idx, subs) = setup();
        let (a, sa) = &subs[0];
        let (b, sb) = &subs[1];
        let (_, sc) = &subs[2];
        idx.update(|m| {
            m.add_watch(*a, Tag(9), WatchPattern::Channel(204)).unwrap();
            m.add_watch(*a, Tag(5), dns("google.com", true)).unwrap();
            m.add_watch(*a, Tag(7), ip_watch("10.0.0.0/8").unwrap())
                .unwrap();
            m.add_watch(*b, Tag(3), ip_watch("10.1.0.0/16").unwrap())
                .unwrap();
            m.add_watch(*b, Tag(4), dns("www.google.com", false))
                .unwrap();
        });
        for s in [sa, sb, sc] {
            s.channels.set(204, true);
        }
        let mut keys = MatchKeys::default();
        keys.push_ip(&[10, 1, 2, 3], 6, 0);
        keys.push_name(&name::from_text("WWW.google.com").unwrap(), 8, 0);
        let body = Bytes::from_static(b"NMSG-body");
        let obs = Observation {
            channel: 204,
            meta: META,
            keys: &keys,
            undecodable: false,
        };
        let mut d = Dispatcher::new(&idx);
        assert_eq!(
            d.dispatch(&obs, 0, || body.clone()),
            Outcome {
                considered: 2,
                queued: 2
            }
        );
        let ha = drain(sa);
        assert_eq!(ha.len(), 1, "three watches of a matched, one hit");
        assert_eq!((ha[0].tag, ha[0].field_idx), (5, 8));
        assert_eq!(
            ha[0].body.as_ptr(),
            body.as_ptr(),
            "body shared, not copied"
        );
        let hb = drain(sb);
        assert_eq!((hb[0].tag, hb[0].field_idx, hb[0].val_idx), (3, 6, 0));
        assert!(drain(sc).is_empty());
    }

    #[test]
    fn channel_off_means_not_considered() {
        let (idx, subs) = setup();
        let (a, sa) = &subs[0];
        idx.update(|m| m.add_watch(*a, Tag(1), WatchPattern::Channel(221)))
            .unwrap();
        let keys = MatchKeys::default();
        let body = Bytes::new();
        let obs = Observation {
            channel: 221,
            meta: META,
            keys: &keys,
            undecodable: false,
        };
        let mut d = Dispatcher::new(&idx);
        let no_body = || -> Bytes { unreachable!("no body is built for an unwanted payload") };
        assert_eq!(d.dispatch(&obs, 0, no_body).considered, 0);
        assert_eq!(sa.counters.totals().filtered, 0);
        sa.channels.set(221, true);
        assert_eq!(d.dispatch(&obs, 0, || body.clone()).queued, 1);
        let h = drain(sa);
        assert_eq!(
            (h[0].tag, h[0].field_idx, h[0].val_idx),
            (1, IDX_NONE, IDX_NONE)
        );
        // Another channel's traffic does not match a ch221 watch.
        sa.channels.set(204, true);
        let obs204 = Observation {
            channel: 204,
            ..obs
        };
        assert_eq!(d.dispatch(&obs204, 0, || body.clone()).considered, 0);
    }

    #[test]
    fn error_watches_and_loss() {
        let (idx, subs) = setup();
        let (a, sa) = &subs[0];
        let (_, sb) = &subs[1];
        idx.update(|m| m.add_watch(*a, Tag(2), WatchPattern::Errors))
            .unwrap();
        sa.channels.set(202, true);
        let keys = MatchKeys::default();
        let body = Bytes::new();
        let mut obs = Observation {
            channel: 202,
            meta: META,
            keys: &keys,
            undecodable: false,
        };
        let mut d = Dispatcher::new(&idx);
        assert_eq!(d.dispatch(&obs, 0, || body.clone()).considered, 0);
        obs.undecodable = true;
        assert_eq!(d.dispatch(&obs, 0, || body.clone()).queued, 1);
        assert_eq!(drain(sa)[0].field_idx, IDX_ERROR);
        d.report_loss(202, 4);
        assert_eq!(sa.counters.totals().missed, 4);
        assert_eq!(
            sb.counters.totals().missed,
            0,
            "channel off: no loss charged"
        );
    }

    #[test]
    fn congestion_and_rate_limit_keep_the_invariant() {
        let idx = ServerIndex::new(10);
        let s = Arc::new(Subscriber::new(4, 10));
        let a = idx.update(|m| m.add_session(s.clone()));
        idx.update(|m| m.add_watch(a, Tag(1), WatchPattern::Channel(14)))
            .unwrap();
        s.channels.set(14, true);
        s.sampler.set_rate(500_000);
        let keys = MatchKeys::default();
        let body = Bytes::new();
        let obs = Observation {
            channel: 14,
            meta: META,
            keys: &keys,
            undecodable: false,
        };
        let mut d = Dispatcher::new(&idx);
        let mut sent = 0;
        for i in 0..100u32 {
            d.dispatch(&obs, i / 30, || body.clone());
            if i % 10 == 0 {
                sent += drain(&s).len();
            }
            assert!(s.counters.totals().balanced(s.outbox.queued() as u64));
        }
        let t = s.counters.totals();
        assert_eq!(t.filtered, 100);
        assert_eq!(t.sampled, 50);
        assert!(t.rlimit > 0 && t.dropped > 0, "{t:?}");
        assert_eq!(t.sent as usize, sent);
    }

    #[test]
    fn a_slow_session_only_fills_its_own_outbox() {
        let idx = ServerIndex::new(10);
        let slow = Arc::new(Subscriber::new(8, RLIMIT_OFF));
        let fast = Arc::new(Subscriber::new(8, RLIMIT_OFF));
        for s in [&slow, &fast] {
            let id = idx.update(|m| m.add_session((*s).clone()));
            idx.update(|m| m.add_watch(id, Tag(1), WatchPattern::Channel(204)))
                .unwrap();
            s.channels.set(204, true);
        }
        let keys = MatchKeys::default();
        let body = Bytes::from_static(b"x");
        let obs = Observation {
            channel: 204,
            meta: META,
            keys: &keys,
            undecodable: false,
        };
        let mut d = Dispatcher::new(&idx);
        let mut fast_got = 0;
        for _ in 0..1000 {
            // Never waits: each call returns after offering to both sessions.
            assert_eq!(d.dispatch(&obs, 0, || body.clone()).considered, 2);
            fast_got += drain(&fast).len();
        }
        assert_eq!(fast_got, 1000, "the reading session got every hit");
        let t = slow.counters.totals();
        assert_eq!(
            (t.filtered, t.dropped, slow.outbox.queued()),
            (1000, 992, 8)
        );
        assert!(t.balanced(8));
    }

    #[tokio::test]
    async fn deferred_dispatch_wakes_writers_only_on_flush() {
        let (idx, subs) = setup();
        let (a, sa) = subs[0].clone();
        idx.update(|m| m.add_watch(a, Tag(1), WatchPattern::Channel(202)))
            .unwrap();
        sa.channels.set(202, true);
        let s2 = sa.clone();
        let writer = tokio::spawn(async move {
            let (mut c, mut d) = (Vec::new(), Vec::new());
            s2.outbox.next_batch(&mut c, &mut d, 100).await;
            d.len()
        });
        for _ in 0..3 {
            tokio::task::yield_now().await;
        }
        let keys = MatchKeys::default();
        let obs = Observation {
            channel: 202,
            meta: META,
            keys: &keys,
            undecodable: false,
        };
        let mut d = Dispatcher::new(&idx);
        for _ in 0..3 {
            assert_eq!(d.dispatch_deferred(&obs, 0, Bytes::new).queued, 1);
        }
        for _ in 0..3 {
            tokio::task::yield_now().await;
        }
        assert!(!writer.is_finished(), "not woken before the flush");
        d.flush_wakes();
        assert_eq!(writer.await.unwrap(), 3, "one wake-up, the whole batch");
    }

    #[test]
    fn oversize_bodies_are_counted_not_sent() {
        let (idx, subs) = setup();
        let (a, sa) = &subs[0];
        idx.update(|m| m.add_watch(*a, Tag(1), WatchPattern::Channel(202)))
            .unwrap();
        sa.channels.set(202, true);
        let keys = MatchKeys::default();
        let mut d = Dispatcher::new(&idx);
        for (len, queued) in [(MAX_BODY_LEN - 20, 1), (MAX_BODY_LEN - 19, 0)] {
            let body = Bytes::from(vec![0u8; len]);
            let obs = Observation {
                channel: 202,
                meta: META,
                keys: &keys,
                undecodable: false,
            };
            assert_eq!(d.dispatch(&obs, 0, || body.clone()).queued, queued);
        }
        assert_eq!(drain(sa).len(), 1);
        let t = sa.counters.totals();
        assert_eq!((t.filtered, t.dropped), (2, 1));
        assert!(t.balanced(0));
    }
}
