//! The shared watch index (architecture step 2).
//!
//! Every session's watches live in one index: IPv4 and IPv6 prefix tables
//! ([`v4_table`], [`v6_table`] over [`ip_table`]; both sharded, so a change rebuilds one
//! shard), a domain table with exact and `*.` wildcard names ([`name_table`]), a
//! per-channel list and an error-watch list. Each stored value is an [`Entry`]: the
//! (session, tag) pair to report.
//!
//! **Concurrency.** Readers (the ingest tasks) use an immutable [`Snapshot`]. Writers (the
//! session request handlers) change a mutable master copy under a mutex and then publish a new
//! snapshot, rebuilding only the parts that changed (IPv4, IPv6, names, channels, errors) and
//! sharing the others. Each ingest task holds an [`IndexReader`] that caches an
//! `Arc<Snapshot>` and checks one atomic version number per observation: the hot path takes no
//! lock and touches no shared reference count. We chose this over `arc-swap` (no new
//! dependency, and the per-reader cache avoids even arc-swap's debt-list traffic) and over
//! per-shard `RwLock`s (an atomic read-modify-write on a shared line for every probe).
//!
//! **Dedupe (spec §15 item 4, our choice).** One payload matching several watches of one
//! session gives that session *one* hit, carrying the lowest matching tag; see
//! [`crate::dispatch`].
//!
//! **Normalisation (spec §15 item 7, our choice).** See [`pattern`]: host bits are masked and
//! DNS names lower-cased before they are stored.

pub mod filter;
pub mod hasher;
pub mod ip_table;
pub mod name;
pub mod name_table;
pub mod pattern;
pub mod shared;
pub mod snapshot;
pub mod v4_table;
pub mod v6_table;

pub use pattern::{PatternError, WatchPattern};
pub use shared::{IndexError, IndexReader, Master, SharedIndex};
pub use snapshot::Snapshot;

/// A session's slot number in the index (dense, reused after the session ends).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SessionId(pub u32);

/// A watch tag (1..=65535 on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Tag(pub u16);

/// One stored value: which session's which watch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Entry {
    /// The watching session.
    pub session: SessionId,
    /// The tag of its watch.
    pub tag: Tag,
}

/// A run of entries in a table's flat value array.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Span {
    start: u32,
    len: u32,
}

impl Span {
    /// Appends `entries` to `values` and returns their span.
    pub(crate) fn push(values: &mut Vec<Entry>, entries: &[Entry]) -> Span {
        let start = values.len() as u32;
        values.extend_from_slice(entries);
        Span {
            start,
            len: entries.len() as u32,
        }
    }

    /// The entries of this span.
    #[inline]
    pub(crate) fn of(self, values: &[Entry]) -> &[Entry] {
        let s = self.start as usize;
        values.get(s..s + self.len as usize).unwrap_or(&[])
    }
}
