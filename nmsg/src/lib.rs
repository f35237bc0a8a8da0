//! # nmsg: the NMSG data format
//!
//! A from-scratch Rust implementation of NMSG (farsightsec libnmsg 1.3.3 / go-nmsg 0.3.0
//! compatible): version-2 containers with zlib, payload CRC-32C, fragments and sequence
//! numbers; legacy version-1 files; message schemas, field extraction for AXA watch matching,
//! and nmsgtool-compatible JSON.
//!
//! ## Containers and I/O
//!
//! - [`container`]: one container ([`container::decode`], [`container::decode_single`] for an
//!   AXA watch hit), its payloads without a per-payload allocation ([`Container::payloads`]),
//!   and building ([`container::encode`], [`ContainerBuilder`]).
//! - [`writer::Writer`]: payloads in, containers out, to any `std::io::Write` (files,
//!   streams) or [`writer::DatagramSink`] (UDP: one container or fragment per datagram), filled
//!   to a size ([`writer::SIZE_MIN`], [`writer::SIZE_ETHER`], [`writer::SIZE_JUMBO`],
//!   [`writer::SIZE_MAX`]), optionally compressed, sequenced, buffered with a timed flush the
//!   caller drives, or unbuffered.
//! - [`Input`]: the sans-IO reading engine (reassembly, loss counting, statistics);
//!   [`reader::StreamReader`] and [`reader::DatagramReader`] are blocking loops over it.
//! - Pass-through without decoding: readers hand out payloads still encoded with their
//!   checked CRC ([`reader::StreamReader::next_encoded`], [`Payloads::next_encoded`]) and
//!   writers take them as they are ([`writer::Writer::write_encoded_with_crc`]), as
//!   `nmsgtool-rs -r in -w out` does.
//! - A [`writer::Writer`] dropped with payloads pending sends them (errors are logged); call
//!   [`writer::Writer::flush`] to see the error.
//! - Data errors (a bad datagram, a CRC mismatch) are counted and skipped, never the end of an
//!   input; I/O errors are the caller's ([`Error::is_data_error`]). Every decoder is bounded by
//!   [`Limits`].
//!
//! ## Example
//!
//! ```
//! use bytes::Bytes;
//! use nmsg::writer::{Writer, WriterConfig};
//! use nmsg::reader::StreamReader;
//! use nmsg::{container, Limits, Payload};
//!
//! let p = Payload {
//!     vid: 2,
//!     msgtype: 1,
//!     time_sec: 1_519_311_169,
//!     time_nsec: 0,
//!     payload: Some(Bytes::from_static(b"\x08\x01")),
//!     source: Some(0xa1ba_02cf),
//!     ..Payload::default()
//! };
//!
//! // A file: containers back to back.
//! let mut w = Writer::to_stream(Vec::new(), WriterConfig::file());
//! w.write(&p)?;
//! w.write(&p)?;
//! let file = w.into_inner()?.0;
//! let back: Vec<Payload> =
//!     StreamReader::new(&file[..], Limits::default()).collect::<Result<_, _>>()?;
//! assert_eq!(back, [p.clone(), p.clone()]);
//!
//! // One container holding one payload, as inside an AXA watch hit.
//! let mut hit = Vec::new();
//! container::encode(std::slice::from_ref(&p), &mut hit);
//! assert_eq!(container::decode_single(&Bytes::from(hit), &Limits::default())?, p);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod payload;
pub mod proto;

// Containers and I/O (helper "nmsg-io").
pub mod container;
pub mod crc;
pub mod error;
pub mod fragment;
pub mod header;
pub mod input;
pub mod limits;
mod random;
pub mod reader;
pub mod reassembly;
mod scan;
pub mod sequence;
pub mod stats;
pub mod writer;
pub mod zlib;

pub use container::{Container, ContainerBuilder, Frame, Payloads, Sequence};
pub use error::{Error, Result};
pub use input::Input;
pub use limits::Limits;
pub use stats::Stats;

// ---- Modules of the other helpers ("schemas", "fields"): add your lines below. ----
// Modules of the fields helper.
pub mod dns;
pub mod fields;
// Modules of the schemas helper.
pub mod json;
pub mod schema;
pub mod vendor;

pub use payload::Payload;
