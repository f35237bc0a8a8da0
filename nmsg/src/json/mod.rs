//! nmsgtool-compatible JSON (`nmsg-format.md` §5): output byte-identical to `nmsgtool -J`, and
//! input as `nmsgtool -j` reads it.
//!
//! - [`write_payload`] appends one JSON line (no newline) for a [`Payload`] straight into a
//!   `String`: no intermediate value tree, one pass over the protobuf fields.
//! - [`parse_payload`] reads one such line back into a [`Payload`] whose inner message is
//!   encoded as protobuf-c would encode it.
//!
//! # Choices where libnmsg gives no usable answer (`nmsg-format.md` §10.9)
//!
//! - Payloads nmsgtool cannot render (§5.4: unknown type, undecodable bytes, a failing
//!   formatter) give a [`JsonError`] and nothing is written; callers count and go on.
//! - A double whose `%.18f` text takes 64 characters or more (nmsgtool cuts the line short)
//!   gives [`JsonError::DoubleTooLong`]. `nan`/`inf`/`-inf` are copied as nmsgtool writes them.
//! - Bytes that are not UTF-8 where libnmsg copies raw bytes (encode payloads, and the
//!   surrogates / code points above U+10FFFF that its UTF-8 repair lets through) cannot be
//!   stored in a `String`; they become U+FFFD.
//! - An encode payload of type TEXT/YAML/XML that is empty (nmsgtool crashes) renders as
//!   `{"val":"","b64":""}`; a dnsqr whose only query packet is empty renders `"query":null,
//!   "query_json":null`.
//! - `operator` and `group` print as numbers (no alias files are read).

mod dns_message;
mod dns_text;
pub mod names;
mod parse;
pub mod rdata;
mod rdata_parse;
mod render;
mod text;
mod virtuals;

pub use parse::parse_payload;
pub use render::{write_payload, write_payload_line};

/// Why a payload cannot be rendered as JSON, or a JSON line cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JsonError {
    /// No schema for this (vid, msgtype).
    #[error("unknown message type {0}:{1}")]
    UnknownType(u32, u32),
    /// The payload bytes do not decode as the schema.
    #[error("payload does not decode: {0}")]
    Decode(#[from] crate::schema::SchemaError),
    /// A field formatter failed (`nmsg-format.md` §5.4).
    #[error("field {0} cannot be formatted")]
    Format(&'static str),
    /// A double too long for nmsgtool's 64-byte buffer.
    #[error("field {0}: double too long to render")]
    DoubleTooLong(&'static str),
    /// The input line is not valid JSON or not an object.
    #[error("invalid JSON: {0}")]
    Syntax(String),
    /// A key of the input is missing or has a value of the wrong kind.
    #[error("invalid value for {0}")]
    Value(String),
}
