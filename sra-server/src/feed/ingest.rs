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
//! Writers are woken once per unit (container or batch), not per hit
//! ([`Dispatcher::dispatch_deferred`], then [`Dispatcher::flush_wakes`]).
//!
//! The lazy body: [`Dispatcher::dispatch`] matches once and calls the body builder only
//! when a session with the channel on matched, so each observation is matched exactly once.
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
use crate::index::IndexReader;
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

/// Builds the hit body for payload `p`: one uncompressed container holding it, with its CRC
/// (spec §1.6.5), byte for byte what `nmsg::container::encode` writes. `crc` is the
/// payload's CRC when the caller has it already (checked by the container decoder,
/// [`nmsg::Payloads::next_with_crc`]); `None` computes it. One allocation of the exact size.
pub fn hit_body(p: &Payload, crc: Option<u32>) -> Bytes {
    use nmsg::proto;
    /// `Nmsg.payloads` and `Nmsg.payload_crcs` (nmsg format spec).
    const F_PAYLOADS: u32 = 1;
    const F_CRCS: u32 = 2;
    let crc = u64::from(crc.unwrap_or_else(|| nmsg::crc::payload_crc(p.payload_bytes())));
    let np_len = p.encoded_len();
    let body_len =
        proto::bytes_field_len(F_PAYLOADS, np_len) + proto::varint_field_len(F_CRCS, crc);
    let mut v = Vec::with_capacity(nmsg::header::HEADER_LEN + body_len);
    nmsg::header::Header::new(0, body_len as u32).write(&mut v);
    proto::put_key(&mut v, F_PAYLOADS, proto::WT_LEN);
    proto::put_varint(&mut v, np_len as u64);
    p.encode(&mut v);
    proto::put_varint_field(&mut v, F_CRCS, crc);
    Bytes::from(v)
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
                        add(&mut out, self.match_payload(p, None, now_sec));
                    }
                    self.dispatcher.flush_wakes();
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
                        add(&mut out, self.match_packet(p, now_sec));
                    }
                    self.dispatcher.flush_wakes();
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
        let mut it = c.payloads();
        while let Some(r) = it.next_with_crc() {
            match r {
                Ok((p, crc)) => {
                    ok += 1;
                    if active {
                        add(&mut out, self.match_payload(&p, crc, now_sec));
                    }
                }
                Err(e) => {
                    bad += 1;
                    tracing::debug!("ch{}: payload skipped: {e}", self.channel);
                }
            }
        }
        self.dispatcher.flush_wakes();
        self.stats.add_payloads(ok);
        self.stats.add_data_errors(bad);
        self.stats
            .add_hits(u64::from(out.considered), u64::from(out.queued));
        out
    }

    /// Matches one NMSG payload (not counted in the stats' `payloads`; the callers above
    /// count per batch).
    pub fn payload(&mut self, p: &Payload, now_sec: u32) -> Outcome {
        self.payload_with_crc(p, None, now_sec)
    }

    /// [`Ingest::payload`] with the payload's CRC when the container carried it (checked),
    /// so that a hit body does not compute it again.
    pub fn payload_with_crc(&mut self, p: &Payload, crc: Option<u32>, now_sec: u32) -> Outcome {
        let out = self.match_payload(p, crc, now_sec);
        self.dispatcher.flush_wakes();
        out
    }

    /// Matches one payload; the writers it queued hits for are woken by the caller's
    /// [`Dispatcher::flush_wakes`] at the end of its batch.
    fn match_payload(&mut self, p: &Payload, crc: Option<u32>, now_sec: u32) -> Outcome {
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
        let obs = Observation {
            channel: self.channel,
            meta,
            keys: &self.keys,
            undecodable,
        };
        self.dispatcher
            .dispatch_deferred(&obs, now_sec, || hit_body(p, crc))
    }

    /// Matches one IP datagram (not counted in the stats' `packets`). A datagram that does
    /// not parse as IPv4/IPv6 is flagged for `errors` watches.
    pub fn packet(&mut self, p: &Packet, now_sec: u32) -> Outcome {
        let out = self.match_packet(p, now_sec);
        self.dispatcher.flush_wakes();
        out
    }

    /// Matches one datagram; the caller wakes the writers, as for payloads.
    fn match_packet(&mut self, p: &Packet, now_sec: u32) -> Outcome {
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
        };
        self.dispatcher
            .dispatch_deferred(&obs, now_sec, || p.data.clone())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hit_body_is_what_nmsg_encodes() {
        let p = Payload {
            vid: 2,
            msgtype: 1,
            time_sec: 1_700_000_000,
            time_nsec: 7,
            payload: Some(Bytes::from(vec![0x0a; 300])),
            source: Some(5),
            ..Payload::default()
        };
        let mut want = Vec::new();
        nmsg::container::encode(std::slice::from_ref(&p), &mut want);
        let crc = nmsg::crc::payload_crc(p.payload_bytes());
        assert_eq!(hit_body(&p, None), want);
        assert_eq!(hit_body(&p, Some(crc)), want);
        let back = nmsg::container::decode_single(&hit_body(&p, None), &nmsg::Limits::default());
        assert_eq!(back.unwrap(), p);
    }
}
