//! OK and ERROR (spec §1.6.2): replies and trace text.

use bytes::{BufMut, Bytes};

use crate::error::ProtoError;
use crate::op::{Op, OpName};
use crate::validate::check_op_body;
use crate::wire::{byte, cstr_lossy, put_cstr, truncate_str};

/// Longest OK/ERROR text a sender puts on the wire.
pub const RESULT_STR_MAX: usize = 511;

/// The body of OK (op 2) and ERROR (op 3).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ResultMsg {
    /// Opcode of the request answered; OK/ERROR/NOP mean "no specific request" (trace
    /// text). Any byte value is accepted (unknown ones print as `unknown op #N`).
    pub orig_op: u8,
    /// The text (cut to 511 bytes by [`ResultMsg::encode`]).
    pub text: String,
}

impl ResultMsg {
    /// A reply to `orig_op`.
    pub fn new(orig_op: Op, text: impl Into<String>) -> ResultMsg {
        ResultMsg {
            orig_op: orig_op.as_u8(),
            text: text.into(),
        }
    }

    /// The answered op, if known.
    pub fn orig_op(&self) -> Option<Op> {
        Op::from_u8(self.orig_op)
    }

    /// The answered op's printable name.
    pub fn orig_op_name(&self) -> OpName {
        OpName(self.orig_op)
    }

    /// Decode an OK or ERROR body (same rules).
    pub fn decode(body: &Bytes) -> Result<ResultMsg, ProtoError> {
        check_op_body(Op::Ok, body)?;
        Ok(ResultMsg::parse_checked(body))
    }

    pub(crate) fn parse_checked(b: &[u8]) -> ResultMsg {
        ResultMsg {
            orig_op: byte(b, 0),
            text: cstr_lossy(b.get(1..).unwrap_or_default()),
        }
    }

    /// Bytes [`ResultMsg::encode`] writes: 1 + strlen + 1.
    pub fn encoded_len(&self) -> usize {
        1 + truncate_str(&self.text, RESULT_STR_MAX).len() + 1
    }

    /// Write the body.
    pub fn encode<B: BufMut>(&self, out: &mut B) {
        out.put_u8(self.orig_op);
        put_cstr(out, &self.text, RESULT_STR_MAX);
    }
}
