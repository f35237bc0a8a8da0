//! Reader statistics.

/// Counters of one reader, monotonic (go-nmsg's `Stats()`, libnmsg's container counts).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Complete containers decoded (a fragmented container counts once, when joined).
    pub containers: u64,
    /// Payloads delivered (CRC and decode failures not included).
    pub payloads: u64,
    /// Input bytes read (datagrams, or stream bytes consumed).
    pub bytes: u64,
    /// Containers lost according to sequence numbers (datagram inputs).
    pub lost: u64,
    /// Fragments received.
    pub fragments: u64,
    /// Incomplete fragment sets dropped (timed out, evicted or oversized).
    pub expired: u64,
    /// Data errors: malformed datagrams or containers, bad fragments, CRC mismatches,
    /// undecodable payloads.
    pub data_errors: u64,
    /// Headerless compressed datagrams recovered (libnmsg's defect, see [`crate::input`]).
    pub headerless: u64,
}
