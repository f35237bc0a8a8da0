//! The ingest task (architecture step 1, one per channel): turns what a channel's
//! [`source`](crate::source) delivers into [`Observation`]s and hands them to the
//! [`Dispatcher`].
//!
//! For each NMSG payload: the match keys are extracted once, from the raw inner message, into
//! one reused [`MatchKeys`] ([`keys`]); a payload that does not decode is flagged for `errors`
//! watches; then the observation is matched. The hit body (an NMSG container holding the one
//! payload, spec §1.6.5) is built **only when at least one session wants the observation**,
//! once, and shared by every session it goes to. An unmatched payload therefore costs no
//! allocation in ingest after warm-up (`nmsg::fields` itself allocates only for dnsqr
//! responses split into IP fragments and for base:encode JSON). IP packets are matched on their addresses (and the DNS
//! names inside DNS-over-UDP packets); their body is the datagram itself, shared, never
//! copied. Input loss reported by a source is charged to the sessions with
//! [`Dispatcher::report_loss`].
//!
//! How the lazy body fits the dispatcher: [`Dispatcher::dispatch`] takes the body up front,
//! so the ingest first asks the current index snapshot whether any session with the channel
//! on matches ([`Ingest::payload`]) and builds the body only then. The matching work is done
//! twice for matched observations (a small share of the traffic) and once for the rest.
//!
//! When no session has the channel on, nothing can match: payloads are decoded and counted
//! only ([`Ingest::channel_active`], checked once per container or batch). When the index
//! holds no IP or DNS watch at all, key extraction is skipped (and with no
//! `errors` watch either, the decodability check too);
//! [`ChannelTotals::undecodable`](super::ChannelTotals::undecodable) counts only what was
//! checked.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use nmsg::{Container, Payload};
use tokio::sync::mpsc;

use crate::dispatch::{Dispatcher, Outcome, ServerIndex, SessionHandle};
use crate::hit::HitMeta;
use crate::index::{IndexReader, Snapshot};
use crate::observation::{MatchKeys, Observation};
use crate::source::{Packet, Unit};

use super::keys;
use super::stats::ChannelStats;

/// One channel's ingest state: dispatcher, index reader, reusable key buffers, counters.
#[derive(Debug)]
pub struct Ingest {
    channel: u16,
    dispatcher: Dispatcher,
    reader: IndexReader<SessionHandle>,
    keys: MatchKeys,
    scratch: Vec<u8>,
    stats: Arc<ChannelStats>,
}

/// The current UNIX time in seconds (the rate limiter's clock).
pub fn unix_now_sec() -> u32 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as u32)
}

/// Builds the hit body for payload `p`: one uncompressed container holding it, with its CRC.
pub fn hit_body(p: &Payload) -> Bytes {
    let one = std::slice::from_ref(p);
    let mut v = Vec::with_capacity(nmsg::container::encoded_len(one));
    nmsg::container::encode(one, &mut v);
    Bytes::from(v)
}

/// True when some session with `obs.channel` on has a watch matching `obs`.
fn wanted(snap: &Snapshot<SessionHandle>, obs: &Observation<'_>) -> bool {
    let on = |s: crate::index::SessionId| {
        snap.session(s)
            .is_some_and(|sub| sub.channels.is_on(obs.channel))
    };
    if snap
        .channel_watches(obs.channel)
        .iter()
        .any(|e| on(e.session))
    {
        return true;
    }
    if obs.undecodable && snap.error_watches().iter().any(|e| on(e.session)) {
        return true;
    }
    let mut hit = false;
    for k in obs.keys.ips() {
        snap.match_ip_bytes(k.bytes, |e| hit = hit || on(e.session));
        if hit {
            return true;
        }
    }
    for k in obs.keys.names() {
        snap.match_name(k.bytes, |e| hit = hit || on(e.session));
        if hit {
            return true;
        }
    }
    false
}

fn add(a: &mut Outcome, b: Outcome) {
    a.considered += b.considered;
    a.queued += b.queued;
}

impl Ingest {
    /// The ingest state of channel `channel`, matching against `index`, counting into
    /// `stats`.
    pub fn new(channel: u16, index: &Arc<ServerIndex>, stats: Arc<ChannelStats>) -> Ingest {
        Ingest {
            channel,
            dispatcher: Dispatcher::new(index),
            reader: index.reader(),
            keys: MatchKeys::default(),
            scratch: Vec::new(),
            stats,
        }
    }

    /// The channel number.
    pub fn channel(&self) -> u16 {
        self.channel
    }

    /// The channel's counters.
    pub fn stats(&self) -> &Arc<ChannelStats> {
        &self.stats
    }

    /// True when some session has this channel on: otherwise no observation can give a hit
    /// (every watch kind requires the channel on) and matching is skipped. Checked once per
    /// unit, not per payload.
    pub fn channel_active(&mut self) -> bool {
        let ch = self.channel;
        self.reader
            .current()
            .sessions()
            .any(|(_, s)| s.channels.is_on(ch))
    }

    /// Processes one unit from a source, at UNIX second `now_sec`.
    pub fn unit(&mut self, unit: Unit, now_sec: u32) -> Outcome {
        match unit {
            Unit::Container(c) => self.container(&c, now_sec),
            Unit::Payloads(ps) => {
                let mut out = Outcome::default();
                if self.channel_active() {
                    for p in &ps {
                        add(&mut out, self.payload(p, now_sec));
                    }
                }
                self.stats.add_payloads(ps.len() as u64);
                self.stats
                    .add_hits(u64::from(out.considered), u64::from(out.queued));
                out
            }
            Unit::Packets(ps) => {
                let mut out = Outcome::default();
                if self.channel_active() {
                    for p in &ps {
                        add(&mut out, self.packet(p, now_sec));
                    }
                }
                self.stats.add_packets(ps.len() as u64);
                self.stats
                    .add_hits(u64::from(out.considered), u64::from(out.queued));
                out
            }
            Unit::Loss(n) => {
                self.loss(n);
                Outcome::default()
            }
        }
    }

    /// Matches every payload of a decoded container. Payloads that fail their CRC or do not
    /// decode as an envelope are counted as data errors and skipped. When no session has the
    /// channel on, payloads are only decoded and counted.
    pub fn container(&mut self, c: &Container, now_sec: u32) -> Outcome {
        let (mut out, mut ok, mut bad) = (Outcome::default(), 0u64, 0u64);
        let active = self.channel_active();
        for r in c {
            match r {
                Ok(p) => {
                    ok += 1;
                    if active {
                        add(&mut out, self.payload(&p, now_sec));
                    }
                }
                Err(e) => {
                    bad += 1;
                    tracing::debug!("ch{}: payload skipped: {e}", self.channel);
                }
            }
        }
        self.stats.add_payloads(ok);
        self.stats.add_data_errors(bad);
        self.stats
            .add_hits(u64::from(out.considered), u64::from(out.queued));
        out
    }

    /// Matches one NMSG payload (not counted in the stats' `payloads`; the callers above
    /// count per batch).
    pub fn payload(&mut self, p: &Payload, now_sec: u32) -> Outcome {
        let snap = self.reader.current();
        let inner = p.payload_bytes();
        let undecodable = if snap.has_key_watches() {
            keys::extract_payload(p.vid, p.msgtype, inner, &mut self.keys)
        } else {
            self.keys.clear();
            !snap.error_watches().is_empty() && keys::undecodable(p.vid, p.msgtype, inner)
        };
        if undecodable {
            self.stats.add_undecodable(1);
        }
        let meta = HitMeta::Nmsg {
            vid: u16::try_from(p.vid).unwrap_or(u16::MAX),
            msgtype: u16::try_from(p.msgtype).unwrap_or(u16::MAX),
            time_sec: p.time_sec as u32,
            time_nsec: p.time_nsec,
        };
        let none = Bytes::new();
        let obs = Observation {
            channel: self.channel,
            meta,
            keys: &self.keys,
            undecodable,
            body: &none,
        };
        if !wanted(snap, &obs) {
            return Outcome::default();
        }
        let body = hit_body(p);
        self.dispatcher
            .dispatch(&Observation { body: &body, ..obs }, now_sec)
    }

    /// Matches one IP datagram (not counted in the stats' `packets`). A datagram that does
    /// not parse as IPv4/IPv6 is flagged for `errors` watches.
    pub fn packet(&mut self, p: &Packet, now_sec: u32) -> Outcome {
        let undecodable = nmsg::fields::ipdg::parse(&p.data).is_none();
        if undecodable {
            self.stats.add_undecodable(1);
        }
        if self.reader.current().has_key_watches() {
            keys::extract_packet(&p.data, &mut self.scratch, &mut self.keys);
        } else {
            self.keys.clear();
        }
        let obs = Observation {
            channel: self.channel,
            meta: HitMeta::Ip {
                tv_sec: p.tv_sec,
                tv_usec: p.tv_usec,
                ip_len: p.orig_len,
            },
            keys: &self.keys,
            undecodable,
            body: &p.data,
        };
        self.dispatcher.dispatch(&obs, now_sec)
    }

    /// Charges `n` lost input containers as `missed` to the sessions with the channel on.
    pub fn loss(&mut self, n: u64) {
        self.stats.add_missed(n);
        self.dispatcher.report_loss(self.channel, n);
    }

    /// Runs until every sender of `rx` is gone.
    pub async fn run(mut self, mut rx: mpsc::Receiver<Unit>) {
        while let Some(u) = rx.recv().await {
            self.unit(u, unix_now_sec());
        }
    }
}
