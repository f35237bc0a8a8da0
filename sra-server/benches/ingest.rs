//! The ingest hot path per payload: container decode → key extraction (`nmsg::fields`) →
//! match → fan-out, as the UDP source and ingest task run it.
//!
//! Input: 20,000 generator payloads (dnsdedupe, newdomain, dnsqr mixed) written as sequenced
//! 8192-byte datagrams by the nmsg writer (what `nmsgtool -s` sends). Index: 100 sessions
//! with 1,000 watches each (the data_path bench's mix: IPv4/IPv6 prefixes, exact and
//! wildcard names; every tenth session also watches `*.google.com`). Three measurements in
//! the same run, per payload:
//! - `baseline_decode`: datagram → container → payloads (envelope decode + CRC check) alone;
//! - `decode_extract`: the same plus key extraction into the reused `MatchKeys`;
//! - `ingest_100x1000`: the whole ingest (decode, extract, match, hit bodies for matched
//!   payloads, outbox offers), outboxes drained every 1,024 datagrams;
//! - `ingest_100x1000_channel_off`: the same traffic on a channel no session has on (the
//!   ingest then only decodes and counts).
//!
//! Before the criterion runs, the thread CPU time per payload of each stage is printed (a
//! fairer figure than wall time on a shared, loaded machine; the stages interleaved),
//! with hits/s, CPU per hit, and the rate of two channels ingesting on two threads.
//!
//! Run: `cargo bench -p sra-server --bench ingest`

mod common;

use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use common::{build_index, SESSIONS, WATCHES};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use nmsg::writer::{Writer, WriterConfig};
use nmsg::{Input, Limits};
use sra_server::feed::{keys, ChannelStats, Ingest};
use sra_server::generator::{packet, Generator, Item, Kind};
use sra_server::{MatchKeys, Subscriber};

const PAYLOADS: usize = 20_000;

/// The payloads as the datagrams a sequenced 8192-byte writer sends.
fn datagrams() -> Vec<Bytes> {
    let kinds = [Kind::Dnsdedupe, Kind::Newdomain, Kind::Dnsqr];
    let mut gens: Vec<Generator> = kinds
        .iter()
        .map(|k| Generator::new(*k, 100_000, 1, 1_700_000_000))
        .collect();
    let mut keys = MatchKeys::default();
    let mut w = Writer::to_datagrams(Vec::<Vec<u8>>::new(), WriterConfig::datagram(8192));
    for i in 0..PAYLOADS {
        if let Item::Nmsg(p) = gens[i % 3].next_into(&mut keys) {
            w.write(&p).unwrap();
        }
    }
    w.flush().unwrap();
    w.get_ref()
        .0
        .iter()
        .map(|d| Bytes::from(d.clone()))
        .collect()
}

/// An IPv4/UDP DNS response from port 53 with `n` A records (10.0.0.0, 10.0.0.1, ...).
fn big_response(n: u32) -> Vec<u8> {
    let answers: Vec<packet::Answer> = (0..n)
        .map(|i| packet::Answer {
            rtype: 1,
            ttl: 60,
            rdata: (0x0a00_0000 + i).to_be_bytes().to_vec(),
        })
        .collect();
    let dns = packet::dns_message(1, true, 0, b"\x07example\x03com\x00", 1, &answers);
    let (src, dst) = ([192, 0, 2, 53].into(), [198, 51, 100, 7].into());
    let udp = packet::udp(src, dst, 53, 40000, &dns);
    packet::ip(src, dst, 17, 64, 1, &udp)
}

fn drain(subs: &[Arc<Subscriber>]) {
    let (mut c, mut d) = (Vec::new(), Vec::new());
    for s in subs {
        s.outbox.try_batch(&mut c, &mut d, usize::MAX);
        s.counters.add_sent(d.len() as u64);
        c.clear();
        d.clear();
    }
}

/// Decodes every datagram and calls `f` with each container.
fn each_container(input: &mut Input, dgs: &[Bytes], mut f: impl FnMut(usize, &nmsg::Container)) {
    let now = Instant::now();
    for (i, d) in dgs.iter().enumerate() {
        if let Ok(Some(c)) = input.decode_datagram(d.clone(), None, now) {
            f(i, &c);
        }
    }
}

fn bench_ingest(cr: &mut Criterion) {
    let dgs = datagrams();
    let (idx, subs) = build_index(&[204]);
    let stats = Arc::new(ChannelStats::default());
    let mut ingest = Ingest::new(204, &idx, stats.clone());
    // Channel 205 is off in every session.
    let mut unwanted = Ingest::new(205, &idx, Arc::new(ChannelStats::default()));
    let mut input = Input::new(Limits::default());

    // One pass outside the timings: payload count, hits, check that nothing was lost.
    each_container(&mut input, &dgs, |_, c| {
        ingest.container(c, 0);
    });
    drain(&subs);
    let t = stats.totals();
    assert_eq!(t.payloads as usize, PAYLOADS);
    assert_eq!(t.data_errors, 0);
    eprintln!(
        "setup: {SESSIONS} sessions x {WATCHES} watches; {PAYLOADS} payloads in {} datagrams \
         ({:.0} B each); {:.4} hits per payload",
        dgs.len(),
        dgs.iter().map(|d| d.len()).sum::<usize>() as f64 / dgs.len() as f64,
        t.queued as f64 / PAYLOADS as f64,
    );

    // Keys per payload, and how many repeat an earlier key of the same payload.
    let (mut nkeys, mut dups) = (0usize, 0usize);
    let mut mk = MatchKeys::default();
    each_container(&mut input, &dgs, |_, c| {
        for p in c.into_iter().flatten() {
            keys::extract_payload(p.vid, p.msgtype, p.payload_bytes(), &mut mk);
            let all: Vec<&[u8]> = mk.ips().chain(mk.names()).map(|k| k.bytes).collect();
            nkeys += all.len();
            dups += (0..all.len())
                .filter(|&i| all[..i].contains(&all[i]))
                .count();
        }
    });
    eprintln!(
        "{:.2} keys per payload, {:.2} of them repeats",
        nkeys as f64 / PAYLOADS as f64,
        dups as f64 / PAYLOADS as f64
    );

    // Thread CPU time (from /proc/thread-self/schedstat): on a shared, loaded machine a
    // fairer per-payload cost than wall time. Linux only; 0 elsewhere.
    let cpu_ns = || -> u64 {
        std::fs::read_to_string("/proc/thread-self/schedstat")
            .ok()
            .and_then(|s| s.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    };
    // Each stage runs one pass per round, the stages interleaved so that they see the same
    // machine load; each stage's CPU time is summed over the rounds (the thread CPU clock
    // ticks in steps of a few ms, so single passes are too short to time alone).
    let rounds = 12;
    let mut total = [0u64; 4];
    for _ in 0..rounds {
        let t0 = cpu_ns();
        let mut n = 0usize;
        each_container(&mut input, &dgs, |_, c| {
            for p in c {
                n += p.map_or(0, |p| p.payload_bytes().len());
            }
        });
        black_box(n);
        let t1 = cpu_ns();
        each_container(&mut input, &dgs, |_, c| {
            for p in c.into_iter().flatten() {
                keys::extract_payload(p.vid, p.msgtype, p.payload_bytes(), &mut mk);
                black_box(mk.is_empty());
            }
        });
        let t2 = cpu_ns();
        each_container(&mut input, &dgs, |i, c| {
            black_box(ingest.container(c, 0));
            if i % 1024 == 1023 {
                drain(&subs);
            }
        });
        drain(&subs);
        let t3 = cpu_ns();
        each_container(&mut input, &dgs, |_, c| {
            black_box(unwanted.container(c, 0));
        });
        let t4 = cpu_ns();
        for (b, d) in total.iter_mut().zip([t1 - t0, t2 - t1, t3 - t2, t4 - t3]) {
            *b += d;
        }
    }
    // One large DNS response (200 distinct A records whose owner, the question name, repeats
    // 200 times): the extraction cost per key, where deduplicating the keys would dominate
    // if it were not linear.
    let big = big_response(200);
    let (mut scratch, reps) = (Vec::new(), 2000u64);
    let t0 = cpu_ns();
    for _ in 0..reps {
        keys::extract_packet(&big, &mut scratch, &mut mk);
        black_box(mk.is_empty());
    }
    let big_ns = (cpu_ns() - t0) as f64 / reps as f64;
    let nk = mk.ips().count() + mk.names().count();
    eprintln!(
        "a DNS response with 200 A records ({} B packet, {nk} distinct keys): {big_ns:.0} ns \
         CPU per extraction, {:.1} ns per distinct key",
        big.len(),
        big_ns / nk as f64
    );

    let per = |ns: u64| ns as f64 / (rounds * PAYLOADS) as f64;
    let [base, ext, all, miss] = total.map(per);
    let hits_per_payload = t.queued as f64 / PAYLOADS as f64;
    eprintln!(
        "thread CPU time per payload ({rounds} rounds): decode {base:.0} ns (baseline), \
         decode+extract {ext:.0} ns ({:.1}x), full ingest {all:.0} ns ({:.1}x) = {:.2} M \
         payloads/s and {:.2} M hits/s per core, {:.0} ns CPU per hit",
        ext / base,
        all / base,
        1e3 / all,
        1e3 / all * hits_per_payload,
        all / hits_per_payload,
    );
    eprintln!(
        "thread CPU time per payload on a channel no session has on: {miss:.0} ns ({:.1}x) = \
         {:.2} M payloads/s per core",
        miss / base,
        1e3 / miss
    );

    // Two channels ingesting in parallel (one ingest task each, as the server runs them),
    // sharing the index and the sessions; each thread also drains its half of the outboxes
    // now and then, as writers would.
    let per_thread: Vec<f64> = std::thread::scope(|sc| {
        let handles: Vec<_> = (0..2)
            .map(|t| {
                let (idx, subs, dgs) = (&idx, &subs, &dgs);
                sc.spawn(move || {
                    let mut ingest = Ingest::new(204, idx, Arc::new(ChannelStats::default()));
                    let mut input = Input::new(Limits::default());
                    let half = &subs[t * SESSIONS / 2..(t + 1) * SESSIONS / 2];
                    let t0 = cpu_ns();
                    for _ in 0..rounds {
                        each_container(&mut input, dgs, |i, c| {
                            black_box(ingest.container(c, 0));
                            if i % 512 == 511 {
                                drain(half);
                            }
                        });
                        drain(half);
                    }
                    (cpu_ns() - t0) as f64 / (rounds * PAYLOADS) as f64
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    drain(&subs);
    let both = 1e3 / per_thread[0] + 1e3 / per_thread[1];
    eprintln!(
        "two ingest threads (two channels): {:.0} / {:.0} ns CPU per payload = {both:.2} M \
         payloads/s and {:.2} M hits/s on two cores",
        per_thread[0],
        per_thread[1],
        both * hits_per_payload,
    );

    let mut g = cr.benchmark_group("ingest");
    g.throughput(Throughput::Elements(PAYLOADS as u64));
    g.sample_size(20);
    g.bench_function("baseline_decode", |b| {
        b.iter(|| {
            let mut n = 0usize;
            each_container(&mut input, &dgs, |_, c| {
                for p in c {
                    n += p.map_or(0, |p| p.payload_bytes().len());
                }
            });
            black_box(n)
        })
    });
    g.bench_function("decode_extract", |b| {
        b.iter(|| {
            let mut n = 0usize;
            each_container(&mut input, &dgs, |_, c| {
                for p in c.into_iter().flatten() {
                    keys::extract_payload(p.vid, p.msgtype, p.payload_bytes(), &mut mk);
                    n += usize::from(!mk.is_empty());
                }
            });
            black_box(n)
        })
    });
    g.bench_function("ingest_100x1000", |b| {
        b.iter(|| {
            let mut q = 0u32;
            each_container(&mut input, &dgs, |i, c| {
                q += ingest.container(c, 0).queued;
                if i % 1024 == 1023 {
                    drain(&subs);
                }
            });
            drain(&subs);
            black_box(q)
        })
    });
    g.bench_function("ingest_100x1000_channel_off", |b| {
        b.iter(|| {
            each_container(&mut input, &dgs, |_, c| {
                black_box(unwanted.container(c, 0));
            });
        })
    });
    g.finish();
}

criterion_group!(benches, bench_ingest);
criterion_main!(benches);
