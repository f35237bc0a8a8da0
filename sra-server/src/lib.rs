//! # sra-server: the SRA server (`srad`)
//!
//! The server side of SIE Remote Access. This crate holds the data path of the architecture
//! (`/ARCHITECTURE.md`, "Data flow in the server"): channel [`source`]s (UDP, NMSG file,
//! pcap, the built-in [`generator`]) and their [`feed`]s, the shared watch [`index`], the
//! hot-path [`dispatch`] with per-session [`sampler`], [`limiter`] and [`outbox`], loss
//! [`accounting`], the TOML [`config`], the AXA [`session`] state machine over `axa-proto`,
//! and the [`server`] with its TLS, plain-TCP and UNIX listeners and `sra-keys` logins. A
//! session registers an `Arc<`[`subscriber::Subscriber`]`>` in the index, changes its
//! watches through [`index::SharedIndex::update`], and its writer drains the subscriber's
//! outbox.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod accounting;
pub mod config;
pub mod context;
pub mod dispatch;
pub mod feed;
pub mod generator;
pub mod hit;
pub mod index;
pub mod limiter;
pub mod observation;
pub mod outbox;
pub mod registry;
pub mod sampler;
mod seen_keys;
pub mod server;
pub mod session;
pub mod source;
pub mod subscriber;

pub use dispatch::{Dispatcher, Outcome, ServerIndex, SessionHandle};
pub use hit::{Hit, HitMeta};
pub use index::{SessionId, SharedIndex, Tag, WatchPattern};
pub use observation::{MatchKeys, Observation};
pub use subscriber::Subscriber;
