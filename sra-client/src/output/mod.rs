//! Where sratunnel (and sratool's `forward`) put watch hits: one [`Output`] trait over pcap
//! files and FIFOs, NMSG files, NMSG over UDP/TCP and JSON lines.
//!
//! # Design: a synchronous trait, driven from one thread
//!
//! [`Output`] is deliberately **synchronous**. Outputs are local sinks (a file, a FIFO, a UDP
//! socket, a TCP connection to a local collector) whose writes are buffered and cheap; keeping
//! them sync makes them object-safe (`Box<dyn Output>`), usable from sratool's blocking command
//! loop, and free of executor concerns. The tunnel runs its output on a dedicated thread fed by
//! a bounded channel (so a stalled FIFO reader or disk never blocks the network task; hits that
//! do not fit are counted and dropped), and calls [`Output::flush`] after
//! [`FLUSH_AFTER_SILENCE`] without a new hit, so buffered NMSG containers from a quiet channel
//! are not held back.
//!
//! Errors: [`OutputError::is_fatal`] tells a per-hit refusal (e.g. an NMSG type pcap cannot
//! carry; the tunnel logs it, rate-limited, and continues, as libaxa does) from an I/O failure
//! that ends the output.

use std::io;
use std::time::Duration;

pub mod driver;
pub mod json;
pub mod nmsg_out;
pub mod open;
pub mod packet;
pub mod pcap;
pub mod spec;
pub mod udp_batch;

pub use open::open;
pub use spec::OutputSpec;

/// The tunnel flushes an output after this much silence (libaxa: `OUT_FLUSH_MS` = 10 ms).
pub const FLUSH_AFTER_SILENCE: Duration = Duration::from_millis(10);

/// A raw IP packet from an IP watch hit (WHIT type 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpPacket<'a> {
    /// Capture time, seconds.
    pub tv_sec: u32,
    /// Capture time, microseconds.
    pub tv_usec: u32,
    /// Original length of the packet on the wire.
    pub ip_len: u32,
    /// The captured bytes, starting at the IP header.
    pub data: &'a [u8],
}

impl IpPacket<'_> {
    /// Whether the whole packet was captured (`ip_len` equals the captured length).
    pub fn is_complete(&self) -> bool {
        usize::try_from(self.ip_len).is_ok_and(|l| l == self.data.len())
    }
}

/// One watch hit as an output sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Hit<'a> {
    /// One NMSG payload (the single payload of a WHIT NMSG container).
    Nmsg {
        /// SIE channel number.
        channel: u16,
        /// The payload.
        payload: &'a nmsg::Payload,
    },
    /// A raw IP packet.
    Ip {
        /// SIE channel number.
        channel: u16,
        /// The packet.
        packet: IpPacket<'a>,
    },
}

/// What an output did with a hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// Written (possibly only into a buffer).
    Yes,
    /// Deliberately ignored (e.g. an incomplete IP packet on an NMSG output, as libaxa does).
    Skipped,
}

/// Output errors.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The output cannot carry this hit (per-hit; not fatal).
    #[error("{0}")]
    Unsupported(String),
    /// Opening the destination failed.
    #[error("cannot open {what}: {source}")]
    Open {
        /// The destination.
        what: String,
        /// Why.
        source: io::Error,
    },
    /// Writing to the destination failed (fatal).
    #[error("write to {what} failed: {source}")]
    Write {
        /// The destination.
        what: String,
        /// Why.
        source: io::Error,
    },
    /// The output specification is invalid.
    #[error("invalid output {spec:?}: {reason}")]
    Spec {
        /// The text given.
        spec: String,
        /// What is wrong.
        reason: String,
    },
}

impl OutputError {
    /// Whether the output is unusable after this error.
    pub fn is_fatal(&self) -> bool {
        !matches!(self, OutputError::Unsupported(_))
    }
}

/// A destination for watch hits. See the module documentation for the threading model.
pub trait Output: Send {
    /// Writes (or buffers) one hit.
    fn write_hit(&mut self, hit: &Hit<'_>) -> Result<Written, OutputError>;

    /// Writes one NMSG hit whose payload CRC is already known (`crc`, checked on receipt),
    /// so that NMSG outputs need not compute it again. The default ignores `crc`.
    fn write_nmsg(
        &mut self,
        channel: u16,
        payload: &nmsg::Payload,
        crc: Option<u32>,
    ) -> Result<Written, OutputError> {
        let _ = crc;
        self.write_hit(&Hit::Nmsg { channel, payload })
    }

    /// Writes one NMSG hit whose payload is still encoded: `envelope` is the `NmsgPayload`
    /// exactly as the hit's container held it, already checked (well-formed, required fields
    /// present, its CRC verified when the container carried one). The default decodes it and
    /// calls [`Output::write_nmsg`]; NMSG outputs copy it through as it is.
    fn write_encoded_nmsg(
        &mut self,
        channel: u16,
        envelope: &nmsg::container::CheckedEnvelope,
    ) -> Result<Written, OutputError> {
        match nmsg::Payload::decode(envelope.envelope()) {
            Ok(payload) => self.write_nmsg(channel, &payload, envelope.wire_crc()),
            Err(e) => Err(OutputError::Unsupported(format!(
                "undecodable NMSG payload from ch{channel}: {e}"
            ))),
        }
    }

    /// Pushes buffered data to the destination.
    fn flush(&mut self) -> Result<(), OutputError>;

    /// The hits handed over together (one batch from the network) are written: push out what
    /// is held back only to save system calls (queued UDP datagrams), not partly filled
    /// containers. The default does nothing.
    fn end_batch(&mut self) -> Result<(), OutputError> {
        Ok(())
    }

    /// Bytes handed to the destination so far, including buffered ones (for `-Z`).
    fn bytes_written(&self) -> u64;

    /// Flushes and closes; called before a kickfile rotation and at exit. The output must not
    /// be used afterwards.
    fn finish(&mut self) -> Result<(), OutputError> {
        self.flush()
    }
}
