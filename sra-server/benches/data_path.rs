//! The server data path in one process: generator payloads (with keys) → match → outboxes.
//!
//! 100 sessions with 1,000 watches each (IPv4 prefixes of five lengths, IPv6 prefixes, exact
//! and wildcard DNS names; every tenth session also watches `*.google.com`), all four
//! generator kinds mixed. Reported per payload, against a baseline measured in the same run
//! (iterating the observations and touching every key). Also: the fixed-window limiter
//! against `governor`, the cost of publishing one watch change at 100,000 watches, and the
//! size of an idle session.
//!
//! Run: `cargo bench -p sra-server --bench data_path`

mod common;

use std::hint::black_box;
use std::num::NonZeroU32;
use std::sync::Arc;

use bytes::Bytes;
use common::{build_index, SESSIONS, WATCHES};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sra_server::generator::{Generator, Kind};
use sra_server::index::name;
use sra_server::limiter::RateLimiter;
use sra_server::{
    Dispatcher, HitMeta, MatchKeys, Observation, SessionId, Subscriber, Tag, WatchPattern,
};

const OBSERVATIONS: usize = 20_000;

struct Obs {
    channel: u16,
    meta: HitMeta,
    keys: MatchKeys,
    body: Bytes,
}

fn observations() -> Vec<Obs> {
    let kinds = [Kind::Dnsdedupe, Kind::Newdomain, Kind::Dnsqr, Kind::Darknet];
    let mut gens: Vec<Generator> = kinds
        .iter()
        .map(|k| Generator::new(*k, 100_000, 1, 1_700_000_000))
        .collect();
    (0..OBSERVATIONS)
        .map(|i| {
            let g = &mut gens[i % 4];
            let mut keys = MatchKeys::default();
            let item = g.next_into(&mut keys);
            Obs {
                channel: g.kind().default_channel(),
                meta: item.meta(),
                keys,
                body: item.hit_body(),
            }
        })
        .collect()
}

fn drain(subs: &[Arc<Subscriber>], c: &mut Vec<Bytes>, d: &mut Vec<sra_server::Hit>) {
    for s in subs {
        s.outbox.try_batch(c, d, usize::MAX);
        s.counters.add_sent(d.len() as u64);
        c.clear();
        d.clear();
    }
}

fn bench_data_path(cr: &mut Criterion) {
    let obs = observations();
    let (idx, subs) = build_index(&[14, 202, 204, 213]);
    let mut disp = Dispatcher::new(&idx);
    let (mut c, mut d) = (Vec::new(), Vec::new());

    // Hits per pass, measured once outside the timings.
    let mut hits = 0u64;
    for o in &obs {
        let ob = Observation {
            channel: o.channel,
            meta: o.meta,
            keys: &o.keys,
            undecodable: false,
        };
        hits += u64::from(disp.dispatch(&ob, 0, || o.body.clone()).queued);
    }
    drain(&subs, &mut c, &mut d);
    let keys: usize = obs
        .iter()
        .map(|o| o.keys.ips().count() + o.keys.names().count())
        .sum();
    eprintln!(
        "setup: {SESSIONS} sessions x {WATCHES} watches; {OBSERVATIONS} observations, {:.2} keys \
         and {:.4} hits per observation; sizeof Subscriber = {} B, SessionCore = {} B, Hit = {} B",
        keys as f64 / OBSERVATIONS as f64,
        hits as f64 / OBSERVATIONS as f64,
        std::mem::size_of::<Subscriber>(),
        std::mem::size_of::<sra_server::session::SessionCore>(),
        std::mem::size_of::<sra_server::Hit>(),
    );

    // CPU time of this thread (from /proc/thread-self/schedstat): on a shared, loaded machine
    // this is a fairer per-payload cost than wall time. Linux only; 0 elsewhere.
    let cpu_ns = || -> u64 {
        std::fs::read_to_string("/proc/thread-self/schedstat")
            .ok()
            .and_then(|s| s.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    };
    // Baseline and dispatch alternate, one pass each per round, so that both see the same
    // machine load; each one's CPU time is summed over the rounds (the thread CPU clock ticks
    // in steps of a few ms, so single passes are too short to time alone).
    let rounds = 20;
    let (mut total_base, mut total_disp) = (0, 0);
    for _ in 0..rounds {
        let t0 = cpu_ns();
        // The baseline is so cheap that one pass is below the clock's resolution: 20 passes.
        for _ in 0..20 {
            let mut n = 0usize;
            for o in black_box(&obs) {
                for k in o.keys.ips().chain(o.keys.names()) {
                    n = n.wrapping_add(usize::from(k.bytes[0]) + k.bytes.len());
                }
                n = n.wrapping_add(o.body.len() + usize::from(o.channel));
            }
            black_box(n);
        }
        let t1 = cpu_ns();
        for (i, o) in obs.iter().enumerate() {
            let ob = Observation {
                channel: o.channel,
                meta: o.meta,
                keys: &o.keys,
                undecodable: false,
            };
            black_box(disp.dispatch(&ob, 0, || o.body.clone()));
            if i % 1024 == 1023 {
                drain(&subs, &mut c, &mut d);
            }
        }
        drain(&subs, &mut c, &mut d);
        let t2 = cpu_ns();
        total_base += t1 - t0;
        total_disp += t2 - t1;
    }
    let per = |ns: u64| ns as f64 / (rounds * OBSERVATIONS) as f64;
    let (base, disp_ns) = (per(total_base) / 20.0, per(total_disp));
    let hits_per_obs = hits as f64 / OBSERVATIONS as f64;
    eprintln!(
        "thread CPU time per observation ({rounds} rounds): baseline {base:.1} ns, \
         match+fanout {disp_ns:.1} ns ({:.1}x baseline) = {:.2} M payloads/s and {:.2} M \
         hits/s per core, {:.0} ns CPU per hit",
        disp_ns / base,
        1e3 / disp_ns,
        1e3 / disp_ns * hits_per_obs,
        disp_ns / hits_per_obs,
    );

    let per_thread: Vec<f64> = std::thread::scope(|sc| {
        let handles: Vec<_> = (0..2)
            .map(|t| {
                let (idx, subs, obs) = (&idx, &subs, &obs);
                sc.spawn(move || {
                    let mut disp = Dispatcher::new(idx);
                    let (mut c, mut d) = (Vec::new(), Vec::new());
                    let n = (rounds * obs.len().div_ceil(2)) as f64;
                    let t0 = cpu_ns();
                    for _ in 0..rounds {
                        for (i, o) in obs.iter().enumerate().skip(t).step_by(2) {
                            let ob = Observation {
                                channel: o.channel,
                                meta: o.meta,
                                keys: &o.keys,
                                undecodable: false,
                            };
                            black_box(disp.dispatch(&ob, 0, || o.body.clone()));
                            if i % 2048 == t * 1024 {
                                drain(subs, &mut c, &mut d);
                            }
                        }
                    }
                    (cpu_ns() - t0) as f64 / n
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    drain(&subs, &mut c, &mut d);
    eprintln!(
        "two dispatch threads: {:.1} / {:.1} ns CPU per observation = {:.2} M payloads/s and \
         {:.2} M hits/s on two cores",
        per_thread[0],
        per_thread[1],
        1e3 / per_thread[0] + 1e3 / per_thread[1],
        (1e3 / per_thread[0] + 1e3 / per_thread[1]) * hits_per_obs,
    );

    let mut g = cr.benchmark_group("data_path");
    g.throughput(Throughput::Elements(OBSERVATIONS as u64));
    g.sample_size(20);
    g.bench_function("baseline_iterate_observations", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for o in &obs {
                for k in o.keys.ips().chain(o.keys.names()) {
                    n = n.wrapping_add(usize::from(k.bytes[0]) + k.bytes.len());
                }
                n = n.wrapping_add(o.body.len() + usize::from(o.channel));
            }
            black_box(n)
        })
    });
    g.bench_function("match_and_fanout_100x1000", |b| {
        b.iter(|| {
            let mut q = 0u32;
            for (i, o) in obs.iter().enumerate() {
                let ob = Observation {
                    channel: o.channel,
                    meta: o.meta,
                    keys: &o.keys,
                    undecodable: false,
                };
                q += disp.dispatch(&ob, 0, || o.body.clone()).queued;
                if i % 1024 == 1023 {
                    drain(&subs, &mut c, &mut d);
                }
            }
            drain(&subs, &mut c, &mut d);
            black_box(q)
        })
    });
    g.finish();

    let mut g = cr.benchmark_group("limiter");
    g.throughput(Throughput::Elements(1000));
    let w = RateLimiter::new(1_000_000_000);
    g.bench_function("fixed_window_1000_admits", |b| {
        b.iter(|| (0..1000).filter(|_| w.admit(black_box(5))).count())
    });
    let gov = governor::RateLimiter::direct(governor::Quota::per_second(
        NonZeroU32::new(1_000_000_000).unwrap(),
    ));
    g.bench_function("governor_1000_checks", |b| {
        b.iter(|| (0..1000).filter(|_| gov.check().is_ok()).count())
    });
    g.finish();

    let mut g = cr.benchmark_group("index_update");
    g.sample_size(10);
    let pat = WatchPattern::dns(&name::from_text("bench-change.example").unwrap(), false).unwrap();
    let ip = WatchPattern::ip("203.0.113.0".parse().unwrap(), 24).unwrap();
    for (label, p) in [
        ("publish_dns_change_100k", pat),
        ("publish_ipv4_change_100k", ip),
    ] {
        g.bench_function(label, |b| {
            b.iter(|| {
                idx.update(|m| m.add_watch(SessionId(0), Tag(60_000), p.clone()))
                    .unwrap();
                idx.update(|m| m.remove_watch(SessionId(0), Tag(60_000)))
                    .unwrap();
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench_data_path);
criterion_main!(benches);
