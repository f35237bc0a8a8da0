//! The error type of containers and I/O.
//!
//! Every variant except [`Error::Io`] is a *data error*: something wrong with one container,
//! fragment or payload. Readers count a data error, skip what it concerns and go on reading
//! ([`Error::is_data_error`]), as go-nmsg's `IsDataError` lets its callers do. An I/O error comes
//! from the underlying file or socket and is for the caller to judge.

use crate::proto::ProtoError;

/// Why a container, fragment or payload was refused, or why reading or writing failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file, stream or socket failed.
    #[error("nmsg: I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// The input does not start with the magic `NMSG`.
    #[error("nmsg: incorrect magic number in NMSG header")]
    BadMagic,
    /// The version word is neither 2 (nor 1 where legacy files are accepted).
    #[error("nmsg: unsupported version {0}")]
    BadVersion(u8),
    /// The header's length field is above the configured limit.
    #[error("nmsg: container length {len} exceeds the limit {max}")]
    TooLong {
        /// The declared length.
        len: usize,
        /// The limit ([`crate::Limits::max_container`]).
        max: usize,
    },
    /// The input ends before the header or the body does.
    #[error("nmsg: truncated input: need {need} bytes, have {have}")]
    Truncated {
        /// Bytes the header says are needed.
        need: usize,
        /// Bytes present.
        have: usize,
    },
    /// A datagram (or a single container) holds more bytes than its header announces.
    #[error("nmsg: {extra} bytes after the container")]
    TrailingBytes {
        /// The number of unexpected bytes.
        extra: usize,
    },
    /// The body is not valid protobuf, or lacks a required field.
    #[error(transparent)]
    Proto(#[from] ProtoError),
    /// The zlib stream is corrupt or ends early.
    #[error("nmsg: zlib: {0}")]
    Zlib(String),
    /// The declared or the actual uncompressed size is above the limit.
    #[error("nmsg: zlib: uncompressed size above the limit {max}")]
    InflateTooLarge {
        /// The limit ([`crate::Limits::max_inflated`]).
        max: usize,
    },
    /// The uncompressed size differs from the declared one.
    #[error("nmsg: zlib: declared {declared} bytes, inflated {actual}")]
    InflateSizeMismatch {
        /// The 4-byte big-endian length prefix.
        declared: usize,
        /// What the stream inflated to.
        actual: usize,
    },
    /// A payload's CRC-32C does not match the container's `payload_crcs` entry. The other
    /// payloads of the container are still delivered.
    #[error("nmsg: crc mismatch on payload {index} (calc {computed:#010x} != wire {wire:#010x})")]
    CrcMismatch {
        /// 0-based position of the payload in its container.
        index: usize,
        /// The value on the wire.
        wire: u32,
        /// The byte-swapped CRC-32C computed over the payload.
        computed: u32,
    },
    /// A fragment was given where a whole container is required.
    #[error("nmsg: fragment where a whole container was expected")]
    Fragmented,
    /// A single-payload container holds another number of payloads.
    #[error("nmsg: expected exactly one payload, found {0}")]
    PayloadCount(usize),
    /// A fragment's `current` index is above its `last` index.
    #[error("nmsg: fragment {current} is past the last one ({last})")]
    FragmentPastLast {
        /// The fragment's index.
        current: u32,
        /// Its `last` field.
        last: u32,
    },
    /// A fragment names another `last` than the earlier fragments of its set.
    #[error("nmsg: fragment set changed its last index from {before} to {now}")]
    FragmentLastChanged {
        /// The `last` of the set.
        before: u32,
        /// The `last` of the new fragment.
        now: u32,
    },
    /// A fragment set announces more fragments than allowed.
    #[error("nmsg: fragment set of {count} fragments exceeds the limit {max}")]
    TooManyFragments {
        /// `last + 1`.
        count: u64,
        /// [`crate::Limits::max_fragments`].
        max: u32,
    },
    /// The fragments of one set add up to more than a container may hold.
    #[error("nmsg: fragment set larger than {max} bytes")]
    FragmentSetTooLarge {
        /// [`crate::Limits::max_container`].
        max: usize,
    },
}

impl Error {
    /// True for every error about the data (skip it and keep reading); false for I/O errors.
    pub fn is_data_error(&self) -> bool {
        !matches!(self, Error::Io(_))
    }
}

/// Results of this crate's container and I/O functions.
pub type Result<T, E = Error> = std::result::Result<T, E>;
