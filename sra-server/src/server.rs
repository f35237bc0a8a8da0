//! The running server: listeners (TLS, plain TCP, UNIX), the key store and the channel feeds.
//!
//! TLS listeners use `[tls]` cert/key files, or a self-signed RSA-2048 certificate (RSA so
//! that libaxa's only TLS 1.2 suite, ECDHE-RSA-AES256-GCM-SHA384, works). With
//! `server.data_dir` set, the generated certificate and key are written there once (`cert.pem`
//! 0644, `key.pem` 0600, the directory created 0700) and reused at every later start, so the
//! fingerprint clients pin stays the same; without it they live in memory for this run only.
//! The key store is loaded from `server.key_store`; without one, if a listener takes
//! `apikey` logins, an in-memory store with one account `demo`, entitled to every configured
//! channel, is created with a fresh API key, which [`Server::take_demo_key`] hands out once
//! (`srad` prints it).

use std::net::SocketAddr;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use sra_keys::{Account, ApiKey, KeyAlgorithm, KeyStore, SelfSigned};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, UnixListener};
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::{Config, Listener, ListenerKind, LoginKind};
use crate::context::ServerContext;
use crate::feed::RunningChannel;
use crate::session::conn;
use crate::session::send_buffer::SendBuffer;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// Binding a listener failed.
    #[error(
        "cannot listen on {addr}{}: {source}",
        line.map(|l| format!(" (the [[listener]] at line {l} of the configuration)"))
            .unwrap_or_default()
    )]
    Bind {
        /// The configured address.
        addr: String,
        /// The line of its `[[listener]]` table, when the configuration was parsed from text.
        line: Option<usize>,
        /// The OS error.
        source: std::io::Error,
    },
    /// The key store could not be loaded.
    #[error("key store: {0}")]
    Keys(#[from] sra_keys::StoreError),
    /// The configuration conflicts with the key store (a name in both `[[user]]` and
    /// `[[plain_user]]`).
    #[error("configuration: {0}")]
    Config(#[from] crate::config::ConfigError),
    /// The TLS certificate or key could not be loaded or generated.
    #[error("TLS: {0}")]
    Tls(String),
    /// A channel source could not be started.
    #[error(
        "channel {channel}{}: {message}",
        line.map(|l| format!(" (the [[channel]] at line {l} of the configuration)"))
            .unwrap_or_default()
    )]
    Channel {
        /// The channel number.
        channel: u16,
        /// The line of its `[[channel]]` table, when the configuration was parsed from text.
        line: Option<usize>,
        /// What failed.
        message: String,
    },
}

/// The certificate the TLS listeners serve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsIdentity {
    /// The PEM certificate file (`None`: generated in memory for this run only).
    pub cert_path: Option<PathBuf>,
    /// SHA-256 of the leaf certificate's DER, 64 lower-case hex digits (what `--pin` takes).
    pub fingerprint: String,
    /// Whether the certificate was generated at this start (rather than read from files).
    pub generated: bool,
}

/// How long [`Server::shutdown`] waits for sessions to flush their replies and close.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

/// How many bytes of not-yet-sent TLS records rustls may hold per connection (its default
/// is 64 KiB). A session writer hands over a whole batch of hits (up to 256, ~110 KB at
/// 400-byte bodies) at once; with room for it, the batch goes out in one `writev` instead
/// of two or more. Measured with the `tls_throughput` example: write system calls per hit
/// 0.008 -> 0.004; over five alternated rounds, server CPU per hit 328 -> 304 ns and the
/// client's rate 650 -> 767 MB/s on average (noisy, shared machine). The memory is used
/// only while a client is behind; an idle session holds none.
pub const TLS_SEND_BUFFER: usize = 256 * 1024;

/// The connection tasks: tracked so that shutdown can wait for them, and told to close by one
/// token.
#[derive(Debug, Clone, Default)]
struct Sessions {
    tasks: TaskTracker,
    stop: CancellationToken,
}

/// A started server; dropping it stops the listeners and channel feeds and tells every
/// session to close (without waiting: [`Server::shutdown`] waits).
#[derive(Debug)]
pub struct Server {
    ctx: Arc<ServerContext>,
    /// Bound addresses of the TLS and TCP listeners, in configuration order.
    pub tcp_addrs: Vec<SocketAddr>,
    tcp_listeners: Vec<(Listener, SocketAddr)>,
    tls: Option<TlsIdentity>,
    demo_key: Option<ApiKey>,
    tasks: Vec<JoinHandle<()>>,
    sessions: Sessions,
    channels: Vec<RunningChannel>,
}

fn load_keys(config: &Config) -> Result<(Option<KeyStore>, Option<ApiKey>), StartError> {
    if let Some(p) = &config.server.key_store {
        let store = KeyStore::load(p)?;
        config.check_key_store(&store, &p.display().to_string())?;
        return Ok((Some(store), None));
    }
    let wants_keys = config
        .listeners
        .iter()
        .any(|l| l.get_ref().logins().contains(&LoginKind::Apikey));
    if !wants_keys || config.channels.is_empty() {
        return Ok((None, None));
    }
    let list: Vec<String> = config
        .channels
        .iter()
        .map(|c| c.get_ref().number.to_string())
        .collect();
    let channels = list
        .join(",")
        .parse()
        .map_err(|e| StartError::Tls(format!("demo account channels: {e}")))?;
    let mut store = KeyStore::new();
    let key = store.add_user(Account::new("demo", channels))?;
    tracing::info!("no key store configured; created the account demo with a fresh API key");
    Ok((Some(store), Some(key)))
}

fn tls_err(e: impl std::fmt::Display) -> StartError {
    StartError::Tls(e.to_string())
}

/// Loads `cert`/`key` and returns the rustls configuration and the leaf's fingerprint.
fn load_files(cert: &Path, key: &Path) -> Result<(rustls::ServerConfig, String), StartError> {
    let chain = sra_keys::load_cert_chain(cert).map_err(tls_err)?;
    let fingerprint = chain
        .first()
        .map(sra_keys::fingerprint_hex)
        .unwrap_or_default();
    let key = sra_keys::load_private_key(key).map_err(tls_err)?;
    let config = sra_keys::server_config(chain, key).map_err(tls_err)?;
    Ok((config, fingerprint))
}

/// The generated certificate of `dir`: read back when `cert.pem` and `key.pem` exist, else
/// generated (RSA-2048) and written there, creating `dir` with mode 0700.
fn persistent_identity(dir: &Path) -> Result<(rustls::ServerConfig, TlsIdentity), StartError> {
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    match (cert.exists(), key.exists()) {
        (true, true) => {
            let (config, fingerprint) = load_files(&cert, &key)?;
            tracing::info!("using the certificate {}", cert.display());
            let id = TlsIdentity {
                cert_path: Some(cert),
                fingerprint,
                generated: false,
            };
            return Ok((config, id));
        }
        (false, false) => {}
        _ => {
            return Err(StartError::Tls(format!(
                "data directory {} holds only one of cert.pem and key.pem; remove the other to generate a new pair",
                dir.display()
            )))
        }
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| StartError::Tls(format!("creating data directory {}: {e}", dir.display())))?;
    match std::fs::metadata(dir) {
        Ok(m) if m.permissions().mode() & 0o077 != 0 => tracing::warn!(
            "data directory {} is accessible to other users (mode {:o}); the key file is 0600",
            dir.display(),
            m.permissions().mode() & 0o777
        ),
        _ => {}
    }
    let generated = generate()?;
    let (cert, key) = generated.write_files(dir).map_err(tls_err)?;
    let (config, fingerprint) = load_files(&cert, &key)?;
    tracing::info!(
        "generated a self-signed RSA-2048 certificate {}",
        cert.display()
    );
    let id = TlsIdentity {
        cert_path: Some(cert),
        fingerprint,
        generated: true,
    };
    Ok((config, id))
}

fn generate() -> Result<SelfSigned, StartError> {
    let names = ["localhost", "127.0.0.1", "::1"].map(String::from);
    SelfSigned::generate(&names, KeyAlgorithm::Rsa2048).map_err(tls_err)
}

fn tls_acceptor(config: &Config) -> Result<(TlsAcceptor, TlsIdentity), StartError> {
    let (server_config, id) = match (&config.tls, &config.server.data_dir) {
        (Some(t), _) => {
            let (c, fingerprint) = load_files(&t.cert, &t.key)?;
            let id = TlsIdentity {
                cert_path: Some(t.cert.clone()),
                fingerprint,
                generated: false,
            };
            (c, id)
        }
        (None, Some(dir)) => persistent_identity(dir)?,
        (None, None) => {
            let cert = generate()?;
            let id = TlsIdentity {
                cert_path: None,
                fingerprint: sra_keys::fingerprint_hex(&cert.cert_der),
                generated: true,
            };
            (cert.server_config().map_err(tls_err)?, id)
        }
    };
    tracing::info!("TLS certificate SHA-256 fingerprint {}", id.fingerprint);
    Ok((TlsAcceptor::from(Arc::new(server_config)), id))
}

/// A handle on an accepted socket's send buffer (OPT SNDBUF); empty, with a log line, if the
/// descriptor cannot be duplicated (the session then only records the value).
fn send_buffer(fd: &impl std::os::fd::AsFd) -> SendBuffer {
    SendBuffer::of(fd).unwrap_or_else(|e| {
        tracing::warn!("OPT SNDBUF will not reach this socket: {e}");
        SendBuffer::default()
    })
}

fn spawn_serve<S>(
    ctx: &Arc<ServerContext>,
    sessions: &Sessions,
    s: S,
    logins: &[LoginKind],
    peer: Option<SocketAddr>,
    sndbuf: SendBuffer,
) where
    S: AsyncRead + AsyncWrite + Send + 'static,
{
    let name = peer.map_or_else(|| "unix".to_string(), |p| p.to_string());
    sessions.tasks.spawn(conn::serve(
        ctx.clone(),
        s,
        logins.to_vec(),
        peer.map(|p| p.ip()),
        name,
        sndbuf,
        sessions.stop.clone(),
    ));
}

impl Server {
    /// Loads the key store, binds every listener and starts the channel feeds. Must run
    /// inside a tokio runtime.
    pub async fn start(config: Config) -> Result<Server, StartError> {
        let (keys, demo_key) = load_keys(&config)?;
        let needs_tls = config
            .listeners
            .iter()
            .any(|l| l.get_ref().kind == ListenerKind::Tls);
        let (acceptor, tls) = if needs_tls {
            let (a, id) = tls_acceptor(&config)?;
            (Some(a), Some(id))
        } else {
            (None, None)
        };
        let ctx = ServerContext::with_keys(config, keys);
        let handshake = Duration::from_secs(
            ctx.config
                .tls
                .as_ref()
                .map_or(10, |t| t.handshake_timeout_secs),
        );
        let sessions = Sessions::default();
        let mut tasks = Vec::new();
        let mut tcp_addrs = Vec::new();
        let mut tcp_listeners = Vec::new();
        for (i, l) in ctx.config.listeners.iter().enumerate() {
            let l = l.get_ref();
            let logins = l.logins();
            let bind_err = |source| StartError::Bind {
                addr: l.address.clone(),
                line: ctx.config.listener_line(i),
                source,
            };
            match l.kind {
                ListenerKind::Tls | ListenerKind::Tcp => {
                    let lis = TcpListener::bind(&l.address).await.map_err(bind_err)?;
                    let local = lis.local_addr().map_err(bind_err)?;
                    tracing::info!("listening on {:?} {local}", l.kind);
                    tcp_addrs.push(local);
                    tcp_listeners.push((l.clone(), local));
                    let (ctx, sessions) = (ctx.clone(), sessions.clone());
                    let tls = if l.kind == ListenerKind::Tls {
                        acceptor.clone()
                    } else {
                        None
                    };
                    tasks.push(tokio::spawn(async move {
                        loop {
                            let (s, peer) = match lis.accept().await {
                                Ok(x) => x,
                                Err(e) => {
                                    tracing::warn!("accept: {e}");
                                    continue;
                                }
                            };
                            let _ = s.set_nodelay(true);
                            let sndbuf = send_buffer(&s);
                            match &tls {
                                None => {
                                    spawn_serve(&ctx, &sessions, s, &logins, Some(peer), sndbuf)
                                }
                                Some(acc) => {
                                    let (acc, ctx, logins, sessions) = (
                                        acc.clone(),
                                        ctx.clone(),
                                        logins.clone(),
                                        sessions.clone(),
                                    );
                                    let stop = sessions.stop.clone();
                                    let accept = tokio::time::timeout(handshake, acc.accept(s));
                                    sessions.tasks.clone().spawn(async move {
                                        let Some(r) = stop.run_until_cancelled(accept).await else {
                                            return;
                                        };
                                        match r {
                                            Ok(Ok(mut t)) => {
                                                t.get_mut()
                                                    .1
                                                    .set_buffer_limit(Some(TLS_SEND_BUFFER));
                                                spawn_serve(
                                                    &ctx,
                                                    &sessions,
                                                    t,
                                                    &logins,
                                                    Some(peer),
                                                    sndbuf,
                                                )
                                            }
                                            Ok(Err(e)) => {
                                                tracing::info!(%peer, "TLS handshake failed: {e}")
                                            }
                                            Err(_) => {
                                                tracing::info!(%peer, "TLS handshake timed out")
                                            }
                                        }
                                    });
                                }
                            }
                        }
                    }));
                }
                ListenerKind::Unix => {
                    // A stale socket file from an earlier run would make bind fail.
                    let _ = std::fs::remove_file(&l.address);
                    let lis = UnixListener::bind(&l.address).map_err(bind_err)?;
                    tracing::info!("listening on unix {}", l.address);
                    let (ctx, sessions) = (ctx.clone(), sessions.clone());
                    tasks.push(tokio::spawn(async move {
                        loop {
                            match lis.accept().await {
                                Ok((s, _)) => {
                                    let sndbuf = send_buffer(&s);
                                    spawn_serve(&ctx, &sessions, s, &logins, None, sndbuf)
                                }
                                Err(e) => tracing::warn!("accept: {e}"),
                            }
                        }
                    }));
                }
            }
        }
        let mut channels = Vec::new();
        for (i, c) in ctx.config.channels.iter().enumerate() {
            let c = c.get_ref();
            let running =
                RunningChannel::start(c, &ctx.index).map_err(|e| StartError::Channel {
                    channel: c.number,
                    line: ctx.config.channel_line(i),
                    message: e.to_string(),
                })?;
            channels.push(running);
        }
        Ok(Server {
            ctx,
            tcp_addrs,
            tcp_listeners,
            tls,
            demo_key,
            tasks,
            sessions,
            channels,
        })
    }

    /// The shared server state.
    pub fn context(&self) -> &Arc<ServerContext> {
        &self.ctx
    }

    /// The TLS and TCP listeners with their bound addresses, in configuration order.
    pub fn tcp_listeners(&self) -> &[(Listener, SocketAddr)] {
        &self.tcp_listeners
    }

    /// The certificate the TLS listeners serve (`None` without a TLS listener).
    pub fn tls_identity(&self) -> Option<&TlsIdentity> {
        self.tls.as_ref()
    }

    /// The API key of the in-memory `demo` account created when no key store is configured;
    /// `Some` only on the first call, so the key is shown once and not kept.
    pub fn take_demo_key(&mut self) -> Option<ApiKey> {
        self.demo_key.take()
    }

    /// The running channel feeds (input counters per channel).
    pub fn channels(&self) -> &[RunningChannel] {
        &self.channels
    }
}

impl Server {
    /// Stops cleanly: closes the listeners, tells every session to close (each writes the
    /// replies it has queued, then closes its connection) and waits for them, at most
    /// [`SHUTDOWN_GRACE`]; then stops the channel feeds. Returns how many sessions were still
    /// open when the wait ended (they are abandoned; the caller is expected to exit).
    pub async fn shutdown(mut self) -> usize {
        for t in self.tasks.drain(..) {
            t.abort();
            // Wait until the listener (owned by the task) is dropped and its port released.
            let _ = t.await;
        }
        self.sessions.stop.cancel();
        self.sessions.tasks.close();
        let _ = tokio::time::timeout(SHUTDOWN_GRACE, self.sessions.tasks.wait()).await;
        self.sessions.tasks.len()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
        self.sessions.stop.cancel();
    }
}
