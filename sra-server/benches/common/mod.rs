//! The index both data-path benches match against: 100 sessions with 1,000 watches each
//! (IPv4 prefixes of five lengths, IPv6 prefixes, exact and wildcard DNS names; every tenth
//! session also watches `*.google.com`), seeded so every run builds the same one.

use std::sync::Arc;

use sra_server::generator::names;
use sra_server::generator::rng::Rng;
use sra_server::index::name;
use sra_server::limiter::RLIMIT_OFF;
use sra_server::{ServerIndex, Subscriber, Tag, WatchPattern};

/// Sessions in the index.
pub const SESSIONS: usize = 100;
/// Watches per session.
pub const WATCHES: usize = 1000;

fn watch(rng: &mut Rng, session: usize, i: usize) -> WatchPattern {
    if session % 10 == 0 && i == 0 {
        return WatchPattern::dns(&name::from_text("google.com").unwrap(), true).unwrap();
    }
    match rng.below(100) {
        0..=39 => {
            let len = *rng.pick(&[32u8, 32, 32, 32, 28, 24, 24, 24, 20, 16]);
            WatchPattern::ip(names::ipv4(rng).into(), len).unwrap()
        }
        40..=49 => {
            let len = *rng.pick(&[128u8, 64, 56, 48, 32]);
            WatchPattern::ip(names::ipv6(rng).into(), len).unwrap()
        }
        _ => {
            // Mostly names nobody else watches, like real subscribers' brand lists.
            let text = format!(
                "{}{}.com",
                names::domain(rng).replace('.', "-"),
                rng.below(1000)
            );
            WatchPattern::dns(&name::from_text(&text).unwrap(), rng.chance(70)).unwrap()
        }
    }
}

/// The index, and its sessions with `channels` switched on.
pub fn build_index(channels: &[u16]) -> (Arc<ServerIndex>, Vec<Arc<Subscriber>>) {
    let idx = ServerIndex::new(WATCHES + 10);
    let mut rng = Rng::new(99);
    let mut subs = Vec::new();
    idx.update(|m| {
        for s in 0..SESSIONS {
            let sub = Arc::new(Subscriber::new(4096, RLIMIT_OFF));
            for ch in channels {
                sub.channels.set(*ch, true);
            }
            let id = m.add_session(sub.clone());
            for i in 0..WATCHES {
                // Random watches can collide (same prefix twice); the tag keeps them apart.
                m.add_watch(id, Tag(i as u16 + 1), watch(&mut rng, s, i))
                    .unwrap();
            }
            subs.push(sub);
        }
    });
    (idx, subs)
}
