//! The built-in traffic [`Generator`] as a channel source, paced at its configured rate
//! (items per second) on the wall clock.
//!
//! NMSG kinds go to ingest as payload batches, the darknet kind as packet batches. The
//! generator's own match keys are not used: ingest extracts keys from the payload bytes with
//! `nmsg::fields`, as for any other source.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use tokio::task::JoinHandle;

use super::pace::Pacer;
use super::{Packet, Sink, Unit, MAX_BATCH};
use crate::generator::{Generator, Item, Kind};
use crate::observation::MatchKeys;

/// Spawns a generator of `kind` at `rate` items per second (at least 1), seeded with `seed`.
pub fn spawn(kind: Kind, rate: u32, seed: u64, sink: Sink) -> JoinHandle<()> {
    tokio::spawn(run(kind, rate.max(1), seed, sink))
}

async fn run(kind: Kind, rate: u32, seed: u64, sink: Sink) {
    let start_sec = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as u32);
    let mut g = Generator::new(kind, rate, seed, start_sec);
    let mut keys = MatchKeys::default();
    let mut pacer = Pacer::new(Some(rate), Instant::now());
    loop {
        let now = Instant::now();
        let n = pacer.due(now, MAX_BATCH);
        if n == 0 {
            tokio::time::sleep(pacer.wait(now)).await;
            continue;
        }
        let unit = if kind == Kind::Darknet {
            let mut v = Vec::with_capacity(n);
            for _ in 0..n {
                if let Item::Ip {
                    packet,
                    tv_sec,
                    tv_usec,
                } = g.next_into(&mut keys)
                {
                    v.push(Packet {
                        orig_len: packet.len() as u32,
                        data: packet,
                        tv_sec,
                        tv_usec,
                    });
                }
            }
            Unit::Packets(v)
        } else {
            let mut v = Vec::with_capacity(n);
            for _ in 0..n {
                if let Item::Nmsg(p) = g.next_into(&mut keys) {
                    v.push(p);
                }
            }
            Unit::Payloads(v)
        };
        pacer.sent(n);
        if !sink.send(unit).await {
            return;
        }
    }
}
