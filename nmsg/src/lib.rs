//! # nmsg: the NMSG data format
//!
//! (Crate docs are being written by the nmsg issue.)
#![forbid(unsafe_code)]

pub mod payload;
pub mod proto;
mod random;
pub mod reader;

// Containers and I/O (helper "nmsg-io").
pub mod container;
pub mod crc;
pub mod error;
pub mod fragment;
pub mod header;
pub mod input;
pub mod limits;
pub mod reassembly;
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
