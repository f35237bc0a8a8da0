//! Admin messages (spec §1.6.12): STATS REQ/RSP, KILL REQ/RSP, and the deprecated MGMT GET
//! reply.

use bytes::{Buf, BufMut, Bytes};

use crate::error::ProtoError;
use crate::op::Op;
use crate::validate::check_op_body;
use crate::wire::{byte, cstr_lossy, le_u16, le_u32, put_fixed_cstr};

/// Size of the user name field in STATS REQ and KILL messages.
pub const ADMIN_USER_LEN: usize = 64;
/// STATS REQ type: summary.
pub const STATS_TYPE_SUMMARY: u8 = 1;
/// STATS REQ type: all users.
pub const STATS_TYPE_ALL: u8 = 2;
/// STATS REQ type: by serial number.
pub const STATS_TYPE_SN: u8 = 3;
/// STATS REQ type: by user name.
pub const STATS_TYPE_USER: u8 = 4;
/// KILL mode: by serial number.
pub const KILL_MODE_SN: u32 = 1;
/// KILL mode: by user name.
pub const KILL_MODE_USER: u32 = 2;
/// Result code (KILL RSP, STATS RSP): success.
pub const ADMIN_RESULT_SUCCESS: u8 = 1;
/// Result code: user or serial number not found.
pub const ADMIN_RESULT_NOT_FOUND: u8 = 2;
/// Result code: unknown failure.
pub const ADMIN_RESULT_FAILED: u8 = 3;
/// The exact MGMT GET RSP body (50 bytes, no NUL).
pub const MGMT_DEPRECATED: &[u8; 50] = b"mgmt is deprecated, please upgrade and use \"stats\"";

/// STATS REQ (op 146, 70 bytes).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct StatsReq {
    /// Version (1).
    pub version: u8,
    /// [`STATS_TYPE_SUMMARY`] ...
    pub stats_type: u8,
    /// User name (type 4), ≤ 63 bytes.
    pub user: String,
    /// Serial number (type 3).
    pub sn: u32,
}

impl StatsReq {
    /// Decode a STATS REQ body.
    pub fn decode(body: &Bytes) -> Result<StatsReq, ProtoError> {
        check_op_body(Op::StatsReq, body)?;
        Ok(StatsReq::parse_checked(body))
    }

    pub(crate) fn parse_checked(b: &[u8]) -> StatsReq {
        StatsReq {
            version: byte(b, 0),
            stats_type: byte(b, 1),
            user: cstr_lossy(b.get(2..2 + ADMIN_USER_LEN).unwrap_or_default()),
            sn: le_u32(b, 66),
        }
    }

    /// Write the body.
    pub fn encode<B: BufMut>(&self, out: &mut B) {
        out.put_u8(self.version);
        out.put_u8(self.stats_type);
        put_fixed_cstr(out, &self.user, ADMIN_USER_LEN);
        out.put_u32_le(self.sn);
    }
}

/// KILL REQ (op 145) and KILL RSP (op 12), 76 bytes.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Kill {
    /// [`KILL_MODE_SN`] or [`KILL_MODE_USER`].
    pub mode: u32,
    /// User name (≤ 63 bytes).
    pub user: String,
    /// Serial number.
    pub sn: u32,
    /// Result (replies): 1 success, 2 not found, 3 unknown failure.
    pub result: u32,
}

impl Kill {
    /// Decode a KILL REQ or KILL RSP body.
    pub fn decode(body: &Bytes) -> Result<Kill, ProtoError> {
        check_op_body(Op::KillReq, body)?;
        Ok(Kill::parse_checked(body))
    }

    pub(crate) fn parse_checked(b: &[u8]) -> Kill {
        Kill {
            mode: le_u32(b, 0),
            user: cstr_lossy(b.get(4..4 + ADMIN_USER_LEN).unwrap_or_default()),
            sn: le_u32(b, 68),
            result: le_u32(b, 72),
        }
    }

    /// Write the body.
    pub fn encode<B: BufMut>(&self, out: &mut B) {
        out.put_u32_le(self.mode);
        put_fixed_cstr(out, &self.user, ADMIN_USER_LEN);
        out.put_u32_le(self.sn);
        out.put_u32_le(self.result);
    }
}

/// STATS RSP (op 13): a 5-byte header and the raw system/user objects.
///
/// The objects (228-byte system object, 340-byte user objects with C `struct timeval`
/// fields, 300-byte RAD anomaly objects) are kept as bytes; the JSON renderer interprets
/// them.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct StatsRsp {
    /// Version (1).
    pub version: u8,
    /// System objects present (0 or 1).
    pub sys_objs_cnt: u8,
    /// User objects present.
    pub user_objs_cnt: u16,
    /// 1 success, 2 user/sn not found, 3 unknown failure.
    pub result: u8,
    /// The objects after the 5-byte header (zero-copy slice).
    pub objects: Bytes,
}

impl StatsRsp {
    /// Decode a STATS RSP body.
    pub fn decode(body: &Bytes) -> Result<StatsRsp, ProtoError> {
        check_op_body(Op::StatsRsp, body)?;
        Ok(StatsRsp::parse_checked(body.clone()))
    }

    pub(crate) fn parse_checked(mut b: Bytes) -> StatsRsp {
        let (version, sys_objs_cnt, user_objs_cnt, result) =
            (byte(&b, 0), byte(&b, 1), le_u16(&b, 2), byte(&b, 4));
        b.advance(5.min(b.len()));
        StatsRsp {
            version,
            sys_objs_cnt,
            user_objs_cnt,
            result,
            objects: b,
        }
    }

    /// Bytes [`StatsRsp::encode`] writes.
    pub fn encoded_len(&self) -> usize {
        5 + self.objects.len()
    }

    /// Write the body.
    pub fn encode<B: BufMut>(&self, out: &mut B) {
        out.put_u8(self.version);
        out.put_u8(self.sys_objs_cnt);
        out.put_u16_le(self.user_objs_cnt);
        out.put_u8(self.result);
        out.put_slice(&self.objects);
    }
}
