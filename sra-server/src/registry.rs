//! The open sessions, by serial number: what the admin requests STATS and KILL see.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

use crate::index::SessionId;
use crate::subscriber::Subscriber;

/// How a session logged in (the STATS `io_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IoType {
    /// A UNIX socket (user name).
    Unix = 1,
    /// Plain TCP (user name).
    Tcp = 2,
    /// An API key.
    Apikey = 3,
}

/// One authenticated session.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    /// Serial number (the HELLO id, truncated to 32 bits).
    pub sn: u32,
    /// Account name.
    pub user: String,
    /// Whether the account may use STATS and KILL.
    pub admin: bool,
    /// Login kind.
    pub io: IoType,
    /// Client address (`None` on UNIX sockets).
    pub peer: Option<IpAddr>,
    /// UNIX time of the login.
    pub since: u64,
    /// The session's index slot.
    pub id: SessionId,
    /// Its delivery state (counters, options, channels).
    pub sub: Arc<Subscriber>,
    /// Notified to end the session (KILL).
    pub kill: Arc<Notify>,
}

/// The registry of open sessions.
#[derive(Debug, Default)]
pub struct Registry {
    map: Mutex<BTreeMap<u32, SessionInfo>>,
}

impl Registry {
    fn map(&self) -> std::sync::MutexGuard<'_, BTreeMap<u32, SessionInfo>> {
        self.map.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds a session.
    pub fn insert(&self, info: SessionInfo) {
        self.map().insert(info.sn, info);
    }

    /// Removes a session.
    pub fn remove(&self, sn: u32) {
        self.map().remove(&sn);
    }

    /// Every open session, by serial number.
    pub fn list(&self) -> Vec<SessionInfo> {
        self.map().values().cloned().collect()
    }

    /// The number of open sessions.
    pub fn len(&self) -> usize {
        self.map().len()
    }

    /// True when no session is open.
    pub fn is_empty(&self) -> bool {
        self.map().is_empty()
    }

    /// Asks the sessions selected by `pick` to close; returns how many were asked.
    pub fn kill(&self, pick: impl Fn(&SessionInfo) -> bool) -> usize {
        let m = self.map();
        let mut n = 0;
        for s in m.values().filter(|s| pick(s)) {
            s.kill.notify_one();
            n += 1;
        }
        n
    }
}
