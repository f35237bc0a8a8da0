//! `srad`: the SRA server.
//!
//! `srad [--config FILE] [--data-dir DIR] [--tls-port N] [--tcp-port N] [--check]`.
//! Without a file it runs the embedded default configuration: a TLS listener on
//! 127.0.0.1:1011 (`apikey` logins) and a plain-TCP one on 127.0.0.1:1021 (`user` logins,
//! account `demo`), four channels fed by the generator, a self-signed RSA-2048 certificate
//! kept in the data directory, and a fresh API key for the account `demo`.
//!
//! The data directory (generated certificate and key) is `--data-dir`, else `server.data_dir`
//! of the configuration, else `$SRAD_DATA_DIR`, `$XDG_DATA_HOME/srad`,
//! `$HOME/.local/share/srad`, `./srad-data` (first that is set). `--tls-port`/`--tcp-port`
//! replace the port of every TLS/plain-TCP listener (0: any free port). At start a summary
//! (API key, addresses, certificate and its SHA-256 fingerprint, client command lines) is
//! printed once on standard output. `--check` validates the configuration (and, when it
//! exists, the key store against it) and exits.
//! Logging follows `RUST_LOG` (default `info`) and goes to standard error, so the summary
//! can be captured from standard output alone. A listener that cannot bind (port in use,
//! port below 1024 without the privilege ...) stops the start with a message naming the
//! address and where it comes from: the `[[listener]]` line of the file, the embedded
//! default, or a `--tls-port`/`--tcp-port` flag. On SIGTERM or SIGINT it stops accepting,
//! lets every session write its queued replies and close (waiting at most
//! `sra_server::server::SHUTDOWN_GRACE`) and exits with status 0.
//!
//! Deployment on glibc (most Linux distributions): start srad with
//! `GLIBC_TUNABLES=glibc.malloc.trim_threshold=268435456`. Hit bodies are
//! allocated by the ingest threads and freed by the session writers on other threads; with
//! glibc's default 128 KiB trim threshold the heap is returned to the kernel and faulted
//! back in over and over under load. Measured with the `tls_throughput` example: 0.03–0.05
//! minor page faults per hit by default, none with the setting, and about 100 ns (20–30 %)
//! less server and ingest CPU per hit. The setting only lets glibc keep up to 256 MiB of
//! freed heap instead of trimming it. Choice: documented rather than a bundled allocator
//! (mimalloc measured the same as glibc with the setting, for a C dependency) or a change of
//! who frees the bodies (they are shared by every session's outbox). srad logs this hint at
//! start when the variable does not set a trim threshold.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::Parser;
use sra_server::config::{default_data_dir, Config, ListenerKind, LoginKind};
use sra_server::server::{Server, StartError};
use tokio::signal::unix::{signal, SignalKind};

/// The deployment note on glibc's heap trimming (shown by `--help` and logged at start).
const MALLOC_NOTE: &str = "On glibc, run srad with \
    GLIBC_TUNABLES=glibc.malloc.trim_threshold=268435456: hit bodies are freed on other \
    threads than the ones that allocate them, and glibc's default trim threshold returns \
    the heap to the kernel and faults it back in over and over under load (about 20-30 % \
    more CPU per hit).";

/// The SRA server.
#[derive(Debug, Parser)]
#[command(
    name = "srad",
    version,
    about = "SIE Remote Access (AXA) server",
    after_help = MALLOC_NOTE
)]
struct Args {
    /// The TOML configuration file (see examples/srad.toml); default: the embedded demo set-up.
    #[arg(short, long)]
    config: Option<PathBuf>,
    /// Where the generated TLS certificate and key are kept (overrides server.data_dir).
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Port of the TLS listener(s) (0: any free port).
    #[arg(long, value_name = "PORT")]
    tls_port: Option<u16>,
    /// Port of the plain-TCP listener(s) (0: any free port).
    #[arg(long, value_name = "PORT")]
    tcp_port: Option<u16>,
    /// Validate the configuration and exit.
    #[arg(long)]
    check: bool,
}

fn apply_port(
    config: &mut Config,
    kind: ListenerKind,
    port: Option<u16>,
    flag: &str,
) -> anyhow::Result<()> {
    if let Some(p) = port {
        if config.set_listener_port(kind, p) == 0 {
            bail!("{flag}: the configuration has no {kind:?} listener");
        }
    }
    Ok(())
}

/// `host,port` as AXA connection specs write it.
fn spec_addr(a: SocketAddr) -> String {
    format!("{},{}", a.ip(), a.port())
}

/// The start-up summary: what a user needs to connect at once.
fn summary(server: &mut Server) -> String {
    let key = server.take_demo_key();
    let key_text = key.as_ref().map_or("KEY", |k| k.as_str()).to_string();
    let mut out = String::from("srad is running.\n");
    if let Some(k) = &key {
        let _ = writeln!(
            out,
            "  API key of account demo (shown once, not stored; new at every start): {}",
            k.as_str()
        );
    }
    for (l, addr) in server.tcp_listeners() {
        let kind = match l.kind {
            ListenerKind::Tls => "TLS listener:        ",
            _ => "plain-TCP listener:  ",
        };
        let logins: Vec<_> = l
            .logins()
            .iter()
            .map(|k| format!("{k:?}").to_lowercase())
            .collect();
        let _ = writeln!(out, "  {kind}{addr} (logins: {})", logins.join(", "));
    }
    if let Some(id) = server.tls_identity() {
        let path = id
            .cert_path
            .as_ref()
            .map_or("(in memory, new at every start)".to_string(), |p| {
                p.display().to_string()
            });
        let _ = writeln!(out, "  certificate:         {path}");
        let _ = writeln!(out, "  SHA-256 fingerprint: {}", id.fingerprint);
    }
    let watch = "-c ch204 -w 'dns=*.com' -o nmsg:file:out.nmsg";
    let mut lines = Vec::new();
    for (l, addr) in server.tcp_listeners() {
        let apikey = l.logins().contains(&LoginKind::Apikey);
        match (l.kind, server.tls_identity()) {
            (ListenerKind::Tls, Some(id)) if apikey => {
                let s = format!("apikey:{key_text}@{}", spec_addr(*addr));
                lines.push(format!(
                    "  sratunnel -s {s} --pin {} {watch}",
                    id.fingerprint
                ));
                lines.push(format!(
                    "  libaxa 3.0.2 (checks no certificate): sratunnel -s {s} {watch}"
                ));
            }
            (ListenerKind::Tcp, _) if l.logins().contains(&LoginKind::User) => {
                if let Some(u) = server.context().config.users.first() {
                    let s = format!("tcp:{}@{}", u.get_ref().name, spec_addr(*addr));
                    lines.push(format!("  sratunnel -s {s} {watch}"));
                }
            }
            _ => {}
        }
    }
    if !lines.is_empty() {
        out.push_str("Connect with:\n");
        for l in lines {
            out.push_str(&l);
            out.push('\n');
        }
    }
    out
}

/// The configuration's name in messages.
fn config_name(args: &Args) -> String {
    args.config.as_ref().map_or_else(
        || "the embedded default configuration".to_string(),
        |p| p.display().to_string(),
    )
}

/// `--check`: the configured key store, when it exists, must load and must not define a
/// `[[plain_user]]` that is also a `[[user]]` of the configuration (a missing store is only
/// noted: it may be created later).
fn check_key_store(args: &Args, config: &Config) -> anyhow::Result<()> {
    let Some(path) = &config.server.key_store else {
        return Ok(());
    };
    if !path.exists() {
        eprintln!("note: key store {} not found; not checked", path.display());
        return Ok(());
    }
    let store = sra_keys::KeyStore::load(path)?;
    if let Err(e) = config.check_key_store(&store, &path.display().to_string()) {
        bail!("{}: {e}", config_name(args));
    }
    Ok(())
}

/// Why a listener could not bind, where its address comes from (configuration line or
/// port flag) and what to change.
fn bind_error(
    args: &Args,
    addr: &str,
    kind: Option<ListenerKind>,
    line: Option<usize>,
    source: &std::io::Error,
) -> String {
    use std::io::ErrorKind;
    let why = match source.kind() {
        ErrorKind::PermissionDenied => {
            " Ports below 1024 need root or CAP_NET_BIND_SERVICE (UNIX sockets: a writable directory)."
        }
        ErrorKind::AddrInUse => " Another srad, or another program, already listens there.",
        ErrorKind::AddrNotAvailable => " The address is not one of this machine's.",
        _ => "",
    };
    let flag = match kind {
        Some(ListenerKind::Tls) => args.tls_port.map(|p| format!("--tls-port {p}")),
        Some(ListenerKind::Tcp) => args.tcp_port.map(|p| format!("--tcp-port {p}")),
        _ => None,
    };
    let file = args.config.as_ref().map(|p| p.display().to_string());
    let origin = match (flag, file, line) {
        (Some(f), _, _) => format!("The port was set by {f}."),
        (None, Some(f), Some(l)) => format!("The address is the [[listener]] at line {l} of {f}."),
        (None, Some(f), None) => format!("The address is a [[listener]] of {f}."),
        (None, None, _) => {
            "The address is a listener of the embedded default configuration.".into()
        }
    };
    let fix = if kind == Some(ListenerKind::Unix) {
        "Choose another socket path in the configuration."
    } else {
        "Choose other ports with --tls-port/--tcp-port (0: any free port, e.g. srad --tls-port \
         10011 --tcp-port 10021) or change the address in a --config file."
    };
    format!("cannot listen on {addr}: {source}.{why} {origin} {fix}")
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    // Logs go to standard error; standard output carries only the start-up summary.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    if cfg!(target_env = "gnu")
        && !std::env::var("GLIBC_TUNABLES").is_ok_and(|t| t.contains("malloc.trim_threshold"))
    {
        tracing::info!("{MALLOC_NOTE}");
    }
    let mut config = match &args.config {
        Some(p) => Config::load(p)?,
        None => Config::embedded_default(),
    };
    apply_port(&mut config, ListenerKind::Tls, args.tls_port, "--tls-port")?;
    apply_port(&mut config, ListenerKind::Tcp, args.tcp_port, "--tcp-port")?;
    if let Some(d) = args.data_dir.clone() {
        config.server.data_dir = Some(d);
    }
    if config.server.data_dir.is_none() {
        config.server.data_dir = Some(default_data_dir(|k| std::env::var_os(k)));
    }
    if args.check {
        check_key_store(&args, &config)?;
        println!("configuration OK");
        return Ok(());
    }
    let kinds: Vec<(String, ListenerKind)> = config
        .listeners
        .iter()
        .map(|l| (l.get_ref().address.clone(), l.get_ref().kind))
        .collect();
    let mut server = match Server::start(config).await {
        Ok(s) => s,
        Err(StartError::Bind { addr, line, source }) => {
            let kind = kinds.iter().find(|(a, _)| *a == addr).map(|(_, k)| *k);
            bail!("{}", bind_error(&args, &addr, kind, line, &source))
        }
        Err(StartError::Config(e)) => bail!("{}: {e}", config_name(&args)),
        Err(e @ StartError::Channel { .. }) => bail!("{}: {e}", config_name(&args)),
        Err(e) => return Err(e).context("starting srad"),
    };
    // The handlers are in place before the summary says the server is running, so a
    // SIGTERM sent as soon as it appears already stops the server cleanly.
    let mut term = signal(SignalKind::terminate()).context("installing the SIGTERM handler")?;
    let mut int = signal(SignalKind::interrupt()).context("installing the SIGINT handler")?;
    print!("{}", summary(&mut server));
    tokio::select! {
        _ = int.recv() => {}
        _ = term.recv() => {}
    }
    tracing::info!("shutting down");
    let left = server.shutdown().await;
    if left > 0 {
        tracing::warn!("{left} sessions did not close in time");
    }
    Ok(())
}
