//! nmsgtool-compatible JSON (`nmsg-format.md` §5): output byte-identical to `nmsgtool -J`, and
//! input as `nmsgtool -j` reads it.
//!
//! - [`write_payload`] appends one JSON line (no newline) for a [`Payload`](crate::Payload) straight into a
//!   `String`: no intermediate value tree, one pass over the protobuf fields.
//! - [`parse_payload`] reads one such line back into a [`Payload`](crate::Payload) whose inner message is
//!   encoded as protobuf-c would encode it (see the `parse` rules below).
//! - [`names`] holds the wdns DNS mnemonics, [`rdata`] the wdns rdata presentation text.
//!
//! # Reading (`nmsgtool -j`)
//!
//! Keys other than the schema's protobuf fields are ignored (virtual fields included, so
//! `-J` output reads back). Bytes are base64 decoded leniently like libb64 (characters outside
//! the alphabet are skipped: packet.json's `"testing 123"` gives 7 bytes). Text fields get a
//! terminating NUL appended, as libnmsg stores them. Formatted fields are read from their text
//! (names, classes, types, rcodes, `UDP`, rdata text for the common rrtypes, SIE times, hex
//! sensor ids). Stricter than libnmsg (choices): out-of-range or negative integers, enum
//! numbers the enum does not define, and a formatter-only field without a parser (SIE
//! `response` text) are refused.
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
//!   `{"val":"","b64":""}`; a dnsqr whose only query packet is empty (or does not parse as an
//!   IP/UDP datagram) renders without `query` and `query_json`.
//! - DNS messages (the `*_json` fields, SIE `response` text) longer than 65535 bytes render as
//!   unparsable (`null`, `"<PARSE ERROR>"`): no DNS transport carries more, and it bounds the
//!   work.
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
