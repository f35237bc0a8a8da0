//! The running server: listeners (TLS, plain TCP, UNIX), the key store and the channel feeds.
//!
//! TLS listeners use `[tls]` cert/key files, or a self-signed RSA-2048 certificate generated
//! at start-up (RSA so that libaxa's TLS 1.2 suite works; its SHA-256 fingerprint is logged).
//! The key store is loaded from `server.key_store`; without one, if a listener takes
//! `apikey` logins, an in-memory store with one account `demo`, entitled to every configured
//! channel, is created and its fresh API key is printed once on standard error.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use sra_keys::{Account, KeyAlgorithm, KeyStore, SelfSigned};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, UnixListener};
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

use crate::config::{Config, ListenerKind, LoginKind};
use crate::context::ServerContext;
use crate::feed::RunningChannel;
use crate::session::conn;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// Binding a listener failed.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The configured address.
        addr: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The key store could not be loaded.
    #[error("key store: {0}")]
    Keys(#[from] sra_keys::StoreError),
    /// The TLS certificate or key could not be loaded or generated.
    #[error("TLS: {0}")]
    Tls(String),
    /// A channel source could not be started.
    #[error("channel {channel}: {message}")]
    Channel {
        /// The channel number.
        channel: u16,
        /// What failed.
        message: String,
    },
}

/// A started server; dropping it stops the listeners and channel feeds.
#[derive(Debug)]
pub struct Server {
    ctx: Arc<ServerContext>,
    /// Bound addresses of the TLS and TCP listeners, in configuration order.
    pub tcp_addrs: Vec<SocketAddr>,
    tasks: Vec<JoinHandle<()>>,
    channels: Vec<RunningChannel>,
}

fn load_keys(config: &Config) -> Result<Option<KeyStore>, StartError> {
    if let Some(p) = &config.server.key_store {
        return Ok(Some(KeyStore::load(p)?));
    }
    let wants_keys = config
        .listeners
        .iter()
        .any(|l| l.get_ref().logins().contains(&LoginKind::Apikey));
    if !wants_keys || config.channels.is_empty() {
        return Ok(None);
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
    eprintln!(
        "srad: no key store configured; API key of the demo account (shown once): {}",
        key.as_str()
    );
    Ok(Some(store))
}

fn tls_acceptor(config: &Config) -> Result<TlsAcceptor, StartError> {
    let server_config = match &config.tls {
        Some(t) => sra_keys::server_config_from_files(&t.cert, &t.key)
            .map_err(|e| StartError::Tls(e.to_string()))?,
        None => {
            let names = vec!["localhost".to_string(), "127.0.0.1".to_string()];
            let cert = SelfSigned::generate(&names, KeyAlgorithm::Rsa2048)
                .map_err(|e| StartError::Tls(e.to_string()))?;
            tracing::info!(
                "generated a self-signed certificate, SHA-256 fingerprint {}",
                sra_keys::fingerprint_hex(&cert.cert_der)
            );
            cert.server_config()
                .map_err(|e| StartError::Tls(e.to_string()))?
        }
    };
    Ok(TlsAcceptor::from(Arc::new(server_config)))
}

fn spawn_serve<S>(ctx: &Arc<ServerContext>, s: S, logins: &[LoginKind], peer: Option<SocketAddr>)
where
    S: AsyncRead + AsyncWrite + Send + 'static,
{
    let name = peer.map_or_else(|| "unix".to_string(), |p| p.to_string());
    tokio::spawn(conn::serve(
        ctx.clone(),
        s,
        logins.to_vec(),
        peer.map(|p| p.ip()),
        name,
    ));
}

impl Server {
    /// Loads the key store, binds every listener and starts the channel feeds. Must run
    /// inside a tokio runtime.
    pub async fn start(config: Config) -> Result<Server, StartError> {
        let keys = load_keys(&config)?;
        let needs_tls = config
            .listeners
            .iter()
            .any(|l| l.get_ref().kind == ListenerKind::Tls);
        let acceptor = if needs_tls {
            Some(tls_acceptor(&config)?)
        } else {
            None
        };
        let ctx = ServerContext::with_keys(config, keys);
        let handshake = Duration::from_secs(
            ctx.config
                .tls
                .as_ref()
                .map_or(10, |t| t.handshake_timeout_secs),
        );
        let mut tasks = Vec::new();
        let mut tcp_addrs = Vec::new();
        for l in &ctx.config.listeners {
            let l = l.get_ref();
            let logins = l.logins();
            let bind_err = |source| StartError::Bind {
                addr: l.address.clone(),
                source,
            };
            match l.kind {
                ListenerKind::Tls | ListenerKind::Tcp => {
                    let lis = TcpListener::bind(&l.address).await.map_err(bind_err)?;
                    let local = lis.local_addr().map_err(bind_err)?;
                    tracing::info!("listening on {:?} {local}", l.kind);
                    tcp_addrs.push(local);
                    let ctx = ctx.clone();
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
                            match &tls {
                                None => spawn_serve(&ctx, s, &logins, Some(peer)),
                                Some(acc) => {
                                    let (acc, ctx, logins) =
                                        (acc.clone(), ctx.clone(), logins.clone());
                                    tokio::spawn(async move {
                                        match tokio::time::timeout(handshake, acc.accept(s)).await {
                                            Ok(Ok(t)) => spawn_serve(&ctx, t, &logins, Some(peer)),
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
                    let ctx = ctx.clone();
                    tasks.push(tokio::spawn(async move {
                        loop {
                            match lis.accept().await {
                                Ok((s, _)) => spawn_serve(&ctx, s, &logins, None),
                                Err(e) => tracing::warn!("accept: {e}"),
                            }
                        }
                    }));
                }
            }
        }
        let mut channels = Vec::new();
        for c in &ctx.config.channels {
            let c = c.get_ref();
            let running =
                RunningChannel::start(c, &ctx.index).map_err(|e| StartError::Channel {
                    channel: c.number,
                    message: e.to_string(),
                })?;
            channels.push(running);
        }
        Ok(Server {
            ctx,
            tcp_addrs,
            tasks,
            channels,
        })
    }

    /// The shared server state.
    pub fn context(&self) -> &Arc<ServerContext> {
        &self.ctx
    }

    /// The running channel feeds (input counters per channel).
    pub fn channels(&self) -> &[RunningChannel] {
        &self.channels
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}
