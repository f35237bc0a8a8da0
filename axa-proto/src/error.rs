//! Typed errors for frame and body validation, worded close to libaxa's messages.

use crate::direction::Direction;
use crate::op::OpName;

/// Why a frame was rejected: the header checks of spec §1.4 (in that order), the body
/// checks of §1.6–§1.7, or a structural problem found while decoding.
///
/// The texts follow libaxa's `axa_ck_hdr`/`axa_ck_body` wording, minus libaxa's
/// `from LABEL` suffix: this crate knows nothing about peers, so callers add that context
/// (e.g. `"{err} from {peer}"`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtoError {
    /// Header check 1: total length below 8.
    #[error("AXA header length of {len} is too small")]
    HeaderTooShort {
        /// The header `len` field.
        len: u32,
    },
    /// Header check 2: protocol version outside 1..=2.
    #[error("unknown protocol version #{pvers} for {op}")]
    BadVersion {
        /// The header `pvers` byte.
        pvers: u8,
        /// The header op.
        op: OpName,
    },
    /// Header check 3: body longer than [`crate::MAX_BODY_LEN`].
    ///
    /// libaxa prints this length as a signed 32-bit number (spec §16 item 1); we print the
    /// unsigned value.
    #[error("impossible body length {len}")]
    ImpossibleBodyLength {
        /// Body length = header `len` − 8.
        len: u32,
    },
    /// Header check 4: the op needs a non-zero tag (also every unknown op with tag 0).
    #[error("missing tag for {op}")]
    MissingTag {
        /// The header op.
        op: OpName,
    },
    /// Header check 4: the op needs tag 0.
    #[error("unexpected tag {tag} for {op}")]
    UnexpectedTag {
        /// The header tag.
        tag: u16,
        /// The header op.
        op: OpName,
    },
    /// Header check 5: the op may not travel this way (also every unknown op with a tag).
    #[error("{op} illegal from {} to {}", .dir.endpoints().0, .dir.endpoints().1)]
    IllegalDirection {
        /// The header op.
        op: OpName,
        /// The direction the frame was checked for.
        dir: Direction,
    },
    /// Header check 6: body above the op's maximum.
    #[error("length {len} for {op} should be at most {max}")]
    BodyTooLong {
        /// Body length.
        len: u32,
        /// The header op.
        op: OpName,
        /// The op's maximum.
        max: u32,
    },
    /// Header check 7: body below the op's minimum.
    #[error("length {len} for {op} must be at least {min}")]
    BodyTooShort {
        /// Body length.
        len: u32,
        /// The header op.
        op: OpName,
        /// The op's minimum.
        min: u32,
    },
    /// The buffer handed to a whole-frame decoder is not exactly `len` bytes.
    #[error("frame of {actual} bytes but its header says {len}")]
    LengthMismatch {
        /// The header `len` field.
        len: u32,
        /// The bytes available.
        actual: usize,
    },
    /// A string field lacks its terminating NUL (`OK message not null terminated`,
    /// `USER user name not null terminated`, ...).
    #[error("{op} {field} not null terminated")]
    NotNulTerminated {
        /// The op.
        op: OpName,
        /// libaxa's name for the field (`message`, `version`, `user name`, `channel`,
        /// `name`, `parameters`).
        field: &'static str,
    },
    /// A string field that should end with NUL is empty (`… truncated`).
    #[error("{op} {field} truncated")]
    Truncated {
        /// The op.
        op: OpName,
        /// libaxa's name for the field.
        field: &'static str,
    },
    /// An anomaly module name field lacks its NUL (`ANOMALY HIT "…" name not null
    /// terminated`).
    #[error("{op} \"{name}\" name not null terminated")]
    AnomalyNameNotNulTerminated {
        /// The op.
        op: OpName,
        /// The 32 name bytes, lossily decoded.
        name: String,
    },
    /// A channel number outside 0..=4095 (or 0xFFFF where "all" is not allowed).
    #[error("{op} ch{ch} is an invalid channel")]
    InvalidChannel {
        /// The op.
        op: OpName,
        /// The channel number.
        ch: u16,
    },
    /// A watch (WATCH or WATCH LIST body) broke a rule of spec §1.7.
    #[error("{op} {reason}")]
    BadWatch {
        /// `WATCH` or `WATCH LIST`.
        op: OpName,
        /// Which rule.
        reason: WatchWireError,
    },
    /// A WATCH HIT shorter than its type's fixed header.
    #[error("{op} bad {kind} watch hit length {len}")]
    BadWhitLength {
        /// The op.
        op: OpName,
        /// `nmsg` or `IP`.
        kind: &'static str,
        /// The watch hit length.
        len: usize,
    },
    /// A WATCH HIT whose type is neither NMSG (0) nor IP (1).
    #[error("{op} bad watch hit type {kind}")]
    BadWhitType {
        /// The op.
        op: OpName,
        /// The type byte.
        kind: u8,
    },
    /// OPTION with a type other than 0..=3. libaxa cuts the number off (spec §1.6.9).
    #[error("OPTION unknown option type")]
    UnknownOptionType {
        /// The type byte.
        kind: u8,
    },
    /// OPTION whose length does not fit its type. libaxa says "rate limit" for every type.
    #[error("OPTION {opt} bad rate limit option length {len}")]
    BadOptionLength {
        /// libaxa's option name (`TRACE`, `Rate LIMIT`, `SAMPLE`, `SNDBUF`).
        opt: &'static str,
        /// The whole OPTION body length.
        len: usize,
    },
    /// A body that passed the wire checks but cannot be interpreted (e.g. an NMSG container
    /// that does not decode, or inconsistent STATS objects).
    #[error("{op} {reason}")]
    Undecodable {
        /// The op.
        op: OpName,
        /// What is wrong.
        reason: String,
    },
}

/// A broken watch rule of spec §1.7; printed after the op name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum WatchWireError {
    /// The pad byte is not 0 (printed with `%#x`, spec §16 item 3).
    #[error("bad watch byte {}", hex_c(*.0))]
    BadPad(u8),
    /// Flags with bits other than WILD|SHARED.
    #[error("bad watch flags {}", hex_c(*.0))]
    BadFlags(u8),
    /// IPv4 pattern not 1..=4 bytes (the number is the whole watch length).
    #[error("bad IPv4 length {0}")]
    BadIpv4Length(usize),
    /// IPv6 pattern not 1..=16 bytes (the number is the whole watch length).
    #[error("bad IPv6 length {0}")]
    BadIpv6Length(usize),
    /// Prefix 0 or longer than the address bytes present.
    #[error("bad prefix length {prefix} for address length {addr_len}")]
    BadPrefix {
        /// The prefix byte.
        prefix: u8,
        /// Pattern bytes present.
        addr_len: usize,
    },
    /// DNS pattern not 1..=255 bytes (the number is the whole watch length).
    #[error("bad dns length {0}")]
    BadDnsLength(usize),
    /// The DNS pattern is not exactly one wire name.
    #[error("bad dns label lengths")]
    BadDnsLabels,
    /// Channel pattern not 2 bytes (the number is the whole watch length).
    #[error("bad channel watch length {0}")]
    BadChannelLength(usize),
    /// Channel above 4095 (0xFFFF "all" included).
    #[error("ch{0} is an invalid channel")]
    InvalidChannel(u16),
    /// An errors watch with a pattern (the number is the whole watch length).
    #[error("bad error watch length {0}")]
    BadErrorsLength(usize),
    /// A watch type other than 1..=5.
    #[error("unknown watch type {0}")]
    UnknownType(u8),
}

/// C's `%#x`: `0` for zero, else `0x` + lower-case hex.
fn hex_c(v: u8) -> String {
    if v == 0 {
        "0".to_string()
    } else {
        format!("{v:#x}")
    }
}
