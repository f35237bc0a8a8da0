//! End-to-end tests: the real server (in-process, on ephemeral loopback ports, with real TLS
//! from `sra-keys`) against the real clients — the `sra-client` library and the `sratool` /
//! `sratunnel` binaries run as processes — and this package's examples.
//!
//! The binaries must be built into the same target directory: `cargo test --workspace`
//! builds them, or `cargo build -p sra-client -p sra-server --bins`.

mod accounting;
mod common;
mod entitlement;
mod examples;
mod reconnect;
mod server_drop;
mod srad_process;
mod sratool_acceptance;
mod sratunnel_tls;
