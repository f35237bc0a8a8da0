//! # sra-client: an async AXA (SIE Remote Access) client
//!
//! The client side of SRA: TLS with real server verification ([`TlsConnector`], pinning via
//! [`CertPin`], and an explicitly insecure mode), the reconnect policy ([`Backoff`]), the
//! sratunnel outputs behind one [`output::Output`] trait (pcap, FIFO, NMSG, JSON lines), kickfile
//! rotation ([`kickfile`]), the command-line definitions of the drop-in `sratunnel` and
//! `sratool` binaries ([`cli`]) and sratool's command language and output formats
//! ([`sratool`]).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod backoff;
pub mod ciphers;
pub mod cli;
pub mod client;
pub mod insecure;
pub mod kickfile;
pub mod output;
pub mod pidfile;
pub mod pin;
pub mod rotation;
pub mod session;
pub mod sratool;
pub mod tls;
pub mod transport;
pub mod tunnel;
pub mod utc;

pub use backoff::Backoff;
pub use client::{Client, ClientError, ClientOptions, Events};
pub use pin::CertPin;
pub use session::connection::{Event, Reply, SessionError, SessionInfo};
pub use tls::{TlsConnector, TlsError, TlsOptions, TlsVerify};
