//! USER and JOIN (spec §1.6.10): identification.

use bytes::{BufMut, Bytes};

use crate::error::ProtoError;
use crate::op::Op;
use crate::validate::check_op_body;
use crate::wire::{cstr_lossy, le_u64, put_fixed_cstr};

/// Size of the USER name field (always sent full).
pub const USER_LEN: usize = 64;

/// USER (op 129): user name, or the API key in `apikey:` mode.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct User {
    /// At most 63 bytes; longer names are cut by [`User::encode`] (the connection-spec
    /// parser refuses them earlier).
    pub name: String,
}

impl User {
    /// Decode a USER body.
    pub fn decode(body: &Bytes) -> Result<User, ProtoError> {
        check_op_body(Op::User, body)?;
        Ok(User::parse_checked(body))
    }

    pub(crate) fn parse_checked(b: &[u8]) -> User {
        User {
            name: cstr_lossy(b),
        }
    }

    /// Write the 64-byte, NUL-padded body.
    pub fn encode<B: BufMut>(&self, out: &mut B) {
        put_fixed_cstr(out, &self.name, USER_LEN);
    }
}

/// JOIN (op 130): the id received in the server HELLO.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Join {
    /// The HELLO id.
    pub id: u64,
}

impl Join {
    /// Decode a JOIN body.
    pub fn decode(body: &Bytes) -> Result<Join, ProtoError> {
        check_op_body(Op::Join, body)?;
        Ok(Join {
            id: le_u64(body, 0),
        })
    }

    /// Write the body.
    pub fn encode<B: BufMut>(&self, out: &mut B) {
        out.put_u64_le(self.id);
    }
}
