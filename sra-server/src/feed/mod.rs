//! Channel feeds: each configured channel's [`source`](crate::source) task(s) and its
//! [`Ingest`] task, joined by a bounded queue (architecture, "Data flow in the server",
//! step 1).
//!
//! The server starts one [`RunningChannel`] per `[[channel]]` of its configuration with
//! [`RunningChannel::start`]; sources read sockets or files (or run the generator), the
//! ingest task extracts match keys and calls the [`Dispatcher`](crate::Dispatcher). Each
//! channel's [`ChannelStats`] can be read at any time (CLIST descriptions, admin STATS).

pub mod channel;
pub mod ingest;
pub mod keys;
pub mod stats;

pub use channel::RunningChannel;
pub use ingest::{hit_body, unix_now_sec, Ingest};
pub use stats::{ChannelStats, ChannelTotals};
