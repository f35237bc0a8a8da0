//! DNS wire format, as far as NMSG rendering and AXA watch matching need it.
//!
//! Everything here reads borrowed bytes and writes into caller-provided fixed buffers: nothing
//! allocates, every loop is bounded by the input length, and malformed input yields a
//! [`DnsError`], never a panic.
//!
//! - [`name`]: domain names in wire format. [`read_name`] decompresses a possibly compressed name
//!   out of a whole message into a [`NameBuf`] (255-byte limit, labels of at most 63 bytes,
//!   compression pointers that must point strictly backwards, as `wdns_unpack_name` requires, and
//!   at most [`MAX_POINTER_HOPS`] of them). [`wire_name_len`] / [`validate_name`] check the
//!   *uncompressed* names NMSG stores in its fields. Lower-casing for matching is
//!   [`NameBuf::make_ascii_lowercase`].
//! - [`presentation`]: the wdns presentation form of a wire name (`www.example.com.`, root `.`,
//!   `\.` `\\` and `\DDD` escapes), exactly as `wdns_domain_to_str` writes it, and the parser for
//!   the other direction.
//! - [`message`]: a walker over a whole DNS message: the 12-byte [`Header`], then every question
//!   and resource record as a [`Record`] (owner name, type, class, TTL, rdata slice and offset).
//! - [`rdata`]: the domain names inside rdata ([`rdata_names`]) for the rrtypes that hold names,
//!   and A/AAAA addresses ([`rdata_address`]).

pub mod message;
pub mod name;
pub mod presentation;
pub mod rdata;

pub use message::{Header, Record, Records, Section};
pub use name::{read_name, validate_name, wire_name_len, NameBuf, MAX_NAME_LEN, MAX_POINTER_HOPS};
pub use presentation::{parse_name, write_name, NameDisplay};
pub use rdata::{rdata_address, rdata_names, RdataRef};

/// A malformed DNS name, message or rdata.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DnsError {
    /// The data ended inside a name, a header, a record or an rdata field.
    #[error("dns: truncated data")]
    Truncated,
    /// A wire name longer than 255 bytes (final zero included).
    #[error("dns: name longer than 255 bytes")]
    NameTooLong,
    /// A label-length byte of the reserved types 0x40 or 0x80.
    #[error("dns: invalid label type byte {0:#04x}")]
    BadLabelType(u8),
    /// A compression pointer that does not point strictly backwards (a loop or a forward
    /// reference), or one that points outside the message.
    #[error("dns: invalid compression pointer to offset {0}")]
    BadPointer(usize),
    /// More than [`MAX_POINTER_HOPS`] compression pointers in one name.
    #[error("dns: too many compression pointers")]
    TooManyPointers,
    /// A compression pointer where only an uncompressed name is allowed (NMSG fields and
    /// standalone rdata).
    #[error("dns: compressed name where an uncompressed one is required")]
    Compressed,
    /// Bytes after the terminating root label of a name that must fill its field exactly.
    #[error("dns: {0} trailing bytes after a name")]
    TrailingBytes(usize),
    /// An empty input where a name was expected.
    #[error("dns: empty name")]
    Empty,
    /// A name inside rdata runs past the end of the rdata.
    #[error("dns: rdata name runs past the rdata")]
    RdataOverrun,
    /// A presentation-form name with an empty label (`a..b`, a leading dot).
    #[error("dns: empty label in a name")]
    EmptyLabel,
    /// A presentation-form name with a bad escape: a lone backslash at the end, or `\DDD`
    /// with fewer than three digits or a value above 255.
    #[error("dns: bad escape in a name")]
    BadEscape,
}

/// Record type A (RFC 1035).
pub const TYPE_A: u16 = 1;
/// Record type AAAA (RFC 3596).
pub const TYPE_AAAA: u16 = 28;
/// Class IN (RFC 1035).
pub const CLASS_IN: u16 = 1;
