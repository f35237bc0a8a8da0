//! Per-session loss accounting: counters, MISSED report deltas and ACCT totals.
//!
//! **Definition of `filtered` (spec §15 item 10, our choice): "considered"** = hits for this
//! session, i.e. observations that matched at least one of its watches on a channel it has
//! switched on. Every considered hit ends in exactly one of: `sent` (written to the socket),
//! `dropped` (outbox full, or the session is paused — PAUSE "drops and counts"), `rlimit`,
//! `sampled`, or is still queued in the outbox. Hence the invariant, checked by
//! [`Totals::balanced`]:
//!
//! `filtered = sent + dropped + rlimit + sampled + queued`.
//!
//! `missed` counts input loss (sequence gaps, unreadable datagrams) on channels the session
//! has on; it is outside the invariant.
//!
//! MISSED (spec §6, §15 item 5, our choice): a report carries the deltas since the previous
//! one, goes out at most once per `report_secs` (default 10 s), and only when something was
//! lost in the period (missed, dropped or rlimit > 0). Sampling is asked for, not lost, so it
//! does not trigger a report.

use std::sync::atomic::{AtomicU64, Ordering};

/// Default minimum seconds between MISSED reports.
pub const DEFAULT_REPORT_SECS: u64 = 10;

/// A session's monotonic counters, updated lock-free by ingest tasks and the writer.
#[derive(Debug, Default)]
pub struct Counters {
    filtered: AtomicU64,
    missed: AtomicU64,
    dropped: AtomicU64,
    rlimit: AtomicU64,
    sampled: AtomicU64,
    sent: AtomicU64,
}

/// A copy of the counters at one instant.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    /// Hits considered.
    pub filtered: u64,
    /// Input loss on the session's channels.
    pub missed: u64,
    /// Dropped for congestion (outbox full) or while paused.
    pub dropped: u64,
    /// Dropped by the rate limit.
    pub rlimit: u64,
    /// Not forwarded because of sampling.
    pub sampled: u64,
    /// Written to the client.
    pub sent: u64,
}

impl Totals {
    /// Whether `filtered = sent + dropped + rlimit + sampled + queued`.
    pub fn balanced(&self, queued: u64) -> bool {
        self.filtered == self.sent + self.dropped + self.rlimit + self.sampled + queued
    }

    /// The ACCT reply text (spec §6, vector `extra_ok_acct_totals_tag1`; `collected` is a RAD
    /// counter and always 0 here).
    pub fn acct_text(&self) -> String {
        format!(
            "total-filtered={} total-missed={} total-collected=0 total-sent={}\n    \
             total-ratelimited={} total-congested={}",
            self.filtered, self.missed, self.sent, self.rlimit, self.dropped
        )
    }

    fn minus(&self, o: &Totals) -> Totals {
        Totals {
            filtered: self.filtered.wrapping_sub(o.filtered),
            missed: self.missed.wrapping_sub(o.missed),
            dropped: self.dropped.wrapping_sub(o.dropped),
            rlimit: self.rlimit.wrapping_sub(o.rlimit),
            sampled: self.sampled.wrapping_sub(o.sampled),
            sent: self.sent.wrapping_sub(o.sent),
        }
    }
}

macro_rules! bump {
    ($($(#[$doc:meta])* $name:ident => $field:ident),* $(,)?) => {
        $( $(#[$doc])* #[inline] pub fn $name(&self, n: u64) {
            self.$field.fetch_add(n, Ordering::Relaxed);
        } )*
    };
}

impl Counters {
    bump! {
        /// Adds to `filtered` (considered).
        add_filtered => filtered,
        /// Adds to `missed` (input loss).
        add_missed => missed,
        /// Adds to `dropped` (congestion or paused).
        add_dropped => dropped,
        /// Adds to `rlimit`.
        add_rlimit => rlimit,
        /// Adds to `sampled`.
        add_sampled => sampled,
        /// Adds to `sent`.
        add_sent => sent,
    }

    /// The counters now.
    pub fn totals(&self) -> Totals {
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        Totals {
            filtered: g(&self.filtered),
            missed: g(&self.missed),
            dropped: g(&self.dropped),
            rlimit: g(&self.rlimit),
            sampled: g(&self.sampled),
            sent: g(&self.sent),
        }
    }
}

/// The body of one MISSED message (spec §1.6.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MissedReport {
    /// Input loss since the last report.
    pub missed: u64,
    /// Congestion drops since the last report.
    pub dropped: u64,
    /// Rate-limit drops since the last report.
    pub rlimit: u64,
    /// Hits considered since the last report.
    pub filtered: u64,
    /// UNIX time of the previous report (or of the start of the period).
    pub last_report: u32,
}

impl MissedReport {
    /// The 36-byte MISSED body.
    pub fn body(&self) -> [u8; 36] {
        let mut b = [0u8; 36];
        b[0..8].copy_from_slice(&self.missed.to_le_bytes());
        b[8..16].copy_from_slice(&self.dropped.to_le_bytes());
        b[16..24].copy_from_slice(&self.rlimit.to_le_bytes());
        b[24..32].copy_from_slice(&self.filtered.to_le_bytes());
        b[32..36].copy_from_slice(&self.last_report.to_le_bytes());
        b
    }
}

/// Decides when a session gets a MISSED report and computes its deltas.
#[derive(Debug, Clone)]
pub struct MissedReporter {
    report_secs: Option<u64>,
    last_time: u64,
    last: Totals,
}

impl MissedReporter {
    /// A reporter starting its first period at UNIX time `now`; `report_secs` = `None` turns
    /// regular reports off (RLIMIT report_secs = OFF).
    pub fn new(report_secs: Option<u64>, now: u64) -> Self {
        MissedReporter {
            report_secs,
            last_time: now,
            last: Totals::default(),
        }
    }

    /// Changes the interval (OPT RLIMIT report_secs).
    pub fn set_report_secs(&mut self, report_secs: Option<u64>) {
        self.report_secs = report_secs;
    }

    /// The interval in force.
    pub fn report_secs(&self) -> Option<u64> {
        self.report_secs
    }

    /// Called periodically with the current totals: returns a report when the interval has
    /// passed since the last one and something was lost in between.
    pub fn poll(&mut self, now: u64, totals: Totals) -> Option<MissedReport> {
        let secs = self.report_secs?;
        if now < self.last_time.saturating_add(secs) {
            return None;
        }
        let d = totals.minus(&self.last);
        if d.missed == 0 && d.dropped == 0 && d.rlimit == 0 {
            return None;
        }
        let r = MissedReport {
            missed: d.missed,
            dropped: d.dropped,
            rlimit: d.rlimit,
            filtered: d.filtered,
            last_report: self.last_time.min(u64::from(u32::MAX)) as u32,
        };
        self.last_time = now;
        self.last = totals;
        Some(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_deltas_only_after_interval_and_only_on_loss() {
        let c = Counters::default();
        let mut r = MissedReporter::new(Some(10), 1000);
        c.add_filtered(5);
        c.add_sent(5);
        assert_eq!(r.poll(1011, c.totals()), None, "no loss, no report");
        c.add_filtered(3);
        c.add_rlimit(3);
        assert_eq!(r.poll(1005, c.totals()), None, "too early");
        let rep = r.poll(1011, c.totals()).unwrap();
        assert_eq!(
            rep,
            MissedReport {
                missed: 0,
                dropped: 0,
                rlimit: 3,
                filtered: 8,
                last_report: 1000
            }
        );
        c.add_filtered(2);
        c.add_dropped(1);
        c.add_missed(7);
        c.add_sent(1);
        assert_eq!(r.poll(1015, c.totals()), None);
        let rep = r.poll(1021, c.totals()).unwrap();
        assert_eq!(
            (rep.missed, rep.dropped, rep.rlimit, rep.filtered),
            (7, 1, 0, 2)
        );
        assert_eq!(rep.last_report, 1011);
        r.set_report_secs(None);
        c.add_missed(1);
        assert_eq!(r.poll(5000, c.totals()), None);
    }

    #[test]
    fn missed_body_matches_spec_vector() {
        // Spec §12 `extra_missed_rlimit2299_filtered69817`.
        let b = MissedReport {
            missed: 0,
            dropped: 0,
            rlimit: 2299,
            filtered: 69817,
            last_report: 1_428_248_971,
        }
        .body();
        assert_eq!(&b[16..24], &[0xfb, 0x08, 0, 0, 0, 0, 0, 0]);
        assert_eq!(&b[24..32], &[0xb9, 0x10, 0x01, 0, 0, 0, 0, 0]);
        assert_eq!(&b[32..36], &[0x8b, 0x59, 0x21, 0x55]);
    }

    #[test]
    fn acct_text_format() {
        let t = Totals {
            filtered: 66360,
            sent: 64912,
            ..Totals::default()
        };
        assert_eq!(
            t.acct_text(),
            "total-filtered=66360 total-missed=0 total-collected=0 total-sent=64912\n    total-ratelimited=0 total-congested=0"
        );
        assert!(!t.balanced(0));
    }
}
