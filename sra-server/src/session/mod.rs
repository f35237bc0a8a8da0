//! AXA sessions: the sans-IO state machine ([`core`]), the wire-watch conversion point
//! ([`convert`]) and the tokio connection driver ([`conn`]).

pub mod admin;
pub mod conn;
pub mod convert;
pub mod core;

pub use self::core::{Next, SessionCore};

#[cfg(test)]
mod tests;
