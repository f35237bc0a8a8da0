//! An immutable, published state of the watch index; what the hot path reads.

use std::net::IpAddr;
use std::sync::Arc;

use super::name_table::NameIndex;
use super::v4_table::{self, V4Table};
use super::v6_table::V6Index;
use super::{Entry, SessionId, Span};

/// The highest channel number (AXA_OP_CH_MAX).
pub const MAX_CHANNEL: u16 = 4095;

/// Channel watches: one entry list per channel.
#[derive(Debug)]
pub(crate) struct ChannelLists {
    spans: Vec<Span>,
    values: Vec<Entry>,
}

impl ChannelLists {
    pub(crate) fn build(items: impl IntoIterator<Item = (u16, Entry)>) -> Self {
        let mut per: Vec<Vec<Entry>> = vec![Vec::new(); usize::from(MAX_CHANNEL) + 1];
        for (ch, e) in items {
            if let Some(v) = per.get_mut(usize::from(ch)) {
                v.push(e);
            }
        }
        let mut values = Vec::new();
        let spans = per.iter().map(|v| Span::push(&mut values, v)).collect();
        ChannelLists { spans, values }
    }

    fn get(&self, ch: u16) -> &[Entry] {
        self.spans
            .get(usize::from(ch))
            .map_or(&[][..], |s| s.of(&self.values))
    }
}

impl Default for ChannelLists {
    fn default() -> Self {
        ChannelLists::build([])
    }
}

/// One published state of the index: the tables and the session handles (`S`) they refer to.
///
/// Parts that did not change between two snapshots are shared (`Arc`).
#[derive(Debug)]
pub struct Snapshot<S> {
    /// The [`v4_table::SHARDS`] IPv4 shards.
    pub(crate) v4: Vec<Arc<V4Table>>,
    pub(crate) v4_len: usize,
    pub(crate) v6: V6Index,
    pub(crate) names: NameIndex,
    pub(crate) channels: Arc<ChannelLists>,
    pub(crate) errors: Arc<[Entry]>,
    pub(crate) sessions: Arc<[Option<S>]>,
    pub(crate) version: u64,
}

impl<S> Default for Snapshot<S> {
    fn default() -> Self {
        Snapshot {
            v4: (0..v4_table::SHARDS).map(|_| Arc::default()).collect(),
            v4_len: 0,
            v6: V6Index::default(),
            names: NameIndex::default(),
            channels: Arc::default(),
            errors: Arc::from(Vec::new()),
            sessions: Arc::from(Vec::new()),
            version: 0,
        }
    }
}

impl<S> Snapshot<S> {
    /// Calls `f` with every entry whose IP prefix contains `ip`.
    #[inline]
    pub fn match_ip(&self, ip: IpAddr, f: impl FnMut(Entry)) {
        match ip {
            IpAddr::V4(a) => self.match_v4(u32::from(a), f),
            IpAddr::V6(a) => self.v6.for_each_match(u128::from(a), f),
        }
    }

    /// Calls `f` with every entry whose IP prefix contains the raw address bytes `raw` (4 or
    /// 16 bytes, network order, as NMSG fields carry them); other lengths match nothing.
    #[inline]
    pub fn match_ip_bytes(&self, raw: &[u8], f: impl FnMut(Entry)) {
        if let Ok(a) = <[u8; 4]>::try_from(raw) {
            self.match_v4(u32::from_be_bytes(a), f);
        } else if let Ok(a) = <[u8; 16]>::try_from(raw) {
            self.v6.for_each_match(u128::from_be_bytes(a), f);
        }
    }

    /// Calls `f` with every entry whose IPv4 prefix contains `addr`.
    #[inline]
    pub fn match_v4(&self, addr: u32, f: impl FnMut(Entry)) {
        if let Some(t) = self.v4.get(v4_table::shard_of(addr)) {
            t.for_each_match(addr, f);
        }
    }

    /// Calls `f` with every entry whose DNS watch matches the wire name `qname` (any case).
    #[inline]
    pub fn match_name(&self, qname: &[u8], f: impl FnMut(Entry)) {
        self.names.for_each_match(qname, f);
    }

    /// The channel watches of channel `ch`.
    #[inline]
    pub fn channel_watches(&self, ch: u16) -> &[Entry] {
        self.channels.get(ch)
    }

    /// The error watches.
    #[inline]
    pub fn error_watches(&self) -> &[Entry] {
        &self.errors
    }

    /// True when no IP or DNS watch exists (key extraction can then be skipped).
    pub fn has_key_watches(&self) -> bool {
        !(self.v4_len == 0 && self.v6.is_empty() && self.names.is_empty())
    }

    /// The handle of session `id`, if it exists in this snapshot.
    #[inline]
    pub fn session(&self, id: SessionId) -> Option<&S> {
        self.sessions.get(id.0 as usize)?.as_ref()
    }

    /// Every session of this snapshot with its handle.
    pub fn sessions(&self) -> impl Iterator<Item = (SessionId, &S)> {
        self.sessions
            .iter()
            .enumerate()
            .filter_map(|(i, s)| Some((SessionId(i as u32), s.as_ref()?)))
    }

    /// The publication number of this snapshot (0 = the empty initial one).
    pub fn version(&self) -> u64 {
        self.version
    }
}
