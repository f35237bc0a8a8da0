//! Per-channel input counters, shared by a channel's sources, its ingest task and the server
//! (CLIST descriptions, admin STATS).

use std::sync::atomic::{AtomicU64, Ordering};

/// Monotonic counters of one channel's input. Updated with relaxed atomics: each counter is
/// exact, the set is not read atomically.
#[derive(Debug, Default)]
pub struct ChannelStats {
    containers: AtomicU64,
    payloads: AtomicU64,
    packets: AtomicU64,
    missed: AtomicU64,
    data_errors: AtomicU64,
    undecodable: AtomicU64,
    considered: AtomicU64,
    queued: AtomicU64,
}

/// A copy of a channel's counters at one instant.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChannelTotals {
    /// Complete NMSG containers decoded (a fragmented one counts once).
    pub containers: u64,
    /// NMSG payloads ingested (matched against the watches).
    pub payloads: u64,
    /// IP packets ingested.
    pub packets: u64,
    /// Input containers lost according to sequence numbers.
    pub missed: u64,
    /// Malformed input skipped: bad datagrams or containers, CRC mismatches, undecodable
    /// envelopes, pcap frames without IP.
    pub data_errors: u64,
    /// Payloads or packets whose contents do not decode (offered to `errors` watches).
    pub undecodable: u64,
    /// Hits considered: (observation, session) pairs that matched with the channel on.
    pub considered: u64,
    /// Hits queued in session outboxes.
    pub queued: u64,
}

fn add(c: &AtomicU64, n: u64) {
    if n != 0 {
        c.fetch_add(n, Ordering::Relaxed);
    }
}

impl ChannelStats {
    /// Counts `n` containers decoded.
    pub fn add_containers(&self, n: u64) {
        add(&self.containers, n);
    }

    /// Counts `n` payloads ingested.
    pub fn add_payloads(&self, n: u64) {
        add(&self.payloads, n);
    }

    /// Counts `n` packets ingested.
    pub fn add_packets(&self, n: u64) {
        add(&self.packets, n);
    }

    /// Counts `n` containers lost on input.
    pub fn add_missed(&self, n: u64) {
        add(&self.missed, n);
    }

    /// Counts `n` data errors.
    pub fn add_data_errors(&self, n: u64) {
        add(&self.data_errors, n);
    }

    /// Counts `n` undecodable payloads or packets.
    pub fn add_undecodable(&self, n: u64) {
        add(&self.undecodable, n);
    }

    /// Counts dispatch outcomes.
    pub fn add_hits(&self, considered: u64, queued: u64) {
        add(&self.considered, considered);
        add(&self.queued, queued);
    }

    /// The counters now.
    pub fn totals(&self) -> ChannelTotals {
        let l = |c: &AtomicU64| c.load(Ordering::Relaxed);
        ChannelTotals {
            containers: l(&self.containers),
            payloads: l(&self.payloads),
            packets: l(&self.packets),
            missed: l(&self.missed),
            data_errors: l(&self.data_errors),
            undecodable: l(&self.undecodable),
            considered: l(&self.considered),
            queued: l(&self.queued),
        }
    }
}
