//! What an ingest task hands to the dispatcher: one payload or packet with its match keys.
//!
//! The keys (IP addresses and DNS names, with the NMSG field and value index they came from)
//! are extracted once per observation, by the generator today and by `nmsg::fields` following
//! the fields table (spec §10) once that lands. [`MatchKeys`] is a reusable buffer: the
//! ingest task clears and refills it for each payload, so extraction allocates nothing after
//! warm-up.

use crate::hit::HitMeta;

/// Where one key is stored in [`MatchKeys`], and which field it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct KeyRef {
    start: u32,
    len: u16,
    field_idx: u16,
    val_idx: u16,
}

/// One key as seen by the dispatcher.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key<'a> {
    /// Raw bytes: a 4- or 16-byte address, or a wire name.
    pub bytes: &'a [u8],
    /// The NMSG field index (WHIT `field_idx`).
    pub field_idx: u16,
    /// The value index within a repeated field (WHIT `val_idx`).
    pub val_idx: u16,
}

/// The IP and DNS keys of one observation, in one reusable buffer.
#[derive(Debug, Clone, Default)]
pub struct MatchKeys {
    bytes: Vec<u8>,
    ips: Vec<KeyRef>,
    names: Vec<KeyRef>,
}

impl MatchKeys {
    /// Forgets every key, keeping the allocations.
    pub fn clear(&mut self) {
        self.bytes.clear();
        self.ips.clear();
        self.names.clear();
    }

    fn store(&mut self, raw: &[u8], field_idx: u16, val_idx: u16) -> Option<KeyRef> {
        let len = u16::try_from(raw.len()).ok()?;
        let start = u32::try_from(self.bytes.len()).ok()?;
        self.bytes.extend_from_slice(raw);
        Some(KeyRef {
            start,
            len,
            field_idx,
            val_idx,
        })
    }

    /// Adds an IP address in network order (4 or 16 bytes; others are ignored).
    pub fn push_ip(&mut self, raw: &[u8], field_idx: u16, val_idx: u16) {
        if raw.len() == 4 || raw.len() == 16 {
            if let Some(k) = self.store(raw, field_idx, val_idx) {
                self.ips.push(k);
            }
        }
    }

    /// Adds a DNS wire name (any case; validated at lookup).
    pub fn push_name(&mut self, wire: &[u8], field_idx: u16, val_idx: u16) {
        if let Some(k) = self.store(wire, field_idx, val_idx) {
            self.names.push(k);
        }
    }

    fn view(&self, k: &KeyRef) -> Key<'_> {
        let s = k.start as usize;
        Key {
            bytes: self.bytes.get(s..s + usize::from(k.len)).unwrap_or(&[]),
            field_idx: k.field_idx,
            val_idx: k.val_idx,
        }
    }

    /// The IP keys in insertion order.
    pub fn ips(&self) -> impl Iterator<Item = Key<'_>> {
        self.ips.iter().map(|k| self.view(k))
    }

    /// The DNS name keys in insertion order.
    pub fn names(&self) -> impl Iterator<Item = Key<'_>> {
        self.names.iter().map(|k| self.view(k))
    }

    /// True when there is no key.
    pub fn is_empty(&self) -> bool {
        self.ips.is_empty() && self.names.is_empty()
    }
}

/// One payload or packet on one channel, ready to match (its hit body is built by the
/// caller of [`crate::Dispatcher::dispatch`] only when a session wants it).
#[derive(Debug, Clone, Copy)]
pub struct Observation<'a> {
    /// The SIE channel it arrived on.
    pub channel: u16,
    /// Body kind and WHIT header metadata.
    pub meta: HitMeta,
    /// The extracted keys.
    pub keys: &'a MatchKeys,
    /// True when the payload could not be decoded (error watches match it).
    pub undecodable: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_clear() {
        let mut k = MatchKeys::default();
        k.push_ip(&[10, 0, 0, 1], 6, 0);
        k.push_ip(&[1, 2, 3], 6, 1);
        k.push_name(b"\x03com\x00", 8, 0);
        let ips: Vec<_> = k.ips().collect();
        assert_eq!(ips.len(), 1);
        assert_eq!(ips[0].bytes, [10, 0, 0, 1]);
        let names: Vec<_> = k.names().collect();
        assert_eq!(
            (names[0].bytes, names[0].field_idx),
            (&b"\x03com\x00"[..], 8)
        );
        k.clear();
        assert!(k.is_empty());
    }
}
