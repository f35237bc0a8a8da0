//! What an ingest task hands to the dispatcher: one payload or packet with its match keys.
//!
//! The keys (IP addresses and DNS names, with the NMSG field and value index they came from)
//! are extracted once per observation, by the generator today and by `nmsg::fields` following
//! the fields table (spec §10) once that lands. [`MatchKeys`] is a reusable buffer: the
//! ingest task clears and refills it for each payload, so extraction allocates nothing after
//! warm-up.

use crate::hit::HitMeta;
use crate::seen_keys::{self, SeenKeys};

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
    /// The IP and name keys by hash, for the `_unique` pushes.
    seen_ips: SeenKeys,
    seen_names: SeenKeys,
}

impl MatchKeys {
    /// Forgets every key, keeping the allocations.
    pub fn clear(&mut self) {
        self.bytes.clear();
        self.ips.clear();
        self.names.clear();
        self.seen_ips.clear();
        self.seen_names.clear();
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

    /// Adds an IP address as [`MatchKeys::push_ip`] does unless the same address was added
    /// before (by either method) since the last [`MatchKeys::clear`]. Constant time per key
    /// on average.
    pub fn push_ip_unique(&mut self, raw: &[u8], field_idx: u16, val_idx: u16) {
        if is_new(&mut self.seen_ips, &self.ips, &self.bytes, raw) {
            self.push_ip(raw, field_idx, val_idx);
        }
    }

    /// Adds a DNS wire name as [`MatchKeys::push_name`] does unless the same bytes were
    /// added before (by either method) since the last [`MatchKeys::clear`]. Constant time per
    /// key on average.
    pub fn push_name_unique(&mut self, wire: &[u8], field_idx: u16, val_idx: u16) {
        if is_new(&mut self.seen_names, &self.names, &self.bytes, wire) {
            self.push_name(wire, field_idx, val_idx);
        }
    }

    fn view(&self, k: &KeyRef) -> Key<'_> {
        Key {
            bytes: key_bytes(&self.bytes, k),
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

/// Keys per kind up to which a payload's keys are compared one by one (cheaper than hashing
/// for the few keys most payloads have); beyond, they go into a [`SeenKeys`] table.
const SCAN: usize = 8;

/// Whether `raw` differs from every key in `list` (stored in `bytes`), using `seen` once the
/// list is longer than [`SCAN`] (filled from the list on first use).
fn is_new(seen: &mut SeenKeys, list: &[KeyRef], bytes: &[u8], raw: &[u8]) -> bool {
    if list.len() < SCAN {
        return !list.iter().any(|k| key_bytes(bytes, k) == raw);
    }
    if seen.is_empty() {
        // The list holds no repeats: every key is recorded.
        for (i, k) in list.iter().enumerate() {
            seen.insert(seen_keys::hash(key_bytes(bytes, k)), i as u32, |_| false);
        }
    }
    seen.insert(seen_keys::hash(raw), list.len() as u32, |i| {
        list.get(i as usize)
            .is_some_and(|k| key_bytes(bytes, k) == raw)
    })
}

/// The bytes of key `k` in `bytes`.
fn key_bytes<'a>(bytes: &'a [u8], k: &KeyRef) -> &'a [u8] {
    let s = k.start as usize;
    bytes.get(s..s + usize::from(k.len)).unwrap_or(&[])
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

    #[test]
    fn unique_pushes_keep_first_occurrences() {
        let mut k = MatchKeys::default();
        for round in 0..2u16 {
            for i in 0..100u8 {
                k.push_ip_unique(&[10, 0, 0, i % 40], round, u16::from(i));
                k.push_name_unique(&[1, b'a' + i % 13, 0], 9, u16::from(i));
            }
            k.push_ip_unique(&[1, 2, 3], 0, 0);
            let ips: Vec<_> = k.ips().map(|k| (k.bytes[3], k.val_idx)).collect();
            assert_eq!(ips, (0..40).map(|i| (i, u16::from(i))).collect::<Vec<_>>());
            let names: Vec<_> = k.names().map(|k| (k.bytes[1], k.val_idx)).collect();
            assert_eq!(
                names,
                (0..13)
                    .map(|i| (b'a' + i, u16::from(i)))
                    .collect::<Vec<_>>()
            );
            k.clear();
        }
    }
}
