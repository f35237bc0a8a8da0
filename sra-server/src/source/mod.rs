//! Channel sources (architecture step 1): tasks that read one channel's input and hand it to
//! the channel's ingest task as [`Unit`]s over a bounded queue.
//!
//! Four kinds, one per [`config::Source`] variant:
//! - [`udp`]: NMSG datagrams on one socket per port (unicast or broadcast address), with
//!   fragment reassembly and per-(sequence_id, sender) loss counting by [`nmsg::Input`];
//! - [`file`](mod@file): replay of an NMSG file, paced in payloads per second, optionally looping;
//! - [`pcap`]: replay of a classic pcap file of IP packets, paced in packets per second;
//! - [`generator`]: the built-in traffic [`crate::generator`] at its configured rate.
//!
//! A source blocks (awaits) when the queue is full, it never drops: a file or the generator
//! just slows down, and a UDP socket's kernel buffer overflows, which the senders' sequence
//! numbers then report as loss (`missed`). Data errors (bad datagrams, bad containers) are
//! counted in the channel's [`ChannelStats`] and skipped; they never stop a source. A source
//! ends when its input ends (a file without `loop`) or when the ingest side has gone.

pub mod file;
pub mod generator;
pub mod pace;
pub mod pcap;
pub mod pcap_reader;
mod replay;
pub mod udp;

use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use nmsg::{Container, Payload};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::config;
use crate::feed::ChannelStats;

/// The most payloads or packets a replaying source puts in one [`Unit`].
pub const MAX_BATCH: usize = 256;

/// Queue depth between a channel's sources and its ingest task, in units.
pub const QUEUE_UNITS: usize = 1024;

/// One raw IP datagram with its capture time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet {
    /// The datagram, from the IP header on (no link layer).
    pub data: Bytes,
    /// Capture time, seconds.
    pub tv_sec: u32,
    /// Capture time, microseconds.
    pub tv_usec: u32,
    /// Length of the packet on the wire (≥ `data.len()` when the capture was cut short).
    pub orig_len: u32,
}

/// What a source hands to the ingest task.
#[derive(Debug)]
pub enum Unit {
    /// One complete NMSG container (reassembled if it came in fragments, inflated if it was
    /// compressed).
    Container(Container),
    /// A batch of NMSG payloads (file replay, generator).
    Payloads(Vec<Payload>),
    /// A batch of IP datagrams (pcap replay, darknet generator).
    Packets(Vec<Packet>),
    /// `n` input containers were lost (sequence gaps): charged as `missed`.
    Loss(u64),
}

/// Why a source could not start.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// A UDP socket could not be set up.
    #[error("UDP {addr}: {source}")]
    Bind {
        /// The address and port.
        addr: std::net::SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
    /// A replay file could not be opened or is not of the expected format.
    #[error("{}: {message}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// The sending side of a channel's queue, with the channel's counters.
#[derive(Debug, Clone)]
pub struct Sink {
    tx: mpsc::Sender<Unit>,
    stats: Arc<ChannelStats>,
}

impl Sink {
    /// A sink into `tx`, counting into `stats`.
    pub fn new(tx: mpsc::Sender<Unit>, stats: Arc<ChannelStats>) -> Sink {
        Sink { tx, stats }
    }

    /// The channel's counters.
    pub fn stats(&self) -> &ChannelStats {
        &self.stats
    }

    /// Queues `unit`, waiting while the queue is full; false when the ingest side is gone.
    pub async fn send(&self, unit: Unit) -> bool {
        self.tx.send(unit).await.is_ok()
    }

    /// [`Sink::send`] from a blocking thread (file replay); never call it from async code.
    pub fn send_blocking(&self, unit: Unit) -> bool {
        self.tx.blocking_send(unit).is_ok()
    }

    /// True when the ingest side is gone.
    pub fn is_closed(&self) -> bool {
        self.tx.is_closed()
    }
}

/// Starts the source described by `source` for one channel: binds its sockets or opens its
/// file now (so configuration mistakes surface at start-up), then spawns its task(s) on the
/// current tokio runtime, feeding `sink`. Must be called within a tokio runtime.
pub fn spawn(source: &config::Source, sink: Sink) -> Result<Vec<JoinHandle<()>>, SourceError> {
    match source {
        config::Source::Udp { addr, ports } => udp::spawn(*addr, *ports, sink),
        config::Source::File { path, rate, repeat } => {
            file::spawn(path.clone(), *rate, *repeat, sink).map(|h| vec![h])
        }
        config::Source::Pcap { path, rate, repeat } => {
            pcap::spawn(path.clone(), *rate, *repeat, sink).map(|h| vec![h])
        }
        config::Source::Generator {
            generator,
            rate,
            seed,
        } => Ok(vec![generator::spawn(*generator, *rate, *seed, sink)]),
    }
}
