//! Hit delivery over loopback TLS against ring's AES-256-GCM, measured in the same run.
//!
//! Starts the real server (`Server::start`: TLS listener, session reader and writer) with a
//! generated ECDSA certificate, connects one tokio-rustls client offering only
//! TLS13_AES_256_GCM_SHA384, logs in with USER, and gives the session a channel watch. A
//! feeder thread then dispatches one pre-built hit body after another through a
//! `Dispatcher` (the ingest task's call) as fast as the session's outbox takes them; the
//! client reads and counts WHIT frames. Then ring's AES-256-GCM seals the same number of
//! bytes in 16 KiB records (TLS's record size) on one thread. Reported: the client's
//! plaintext rate, ring's sealing rate, their ratio (target ≥ 0.5), hits/s and the whole
//! process's CPU per hit (server, feeder and client together).
//!
//! Run: `cargo run --release -p sra-server --example tls_throughput [-- SECONDS [BODY_BYTES
//! [tls|tcp]]]` (defaults: 3 s, 400-byte hit bodies, TLS; `tcp` measures the same path over
//! a plain-TCP listener, i.e. everything but TLS, against the same ring figure). Prefix
//! `GLIBC_TUNABLES=glibc.malloc.trim_threshold=268435456` to measure as srad is meant to be
//! deployed on glibc (see srad's `--help`): without it the "minor page faults" line shows
//! glibc trimming and re-faulting the heap.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use axa_proto::{Direction, Message, User};
use bytes::Bytes;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM};
use rustls::pki_types::ServerName;
use sra_server::config::Config;
use sra_server::hit::HitMeta;
use sra_server::server::Server;
use sra_server::{Dispatcher, MatchKeys, Observation, Tag, WatchPattern};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const CHANNEL: u16 = 204;
const OP_WHIT: u8 = 5;

/// User + system CPU seconds from a /proc `stat` line: (command name, seconds).
fn stat_cpu(stat: &str) -> (String, f64) {
    let name = stat
        .split_once('(')
        .and_then(|(_, r)| r.rsplit_once(')'))
        .map_or("", |(n, _)| n);
    // After the ")" that ends the command name: state, ppid, ... utime (11), stime (12).
    let f: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let num = |i: usize| f.get(i).and_then(|x| x.parse::<u64>().ok()).unwrap_or(0);
    (name.to_string(), (num(11) + num(12)) as f64 / 100.0)
}

/// CPU seconds of this process's threads by role, from /proc/self/task (Linux): (server
/// runtime workers, feeder, everything else: the client on the main thread).
fn cpu_by_role() -> [f64; 3] {
    let mut r = [0.0; 3];
    for t in std::fs::read_dir("/proc/self/task")
        .into_iter()
        .flatten()
        .flatten()
    {
        let stat = std::fs::read_to_string(t.path().join("stat")).unwrap_or_default();
        let (name, secs) = stat_cpu(&stat);
        let i = match name.as_str() {
            "tokio-rt-worker" => 0,
            "feeder" => 1,
            _ => 2,
        };
        r[i] += secs;
    }
    r
}

/// Minor page faults of the whole process so far (/proc/self/stat field 10).
fn minor_faults() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    after
        .split_whitespace()
        .nth(7)
        .and_then(|x| x.parse().ok())
        .unwrap_or(0)
}

/// CPU seconds of the calling thread.
fn thread_cpu() -> f64 {
    stat_cpu(&std::fs::read_to_string("/proc/thread-self/stat").unwrap_or_default()).1
}

/// (read, write) system calls of the whole process so far, from /proc/self/io (Linux).
fn syscalls() -> (u64, u64) {
    let io = std::fs::read_to_string("/proc/self/io").unwrap_or_default();
    let get = |k: &str| {
        io.lines()
            .find_map(|l| l.strip_prefix(k)?.trim().parse().ok())
            .unwrap_or(0)
    };
    (get("syscr:"), get("syscw:"))
}

/// Seals `total` bytes in 16 KiB records with AES-256-GCM on this thread; returns (wall
/// seconds, thread CPU seconds).
fn ring_seal(total: u64) -> (f64, f64) {
    let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &[7u8; 32]).unwrap());
    let mut rec = vec![0x5au8; 16 * 1024];
    let records = total.div_ceil(rec.len() as u64).max(1);
    let (t0, c0) = (Instant::now(), thread_cpu());
    for i in 0..records {
        let mut n = [0u8; 12];
        n[4..].copy_from_slice(&i.to_be_bytes());
        let tag = key
            .seal_in_place_separate_tag(Nonce::assume_unique_for_key(n), Aad::empty(), &mut rec)
            .unwrap();
        let _ = std::hint::black_box(tag);
    }
    (t0.elapsed().as_secs_f64(), thread_cpu() - c0)
}

fn config(dir: &std::path::Path, kind: &str) -> Result<Config> {
    let cert = sra_keys::SelfSigned::generate(
        &["localhost".to_string()],
        sra_keys::KeyAlgorithm::EcdsaP256,
    )?;
    let (c, k) = cert.write_files(dir)?;
    let text = format!(
        r#"
[[listener]]
kind = "{kind}"
address = "127.0.0.1:0"
logins = ["user"]

[tls]
cert = "{}"
key = "{}"

[[channel]]
number = {CHANNEL}
description = "bench"
source = {{ kind = "generator", generator = "dnsdedupe", rate = 1, seed = 1 }}

[[user]]
name = "bench"
channels = [{CHANNEL}]
"#,
        c.display(),
        k.display()
    );
    Ok(Config::parse(&text)?)
}

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let secs: f64 = args.next().map_or(Ok(3.0), |a| a.parse())?;
    let body_len: usize = args.next().map_or(Ok(400), |a| a.parse())?;
    let plain = match args.next().as_deref() {
        None | Some("tls") => false,
        Some("tcp") => true,
        Some(o) => anyhow::bail!("third argument: tls or tcp, not {o}"),
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(run(secs, body_len, plain))
}

/// The client's stream: TLS or plain TCP.
trait Io: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send {}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send> Io for T {}

async fn run(secs: f64, body_len: usize, plain: bool) -> Result<()> {
    let dir = tempfile::tempdir()?;
    let cfg = config(dir.path(), if plain { "tcp" } else { "tls" })?;
    let cert_der = sra_keys::load_cert_chain(&dir.path().join("cert.pem"))?;
    let server = Server::start(cfg).await?;
    let addr = server.tcp_addrs[0];
    let ctx = server.context().clone();

    // The client: TLS 1.3 with AES-256-GCM only, trusting the generated certificate.
    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert_der[0].clone())?;
    let mut provider = rustls::crypto::ring::default_provider();
    provider.cipher_suites = vec![rustls::crypto::ring::cipher_suite::TLS13_AES_256_GCM_SHA384];
    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(provider))
        .with_protocol_versions(&[&rustls::version::TLS13])?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let tcp = tokio::net::TcpStream::connect(addr).await?;
    tcp.set_nodelay(true)?;
    let (mut stream, suite): (Box<dyn Io>, String) = if plain {
        (Box::new(tcp), "none (plain TCP)".into())
    } else {
        let s = tokio_rustls::TlsConnector::from(Arc::new(tls))
            .connect(ServerName::try_from("localhost")?, tcp)
            .await?;
        let suite = s
            .get_ref()
            .1
            .negotiated_cipher_suite()
            .map(|s| format!("{:?}", s.suite()))
            .unwrap_or_default();
        (Box::new(s), suite)
    };
    let user = Message::User(User {
        name: "bench".into(),
    });
    stream
        .write_all(&user.to_frame(1, 1, Direction::ToSra)?.to_bytes())
        .await?;

    // Wait for the login, then watch the channel directly in the index (what WATCH and
    // CHANNEL ON do).
    let info = loop {
        if let Some(s) = ctx.registry.list().into_iter().next() {
            break s;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    ctx.index
        .update(|m| m.add_watch(info.id, Tag(1), WatchPattern::Channel(CHANNEL)))
        .context("watch")?;
    info.sub.channels.set(CHANNEL, true);

    // The feeder: one ingest task's dispatcher, offering hits while the outbox has room.
    let stop = Arc::new(AtomicBool::new(false));
    let offered = Arc::new(AtomicU64::new(0));
    let feeder = {
        let (stop, offered, idx, sub) = (
            stop.clone(),
            offered.clone(),
            ctx.index.clone(),
            info.sub.clone(),
        );
        std::thread::Builder::new()
            .name("feeder".into())
            .spawn(move || {
                let mut d = Dispatcher::new(&idx);
                let keys = MatchKeys::default();
                let body = vec![0x42u8; body_len];
                let obs = Observation {
                    channel: CHANNEL,
                    meta: HitMeta::Nmsg {
                        vid: 2,
                        msgtype: 1,
                        time_sec: 1_700_000_000,
                        time_nsec: 0,
                    },
                    keys: &keys,
                    undecodable: false,
                };
                let room = sub.outbox.capacity() / 2;
                while !stop.load(Ordering::Relaxed) {
                    if sub.outbox.queued() >= room {
                        std::thread::sleep(Duration::from_micros(50));
                        continue;
                    }
                    // As the ingest task does per container: dispatch, then wake the writer.
                    for _ in 0..64 {
                        d.dispatch_deferred(&obs, 0, || Bytes::copy_from_slice(&body));
                    }
                    d.flush_wakes();
                    offered.fetch_add(64, Ordering::Relaxed);
                }
            })?
    };

    // The client reads and counts WHIT frames: a warm-up second, then the measured period.
    let mut buf = vec![0u8; 256 * 1024];
    let (mut have, mut frames, mut bytes) = (0usize, 0u64, 0u64);
    let warm = Instant::now() + Duration::from_millis(500);
    // At the end of the warm-up: time, process CPU, frames, bytes, system calls.
    type Mark = (Instant, [f64; 3], u64, u64, (u64, u64), u64);
    let mut start: Option<Mark> = None;
    let measured = Duration::from_secs_f64(secs);
    loop {
        let n = stream.read(&mut buf[have..]).await?;
        anyhow::ensure!(n > 0, "server closed");
        have += n;
        let mut pos = 0;
        while have - pos >= 8 {
            let len = u32::from_le_bytes(buf[pos..pos + 4].try_into()?) as usize;
            anyhow::ensure!(len >= 8 && len <= buf.len(), "bad frame length {len}");
            if have - pos < len {
                break;
            }
            if buf[pos + 7] == OP_WHIT {
                frames += 1;
                bytes += len as u64;
            }
            pos += len;
        }
        buf.copy_within(pos..have, 0);
        have -= pos;
        let now = Instant::now();
        match start {
            None if now >= warm => {
                start = Some((
                    now,
                    cpu_by_role(),
                    frames,
                    bytes,
                    syscalls(),
                    minor_faults(),
                ))
            }
            Some((t0, ..)) if now - t0 >= measured => break,
            _ => {}
        }
    }
    let (t0, cpu0, f0, b0, (_, w0), pf0) = start.context("no measurement")?;
    let wall = t0.elapsed().as_secs_f64();
    let cpu1 = cpu_by_role();
    let [srv, feed, client] = [0, 1, 2].map(|i| cpu1[i] - cpu0[i]);
    let cpu = srv + feed + client;
    let (_, w1_sys) = syscalls();
    let pf = minor_faults() - pf0;
    stop.store(true, Ordering::Relaxed);
    let _ = feeder.join();
    let (hits, volume) = (frames - f0, bytes - b0);
    let totals = info.sub.counters.totals();
    drop(stream);
    server.shutdown().await;

    let tls_rate = volume as f64 / wall;
    // ring seals the same volume right after the run, on one thread; wall and CPU time.
    let (seal_wall, seal_cpu) = ring_seal(volume);
    let seal_rate = volume as f64 / seal_wall;
    let per_hit = |secs: f64| secs * 1e9 / hits as f64;
    println!(
        "cipher suite: {suite}; hit body {body_len} B, frame {} B",
        body_len + 28
    );
    println!(
        "{} client received {hits} WHIT frames, {:.1} MB in {wall:.2} s: {:.0} MB/s, {:.2} M \
         hits/s",
        if plain { "plain-TCP" } else { "TLS" },
        volume as f64 / 1e6,
        tls_rate / 1e6,
        hits as f64 / wall / 1e6,
    );
    println!(
        "CPU per hit: server {:.0} ns (runtime workers: session writer, TLS, kernel send), \
         feeder {:.0} ns (dispatch), client {:.0} ns (TLS decrypt, kernel receive); total {:.2} \
         CPU-s over {wall:.2} s",
        per_hit(srv),
        per_hit(feed),
        per_hit(client),
        cpu
    );
    println!(
        "per hit: {:.3} write system calls (server), {:.3} minor page faults (process)",
        (w1_sys - w0) as f64 / hits as f64,
        pf as f64 / hits as f64
    );
    println!(
        "ring AES-256-GCM sealing the same {:.1} MB on one thread: {:.0} MB/s wall, {:.0} MB \
         per CPU-second = {:.0} ns per frame",
        volume as f64 / 1e6,
        seal_rate / 1e6,
        volume as f64 / seal_cpu.max(1e-9) / 1e6,
        per_hit(seal_cpu),
    );
    println!(
        "ratio client / ring seal = {:.2} by wall-clock rate (target >= 0.5); server CPU \
         per byte vs sealing alone: sealing is {:.0} % of the server's CPU per hit",
        tls_rate / seal_rate,
        100.0 * seal_cpu / srv.max(1e-9),
    );
    println!(
        "session counters: considered {} sent {} dropped {} (offered {})",
        totals.filtered,
        totals.sent,
        totals.dropped,
        offered.load(Ordering::Relaxed)
    );
    Ok(())
}
