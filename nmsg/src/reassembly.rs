//! Fragment reassembly (spec §1.8), bounded: sets are keyed by (id, crc, sender), `current`
//! must not pass `last`, `last` must stay the same, and the number of open sets, the bytes of
//! one set, the bytes of all sets and the age of a set are capped by [`Limits`].
//!
//! Time is passed in by the caller (sans-IO), so the reassembler works the same under a
//! blocking loop, tokio, or a fuzzer.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Instant;

use bytes::{Bytes, BytesMut};

use crate::error::{Error, Result};
use crate::fragment::Fragment;
use crate::limits::Limits;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Key {
    id: u32,
    crc: Option<u32>,
    sender: Option<SocketAddr>,
}

#[derive(Debug)]
struct Set {
    last: u32,
    /// (current, data), in arrival order; allocation grows with what arrived, not with `last`.
    pieces: Vec<(u32, Bytes)>,
    bytes: usize,
    started: Instant,
}

/// A body joined from all fragments of a set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Joined {
    /// The joined body (still compressed when `zlib`).
    pub body: Bytes,
    /// The ZLIB flag of the fragment that completed the set (as libnmsg uses).
    pub zlib: bool,
}

/// Collects fragments into whole container bodies.
#[derive(Debug)]
pub struct Reassembler {
    limits: Limits,
    sets: HashMap<Key, Set>,
    bytes: usize,
    expired: u64,
}

impl Reassembler {
    /// An empty reassembler bounded by `limits`.
    pub fn new(limits: Limits) -> Reassembler {
        Reassembler {
            limits,
            sets: HashMap::new(),
            bytes: 0,
            expired: 0,
        }
    }

    /// Adds a fragment from `sender` (None for files and streams), received at `now`.
    /// Returns the joined body once the set is complete. A duplicate `current` is ignored.
    /// Sets older than [`Limits::fragment_timeout`] are dropped first.
    pub fn push(
        &mut self,
        frag: Fragment,
        zlib: bool,
        sender: Option<SocketAddr>,
        now: Instant,
    ) -> Result<Option<Joined>> {
        self.expire(now);
        if frag.current > frag.last {
            return Err(Error::FragmentPastLast {
                current: frag.current,
                last: frag.last,
            });
        }
        let count = u64::from(frag.last) + 1;
        if count > u64::from(self.limits.max_fragments) {
            return Err(Error::TooManyFragments {
                count,
                max: self.limits.max_fragments,
            });
        }
        let max = self.limits.max_container;
        if frag.data.len() > max {
            return Err(Error::FragmentSetTooLarge { max });
        }
        let key = Key {
            id: frag.id,
            crc: frag.crc,
            sender,
        };
        if !self.sets.contains_key(&key) {
            if frag.last == 0 {
                // A set of one: complete at once.
                return Ok(Some(Joined {
                    body: frag.data,
                    zlib,
                }));
            }
            while self.sets.len() >= self.limits.max_open_sets.max(1) {
                self.drop_oldest();
            }
            self.sets.insert(
                key,
                Set {
                    last: frag.last,
                    pieces: Vec::new(),
                    bytes: 0,
                    started: now,
                },
            );
        }
        let Some(set) = self.sets.get_mut(&key) else {
            return Ok(None);
        };
        if set.last != frag.last {
            return Err(Error::FragmentLastChanged {
                before: set.last,
                now: frag.last,
            });
        }
        if set.pieces.iter().any(|(c, _)| *c == frag.current) {
            return Ok(None);
        }
        if set.bytes + frag.data.len() > max {
            let set_bytes = set.bytes;
            self.sets.remove(&key);
            self.bytes -= set_bytes;
            self.expired += 1;
            return Err(Error::FragmentSetTooLarge { max });
        }
        set.bytes += frag.data.len();
        self.bytes += frag.data.len();
        set.pieces.push((frag.current, frag.data));
        if set.pieces.len() as u64 == u64::from(set.last) + 1 {
            let Some(mut set) = self.sets.remove(&key) else {
                return Ok(None);
            };
            self.bytes -= set.bytes;
            set.pieces.sort_unstable_by_key(|(c, _)| *c);
            let mut body = BytesMut::with_capacity(set.bytes);
            for (_, d) in &set.pieces {
                body.extend_from_slice(d);
            }
            return Ok(Some(Joined {
                body: body.freeze(),
                zlib,
            }));
        }
        while self.bytes > self.limits.max_reassembly_bytes && !self.sets.is_empty() {
            self.drop_oldest();
        }
        Ok(None)
    }

    fn drop_oldest(&mut self) {
        let oldest = self
            .sets
            .iter()
            .min_by_key(|(_, s)| s.started)
            .map(|(k, _)| *k);
        if let Some(k) = oldest {
            if let Some(s) = self.sets.remove(&k) {
                self.bytes -= s.bytes;
                self.expired += 1;
            }
        }
    }

    /// Drops the sets older than [`Limits::fragment_timeout`] at `now`.
    pub fn expire(&mut self, now: Instant) {
        let timeout = self.limits.fragment_timeout;
        let before = self.sets.len();
        let mut freed = 0;
        self.sets.retain(|_, s| {
            let keep = now.saturating_duration_since(s.started) < timeout;
            if !keep {
                freed += s.bytes;
            }
            keep
        });
        self.bytes -= freed;
        self.expired += (before - self.sets.len()) as u64;
    }

    /// The number of incomplete sets held.
    pub fn open_sets(&self) -> usize {
        self.sets.len()
    }

    /// The fragment bytes held over all incomplete sets.
    pub fn buffered_bytes(&self) -> usize {
        self.bytes
    }

    /// How many incomplete sets were dropped (timed out, evicted or oversized) so far.
    pub fn expired(&self) -> u64 {
        self.expired
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn frag(id: u32, current: u32, last: u32, data: &'static [u8]) -> Fragment {
        Fragment {
            id,
            current,
            last,
            data: Bytes::from_static(data),
            crc: Some(1),
        }
    }

    #[test]
    fn joins_in_index_order_and_ignores_duplicates() {
        let mut r = Reassembler::new(Limits::default());
        let t = Instant::now();
        assert_eq!(r.push(frag(1, 2, 2, b"c"), false, None, t).unwrap(), None);
        assert_eq!(r.push(frag(1, 0, 2, b"a"), false, None, t).unwrap(), None);
        assert_eq!(r.push(frag(1, 0, 2, b"x"), false, None, t).unwrap(), None);
        assert_eq!(r.buffered_bytes(), 2);
        let j = r.push(frag(1, 1, 2, b"b"), true, None, t).unwrap().unwrap();
        assert_eq!((&j.body[..], j.zlib), (&b"abc"[..], true));
        assert_eq!((r.open_sets(), r.buffered_bytes()), (0, 0));
    }

    #[test]
    fn senders_do_not_mix() {
        let mut r = Reassembler::new(Limits::default());
        let t = Instant::now();
        let a: SocketAddr = "127.0.0.1:1".parse().unwrap();
        let b: SocketAddr = "127.0.0.1:2".parse().unwrap();
        assert!(r
            .push(frag(1, 0, 1, b"a"), false, Some(a), t)
            .unwrap()
            .is_none());
        assert!(r
            .push(frag(1, 1, 1, b"b"), false, Some(b), t)
            .unwrap()
            .is_none());
        assert_eq!(r.open_sets(), 2);
    }

    #[test]
    fn hostile_fragments() {
        let limits = Limits {
            max_open_sets: 4,
            max_fragments: 16,
            max_container: 8,
            ..Limits::default()
        };
        let mut r = Reassembler::new(limits);
        let t = Instant::now();
        assert!(matches!(
            r.push(frag(1, 3, 2, b"a"), false, None, t),
            Err(Error::FragmentPastLast {
                current: 3,
                last: 2
            })
        ));
        assert!(matches!(
            r.push(frag(1, 0, 16, b"a"), false, None, t),
            Err(Error::TooManyFragments { count: 17, max: 16 })
        ));
        r.push(frag(2, 0, 2, b"a"), false, None, t).unwrap();
        assert!(matches!(
            r.push(frag(2, 1, 3, b"a"), false, None, t),
            Err(Error::FragmentLastChanged { before: 2, now: 3 })
        ));
        assert!(matches!(
            r.push(frag(2, 1, 2, b"123456789"), false, None, t),
            Err(Error::FragmentSetTooLarge { max: 8 })
        ));
        r.push(frag(2, 1, 2, b"12345678"), false, None, t)
            .unwrap_err();
        assert_eq!((r.open_sets(), r.buffered_bytes()), (0, 0));
        // Endless ids: the open sets stay bounded, the oldest go first.
        for id in 0..1000 {
            r.push(
                frag(id, 0, 1, b"z"),
                false,
                None,
                t + Duration::from_millis(u64::from(id)),
            )
            .unwrap();
        }
        assert_eq!(r.open_sets(), 4);
        assert_eq!(r.buffered_bytes(), 4);
        assert!(r.expired() >= 996);
        r.expire(t + Duration::from_secs(60));
        assert_eq!((r.open_sets(), r.buffered_bytes()), (0, 0));
    }

    #[test]
    fn total_bytes_bounded() {
        let limits = Limits {
            max_reassembly_bytes: 10,
            ..Limits::default()
        };
        let mut r = Reassembler::new(limits);
        let t = Instant::now();
        for id in 0..10 {
            r.push(frag(id, 0, 1, b"abcd"), false, None, t).unwrap();
            assert!(r.buffered_bytes() <= 10);
        }
    }
}
