//! The running server: listeners (plain TCP and UNIX) and the channel ingest tasks.
//!
//! TLS listeners need the certificate and key handling of `sra-keys`, which is not wired in
//! yet: [`Server::start`] refuses a configuration with a TLS listener rather than silently
//! serving it in clear.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::{TcpListener, UnixListener};
use tokio::task::JoinHandle;

use crate::config::{Config, ListenerKind};
use crate::context::ServerContext;
use crate::ingest;
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
    /// A configured feature is not implemented yet.
    #[error("{0}")]
    Unsupported(String),
}

/// A started server; dropping it stops every task.
#[derive(Debug)]
pub struct Server {
    ctx: Arc<ServerContext>,
    /// Bound addresses of the TCP listeners, in configuration order.
    pub tcp_addrs: Vec<SocketAddr>,
    tasks: Vec<JoinHandle<()>>,
}

impl Server {
    /// Binds every listener and starts the ingest tasks. Must run inside a tokio runtime.
    pub async fn start(config: Config) -> Result<Server, StartError> {
        let ctx = ServerContext::new(config);
        let mut tasks = Vec::new();
        let mut tcp_addrs = Vec::new();
        for l in &ctx.config.listeners {
            let l = l.get_ref();
            let logins = l.logins();
            match l.kind {
                ListenerKind::Tls => {
                    return Err(StartError::Unsupported(format!(
                        "TLS listener {}: TLS is not wired in yet (sra-keys integration pending)",
                        l.address
                    )))
                }
                ListenerKind::Tcp => {
                    let lis = TcpListener::bind(&l.address).await.map_err(|source| {
                        StartError::Bind {
                            addr: l.address.clone(),
                            source,
                        }
                    })?;
                    let local = lis.local_addr().map_err(|source| StartError::Bind {
                        addr: l.address.clone(),
                        source,
                    })?;
                    tracing::info!("listening on tcp {local}");
                    tcp_addrs.push(local);
                    let ctx = ctx.clone();
                    tasks.push(tokio::spawn(async move {
                        loop {
                            match lis.accept().await {
                                Ok((s, peer)) => {
                                    let _ = s.set_nodelay(true);
                                    tokio::spawn(conn::serve(
                                        ctx.clone(),
                                        s,
                                        logins.clone(),
                                        peer.to_string(),
                                    ));
                                }
                                Err(e) => tracing::warn!("accept: {e}"),
                            }
                        }
                    }));
                }
                ListenerKind::Unix => {
                    // A stale socket file from an earlier run would make bind fail.
                    let _ = std::fs::remove_file(&l.address);
                    let lis = UnixListener::bind(&l.address).map_err(|source| StartError::Bind {
                        addr: l.address.clone(),
                        source,
                    })?;
                    tracing::info!("listening on unix {}", l.address);
                    let ctx = ctx.clone();
                    let path = l.address.clone();
                    tasks.push(tokio::spawn(async move {
                        loop {
                            match lis.accept().await {
                                Ok((s, _)) => {
                                    tokio::spawn(conn::serve(
                                        ctx.clone(),
                                        s,
                                        logins.clone(),
                                        path.clone(),
                                    ));
                                }
                                Err(e) => tracing::warn!("accept: {e}"),
                            }
                        }
                    }));
                }
            }
        }
        tasks.extend(ingest::spawn_all(&ctx));
        Ok(Server {
            ctx,
            tcp_addrs,
            tasks,
        })
    }

    /// The shared server state.
    pub fn context(&self) -> &Arc<ServerContext> {
        &self.ctx
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}
