//! AXA sessions: the sans-IO state machine ([`core`]), the admin requests ([`admin`]) with
//! the process figures STATS reports ([`process`]), the wire-watch conversion point
//! ([`convert`]), the socket's send buffer for OPT SNDBUF ([`send_buffer`]), the OPT TRACE
//! output ([`trace`]) and the tokio connection driver ([`conn`]).

pub mod admin;
pub mod conn;
pub mod convert;
pub mod core;
pub mod process;
pub mod send_buffer;
pub mod trace;

pub use self::core::{Next, SessionCore};

#[cfg(test)]
mod tests;
