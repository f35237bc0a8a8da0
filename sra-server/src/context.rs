//! What every session shares: the configuration, the key store, the watch index and the
//! HELLO text.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use sra_keys::KeyStore;

use crate::config::Config;
use crate::dispatch::ServerIndex;

/// The server-wide state handed to each connection.
#[derive(Debug)]
pub struct ServerContext {
    /// The configuration in force.
    pub config: Config,
    /// API-key and plain accounts (`sra-keys`), if a key store is configured or generated.
    pub keys: Option<KeyStore>,
    /// The shared watch index.
    pub index: Arc<ServerIndex>,
    /// The HELLO text (contains `srad`, spec §11).
    pub hello_text: String,
    next_id: AtomicU64,
}

impl ServerContext {
    /// Builds the context without a key store (only `[[user]]` accounts can log in).
    pub fn new(config: Config) -> Arc<Self> {
        ServerContext::with_keys(config, None)
    }

    /// Builds the context: the key store, an empty index sized by `limits.max_watches`, and
    /// the HELLO text `srad v<version> <hostname> supporting AXA protocols v1 to v2;
    /// currently using v1`.
    pub fn with_keys(config: Config, keys: Option<KeyStore>) -> Arc<Self> {
        let host = config
            .server
            .hostname
            .clone()
            .or_else(|| std::env::var("HOSTNAME").ok())
            .or_else(|| {
                std::fs::read_to_string("/etc/hostname")
                    .ok()
                    .map(|s| s.trim().to_string())
            })
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "localhost".into());
        let hello_text = format!(
            "srad v{} {host} supporting AXA protocols v1 to v2; currently using v1",
            env!("CARGO_PKG_VERSION")
        );
        Arc::new(ServerContext {
            index: ServerIndex::new(config.limits.max_watches),
            keys,
            config,
            hello_text,
            next_id: AtomicU64::new(1),
        })
    }

    /// A fresh client id for HELLO.
    pub fn next_client_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }
}
