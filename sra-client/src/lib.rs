//! # sra-client: an async AXA (SIE Remote Access) client
//!
//! The client side of SRA, and the drop-in `sratunnel` and `sratool` binaries.
//!
//! * [`Client::connect`] / [`Client::connect_str`] open `apikey:KEY@host,port` (TLS; or plain
//!   TCP with `-I`), `tcp:user@host,port`, `unix:user@/path` or a `~/.axa/config` alias, send
//!   USER (or NOP) at protocol version 1, answer the server HELLO with the client HELLO, keep
//!   the connection alive, and offer typed requests ([`Client::watch`], [`Client::channel`],
//!   [`Client::list_channels`], [`Client::rate_limit`] …) whose replies are matched by the
//!   reference client's rules ([`session::reply`]); everything else arrives on [`Events`].
//! * TLS: the server certificate is verified by default ([`TlsVerify::SystemRoots`] or a CA
//!   file), or pinned ([`CertPin`]); [`TlsVerify::InsecureAcceptAnyCertificate`] reproduces
//!   libaxa (which never verifies) and says so in the logs.
//! * [`tunnel::run`] is sratunnel: reconnect with [`Backoff`], the start-up sequence of
//!   [`session::startup`], hits handed to an [`output::driver::OutputDriver`] thread that owns
//!   an [`output::Output`] (NMSG file/UDP/TCP, pcap file/FIFO), flushes after 10 ms of silence
//!   and applies `-C`/`-T`/`-Z` with [`kickfile`] rotation.
//! * [`cli`] holds both tools' option definitions; [`sratool`] their command language, help,
//!   output formats and engine.
//!
//! Example (not run: needs a server):
//!
//! ```no_run
//! # async fn demo() -> Result<(), sra_client::ClientError> {
//! use sra_client::{Client, ClientOptions, Event};
//! let (client, mut events) =
//!     Client::connect_str("tcp:valid-user@127.0.0.1,9999", &ClientOptions::default()).await?;
//! client.authenticated().await?;
//! client
//!     .watch(1, axa_proto::Watch::parse_text("ch=221", axa_proto::WatchMode::Sra).unwrap())
//!     .await?;
//! client.channel(221, true).await?;
//! while let Some(ev) = events.next().await {
//!     if let Event::Hit { tag, whit } = ev {
//!         println!("hit for watch {tag} on ch{}", whit.ch());
//!     }
//! }
//! # Ok(()) }
//! ```
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
