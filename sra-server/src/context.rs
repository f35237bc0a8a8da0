//! What every session shares: the configuration, the key store, the watch index and the
//! HELLO text.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use sra_keys::KeyStore;

use crate::config::Config;
use crate::dispatch::ServerIndex;
use crate::registry::Registry;

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
    /// The authenticated sessions (admin STATS and KILL).
    pub registry: Registry,
    /// UNIX time the server started.
    pub started: u64,
    next_id: AtomicU64,
    /// Open sessions per account name (for `max_sessions`).
    sessions: Mutex<HashMap<String, u32>>,
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
            registry: Registry::default(),
            started: crate::session::conn::unix_now(),
            next_id: AtomicU64::new(1),
            sessions: Mutex::new(HashMap::new()),
        })
    }

    /// Counts a new session of account `name`, unless it already has `max` open (then
    /// false). Pair every `true` with [`ServerContext::end_session`].
    pub fn begin_session(&self, name: &str, max: Option<u32>) -> bool {
        let mut m = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        let n = m.entry(name.to_string()).or_insert(0);
        if max.is_some_and(|max| *n >= max) {
            return false;
        }
        *n += 1;
        true
    }

    /// Forgets one session of account `name`.
    pub fn end_session(&self, name: &str) {
        let mut m = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = m.get_mut(name) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                m.remove(name);
            }
        }
    }

    /// The number of open sessions of account `name`.
    pub fn open_sessions(&self, name: &str) -> u32 {
        let m = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        m.get(name).copied().unwrap_or(0)
    }

    /// A fresh client id for HELLO.
    pub fn next_client_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }
}
