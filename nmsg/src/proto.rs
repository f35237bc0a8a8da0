//! The protobuf (proto2) wire format, as far as NMSG needs it.
//!
//! NMSG bodies, payload envelopes and every message schema are protobuf messages. This module
//! reads them without allocating ([`FieldIter`] borrows the input) and writes them into any
//! [`BufMut`]. It knows wire types, not schemas: groups (wire types 3 and 4) are rejected, as
//! no NMSG schema uses them.

use bytes::BufMut;

/// A malformed protobuf encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ProtoError {
    /// The input ended inside a tag, a varint, a fixed-size value or a length-delimited value.
    #[error("protobuf: truncated input")]
    Truncated,
    /// A varint longer than 10 bytes, or one that overflows 64 bits.
    #[error("protobuf: varint too long")]
    VarintTooLong,
    /// A wire type other than 0 (varint), 1 (64-bit), 2 (length-delimited) or 5 (32-bit).
    #[error("protobuf: unsupported wire type {0}")]
    BadWireType(u8),
    /// Field number 0, or one above 2^29 - 1.
    #[error("protobuf: invalid field number {0}")]
    BadFieldNumber(u64),
    /// A value whose wire type does not fit the schema's field type.
    #[error("protobuf: field {0} has the wrong wire type")]
    WrongWireType(u32),
    /// A required field is absent.
    #[error("protobuf: required field {0} is missing")]
    MissingField(&'static str),
}

/// Wire type 0: varint.
pub const WT_VARINT: u8 = 0;
/// Wire type 1: 64-bit little-endian.
pub const WT_FIXED64: u8 = 1;
/// Wire type 2: length-delimited.
pub const WT_LEN: u8 = 2;
/// Wire type 5: 32-bit little-endian.
pub const WT_FIXED32: u8 = 5;

/// One field value as it stands on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value<'a> {
    /// Wire type 0.
    Varint(u64),
    /// Wire type 1.
    Fixed64(u64),
    /// Wire type 2: the bytes, borrowed from the input.
    Len(&'a [u8]),
    /// Wire type 5.
    Fixed32(u32),
}

impl<'a> Value<'a> {
    /// The value of a varint field (uint32/uint64/int64/enum/bool), or [`ProtoError::WrongWireType`].
    pub fn varint(self, number: u32) -> Result<u64, ProtoError> {
        match self {
            Value::Varint(v) => Ok(v),
            _ => Err(ProtoError::WrongWireType(number)),
        }
    }

    /// The value of a `fixed32` field, or [`ProtoError::WrongWireType`].
    pub fn fixed32(self, number: u32) -> Result<u32, ProtoError> {
        match self {
            Value::Fixed32(v) => Ok(v),
            _ => Err(ProtoError::WrongWireType(number)),
        }
    }

    /// The value of a `fixed64` field, or [`ProtoError::WrongWireType`].
    pub fn fixed64(self, number: u32) -> Result<u64, ProtoError> {
        match self {
            Value::Fixed64(v) => Ok(v),
            _ => Err(ProtoError::WrongWireType(number)),
        }
    }

    /// The bytes of a length-delimited field (bytes/string/message/packed), or
    /// [`ProtoError::WrongWireType`].
    pub fn bytes(self, number: u32) -> Result<&'a [u8], ProtoError> {
        match self {
            Value::Len(b) => Ok(b),
            _ => Err(ProtoError::WrongWireType(number)),
        }
    }
}

/// One decoded field: its number and its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field<'a> {
    /// The field number (1 ..= 2^29 - 1).
    pub number: u32,
    /// The value as it stands on the wire.
    pub value: Value<'a>,
}

/// Reads a varint from the front of `buf` and advances it.
#[inline]
pub fn read_varint(buf: &mut &[u8]) -> Result<u64, ProtoError> {
    // Fast path: tags and most lengths and values of NMSG fit one byte.
    if let Some((&b, rest)) = buf.split_first() {
        if b < 0x80 {
            *buf = rest;
            return Ok(u64::from(b));
        }
    }
    read_varint_multi(buf)
}

fn read_varint_multi(buf: &mut &[u8]) -> Result<u64, ProtoError> {
    let mut v: u64 = 0;
    for i in 0..10 {
        let Some((&b, rest)) = buf.split_first() else {
            return Err(ProtoError::Truncated);
        };
        *buf = rest;
        if i == 9 && b > 1 {
            return Err(ProtoError::VarintTooLong);
        }
        v |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Ok(v);
        }
    }
    Err(ProtoError::VarintTooLong)
}

fn take<'a>(buf: &mut &'a [u8], n: usize) -> Result<&'a [u8], ProtoError> {
    if buf.len() < n {
        return Err(ProtoError::Truncated);
    }
    let (head, rest) = buf.split_at(n);
    *buf = rest;
    Ok(head)
}

/// Iterates over the fields of one encoded message, borrowing the input.
///
/// After the first error the iterator ends.
#[derive(Debug, Clone)]
pub struct FieldIter<'a> {
    buf: &'a [u8],
}

impl<'a> FieldIter<'a> {
    /// Starts reading the encoded message `buf`.
    pub fn new(buf: &'a [u8]) -> Self {
        FieldIter { buf }
    }

    /// The bytes not read yet.
    pub fn rest(&self) -> &'a [u8] {
        self.buf
    }

    fn next_field(&mut self) -> Result<Field<'a>, ProtoError> {
        let key = read_varint(&mut self.buf)?;
        let number = key >> 3;
        if number == 0 || number > (1 << 29) - 1 {
            return Err(ProtoError::BadFieldNumber(number));
        }
        let number = number as u32;
        let value = match (key & 7) as u8 {
            WT_VARINT => Value::Varint(read_varint(&mut self.buf)?),
            WT_FIXED64 => {
                let b = take(&mut self.buf, 8)?;
                Value::Fixed64(u64::from_le_bytes([
                    b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
                ]))
            }
            WT_LEN => {
                let len = read_varint(&mut self.buf)?;
                let len = usize::try_from(len).map_err(|_| ProtoError::Truncated)?;
                Value::Len(take(&mut self.buf, len)?)
            }
            WT_FIXED32 => {
                let b = take(&mut self.buf, 4)?;
                Value::Fixed32(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            }
            wt => return Err(ProtoError::BadWireType(wt)),
        };
        Ok(Field { number, value })
    }
}

impl<'a> Iterator for FieldIter<'a> {
    type Item = Result<Field<'a>, ProtoError>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.buf.is_empty() {
            return None;
        }
        let r = self.next_field();
        if r.is_err() {
            self.buf = &[];
        }
        Some(r)
    }
}

/// Iterates over the varints of a packed repeated scalar field.
pub fn packed_varints(mut buf: &[u8]) -> impl Iterator<Item = Result<u64, ProtoError>> + '_ {
    std::iter::from_fn(move || {
        if buf.is_empty() {
            return None;
        }
        let r = read_varint(&mut buf);
        if r.is_err() {
            buf = &[];
        }
        Some(r)
    })
}

/// The number of bytes the varint encoding of `v` takes (1 ..= 10).
#[inline]
pub fn varint_len(v: u64) -> usize {
    // Each 7 significant bits take one byte; zero takes one byte.
    (64 - (v | 1).leading_zeros() as usize).div_ceil(7)
}

/// Writes `v` as a varint.
#[inline]
pub fn put_varint<B: BufMut>(out: &mut B, mut v: u64) {
    while v >= 0x80 {
        out.put_u8((v as u8) | 0x80);
        v >>= 7;
    }
    out.put_u8(v as u8);
}

/// Writes a field key (number and wire type).
#[inline]
pub fn put_key<B: BufMut>(out: &mut B, number: u32, wire_type: u8) {
    put_varint(out, (u64::from(number) << 3) | u64::from(wire_type));
}

/// Writes a varint field.
#[inline]
pub fn put_varint_field<B: BufMut>(out: &mut B, number: u32, v: u64) {
    put_key(out, number, WT_VARINT);
    put_varint(out, v);
}

/// Writes a `fixed32` field.
#[inline]
pub fn put_fixed32_field<B: BufMut>(out: &mut B, number: u32, v: u32) {
    put_key(out, number, WT_FIXED32);
    out.put_u32_le(v);
}

/// Writes a `fixed64` field.
#[inline]
pub fn put_fixed64_field<B: BufMut>(out: &mut B, number: u32, v: u64) {
    put_key(out, number, WT_FIXED64);
    out.put_u64_le(v);
}

/// Writes a length-delimited field (bytes, string or embedded message).
#[inline]
pub fn put_bytes_field<B: BufMut>(out: &mut B, number: u32, v: &[u8]) {
    put_key(out, number, WT_LEN);
    put_varint(out, v.len() as u64);
    out.put_slice(v);
}

/// The encoded size of a field key.
#[inline]
pub fn key_len(number: u32) -> usize {
    varint_len(u64::from(number) << 3)
}

/// The encoded size of a varint field.
#[inline]
pub fn varint_field_len(number: u32, v: u64) -> usize {
    key_len(number) + varint_len(v)
}

/// The encoded size of a length-delimited field whose content is `len` bytes.
#[inline]
pub fn bytes_field_len(number: u32, len: usize) -> usize {
    key_len(number) + varint_len(len as u64) + len
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varint_round_trip_and_len() {
        for v in [0u64, 1, 127, 128, 300, 1 << 35, u64::MAX] {
            let mut out = Vec::new();
            put_varint(&mut out, v);
            assert_eq!(out.len(), varint_len(v), "{v}");
            let mut s = &out[..];
            assert_eq!(read_varint(&mut s), Ok(v));
            assert!(s.is_empty());
        }
    }

    #[test]
    fn varint_errors() {
        assert_eq!(read_varint(&mut &[0x80u8][..]), Err(ProtoError::Truncated));
        assert_eq!(
            read_varint(&mut &[0xffu8; 10][..]),
            Err(ProtoError::VarintTooLong)
        );
        let mut ok = vec![0xffu8; 9];
        ok.push(0x01);
        assert_eq!(read_varint(&mut &ok[..]), Ok(u64::MAX));
    }

    #[test]
    fn fields_round_trip() {
        let mut out = Vec::new();
        put_varint_field(&mut out, 1, 2);
        put_fixed32_field(&mut out, 4, 0xdead_beef);
        put_bytes_field(&mut out, 5, b"abc");
        put_fixed64_field(&mut out, 9, 7);
        let fields: Vec<_> = FieldIter::new(&out).collect::<Result<_, _>>().unwrap();
        assert_eq!(
            fields,
            vec![
                Field {
                    number: 1,
                    value: Value::Varint(2)
                },
                Field {
                    number: 4,
                    value: Value::Fixed32(0xdead_beef)
                },
                Field {
                    number: 5,
                    value: Value::Len(b"abc")
                },
                Field {
                    number: 9,
                    value: Value::Fixed64(7)
                },
            ]
        );
    }

    #[test]
    fn bad_inputs_end_iteration() {
        // Length past the end.
        let mut it = FieldIter::new(&[0x2a, 0x05, 1, 2]);
        assert_eq!(it.next(), Some(Err(ProtoError::Truncated)));
        assert_eq!(it.next(), None);
        // Group wire type.
        assert_eq!(
            FieldIter::new(&[0x0b]).next(),
            Some(Err(ProtoError::BadWireType(3)))
        );
        // Field number 0.
        assert_eq!(
            FieldIter::new(&[0x00, 0x00]).next(),
            Some(Err(ProtoError::BadFieldNumber(0)))
        );
    }
}
