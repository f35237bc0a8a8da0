//! The mutable master copy of all watches, its publication as [`Snapshot`]s, and the cached
//! per-task reader of the hot path.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use ipnet::IpNet;

use super::ip_table::IpTable;
use super::name_table::{self, NameIndex, NameShard};
use super::pattern::{Part, WatchPattern};
use super::snapshot::{ChannelLists, Snapshot};
use super::v4_table::{self, V4Table};
use super::v6_table::{self, V6Index};
use super::{Entry, SessionId, Tag};

/// A refused index change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IndexError {
    /// The session is not (or no longer) registered.
    #[error("unknown session")]
    UnknownSession,
    /// Spec §15 item 3, our choice: a WATCH reusing a tag of the session is refused (SRA tags
    /// are unique per session; the old watch stays).
    #[error("tag {0} is already in use")]
    DuplicateTag(u16),
    /// Tag 0 is not a watch tag.
    #[error("tag 0 is not a valid watch tag")]
    ZeroTag,
    /// STOP for a tag that has no watch.
    #[error("no watch with tag {0}")]
    NoSuchTag(u16),
    /// The session already has its maximum number of watches.
    #[error("too many watches (at most {0})")]
    TooMany(usize),
}

#[derive(Debug)]
struct SessionWatches<S> {
    handle: S,
    watches: BTreeMap<Tag, WatchPattern>,
}

/// The sharded parts' contents, kept sorted so that a dirty shard is rebuilt from its own
/// items only (a change costs O(shard), not O(all watches)).
/// An IPv4 shard item: masked address, prefix length, entry.
type V4Item = (u32, u8, Entry);
/// An IPv6 shard item: masked address, prefix length, entry.
type V6Item = (u128, u8, Entry);
/// A name shard item: lower-case wire name, wildcard flag, entry.
type NameItem = (Box<[u8]>, bool, Entry);

#[derive(Debug)]
struct ShardStores {
    v4: Vec<BTreeSet<V4Item>>,
    /// `v6_table::SHARDS` shards, then the short prefixes.
    v6: Vec<BTreeSet<V6Item>>,
    names: Vec<BTreeSet<NameItem>>,
    dirty_v4: u64,
    dirty_v6: u128,
    dirty_names: u64,
}

impl ShardStores {
    fn new() -> Self {
        ShardStores {
            v4: vec![BTreeSet::new(); v4_table::SHARDS],
            v6: vec![BTreeSet::new(); v6_table::SHARDS + 1],
            names: vec![BTreeSet::new(); name_table::SHARDS],
            dirty_v4: 0,
            dirty_v6: 0,
            dirty_names: 0,
        }
    }

    fn apply(&mut self, e: Entry, p: &WatchPattern, insert: bool) {
        match p {
            WatchPattern::Ip(IpNet::V4(n)) => {
                let (key, len) = (u32::from(n.addr()), n.prefix_len());
                for s in v4_table::shards_of(key, len) {
                    if insert {
                        self.v4[s].insert((key, len, e));
                    } else {
                        self.v4[s].remove(&(key, len, e));
                    }
                    self.dirty_v4 |= 1 << s;
                }
            }
            WatchPattern::Ip(IpNet::V6(n)) => {
                let (key, len) = (u128::from(n.addr()), n.prefix_len());
                let s = v6_table::slot_of(key, len);
                if insert {
                    self.v6[s].insert((key, len, e));
                } else {
                    self.v6[s].remove(&(key, len, e));
                }
                self.dirty_v6 |= 1 << s;
            }
            WatchPattern::Dns { name, wild } => {
                let s = name_table::shard_of(name);
                let item = (name.clone(), *wild, e);
                if insert {
                    self.names[s].insert(item);
                } else {
                    self.names[s].remove(&item);
                }
                self.dirty_names |= 1 << s;
            }
            _ => {}
        }
    }
}

/// The mutable master copy: every session's watches, by session and tag.
///
/// Change it only through [`SharedIndex::update`], which publishes the result.
#[derive(Debug)]
pub struct Master<S> {
    slots: Vec<Option<SessionWatches<S>>>,
    free: Vec<u32>,
    stores: ShardStores,
    dirty: u8,
    sessions_dirty: bool,
    max_watches: usize,
}

impl<S: Clone> Master<S> {
    fn new(max_watches: usize) -> Self {
        Master {
            slots: Vec::new(),
            free: Vec::new(),
            stores: ShardStores::new(),
            dirty: 0,
            sessions_dirty: false,
            max_watches,
        }
    }

    fn slot_mut(&mut self, id: SessionId) -> Result<&mut SessionWatches<S>, IndexError> {
        self.slots
            .get_mut(id.0 as usize)
            .and_then(Option::as_mut)
            .ok_or(IndexError::UnknownSession)
    }

    fn slot(&self, id: SessionId) -> Option<&SessionWatches<S>> {
        self.slots.get(id.0 as usize).and_then(Option::as_ref)
    }

    /// Registers a session with its handle (what the dispatcher delivers to) and returns its
    /// id. Ids of ended sessions are reused.
    pub fn add_session(&mut self, handle: S) -> SessionId {
        let sw = SessionWatches {
            handle,
            watches: BTreeMap::new(),
        };
        self.sessions_dirty = true;
        if let Some(i) = self.free.pop() {
            self.slots[i as usize] = Some(sw);
            SessionId(i)
        } else {
            self.slots.push(Some(sw));
            SessionId(self.slots.len() as u32 - 1)
        }
    }

    /// Removes a session and all its watches. Returns false when it did not exist.
    pub fn remove_session(&mut self, id: SessionId) -> bool {
        let Some(sw) = self.slots.get_mut(id.0 as usize).and_then(Option::take) else {
            return false;
        };
        for (t, p) in &sw.watches {
            self.dirty |= p.part() as u8;
            self.stores.apply(
                Entry {
                    session: id,
                    tag: *t,
                },
                p,
                false,
            );
        }
        self.free.push(id.0);
        self.sessions_dirty = true;
        true
    }

    /// Adds a watch (spec §15 item 3: a duplicate tag is refused, see [`IndexError`]).
    pub fn add_watch(
        &mut self,
        id: SessionId,
        tag: Tag,
        pattern: WatchPattern,
    ) -> Result<(), IndexError> {
        if tag.0 == 0 {
            return Err(IndexError::ZeroTag);
        }
        let max = self.max_watches;
        let sw = self.slot_mut(id)?;
        if sw.watches.contains_key(&tag) {
            return Err(IndexError::DuplicateTag(tag.0));
        }
        if sw.watches.len() >= max {
            return Err(IndexError::TooMany(max));
        }
        sw.watches.insert(tag, pattern.clone());
        self.dirty |= pattern.part() as u8;
        self.stores
            .apply(Entry { session: id, tag }, &pattern, true);
        Ok(())
    }

    /// Removes the watch with `tag` (STOP) and returns it.
    pub fn remove_watch(&mut self, id: SessionId, tag: Tag) -> Result<WatchPattern, IndexError> {
        let p = self
            .slot_mut(id)?
            .watches
            .remove(&tag)
            .ok_or(IndexError::NoSuchTag(tag.0))?;
        self.dirty |= p.part() as u8;
        self.stores.apply(Entry { session: id, tag }, &p, false);
        Ok(p)
    }

    /// Removes every watch of the session (ALL_STOP) and returns how many there were.
    pub fn remove_all(&mut self, id: SessionId) -> Result<usize, IndexError> {
        let watches = std::mem::take(&mut self.slot_mut(id)?.watches);
        for (t, p) in &watches {
            self.dirty |= p.part() as u8;
            self.stores.apply(
                Entry {
                    session: id,
                    tag: *t,
                },
                p,
                false,
            );
        }
        Ok(watches.len())
    }

    /// The session's watches in tag order (WGET with tag 0).
    pub fn watches(&self, id: SessionId) -> impl Iterator<Item = (Tag, &WatchPattern)> {
        self.slot(id)
            .into_iter()
            .flat_map(|s| s.watches.iter().map(|(t, p)| (*t, p)))
    }

    /// The watch with the smallest tag ≥ `tag` (WGET with a tag, spec §3.3).
    pub fn watch_at_or_after(&self, id: SessionId, tag: Tag) -> Option<(Tag, &WatchPattern)> {
        self.slot(id)?
            .watches
            .range(tag..)
            .next()
            .map(|(t, p)| (*t, p))
    }

    /// The session's watches by kind: IPv4, IPv6, DNS, channel, errors (STATS counts).
    pub fn watch_kinds(&self, id: SessionId) -> [u32; 5] {
        let mut k = [0u32; 5];
        for (_, p) in self.watches(id) {
            let i = match p {
                WatchPattern::Ip(IpNet::V4(_)) => 0,
                WatchPattern::Ip(IpNet::V6(_)) => 1,
                WatchPattern::Dns { .. } => 2,
                WatchPattern::Channel(_) => 3,
                WatchPattern::Errors => 4,
            };
            k[i] += 1;
        }
        k
    }

    /// The number of watches of the session.
    pub fn watch_count(&self, id: SessionId) -> usize {
        self.slot(id).map_or(0, |s| s.watches.len())
    }

    fn all(&self) -> impl Iterator<Item = (Entry, &WatchPattern)> {
        self.slots.iter().enumerate().flat_map(|(i, s)| {
            s.iter().flat_map(move |sw| {
                sw.watches.iter().map(move |(t, p)| {
                    (
                        Entry {
                            session: SessionId(i as u32),
                            tag: *t,
                        },
                        p,
                    )
                })
            })
        })
    }

    fn needs_publish(&self) -> bool {
        self.dirty != 0 || self.sessions_dirty
    }

    /// The number of watches in the whole index.
    pub fn total_watches(&self) -> usize {
        self.slots.iter().flatten().map(|s| s.watches.len()).sum()
    }

    /// Builds the next snapshot, rebuilding only dirty parts. Entries are produced in
    /// (session, tag) order, so every key's list is sorted that way.
    fn build(&mut self, prev: &Snapshot<S>, version: u64) -> Snapshot<S> {
        let d = self.dirty;
        let is = |p: Part| d & p as u8 != 0;
        let st = &mut self.stores;
        let mut v4 = prev.v4.clone();
        for (i, shard) in v4.iter_mut().enumerate() {
            if st.dirty_v4 & (1 << i) != 0 {
                *shard = Arc::new(V4Table::build(i, st.v4[i].iter().copied()));
            }
        }
        let v4_len = if st.dirty_v4 != 0 {
            v4.iter().map(|t| t.len()).sum()
        } else {
            prev.v4_len
        };
        let names = if st.dirty_names != 0 {
            let mut shards = prev.names.shards().to_vec();
            for (i, shard) in shards.iter_mut().enumerate() {
                if st.dirty_names & (1 << i) != 0 {
                    *shard = Arc::new(NameShard::build(
                        st.names[i].iter().map(|(n, w, e)| (&n[..], *w, *e)),
                    ));
                }
            }
            NameIndex::from_shards(shards)
        } else {
            prev.names.clone()
        };
        st.dirty_v4 = 0;
        st.dirty_names = 0;
        let v6 = if st.dirty_v6 != 0 {
            let mut tables = prev.v6.tables().to_vec();
            for (i, t) in tables.iter_mut().enumerate() {
                if st.dirty_v6 & (1 << i) != 0 {
                    *t = Arc::new(IpTable::build(st.v6[i].iter().copied()));
                }
            }
            V6Index::from_tables(tables)
        } else {
            prev.v6.clone()
        };
        st.dirty_v6 = 0;
        let channels = if is(Part::Channels) {
            Arc::new(ChannelLists::build(self.all().filter_map(
                |(e, p)| match p {
                    WatchPattern::Channel(c) => Some((*c, e)),
                    _ => None,
                },
            )))
        } else {
            prev.channels.clone()
        };
        let errors = if is(Part::Errors) {
            self.all()
                .filter(|(_, p)| matches!(p, WatchPattern::Errors))
                .map(|(e, _)| e)
                .collect()
        } else {
            prev.errors.clone()
        };
        let sessions = if self.sessions_dirty {
            self.slots
                .iter()
                .map(|s| s.as_ref().map(|s| s.handle.clone()))
                .collect()
        } else {
            prev.sessions.clone()
        };
        self.dirty = 0;
        self.sessions_dirty = false;
        Snapshot {
            v4,
            v4_len,
            v6,
            names,
            channels,
            errors,
            sessions,
            version,
        }
    }
}

/// The index shared by every session and ingest task.
#[derive(Debug)]
pub struct SharedIndex<S> {
    master: Mutex<Master<S>>,
    current: RwLock<Arc<Snapshot<S>>>,
    version: AtomicU64,
}

impl<S: Clone + Send + Sync> SharedIndex<S> {
    /// An empty index allowing at most `max_watches` watches per session.
    pub fn new(max_watches: usize) -> Arc<Self> {
        Arc::new(SharedIndex {
            master: Mutex::new(Master::new(max_watches)),
            current: RwLock::new(Arc::new(Snapshot::default())),
            version: AtomicU64::new(0),
        })
    }

    /// Runs `f` on the master copy, then publishes a new snapshot if anything changed. Batch
    /// several changes in one call to publish once (e.g. every request of one read).
    pub fn update<R>(&self, f: impl FnOnce(&mut Master<S>) -> R) -> R {
        let mut m = self.master.lock().unwrap_or_else(|e| e.into_inner());
        let r = f(&mut m);
        if m.needs_publish() {
            let prev = self.snapshot();
            let next = Arc::new(m.build(&prev, prev.version + 1));
            let v = next.version;
            *self.current.write().unwrap_or_else(|e| e.into_inner()) = next;
            self.version.store(v, Ordering::Release);
        }
        r
    }

    /// Reads the master copy (for WGET) without publishing.
    pub fn inspect<R>(&self, f: impl FnOnce(&Master<S>) -> R) -> R {
        f(&self.master.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// The current snapshot.
    pub fn snapshot(&self) -> Arc<Snapshot<S>> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// A cached reader for one ingest task.
    pub fn reader(self: &Arc<Self>) -> IndexReader<S> {
        let cached = self.snapshot();
        IndexReader {
            version: cached.version,
            cached,
            shared: self.clone(),
        }
    }
}

/// One task's view of a [`SharedIndex`]: a cached snapshot refreshed when the published
/// version changes. [`IndexReader::current`] costs one atomic load when nothing changed.
#[derive(Debug)]
pub struct IndexReader<S> {
    shared: Arc<SharedIndex<S>>,
    cached: Arc<Snapshot<S>>,
    version: u64,
}

impl<S: Clone + Send + Sync> IndexReader<S> {
    /// The newest published snapshot.
    #[inline]
    pub fn current(&mut self) -> &Snapshot<S> {
        let v = self.shared.version.load(Ordering::Acquire);
        if v != self.version {
            self.cached = self.shared.snapshot();
            self.version = v;
        }
        &self.cached
    }

    /// The newest published snapshot as a shared handle.
    pub fn current_arc(&mut self) -> Arc<Snapshot<S>> {
        self.current();
        self.cached.clone()
    }
}

/// Convenience for tests and benchmarks: an IP watch from text (`10.0.0.0/8`, `192.0.2.1`).
pub fn ip_watch(text: &str) -> Option<WatchPattern> {
    if let Ok(n) = text.parse::<IpNet>() {
        return WatchPattern::ip(n.addr(), n.prefix_len()).ok();
    }
    let a: IpAddr = text.parse().ok()?;
    WatchPattern::ip(a, if a.is_ipv4() { 32 } else { 128 }).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::name;

    fn dns(t: &str, wild: bool) -> WatchPattern {
        WatchPattern::dns(&name::from_text(t).unwrap(), wild).unwrap()
    }

    fn names(s: &Snapshot<&'static str>, q: &str) -> Vec<(u32, u16)> {
        let mut v = Vec::new();
        s.match_name(&name::from_text(q).unwrap(), |e| {
            v.push((e.session.0, e.tag.0))
        });
        v
    }

    #[test]
    fn watch_lifecycle_and_publication() {
        let idx = SharedIndex::new(10);
        let mut reader = idx.reader();
        assert_eq!(reader.current().version(), 0);
        let (a, b) = idx.update(|m| (m.add_session("a"), m.add_session("b")));
        assert_eq!(reader.current().version(), 1);
        assert_eq!(reader.current().session(b), Some(&"b"));
        idx.update(|m| {
            m.add_watch(a, Tag(2), dns("google.com", true)).unwrap();
            m.add_watch(a, Tag(1), dns("www.google.com", false))
                .unwrap();
            m.add_watch(b, Tag(9), ip_watch("10.1.2.3/8").unwrap())
                .unwrap();
            m.add_watch(b, Tag(3), WatchPattern::Channel(221)).unwrap();
            m.add_watch(b, Tag(4), WatchPattern::Errors).unwrap();
        });
        let s = reader.current();
        assert_eq!(names(s, "www.GOOGLE.com"), [(0, 1), (0, 2)]);
        let mut ips = Vec::new();
        s.match_ip_bytes(&[10, 200, 0, 1], |e| ips.push(e.tag.0));
        assert_eq!(ips, [9]);
        assert_eq!(s.channel_watches(221).len(), 1);
        assert!(s.channel_watches(222).is_empty());
        assert_eq!(s.error_watches().len(), 1);

        // Duplicate tag, zero tag, limit.
        idx.update(|m| {
            assert_eq!(
                m.add_watch(a, Tag(2), WatchPattern::Errors),
                Err(IndexError::DuplicateTag(2))
            );
            assert_eq!(
                m.add_watch(a, Tag(0), WatchPattern::Errors),
                Err(IndexError::ZeroTag)
            );
        });
        // STOP, WGET helpers.
        idx.update(|m| {
            assert_eq!(m.remove_watch(a, Tag(1)), Ok(dns("www.google.com", false)));
            assert_eq!(m.remove_watch(a, Tag(1)), Err(IndexError::NoSuchTag(1)));
            assert_eq!(m.watch_at_or_after(b, Tag(5)).map(|w| w.0), Some(Tag(9)));
            assert_eq!(m.watch_at_or_after(b, Tag(10)), None);
        });
        assert_eq!(names(reader.current(), "www.google.com"), [(0, 2)]);

        // Ending a session removes its watches and frees its id for reuse.
        idx.update(|m| assert!(m.remove_session(b)));
        let s = reader.current();
        assert!(s.channel_watches(221).is_empty());
        assert!(s.error_watches().is_empty());
        assert_eq!(s.session(b), None);
        let c = idx.update(|m| m.add_session("c"));
        assert_eq!(c, b);
        assert_eq!(idx.inspect(|m| m.watch_count(c)), 0);
    }

    #[test]
    fn unchanged_parts_are_shared() {
        let idx = SharedIndex::new(10);
        let a = idx.update(|m| m.add_session(()));
        idx.update(|m| m.add_watch(a, Tag(1), ip_watch("10.0.0.0/8").unwrap()))
            .unwrap();
        let s1 = idx.snapshot();
        idx.update(|m| m.add_watch(a, Tag(2), dns("fsi.io", false)))
            .unwrap();
        let s2 = idx.snapshot();
        // The IPv4 shards are shared; of the name shards only the changed one is new.
        assert!(s1.v4.iter().zip(&s2.v4).all(|(a, b)| Arc::ptr_eq(a, b)));
        let changed = s1
            .names
            .shards()
            .iter()
            .zip(s2.names.shards())
            .filter(|(a, b)| !Arc::ptr_eq(a, b))
            .count();
        assert_eq!(changed, 1);
        // An IPv6 change rebuilds one shard; a short IPv6 prefix only the short table.
        idx.update(|m| m.add_watch(a, Tag(3), ip_watch("2001:db8::/48").unwrap()))
            .unwrap();
        let s3 = idx.snapshot();
        idx.update(|m| m.add_watch(a, Tag(4), ip_watch("2001:db8:1::/48").unwrap()))
            .unwrap();
        idx.update(|m| m.add_watch(a, Tag(5), ip_watch("2000::/8").unwrap()))
            .unwrap();
        let s4 = idx.snapshot();
        let changed: Vec<usize> = (0..s3.v6.tables().len())
            .filter(|&i| !Arc::ptr_eq(&s3.v6.tables()[i], &s4.v6.tables()[i]))
            .collect();
        assert!(
            changed.len() <= 2 && changed.contains(&v6_table::SHARDS),
            "{changed:?}"
        );
        let mut hits = Vec::new();
        s4.match_ip("2001:db8:1::7".parse().unwrap(), |e| hits.push(e.tag.0));
        assert_eq!(hits, [4, 5]);
        // No change, no publication.
        idx.update(|_| ());
        assert_eq!(idx.snapshot().version(), s4.version());
    }

    #[test]
    fn watch_limit() {
        let idx = SharedIndex::new(2);
        let a = idx.update(|m| m.add_session(()));
        idx.update(|m| {
            m.add_watch(a, Tag(1), WatchPattern::Errors).unwrap();
            m.add_watch(a, Tag(2), WatchPattern::Channel(1)).unwrap();
            assert_eq!(
                m.add_watch(a, Tag(3), WatchPattern::Channel(2)),
                Err(IndexError::TooMany(2))
            );
            assert_eq!(m.remove_all(a), Ok(2));
        });
        assert!(idx.snapshot().channel_watches(1).is_empty());
    }

    /// Brute-force matching of one pattern, the reference for the randomized test.
    fn brute(p: &WatchPattern, ip: Option<IpAddr>, qname: Option<&[u8]>) -> bool {
        match (p, ip, qname) {
            (WatchPattern::Ip(n), Some(a), _) => n.contains(&a),
            (WatchPattern::Dns { name: w, wild }, _, Some(q)) => {
                let q = q.to_ascii_lowercase();
                if *wild {
                    name::suffixes(&q).any(|s| s == &w[..])
                } else {
                    q == w[..]
                }
            }
            _ => false,
        }
    }

    #[test]
    fn randomized_changes_agree_with_brute_force() {
        use crate::generator::{names, rng::Rng};
        let mut rng = Rng::new(11);
        let idx = SharedIndex::new(10_000);
        let ids: Vec<SessionId> = (0..5).map(|_| idx.update(|m| m.add_session(()))).collect();
        let mut live: Vec<(Entry, WatchPattern)> = Vec::new();
        let pick_ip = |rng: &mut Rng| -> IpAddr {
            if rng.chance(80) {
                // Concentrate IPv4 in a few /8s so that prefixes and queries meet.
                let a =
                    (rng.next_u64() as u32 & 0x00ff_ffff) | (*rng.pick(&[10u32, 77, 198]) << 24);
                IpAddr::V4(a.into())
            } else {
                let a = (u128::from(rng.next_u64() & 0xff) << 96) | (0x2001_0db8u128 << 96);
                IpAddr::V6(a.into())
            }
        };
        let pick_name = |rng: &mut Rng| names::domain_wire(rng);
        let mut matched = 0;
        for round in 0..40 {
            idx.update(|m| {
                for _ in 0..50 {
                    let e = Entry {
                        session: *rng.pick(&ids),
                        tag: Tag(1 + rng.below(3000) as u16),
                    };
                    let p = if rng.chance(50) {
                        let a = pick_ip(&mut rng);
                        let len = if a.is_ipv4() {
                            *rng.pick(&[32u8, 24, 16, 12, 8, 5, 1])
                        } else {
                            *rng.pick(&[128u8, 112, 104, 32, 16])
                        };
                        WatchPattern::ip(a, len).unwrap()
                    } else {
                        let n = pick_name(&mut rng);
                        let n = if rng.chance(50) {
                            name::suffixes(&n).nth(1).unwrap_or(&n).to_vec()
                        } else {
                            n
                        };
                        WatchPattern::dns(&n, rng.chance(60)).unwrap()
                    };
                    if m.add_watch(e.session, e.tag, p.clone()).is_ok() {
                        live.push((e, p));
                    }
                }
                for _ in 0..20 {
                    if live.is_empty() {
                        break;
                    }
                    let i = rng.below(live.len() as u64) as usize;
                    let (e, p) = live.swap_remove(i);
                    assert_eq!(m.remove_watch(e.session, e.tag), Ok(p));
                }
                if round == 20 {
                    let victim = ids[0];
                    m.remove_all(victim).unwrap();
                    live.retain(|(e, _)| e.session != victim);
                }
            });
            let snap = idx.snapshot();
            for _ in 0..200 {
                let (ip, q) = if rng.chance(50) {
                    (Some(pick_ip(&mut rng)), None)
                } else {
                    (None, Some(pick_name(&mut rng)))
                };
                let mut got = Vec::new();
                match (ip, &q) {
                    (Some(a), _) => snap.match_ip(a, |e| got.push(e)),
                    (_, Some(n)) => snap.match_name(n, |e| got.push(e)),
                    _ => {}
                }
                let mut want: Vec<Entry> = live
                    .iter()
                    .filter(|(_, p)| brute(p, ip, q.as_deref()))
                    .map(|(e, _)| *e)
                    .collect();
                got.sort();
                want.sort();
                matched += want.len();
                assert_eq!(
                    got,
                    want,
                    "round {round} ip {ip:?} name {:?}",
                    q.as_deref().map(name::display)
                );
            }
        }
        assert!(matched > 1000, "the test must exercise matches: {matched}");
    }
}
