//! Decoding a payload against its schema and encoding it back, as protobuf-c does.

use bytes::{BufMut, Bytes};

use super::{Label, Schema, Wire};
use crate::proto::{self, FieldIter, ProtoError, Value};

/// A payload that does not decode as its schema (what protobuf-c's unpack refuses).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SchemaError {
    /// Malformed protobuf.
    #[error(transparent)]
    Proto(#[from] ProtoError),
    /// A known field with a wire type that does not fit its declared type.
    #[error("field {0} has the wrong wire type")]
    WrongWireType(&'static str),
    /// A required field is absent.
    #[error("required field {0} is missing")]
    MissingRequired(&'static str),
    /// No schema for this (vid, msgtype).
    #[error("no schema for vid {0} msgtype {1}")]
    UnknownType(u32, u32),
}

/// Where a wire field belongs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Slot {
    /// Field `idx` of the field array.
    Field(usize),
    /// A protobuf field outside the field array ([`Schema::extra`]).
    Extra,
    /// A field number the schema does not know.
    Unknown,
}

fn wire_of(v: &Value<'_>) -> Wire {
    match v {
        Value::Varint(_) => Wire::Varint,
        Value::Fixed32(_) => Wire::Fixed32,
        Value::Fixed64(_) => Wire::Fixed64,
        Value::Len(_) => Wire::Len,
    }
}

/// Walks the fields of `buf`, checks them against `schema` and calls `f` once per value (packed
/// repeated scalars are expanded into one call per element). Fails like protobuf-c's unpack:
/// malformed protobuf, a wrong wire type on a known field, a missing required field.
pub(crate) fn walk<'a>(
    schema: &Schema,
    buf: &'a [u8],
    mut f: impl FnMut(Slot, u32, Value<'a>),
) -> Result<(), SchemaError> {
    let mut seen: u64 = 0;
    for field in FieldIter::new(buf) {
        let field = field?;
        let (slot, want, name, repeated) = match schema.idx_of_number(field.number) {
            Some(idx) => {
                let d = &schema.fields[idx];
                (Slot::Field(idx), d.wire, d.name, d.label == Label::Repeated)
            }
            None => match schema.extra.iter().find(|e| e.0 == field.number) {
                Some(e) => (Slot::Extra, e.1, "message", false),
                None => {
                    f(Slot::Unknown, field.number, field.value);
                    continue;
                }
            },
        };
        let got = wire_of(&field.value);
        if got == want {
            if let Slot::Field(idx) = slot {
                seen |= 1 << idx;
            }
            f(slot, field.number, field.value);
        } else if repeated && got == Wire::Len {
            // A packed repeated scalar: protobuf-c accepts it for any repeated scalar.
            let Value::Len(mut data) = field.value else {
                return Err(SchemaError::WrongWireType(name));
            };
            while !data.is_empty() {
                let v = match want {
                    Wire::Varint => Value::Varint(proto::read_varint(&mut data)?),
                    Wire::Fixed32 => {
                        let (h, t) = data.split_first_chunk::<4>().ok_or(ProtoError::Truncated)?;
                        data = t;
                        Value::Fixed32(u32::from_le_bytes(*h))
                    }
                    Wire::Fixed64 => {
                        let (h, t) = data.split_first_chunk::<8>().ok_or(ProtoError::Truncated)?;
                        data = t;
                        Value::Fixed64(u64::from_le_bytes(*h))
                    }
                    _ => return Err(SchemaError::WrongWireType(name)),
                };
                f(slot, field.number, v);
            }
            if let Slot::Field(idx) = slot {
                seen |= 1 << idx;
            }
        } else {
            return Err(SchemaError::WrongWireType(name));
        }
    }
    for (idx, d) in schema.fields.iter().enumerate() {
        if d.label == Label::Required && seen & (1 << idx) == 0 {
            return Err(SchemaError::MissingRequired(d.name));
        }
    }
    Ok(())
}

/// One field value, as it stands on the wire. Byte values share the payload's buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldValue {
    /// A varint: enum, bool, int32 (sign-extended), int64, uint32, uint64.
    Varint(u64),
    /// fixed32 or sfixed32.
    Fixed32(u32),
    /// fixed64 or the bits of a double.
    Fixed64(u64),
    /// bytes or string.
    Bytes(Bytes),
}

impl FieldValue {
    /// The value as an unsigned integer (varint, fixed32, fixed64), else `None`.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            FieldValue::Varint(v) | FieldValue::Fixed64(v) => Some(*v),
            FieldValue::Fixed32(v) => Some(u64::from(*v)),
            FieldValue::Bytes(_) => None,
        }
    }

    /// The bytes of a length-delimited value, else `None`.
    pub fn as_bytes(&self) -> Option<&Bytes> {
        match self {
            FieldValue::Bytes(b) => Some(b),
            _ => None,
        }
    }

    /// The value as a double (the bits of a fixed64), else `None`.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            FieldValue::Fixed64(v) => Some(f64::from_bits(*v)),
            _ => None,
        }
    }

    fn encode<B: BufMut>(&self, number: u32, out: &mut B) {
        match self {
            FieldValue::Varint(v) => proto::put_varint_field(out, number, *v),
            FieldValue::Fixed32(v) => proto::put_fixed32_field(out, number, *v),
            FieldValue::Fixed64(v) => proto::put_fixed64_field(out, number, *v),
            FieldValue::Bytes(b) => proto::put_bytes_field(out, number, b),
        }
    }

    fn encoded_len(&self, number: u32) -> usize {
        match self {
            FieldValue::Varint(v) => proto::varint_field_len(number, *v),
            FieldValue::Fixed32(_) => proto::key_len(number) + 4,
            FieldValue::Fixed64(_) => proto::key_len(number) + 8,
            FieldValue::Bytes(b) => proto::bytes_field_len(number, b.len()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    number: u32,
    slot: Slot,
    value: FieldValue,
}

/// A decoded message: the values of its protobuf fields, tied to its [`Schema`].
///
/// Values are kept as they stand on the wire (an enum is its number, a double its bits), byte
/// values as [`Bytes`] slices of the decoded buffer. Optional fields keep their last value, as
/// protobuf-c does. Unknown fields are kept and [`Message::encode`] writes them after the known
/// ones, like protobuf-c.
#[derive(Debug, Clone)]
pub struct Message {
    schema: &'static Schema,
    entries: Vec<Entry>,
}

impl PartialEq for Message {
    fn eq(&self, other: &Self) -> bool {
        (self.schema.vid, self.schema.msgtype) == (other.schema.vid, other.schema.msgtype)
            && self.entries == other.entries
    }
}

impl Eq for Message {}

impl Message {
    /// An empty message of `schema` (required fields still have to be set).
    pub fn new(schema: &'static Schema) -> Message {
        Message {
            schema,
            entries: Vec::new(),
        }
    }

    /// Decodes `buf` as `schema`. Byte values become slices of `buf` (no copy).
    pub fn decode(schema: &'static Schema, buf: &Bytes) -> Result<Message, SchemaError> {
        let mut entries: Vec<Entry> = Vec::with_capacity(16);
        walk(schema, buf, |slot, number, v| {
            let value = match v {
                Value::Varint(x) => FieldValue::Varint(x),
                Value::Fixed32(x) => FieldValue::Fixed32(x),
                Value::Fixed64(x) => FieldValue::Fixed64(x),
                Value::Len(b) => FieldValue::Bytes(buf.slice_ref(b)),
            };
            let single = match slot {
                Slot::Field(idx) => schema.fields[idx].label != Label::Repeated,
                Slot::Extra => true,
                Slot::Unknown => false,
            };
            if single {
                if let Some(e) = entries.iter_mut().find(|e| e.number == number) {
                    e.value = value;
                    return;
                }
            }
            entries.push(Entry {
                number,
                slot,
                value,
            });
        })?;
        Ok(Message { schema, entries })
    }

    /// Decodes the payload bytes of (vid, msgtype).
    pub fn decode_type(vid: u32, msgtype: u32, buf: &Bytes) -> Result<Message, SchemaError> {
        let schema = super::schema(vid, msgtype).ok_or(SchemaError::UnknownType(vid, msgtype))?;
        Message::decode(schema, buf)
    }

    /// The schema.
    pub fn schema(&self) -> &'static Schema {
        self.schema
    }

    /// The values of the field named `name`, in wire order (one at most for a non-repeated
    /// field); empty for absent and virtual fields.
    pub fn values<'s>(&'s self, name: &str) -> impl Iterator<Item = &'s FieldValue> + 's {
        let idx = self.schema.field_idx(name);
        self.entries
            .iter()
            .filter(move |e| idx.is_some() && e.slot == Slot::Field(idx.unwrap_or(usize::MAX)))
            .map(|e| &e.value)
    }

    /// The value of the non-repeated field `name`, or the first value of a repeated one.
    pub fn get(&self, name: &str) -> Option<&FieldValue> {
        self.values(name).next()
    }

    /// Sets the non-repeated field `name` (replacing its value), or appends a value to the
    /// repeated field `name`. Returns false when the schema has no protobuf field of that name.
    pub fn push(&mut self, name: &str, value: FieldValue) -> bool {
        let Some(idx) = self.schema.field_idx(name) else {
            return false;
        };
        let d = &self.schema.fields[idx];
        if d.number == 0 {
            return false;
        }
        if d.label != Label::Repeated {
            if let Some(e) = self.entries.iter_mut().find(|e| e.slot == Slot::Field(idx)) {
                e.value = value;
                return true;
            }
        }
        self.entries.push(Entry {
            number: d.number,
            slot: Slot::Field(idx),
            value,
        });
        true
    }

    fn ordered(&self) -> impl Iterator<Item = &Entry> {
        let mut known: Vec<&Entry> = self
            .entries
            .iter()
            .filter(|e| e.slot != Slot::Unknown)
            .collect();
        known.sort_by_key(|e| e.number);
        known
            .into_iter()
            .chain(self.entries.iter().filter(|e| e.slot == Slot::Unknown))
    }

    /// Writes the message as protobuf-c does: known fields in ascending number order (repeated
    /// values in order, unpacked), then unknown fields in the order they were read.
    pub fn encode<B: BufMut>(&self, out: &mut B) {
        for e in self.ordered() {
            e.value.encode(e.number, out);
        }
    }

    /// The number of bytes [`Message::encode`] writes.
    pub fn encoded_len(&self) -> usize {
        self.entries
            .iter()
            .map(|e| e.value.encoded_len(e.number))
            .sum()
    }

    /// The encoding as a new buffer.
    pub fn to_bytes(&self) -> Bytes {
        let mut v = Vec::with_capacity(self.encoded_len());
        self.encode(&mut v);
        Bytes::from(v)
    }

    /// Checks that every required field is set.
    pub fn check_required(&self) -> Result<(), SchemaError> {
        for (idx, d) in self.schema.fields.iter().enumerate() {
            if d.label == Label::Required
                && !self.entries.iter().any(|e| e.slot == Slot::Field(idx))
            {
                return Err(SchemaError::MissingRequired(d.name));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::schema;

    #[test]
    fn round_trip_and_errors() {
        let s = schema(1, 12).unwrap();
        let mut m = Message::new(s);
        assert_eq!(
            m.check_required(),
            Err(SchemaError::MissingRequired("payload_type"))
        );
        assert!(m.push("payload", FieldValue::Bytes(Bytes::from_static(b"abc"))));
        assert!(m.push("payload_type", FieldValue::Varint(1)));
        assert!(!m.push("nope", FieldValue::Varint(1)));
        let b = m.to_bytes();
        assert_eq!(&b[..], b"\x08\x01\x12\x03abc");
        let d = Message::decode(s, &b).unwrap();
        assert_eq!(d.to_bytes(), b);
        assert_eq!(
            Message::decode(s, &Bytes::from_static(b"\x08\x01")),
            Err(SchemaError::MissingRequired("payload"))
        );
        assert_eq!(
            Message::decode(s, &Bytes::from_static(b"\x0a\x00\x12\x00")),
            Err(SchemaError::WrongWireType("payload_type"))
        );
        // Unknown field kept and written last.
        let u = Bytes::from_static(b"\x08\x01\x78\x05\x12\x01z");
        let d = Message::decode(s, &u).unwrap();
        assert_eq!(&d.to_bytes()[..], b"\x08\x01\x12\x01z\x78\x05");
    }

    #[test]
    fn packed_repeated_is_accepted() {
        let s = schema(1, 9).unwrap();
        let mut m = Message::new(s);
        for (n, v) in [
            ("type", 1u64),
            ("proto", 17),
            ("query_port", 1),
            ("response_port", 53),
            ("id", 7),
        ] {
            m.push(n, FieldValue::Varint(v));
        }
        m.push(
            "query_ip",
            FieldValue::Bytes(Bytes::from_static(&[1, 2, 3, 4])),
        );
        m.push(
            "response_ip",
            FieldValue::Bytes(Bytes::from_static(&[1, 2, 3, 4])),
        );
        let mut b = m.to_bytes().to_vec();
        // query_time_sec (13) packed: [1, 300]
        b.extend_from_slice(&[0x6a, 3, 1, 0xac, 2]);
        let d = Message::decode(s, &Bytes::from(b)).unwrap();
        let v: Vec<_> = d.values("query_time_sec").cloned().collect();
        assert_eq!(v, vec![FieldValue::Varint(1), FieldValue::Varint(300)]);
    }
}
