//! RAD-only bodies (spec §1.6.11): ANOMALY, ANOMALY LIST, ANOMALY HIT.

use bytes::{Buf, BufMut, Bytes};

use crate::error::ProtoError;
use crate::op::{Op, OpName};
use crate::validate::{check_op_body, check_whit, AN_LEN};
use crate::whit::Whit;
use crate::wire::{cstr_lossy, le_u16, put_cstr, put_fixed_cstr, truncate_str};

/// Longest ANOMALY parameter text a sender puts on the wire (8192 with the NUL).
pub const PARMS_MAX: usize = 8191;

/// ANOMALY (op 135): start an anomaly detection module.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Anom {
    /// Module name (≤ 31 bytes).
    pub an: String,
    /// Parameters ("" = none).
    pub parms: String,
}

impl Anom {
    /// Decode an ANOMALY body.
    pub fn decode(body: &Bytes) -> Result<Anom, ProtoError> {
        check_op_body(Op::Anom, body)?;
        Ok(Anom::parse_checked(body))
    }

    pub(crate) fn parse_checked(b: &[u8]) -> Anom {
        Anom {
            an: cstr_lossy(b.get(..AN_LEN).unwrap_or(b)),
            parms: cstr_lossy(b.get(AN_LEN..).unwrap_or_default()),
        }
    }

    /// Bytes [`Anom::encode`] writes: 32 + strlen(parms) + 1.
    pub fn encoded_len(&self) -> usize {
        AN_LEN + truncate_str(&self.parms, PARMS_MAX).len() + 1
    }

    /// Write the body.
    pub fn encode<B: BufMut>(&self, out: &mut B) {
        put_fixed_cstr(out, &self.an, AN_LEN);
        put_cstr(out, &self.parms, PARMS_MAX);
    }
}

/// ANOMALY LIST (op 8): one anomaly module of the session.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Alist {
    /// Tag of the listed module.
    pub cur_tag: u16,
    /// The module.
    pub anom: Anom,
}

impl Alist {
    /// Decode an ANOMALY LIST body.
    pub fn decode(body: &Bytes) -> Result<Alist, ProtoError> {
        check_op_body(Op::Alist, body)?;
        Ok(Alist::parse_checked(body))
    }

    pub(crate) fn parse_checked(b: &[u8]) -> Alist {
        Alist {
            cur_tag: le_u16(b, 0),
            anom: Anom::parse_checked(b.get(4..).unwrap_or_default()),
        }
    }

    /// Bytes [`Alist::encode`] writes.
    pub fn encoded_len(&self) -> usize {
        4 + self.anom.encoded_len()
    }

    /// Write the body.
    pub fn encode<B: BufMut>(&self, out: &mut B) {
        out.put_u16_le(self.cur_tag);
        out.put_u16_le(0);
        self.anom.encode(out);
    }
}

/// ANOMALY HIT (op 7): a module name and a watch hit.
///
/// libaxa checks only the name and the channel of the embedded hit, so the hit is kept as
/// raw bytes; [`Ahit::whit`] interprets it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Ahit {
    /// Module name (≤ 31 bytes).
    pub an: String,
    /// The embedded WATCH HIT body (zero-copy slice of the frame).
    pub whit: Bytes,
}

impl Ahit {
    /// Decode an ANOMALY HIT body.
    pub fn decode(body: &Bytes) -> Result<Ahit, ProtoError> {
        check_op_body(Op::Ahit, body)?;
        Ok(Ahit::parse_checked(body.clone()))
    }

    pub(crate) fn parse_checked(mut b: Bytes) -> Ahit {
        let an = cstr_lossy(b.get(..AN_LEN).unwrap_or(&b));
        b.advance(AN_LEN.min(b.len()));
        Ahit { an, whit: b }
    }

    /// An ANOMALY HIT carrying `whit`.
    pub fn new(an: impl Into<String>, whit: &Whit) -> Ahit {
        let mut v = Vec::with_capacity(whit.encoded_len());
        whit.encode(&mut v);
        Ahit {
            an: an.into(),
            whit: v.into(),
        }
    }

    /// The embedded hit, with the WATCH HIT type/length checks.
    pub fn whit(&self) -> Result<Whit, ProtoError> {
        check_whit(OpName(Op::Ahit.as_u8()), &self.whit)?;
        Ok(Whit::parse_checked(self.whit.clone()))
    }

    /// Bytes [`Ahit::encode`] writes.
    pub fn encoded_len(&self) -> usize {
        AN_LEN + self.whit.len()
    }

    /// Write the body.
    pub fn encode<B: BufMut>(&self, out: &mut B) {
        put_fixed_cstr(out, &self.an, AN_LEN);
        out.put_slice(&self.whit);
    }
}
