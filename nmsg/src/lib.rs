//! # nmsg: the NMSG data format
//!
//! (Crate docs are being written by the nmsg issue.)
#![forbid(unsafe_code)]

pub mod payload;
pub mod proto;

// Modules of the fields helper.
pub mod dns;
pub mod fields;

pub use payload::Payload;
