//! MISSED and RAD MISSED (spec §1.6.3, §1.6.4): loss reports.

use bytes::{BufMut, Bytes};

use crate::error::ProtoError;
use crate::op::Op;
use crate::validate::check_op_body;
use crate::wire::{le_u32, le_u64};

/// MISSED (op 4, SRA, tag 0, 36 bytes). Counters are deltas since `last_report`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Missed {
    /// Lost between source and server, or dropped because the server was busy.
    pub missed: u64,
    /// Dropped because of server→client congestion.
    pub dropped: u64,
    /// Discarded by rate limiting.
    pub rlimit: u64,
    /// Total considered.
    pub filtered: u64,
    /// UNIX time of the previous report.
    pub last_report: u32,
}

impl Missed {
    /// Body length.
    pub const LEN: usize = 36;

    /// Decode a MISSED body.
    pub fn decode(body: &Bytes) -> Result<Missed, ProtoError> {
        check_op_body(Op::Missed, body)?;
        Ok(Missed::parse_checked(body))
    }

    pub(crate) fn parse_checked(b: &[u8]) -> Missed {
        Missed {
            missed: le_u64(b, 0),
            dropped: le_u64(b, 8),
            rlimit: le_u64(b, 16),
            filtered: le_u64(b, 24),
            last_report: le_u32(b, 32),
        }
    }

    /// Write the body.
    pub fn encode<B: BufMut>(&self, out: &mut B) {
        out.put_u64_le(self.missed);
        out.put_u64_le(self.dropped);
        out.put_u64_le(self.rlimit);
        out.put_u64_le(self.filtered);
        out.put_u32_le(self.last_report);
    }
}

/// RAD MISSED (op 10, RAD only, tag 0, 60 bytes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct MissedRad {
    /// SRA-side missed.
    pub sra_missed: u64,
    /// SRA-side dropped.
    pub sra_dropped: u64,
    /// SRA-side rate limited.
    pub sra_rlimit: u64,
    /// SRA-side considered.
    pub sra_filtered: u64,
    /// RAD dropped.
    pub dropped: u64,
    /// RAD rate limited.
    pub rlimit: u64,
    /// RAD considered.
    pub filtered: u64,
    /// UNIX time of the previous report.
    pub last_report: u32,
}

impl MissedRad {
    /// Body length.
    pub const LEN: usize = 60;

    /// Decode a RAD MISSED body.
    pub fn decode(body: &Bytes) -> Result<MissedRad, ProtoError> {
        check_op_body(Op::MissedRad, body)?;
        Ok(MissedRad::parse_checked(body))
    }

    pub(crate) fn parse_checked(b: &[u8]) -> MissedRad {
        MissedRad {
            sra_missed: le_u64(b, 0),
            sra_dropped: le_u64(b, 8),
            sra_rlimit: le_u64(b, 16),
            sra_filtered: le_u64(b, 24),
            dropped: le_u64(b, 32),
            rlimit: le_u64(b, 40),
            filtered: le_u64(b, 48),
            last_report: le_u32(b, 56),
        }
    }

    /// Write the body.
    pub fn encode<B: BufMut>(&self, out: &mut B) {
        for v in [
            self.sra_missed,
            self.sra_dropped,
            self.sra_rlimit,
            self.sra_filtered,
            self.dropped,
            self.rlimit,
            self.filtered,
        ] {
            out.put_u64_le(v);
        }
        out.put_u32_le(self.last_report);
    }
}
