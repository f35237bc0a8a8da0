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
    /// The HELLO a server sends first (recommended, spec §2.2): versions 1..=2 and a banner
    /// such as `srad v0.1.0 host supporting AXA protocols v1 to v2; currently using v1`.
    pub fn server(id: u64, banner: impl Into<String>) -> Hello {
        Hello {
            id,
            pvers_min: crate::header::PVERS_MIN,
            pvers_max: crate::header::PVERS_MAX,
            text: banner.into(),
        }
    }

    /// The HELLO a v2 client answers with: the server's id, versions 1..=2 and its JSON
    /// description (spec §2.3).
    pub fn client(server_id: u64, json: impl Into<String>) -> Hello {
        Hello::server(server_id, json)
    }

    /// The version a libaxa client settles on after receiving this HELLO (spec §2.2 step
    /// 3): 2 clamped to `[pvers_min, pvers_max]`, then to `[1, 2]`.
    pub fn negotiated_version(&self) -> u8 {
        let v = crate::header::PVERS.max(self.pvers_min).min(self.pvers_max);
        v.clamp(crate::header::PVERS_MIN, crate::header::PVERS_MAX)
    }

    /// Whether a libaxa client answers this (server) HELLO with its own (spec §2.2 step 4).
    pub fn expects_client_hello(&self) -> bool {
        self.pvers_max >= 2
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation() {
        let h = |a, b| Hello {
            id: 0,
            pvers_min: a,
            pvers_max: b,
            text: String::new(),
        };
        assert_eq!(h(1, 2).negotiated_version(), 2);
        assert_eq!(h(1, 1).negotiated_version(), 1);
        assert_eq!(h(2, 3).negotiated_version(), 2);
        assert_eq!(h(3, 4).negotiated_version(), 2);
        assert_eq!(h(0, 0).negotiated_version(), 1);
        assert!(h(1, 2).expects_client_hello());
        assert!(!h(1, 1).expects_client_hello());
        let mut v = Vec::new();
        Hello::server(1, "x".repeat(600)).encode(&mut v);
        assert_eq!(v.len(), 522);
        assert_eq!(Hello::decode(&v.into()).unwrap().text.len(), 511);
    }
}
