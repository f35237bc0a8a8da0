//! Channel ingest tasks (architecture step 1): one per channel, turning a source into
//! observations for the [`Dispatcher`].
//!
//! Implemented source: the built-in [`generator`](crate::generator). Each tick (10 ms) emits
//! the items due since the start at the configured rate, stamped with their scheduled times,
//! and dispatches them; after a stall it skips ahead instead of bursting (at most one second
//! of items per tick). UDP, NMSG-file and pcap sources are configured but not implemented
//! yet: such channels are listed and can be watched, but carry no data.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::config::Source;
use crate::context::ServerContext;
use crate::dispatch::Dispatcher;
use crate::generator::{Generator, Item, Kind};
use crate::observation::{MatchKeys, Observation};
use crate::session::conn::unix_now;

/// Starts the ingest task of every configured channel whose source is implemented; returns
/// their handles.
pub fn spawn_all(ctx: &Arc<ServerContext>) -> Vec<tokio::task::JoinHandle<()>> {
    let mut tasks = Vec::new();
    for c in &ctx.config.channels {
        let c = c.get_ref();
        match &c.source {
            Source::Generator {
                generator,
                rate,
                seed,
            } => tasks.push(tokio::spawn(run_generator(
                ctx.clone(),
                c.number,
                *generator,
                *rate,
                *seed,
            ))),
            other => tracing::warn!(
                channel = c.number,
                "source {other:?} is not implemented yet; the channel carries no data"
            ),
        }
    }
    tasks
}

/// Feeds channel `channel` from a generator until the task is aborted.
pub async fn run_generator(ctx: Arc<ServerContext>, channel: u16, kind: Kind, rate: u32, seed: u64) {
    let start_sec = unix_now() as u32;
    let mut gen = Generator::new(kind, rate, seed, start_sec);
    let mut disp = Dispatcher::new(&ctx.index);
    let mut keys = MatchKeys::default();
    let start = Instant::now();
    let interval = gen.interval_ns().max(1);
    let mut emitted: u64 = 0;
    let mut tick = tokio::time::interval(Duration::from_millis(10));
    loop {
        tick.tick().await;
        let due = start.elapsed().as_nanos() as u64 / interval + 1;
        let burst_cap = u64::from(rate.max(1));
        if due > emitted + burst_cap {
            // Stalled: skip ahead rather than flood.
            for _ in 0..(due - emitted - burst_cap).min(1_000_000) {
                gen.next_into(&mut keys);
            }
            emitted = due - burst_cap;
        }
        let now_sec = unix_now() as u32;
        while emitted < due {
            let item = gen.next_into(&mut keys);
            emitted += 1;
            let body = item.hit_body();
            let obs = Observation {
                channel,
                meta: item.meta(),
                keys: &keys,
                undecodable: matches!(item, Item::Nmsg(ref p) if p.payload.is_none()),
                body: &body,
            };
            disp.dispatch(&obs, now_sec);
        }
    }
}
