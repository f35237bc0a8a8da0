//! Bounds on what a reader accepts and keeps.

use std::time::Duration;

/// Every bound a reader applies: sizes, fragment sets, sequence sources, ages.
///
/// The defaults follow libnmsg (1 MiB containers, 30 s fragment expiry, 120 s idle sequence
/// sources) and add the bounds libnmsg lacks (open fragment sets, total buffered bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// The largest container body accepted (header length field, and a reassembled fragment
    /// set). Default 1 MiB (`NMSG_WBUFSZ_MAX`).
    pub max_container: usize,
    /// The largest uncompressed body of a zlib container, declared and actual. Default 1 MiB.
    pub max_inflated: usize,
    /// The most fragments one set may announce (`last + 1`). Default 4096.
    pub max_fragments: u32,
    /// The most incomplete fragment sets kept at once; the oldest is dropped beyond. Default 64.
    pub max_open_sets: usize,
    /// The most fragment bytes buffered over all open sets. Default 8 MiB.
    pub max_reassembly_bytes: usize,
    /// Incomplete fragment sets older than this are dropped. Default 30 s
    /// (`NMSG_FRAG_GC_INTERVAL`).
    pub fragment_timeout: Duration,
    /// The most sequence sources tracked at once; the least recently seen is dropped beyond.
    /// Default 4096.
    pub max_sources: usize,
    /// Sequence sources idle for this long are forgotten. Default 120 s
    /// (`NMSG_SEQSRC_GC_INTERVAL`).
    pub source_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_container: 1 << 20,
            max_inflated: 1 << 20,
            max_fragments: 4096,
            max_open_sets: 64,
            max_reassembly_bytes: 8 << 20,
            fragment_timeout: Duration::from_secs(30),
            max_sources: 4096,
            source_timeout: Duration::from_secs(120),
        }
    }
}
