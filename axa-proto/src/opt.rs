//! OPTION (spec §1.6.9, §6): trace level, rate limit, sampling, send buffer.

use bytes::{BufMut, Bytes};

use crate::error::ProtoError;
use crate::op::Op;
use crate::validate::check_op_body;
use crate::wire::{byte, le_u32, le_u64};

/// Option type byte: TRACE.
pub const OPT_TRACE: u8 = 0;
/// Option type byte: RLIMIT.
pub const OPT_RLIMIT: u8 = 1;
/// Option type byte: SAMPLE.
pub const OPT_SAMPLE: u8 = 2;
/// Option type byte: SNDBUF.
pub const OPT_SNDBUF: u8 = 3;
/// TRACE value asking for the current level.
pub const TRACE_REQ: u32 = 0xFFFF_FFFF;
/// SAMPLE value asking for the current rate.
pub const SAMPLE_REQ: u32 = 0;
/// SAMPLE scale: 100 % = 1,000,000.
pub const SAMPLE_MAX: u32 = 1_000_000;
/// SNDBUF value asking for the current size.
pub const SNDBUF_REQ: u32 = 0;
/// Smallest SNDBUF a client may ask for.
pub const SNDBUF_MIN: u32 = 1024;
/// Highest rate limit (AXA_RLIMIT_MAX).
pub const RLIMIT_MAX: u64 = 1_000_000_000;
/// AXA_RLIMIT_OFF: unlimited / no regular reports.
pub const RLIMIT_OFF: u64 = RLIMIT_MAX + 1;
/// AXA_RLIMIT_NA: no change / not applicable.
pub const RLIMIT_NA: u64 = u64::MAX;

/// A rate-limit field: a number, OFF, or NA.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RlimitValue {
    /// No change / not applicable (all ones on the wire).
    Na,
    /// Unlimited (10⁹ + 1 on the wire).
    Off,
    /// A number (1..=10⁹ is meaningful; any other raw value is kept as received).
    Value(u64),
}

impl RlimitValue {
    /// From the wire value.
    pub fn from_raw(v: u64) -> RlimitValue {
        match v {
            RLIMIT_NA => RlimitValue::Na,
            RLIMIT_OFF => RlimitValue::Off,
            n => RlimitValue::Value(n),
        }
    }

    /// The wire value.
    pub fn raw(self) -> u64 {
        match self {
            RlimitValue::Na => RLIMIT_NA,
            RlimitValue::Off => RLIMIT_OFF,
            RlimitValue::Value(n) => n,
        }
    }
}

/// The 40-byte RLIMIT value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RateLimit {
    /// Hits per second (1..=10⁹), OFF or NA.
    pub max_pkts_per_sec: RlimitValue,
    /// The server's current per-second counter (clients send NA = `u64::MAX`).
    pub cur_pkts_per_sec: u64,
    /// Two unused u64 (0), kept as received.
    pub unused: [u64; 2],
    /// Minimum seconds between MISSED reports, OFF (none) or NA (no change).
    pub report_secs: RlimitValue,
}

impl RateLimit {
    /// What `sratunnel -r N` and `sratool rate limit` send: cur = NA, unused = 0.
    pub fn request(max_pkts_per_sec: RlimitValue, report_secs: RlimitValue) -> RateLimit {
        RateLimit {
            max_pkts_per_sec,
            cur_pkts_per_sec: RLIMIT_NA,
            unused: [0; 2],
            report_secs,
        }
    }
}

/// OPTION (op 141), both directions. The 7 pad bytes are ignored when decoding (libaxa
/// does not check them) and written as zeros.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Opt {
    /// Trace level; [`TRACE_REQ`] asks for the current value.
    Trace(u32),
    /// Rate limit and report interval.
    RateLimit(RateLimit),
    /// Sampling, percent × 10000 (1..=1,000,000); [`SAMPLE_REQ`] (0) asks.
    Sample(u32),
    /// Server send buffer in bytes; [`SNDBUF_REQ`] (0) asks.
    Sndbuf(u32),
}

impl Opt {
    /// Decode an OPTION body.
    pub fn decode(body: &Bytes) -> Result<Opt, ProtoError> {
        check_op_body(Op::Opt, body)?;
        Ok(Opt::parse_checked(body))
    }

    pub(crate) fn parse_checked(b: &[u8]) -> Opt {
        match byte(b, 0) {
            OPT_TRACE => Opt::Trace(le_u32(b, 8)),
            OPT_RLIMIT => Opt::RateLimit(RateLimit {
                max_pkts_per_sec: RlimitValue::from_raw(le_u64(b, 8)),
                cur_pkts_per_sec: le_u64(b, 16),
                unused: [le_u64(b, 24), le_u64(b, 32)],
                report_secs: RlimitValue::from_raw(le_u64(b, 40)),
            }),
            OPT_SAMPLE => Opt::Sample(le_u32(b, 8)),
            _ => Opt::Sndbuf(le_u32(b, 8)),
        }
    }

    /// The type byte.
    pub fn opt_type(&self) -> u8 {
        match self {
            Opt::Trace(_) => OPT_TRACE,
            Opt::RateLimit(_) => OPT_RLIMIT,
            Opt::Sample(_) => OPT_SAMPLE,
            Opt::Sndbuf(_) => OPT_SNDBUF,
        }
    }

    /// Bytes [`Opt::encode`] writes: 12, or 48 for RLIMIT.
    pub fn encoded_len(&self) -> usize {
        match self {
            Opt::RateLimit(_) => 48,
            _ => 12,
        }
    }

    /// Write the body.
    pub fn encode<B: BufMut>(&self, out: &mut B) {
        out.put_u8(self.opt_type());
        out.put_bytes(0, 7);
        match self {
            Opt::Trace(v) | Opt::Sample(v) | Opt::Sndbuf(v) => out.put_u32_le(*v),
            Opt::RateLimit(r) => {
                out.put_u64_le(r.max_pkts_per_sec.raw());
                out.put_u64_le(r.cur_pkts_per_sec);
                out.put_u64_le(r.unused[0]);
                out.put_u64_le(r.unused[1]);
                out.put_u64_le(r.report_secs.raw());
            }
        }
    }
}
