//! The 8-byte AXA header (spec §1.1) and its checks (spec §1.4, libaxa `axa_ck_hdr`).

use bytes::BufMut;

use crate::direction::Direction;
use crate::error::ProtoError;
use crate::op::{Op, OpName};

/// Size of the header on the wire.
pub const HEADER_LEN: usize = 8;
/// AXA_P_MAX_BODY_LEN: no body may be longer (3 × 64 KiB), whatever the op.
pub const MAX_BODY_LEN: usize = 196_608;
/// Lowest protocol version this crate (and libaxa 3.0.2) understands.
pub const PVERS_MIN: u8 = 1;
/// Highest protocol version understood.
pub const PVERS_MAX: u8 = 2;
/// The protocol version this crate speaks by default.
pub const PVERS: u8 = 2;
/// AXA_TAG_NONE: the tag of untagged messages (printed `*`).
pub const TAG_NONE: u16 = 0;

/// The 8-byte header: all fields as on the wire, unchecked until [`Header::check`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Header {
    /// Total message length INCLUDING these 8 bytes.
    pub len: u32,
    /// Request/watch tag; 0 = none.
    pub tag: u16,
    /// Protocol version of this message (1 or 2).
    pub pvers: u8,
    /// Opcode byte (see [`Op`]).
    pub op: u8,
}

/// What spec §1.4 says about one op's tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TagRule {
    /// The tag must be 0.
    None,
    /// The tag must be non-zero.
    Required,
    /// Not checked.
    Any,
}

/// The per-op limits of spec §1.4.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpRule {
    /// Tag rule.
    pub tag: TagRule,
    /// Minimum body length.
    pub min: u32,
    /// Maximum body length (before the global cap [`MAX_BODY_LEN`]).
    pub max: u32,
}

impl Op {
    /// The tag rule and body limits of spec §1.4 for this op.
    pub const fn rule(self) -> OpRule {
        use TagRule::*;
        let (tag, min, max) = match self {
            Op::Nop => (Any, 0, 0),
            Op::Hello => (None, 10, 522),
            Op::Ok | Op::Error => (Any, 1, 513),
            Op::Missed => (None, 36, 36),
            Op::Whit => (Required, 17, 393_236),
            Op::Wlist => (Any, 8, 264),
            Op::Ahit => (Required, 49, 393_268),
            Op::Alist => (Any, 36, 8228),
            Op::Clist => (Any, 1027, 1027),
            Op::MissedRad => (None, 60, 60),
            Op::MgmtGetRsp => (Any, 50, 50),
            Op::KillRsp | Op::KillReq => (Any, 76, 76),
            Op::StatsRsp => (Any, 5, 1_517_233),
            Op::User => (Any, 64, 64),
            Op::Join => (Any, 8, 8),
            Op::Watch => (Required, 4, 260),
            Op::Anom => (Required, 32, 8224),
            Op::Stop => (Required, 0, 0),
            Op::Channel => (Any, 3, 3),
            Op::Opt => (Any, 8, 1032),
            Op::StatsReq => (Any, 70, 70),
            Op::Pause
            | Op::Go
            | Op::Wget
            | Op::Aget
            | Op::AllStop
            | Op::Cget
            | Op::Acct
            | Op::Radu
            | Op::MgmtGet => (Any, 0, 0),
        };
        OpRule { tag, min, max }
    }
}

impl Header {
    /// A header for a body of `body_len` bytes.
    ///
    /// The length is not checked here; frames built by this crate's encoders never exceed
    /// [`MAX_BODY_LEN`] except where the caller supplies an over-long payload (e.g. a WATCH
    /// HIT container), which [`Header::check`] on the sending side catches.
    pub fn new(tag: u16, pvers: u8, op: Op, body_len: usize) -> Header {
        Header {
            len: u32::try_from(body_len.saturating_add(HEADER_LEN)).unwrap_or(u32::MAX),
            tag,
            pvers,
            op: op.as_u8(),
        }
    }

    /// Read the 8 header bytes (no check).
    pub fn from_bytes(b: &[u8; HEADER_LEN]) -> Header {
        Header {
            len: u32::from_le_bytes([b[0], b[1], b[2], b[3]]),
            tag: u16::from_le_bytes([b[4], b[5]]),
            pvers: b[6],
            op: b[7],
        }
    }

    /// Read the header from the start of `buf`, or `None` if fewer than 8 bytes.
    pub fn peek(buf: &[u8]) -> Option<Header> {
        let b: &[u8; HEADER_LEN] = buf.get(..HEADER_LEN)?.try_into().ok()?;
        Some(Header::from_bytes(b))
    }

    /// The 8 wire bytes.
    pub fn to_bytes(&self) -> [u8; HEADER_LEN] {
        let mut b = [0u8; HEADER_LEN];
        b[..4].copy_from_slice(&self.len.to_le_bytes());
        b[4..6].copy_from_slice(&self.tag.to_le_bytes());
        b[6] = self.pvers;
        b[7] = self.op;
        b
    }

    /// Append the 8 wire bytes to `out`.
    pub fn write<B: BufMut>(&self, out: &mut B) {
        out.put_slice(&self.to_bytes());
    }

    /// Body length (`len` − 8; 0 if `len` < 8).
    pub fn body_len(&self) -> usize {
        (self.len as usize).saturating_sub(HEADER_LEN)
    }

    /// The op, if known.
    pub fn op(&self) -> Option<Op> {
        Op::from_u8(self.op)
    }

    /// The header checks of spec §1.4, in the spec's order (first failure wins): length,
    /// version, body cap, tag rule, direction, per-op maximum, per-op minimum.
    ///
    /// On success the op is known and the body length is within the op's limits, so a
    /// receiver may allocate `body_len()` bytes (never more than [`MAX_BODY_LEN`]).
    /// Table-driven: one lookup per header on the hot path.
    #[inline]
    pub fn check(&self, dir: Direction) -> Result<Op, ProtoError> {
        let e = &RULES[self.op as usize];
        let body = self.len.wrapping_sub(HEADER_LEN as u32);
        let ok = self.len as usize >= HEADER_LEN
            && (PVERS_MIN..=PVERS_MAX).contains(&self.pvers)
            && body <= e.max
            && body >= e.min
            && e.dirs & dir_bit(dir) != 0
            && match e.tag {
                TagRule::Required => self.tag != TAG_NONE,
                TagRule::None => self.tag == TAG_NONE,
                TagRule::Any => true,
            };
        match (ok, e.op) {
            (true, Some(op)) => Ok(op),
            _ => Err(self.check_error(dir)),
        }
    }

    /// The first failing check, in the spec's order (cold path of [`Header::check`]).
    #[cold]
    #[inline(never)]
    fn check_error(&self, dir: Direction) -> ProtoError {
        let name = OpName(self.op);
        if (self.len as usize) < HEADER_LEN {
            return ProtoError::HeaderTooShort { len: self.len };
        }
        if !(PVERS_MIN..=PVERS_MAX).contains(&self.pvers) {
            return ProtoError::BadVersion {
                pvers: self.pvers,
                op: name,
            };
        }
        let len = self.len - HEADER_LEN as u32;
        if len as usize > MAX_BODY_LEN {
            return ProtoError::ImpossibleBodyLength { len };
        }
        let Some(op) = Op::from_u8(self.op) else {
            // Unknown ops are "tagged" and illegal in every direction.
            return if self.tag == TAG_NONE {
                ProtoError::MissingTag { op: name }
            } else {
                ProtoError::IllegalDirection { op: name, dir }
            };
        };
        let rule = op.rule();
        match rule.tag {
            TagRule::Required if self.tag == TAG_NONE => {
                return ProtoError::MissingTag { op: name };
            }
            TagRule::None if self.tag != TAG_NONE => {
                return ProtoError::UnexpectedTag {
                    tag: self.tag,
                    op: name,
                };
            }
            _ => {}
        }
        if !dir.allows(op) {
            return ProtoError::IllegalDirection { op: name, dir };
        }
        if len > rule.max {
            return ProtoError::BodyTooLong {
                len,
                op: name,
                max: rule.max,
            };
        }
        ProtoError::BodyTooShort {
            len,
            op: name,
            min: rule.min,
        }
    }
}

const fn dir_bit(d: Direction) -> u8 {
    match d {
        Direction::ToSra => 1,
        Direction::FromSra => 2,
        Direction::ToRad => 4,
        Direction::FromRad => 8,
    }
}

/// One row of the header-check table.
#[derive(Clone, Copy)]
struct RuleEntry {
    op: Option<Op>,
    tag: TagRule,
    min: u32,
    /// min(op maximum, MAX_BODY_LEN)
    max: u32,
    dirs: u8,
}

/// Spec §1.4 as a table indexed by the op byte; unknown ops fail every check.
static RULES: [RuleEntry; 256] = {
    let mut t = [RuleEntry {
        op: None,
        tag: TagRule::Required,
        min: u32::MAX,
        max: 0,
        dirs: 0,
    }; 256];
    let mut i = 0;
    while i < Op::ALL.len() {
        let op = Op::ALL[i];
        let r = op.rule();
        let mut dirs = 0;
        let all = [
            Direction::ToSra,
            Direction::FromSra,
            Direction::ToRad,
            Direction::FromRad,
        ];
        let mut k = 0;
        while k < 4 {
            if all[k].allows(op) {
                dirs |= dir_bit(all[k]);
            }
            k += 1;
        }
        let max = if r.max as usize > MAX_BODY_LEN {
            MAX_BODY_LEN as u32
        } else {
            r.max
        };
        t[op as usize] = RuleEntry {
            op: Some(op),
            tag: r.tag,
            min: r.min,
            max,
            dirs,
        };
        i += 1;
    }
    t
};

#[cfg(test)]
mod tests {
    use super::*;

    fn hdr(len: u32, tag: u16, pvers: u8, op: u8) -> Header {
        Header {
            len,
            tag,
            pvers,
            op,
        }
    }

    #[test]
    fn order_of_checks_and_texts() {
        let d = Direction::ToSra;
        assert_eq!(
            hdr(7, 0, 9, 200).check(d).unwrap_err().to_string(),
            "AXA header length of 7 is too small"
        );
        assert_eq!(
            hdr(0x8000_0008, 0, 0, 0).check(d).unwrap_err().to_string(),
            "unknown protocol version #0 for NOP"
        );
        assert_eq!(
            hdr(0x8000_0008, 0, 1, 0).check(d).unwrap_err().to_string(),
            "impossible body length 2147483648"
        );
        assert_eq!(
            hdr(8, 0, 2, 14).check(d).unwrap_err().to_string(),
            "missing tag for unknown op #14"
        );
        assert_eq!(
            hdr(8, 1, 2, 14).check(d).unwrap_err().to_string(),
            "unknown op #14 illegal from SRA client to SRA"
        );
        assert_eq!(
            hdr(8 + 36, 1, 2, 4)
                .check(Direction::FromSra)
                .unwrap_err()
                .to_string(),
            "unexpected tag 1 for MISSED"
        );
        assert_eq!(
            hdr(8, 1, 2, 5).check(d).unwrap_err().to_string(),
            "WATCH HIT illegal from SRA client to SRA"
        );
        assert_eq!(
            hdr(8 + 4, 0, 2, 139).check(d).unwrap_err().to_string(),
            "length 4 for CHANNEL ON/OFF should be at most 3"
        );
        assert_eq!(
            hdr(8 + 2, 0, 2, 139).check(d).unwrap_err().to_string(),
            "length 2 for CHANNEL ON/OFF must be at least 3"
        );
        assert_eq!(hdr(8 + 3, 0, 1, 139).check(d), Ok(Op::Channel));
        assert!(hdr(8 + 3, 0, 1, 139).check(Direction::ToRad).is_err());
        // the cap applies before the per-op maximum
        assert!(matches!(
            hdr(8 + 196_609, 1, 2, 5).check(Direction::FromSra),
            Err(ProtoError::ImpossibleBodyLength { .. })
        ));
        assert!(hdr(8 + 196_608, 1, 2, 5).check(Direction::FromSra).is_ok());
    }

    /// The table-driven check agrees with the spec's step-by-step order on every op,
    /// direction, tag class, version and interesting length.
    #[test]
    fn table_matches_step_by_step() {
        let dirs = [
            Direction::ToSra,
            Direction::FromSra,
            Direction::ToRad,
            Direction::FromRad,
        ];
        let mut lens: Vec<u32> = vec![0, 7, 8, 9, 0x8000_0008, u32::MAX];
        for op in Op::ALL {
            let r = op.rule();
            for l in [r.min, r.max, r.min.wrapping_sub(1), r.max.wrapping_add(1)] {
                lens.push(l.wrapping_add(8));
            }
        }
        lens.push(8 + MAX_BODY_LEN as u32);
        lens.push(9 + MAX_BODY_LEN as u32);
        for op in 0..=255u8 {
            for &len in &lens {
                for tag in [0u16, 1, 65535] {
                    for pvers in 0..=3u8 {
                        for dir in dirs {
                            let h = hdr(len, tag, pvers, op);
                            let slow = {
                                let e = h.check_error(dir);
                                // check_error's last step is "below minimum": it is only
                                // an error if the length really is below the minimum.
                                match (&e, Op::from_u8(op)) {
                                    (ProtoError::BodyTooShort { len, min, .. }, Some(o))
                                        if len >= min =>
                                    {
                                        Ok(o)
                                    }
                                    _ => Err(e),
                                }
                            };
                            assert_eq!(h.check(dir), slow, "{h:?} {dir:?}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn bytes_round_trip() {
        let h = hdr(0x1234_5678, 0xabcd, 2, 0x85);
        assert_eq!(Header::from_bytes(&h.to_bytes()), h);
        assert_eq!(Header::peek(&h.to_bytes()[..7]), None);
    }
}
