//! # axa: SIE Remote Access in Rust
//!
//! Umbrella crate. It re-exports the libraries of the workspace so that the
//! `examples/` and the end-to-end `tests/` can embed them through one name:
//!
//! - [`proto`] (`axa-proto`): the AXA wire protocol (frames, messages, watches, channels, JSON).
//! - [`nmsg`]: the NMSG container format, message schemas, field extraction and JSON.
//! - [`keys`] (`sra-keys`): API keys, the key store and server certificates.
//! - [`server`] (`sra-server`): the SRA server (`srad`).
//! - [`client`] (`sra-client`): the async client library, `sratunnel` and `sratool`.
#![forbid(unsafe_code)]

pub use axa_proto as proto;
pub use nmsg;
pub use sra_client as client;
pub use sra_keys as keys;
pub use sra_server as server;
