//! Memory per idle session: the resident-set growth of the server process when N clients log
//! in over loopback TCP and stay idle.
//!
//! Starts the real server (`Server::start`, a plain-TCP listener with USER logins, one
//! channel), opens N blocking client sockets in the same process, sends USER on each and
//! reads HELLO and the OK, then waits until the registry holds N sessions and the allocator
//! has settled. Reports (RSS after − RSS before) / N. The clients are plain sockets (kernel
//! memory, not RSS), so the delta is the server's user-space cost: tasks, buffers,
//! subscriber, outbox, index slot. Kernel socket buffers are not included.
//!
//! Run: `cargo run --release -p sra-server --example idle_sessions [-- N]` (default 1000).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use anyhow::{Context, Result};
use axa_proto::{Direction, Message, User};
use sra_server::config::Config;
use sra_server::server::Server;

/// VmRSS of this process in bytes, from /proc/self/status (Linux).
fn rss() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| {
            l.strip_prefix("VmRSS:")?
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()
        })
        .unwrap_or(0)
        * 1024
}

/// Reads one AXA frame (8-byte header with the total length first) and returns its opcode.
fn read_frame(s: &mut TcpStream) -> Result<u8> {
    let mut h = [0u8; 8];
    s.read_exact(&mut h)?;
    let len = u32::from_le_bytes([h[0], h[1], h[2], h[3]]) as usize;
    anyhow::ensure!((8..=1 << 20).contains(&len), "bad frame length {len}");
    let mut body = vec![0u8; len - 8];
    s.read_exact(&mut body)?;
    Ok(h[7])
}

fn main() -> Result<()> {
    let n: usize = std::env::args().nth(1).map_or(Ok(1000), |a| a.parse())?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let cfg = Config::parse(
        r#"
[[listener]]
kind = "tcp"
address = "127.0.0.1:0"
logins = ["user"]

[[channel]]
number = 204
description = "idle"
source = { kind = "generator", generator = "dnsdedupe", rate = 1, seed = 1 }

[[user]]
name = "idle"
channels = [204]
"#,
    )?;
    let server = rt.block_on(Server::start(cfg))?;
    let addr = server.tcp_addrs[0];
    let ctx = server.context().clone();
    let user = Message::User(User {
        name: "idle".into(),
    })
    .to_frame(1, 1, Direction::ToSra)?
    .to_bytes();

    // Warm up: one session in and out, so that one-time allocations are not counted.
    {
        let mut s = TcpStream::connect(addr)?;
        s.write_all(&user)?;
        read_frame(&mut s)?;
        read_frame(&mut s)?;
    }
    std::thread::sleep(Duration::from_millis(300));
    let before = rss();
    let mut clients = Vec::with_capacity(n);
    for i in 0..n {
        let mut s = TcpStream::connect(addr).with_context(|| format!("client {i}"))?;
        s.set_read_timeout(Some(Duration::from_secs(10)))?;
        s.write_all(&user)?;
        let hello = read_frame(&mut s)?;
        let ok = read_frame(&mut s)?;
        anyhow::ensure!((hello, ok) == (1, 2), "client {i}: got ops {hello}, {ok}");
        clients.push(s);
    }
    while ctx.registry.len() < n {
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_millis(500));
    let after = rss();
    println!(
        "{n} idle logged-in sessions: RSS {:.1} MiB -> {:.1} MiB, {:.0} bytes per session \
         (server user space; kernel socket buffers not included)",
        before as f64 / 1048576.0,
        after as f64 / 1048576.0,
        after.saturating_sub(before) as f64 / n as f64
    );
    drop(clients);
    rt.block_on(server.shutdown());
    Ok(())
}
