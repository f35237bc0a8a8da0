//! Channels: CHANNEL ON/OFF and CHANNEL LIST bodies (spec §1.6.8) and the channel text
//! syntax (spec §5.3, §16 item 8).

use std::fmt;

use bytes::{BufMut, Bytes};

use crate::error::ProtoError;
use crate::op::Op;
use crate::validate::{check_op_body, CH_ALL, CH_MAX};
use crate::wire::{byte, cstr_lossy, le_u16, put_fixed_cstr};

/// Size of the CLIST spec field (always sent full).
pub const CLIST_SPEC_LEN: usize = 1024;

/// A channel number printed as libaxa does: `chN`, or `all` for 0xFFFF.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ChannelName(pub u16);

impl fmt::Display for ChannelName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == CH_ALL {
            f.write_str("all")
        } else {
            write!(f, "ch{}", self.0)
        }
    }
}

/// Why a channel text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChannelParseError {
    /// Empty (or blank) text.
    #[error("missing channel")]
    Missing,
    /// Anything but `chN`, `N` (N ≤ 4095) or, where allowed, `all`.
    #[error("invalid channel \"{0}\"")]
    Invalid(String),
}

/// Parse a channel: `chN`, `N` (0 ≤ N ≤ 4095), or `all` if `allow_all` (→ 0xFFFF);
/// case-insensitive, surrounding blanks ignored, at most 15 characters.
///
/// Differences from libaxa (spec §16 item 8, fixed on purpose): `all ` with a trailing
/// blank is accepted like `ch5 `; blank-only text and `ch` alone are refused instead of
/// meaning channel 0; signs (`+5`, `-0`, `ch+221`) are refused.
pub fn parse_channel(text: &str, allow_all: bool) -> Result<u16, ChannelParseError> {
    let t = text.trim_matches(|c: char| c.is_ascii_whitespace());
    if t.is_empty() {
        return Err(ChannelParseError::Missing);
    }
    let invalid = || ChannelParseError::Invalid(t.to_string());
    if t.len() > 15 {
        return Err(invalid());
    }
    if allow_all && t.eq_ignore_ascii_case("all") {
        return Ok(CH_ALL);
    }
    let digits = match t.get(..2) {
        Some(p) if p.eq_ignore_ascii_case("ch") => &t[2..],
        _ => t,
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    match digits.parse::<u32>() {
        Ok(n) if n <= CH_MAX as u32 => Ok(n as u16),
        _ => Err(invalid()),
    }
}

/// CHANNEL ON/OFF (op 139, SRA only): switch one channel, or all (0xFFFF).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ChannelOnOff {
    /// 0..=4095 or 0xFFFF = all.
    pub ch: u16,
    /// On (any non-zero byte on the wire) or off.
    pub on: bool,
}

impl ChannelOnOff {
    /// Decode a CHANNEL body.
    pub fn decode(body: &Bytes) -> Result<ChannelOnOff, ProtoError> {
        check_op_body(Op::Channel, body)?;
        Ok(ChannelOnOff::parse_checked(body))
    }

    pub(crate) fn parse_checked(b: &[u8]) -> ChannelOnOff {
        ChannelOnOff {
            ch: le_u16(b, 0),
            on: byte(b, 2) != 0,
        }
    }

    /// Whether this addresses every channel.
    pub fn is_all(&self) -> bool {
        self.ch == CH_ALL
    }

    /// Write the 3-byte body (on = 1).
    pub fn encode<B: BufMut>(&self, out: &mut B) {
        out.put_u16_le(self.ch);
        out.put_u8(self.on as u8);
    }
}

/// CHANNEL LIST (op 9): one channel available to the user. Always 1027 bytes.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Clist {
    /// 0..=4095 ("all" not allowed).
    pub ch: u16,
    /// Switched on for this session.
    pub on: bool,
    /// Human text (address, alias, description), cut to 1023 bytes by the encoder.
    pub spec: String,
}

impl Clist {
    /// Body length.
    pub const LEN: usize = 3 + CLIST_SPEC_LEN;

    /// Decode a CHANNEL LIST body.
    pub fn decode(body: &Bytes) -> Result<Clist, ProtoError> {
        check_op_body(Op::Clist, body)?;
        Ok(Clist::parse_checked(body))
    }

    pub(crate) fn parse_checked(b: &[u8]) -> Clist {
        Clist {
            ch: le_u16(b, 0),
            on: byte(b, 2) != 0,
            spec: cstr_lossy(b.get(3..).unwrap_or_default()),
        }
    }

    /// Write the full 1027-byte body.
    pub fn encode<B: BufMut>(&self, out: &mut B) {
        out.put_u16_le(self.ch);
        out.put_u8(self.on as u8);
        put_fixed_cstr(out, &self.spec, CLIST_SPEC_LEN);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_text() {
        assert_eq!(parse_channel("ch221", false), Ok(221));
        assert_eq!(parse_channel(" CH5 ", false), Ok(5));
        assert_eq!(parse_channel("4095", false), Ok(4095));
        assert_eq!(parse_channel("all ", true), Ok(0xFFFF));
        assert_eq!(parse_channel("ALL", true), Ok(0xFFFF));
        assert_eq!(
            parse_channel("all", false).unwrap_err().to_string(),
            "invalid channel \"all\""
        );
        assert_eq!(parse_channel(" ", true), Err(ChannelParseError::Missing));
        for bad in [
            "ch",
            "4096",
            "+5",
            "-0",
            "ch+221",
            "ch 5",
            "0000000000000001",
            "x1",
        ] {
            assert!(parse_channel(bad, true).is_err(), "{bad}");
        }
        assert_eq!(ChannelName(0xFFFF).to_string(), "all");
        assert_eq!(ChannelName(7).to_string(), "ch7");
    }
}
