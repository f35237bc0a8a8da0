//! HELLO (spec §1.6.1, §2): version negotiation.

use bytes::{BufMut, Bytes};

use crate::error::ProtoError;
use crate::op::Op;
use crate::validate::check_op_body;
use crate::wire::{byte, cstr_lossy, le_u64, put_cstr};

/// Longest HELLO text a sender puts on the wire (the 512-byte field minus its NUL).
pub const HELLO_STR_MAX: usize = 511;

/// HELLO (op 1), both directions, tag 0.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Hello {
    /// Client id chosen by the server (for JOIN); the client echoes it.
    pub id: u64,
    /// Lowest protocol version the sender speaks.
    pub pvers_min: u8,
    /// Highest protocol version the sender speaks.
    pub pvers_max: u8,
    /// Server: version banner (`srad v… supporting AXA protocols v1 to v2…`); client: JSON.
    ///
    /// A 10-byte body whose `pvers_max` byte is 0 is accepted (spec §16 item 2) and decodes
    /// with an empty text.
    pub text: String,
}

impl Hello {
    /// Decode a HELLO body.
    pub fn decode(body: &Bytes) -> Result<Hello, ProtoError> {
        check_op_body(Op::Hello, body)?;
        Ok(Hello::parse_checked(body))
    }

    pub(crate) fn parse_checked(b: &[u8]) -> Hello {
        Hello {
            id: le_u64(b, 0),
            pvers_min: byte(b, 8),
            pvers_max: byte(b, 9),
            text: cstr_lossy(b.get(10..).unwrap_or_default()),
        }
    }

    /// Bytes [`Hello::encode`] writes: 10 + strlen + 1 (text cut to 511 bytes).
    pub fn encoded_len(&self) -> usize {
        10 + crate::wire::truncate_str(&self.text, HELLO_STR_MAX).len() + 1
    }

    /// Write the body.
    pub fn encode<B: BufMut>(&self, out: &mut B) {
        out.put_u64_le(self.id);
        out.put_u8(self.pvers_min);
        out.put_u8(self.pvers_max);
        put_cstr(out, &self.text, HELLO_STR_MAX);
    }
}
