//! Message schemas: for every known (vid, msgtype), the libnmsg module's field array
//! (`nmsg-format.md` §4) with protobuf numbers, wire types, NMSG field types and formatters.
//!
//! - [`schema`] finds the [`Schema`] of a (vid, msgtype); [`field_name`] gives the name of a
//!   field by its "idx", the position in the module's field array that AXA sends as
//!   `field_idx` in watch hits (virtual fields included).
//! - [`Message`] decodes a payload's bytes against its schema (zero-copy: byte fields are
//!   [`Bytes`](bytes::Bytes) slices of the input) and [`Message::encode`] writes them back as protobuf-c
//!   does: fields in ascending number order, repeated fields unpacked (the NMSG .proto files
//!   declare nothing `packed`), unknown fields kept and written last. A payload that protobuf-c
//!   wrote round-trips byte for byte.
//! - Payloads of an unknown (vid, msgtype) have no schema; callers pass their bytes through raw.

pub(crate) mod message;
mod tables;

pub use message::{FieldValue, Message, SchemaError};
pub use tables::SCHEMAS;

/// How a field is encoded on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wire {
    /// Varint (enum, bool, int32/64, uint32/64).
    Varint,
    /// 32-bit little-endian (fixed32, sfixed32).
    Fixed32,
    /// 64-bit little-endian (double, fixed64).
    Fixed64,
    /// Length-delimited (bytes, string).
    Len,
    /// No protobuf field: a virtual field computed from the others.
    None,
}

/// The protobuf label of a field, or `Virtual` for fields with no protobuf number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Label {
    /// Must be present; decoding fails without it.
    Required,
    /// At most one value (the last one on the wire wins).
    Optional,
    /// Any number of values, kept in order.
    Repeated,
    /// Computed by the module's getter; never on the wire.
    Virtual,
}

/// The NMSG field type (`nmsg_msgmod_ft_*`), which sets the default rendering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// An enum with its (value, name) table.
    Enum(&'static [(u32, &'static str)]),
    /// Opaque bytes (base64 in JSON).
    Bytes,
    /// One-line text.
    String,
    /// Multi-line text.
    MlString,
    /// An IPv4 (4 bytes) or IPv6 (16 bytes) address.
    Ip,
    /// The low 16 bits of a uint32.
    U16,
    /// uint32.
    U32,
    /// uint64.
    U64,
    /// The low 16 bits of an int32, signed.
    I16,
    /// int32 (also sfixed32).
    I32,
    /// int64.
    I64,
    /// double.
    Double,
    /// bool.
    Bool,
}

/// A custom formatter (`nmsg-format.md` §5.2); `None` renders by the field type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Render by the [`FieldType`].
    None,
    /// A wire-format domain name in presentation form.
    Name,
    /// DNS class, base modules (`CLASS300` when unknown).
    ClassBase,
    /// DNS class, SIE modules (`<UNKNOWN>` when unknown).
    ClassSie,
    /// DNS type (`TYPE65280` when unknown).
    Type,
    /// DNS rcode (the number as a string when unknown).
    Rcode,
    /// IP protocol (`UDP`, `TCP`, `ICMP`, else the number as a string).
    IpProto,
    /// Rdata text, for the message's rrtype and rrclass.
    Rdata,
    /// `YYYY-MM-DD HH:MM:SS` from Unix seconds (SIE).
    SieTime,
    /// A DNS message as wdns's dig-like text (SIE `response`).
    DnsText,
    /// A DNS message as a JSON object, inserted raw (`*_json` fields).
    DnsJson,
    /// Lower-case hex without leading zeros (dnsobs `sensor_id`).
    SensorId,
    /// A dnstap enum by name; an unknown value makes the payload unrenderable.
    DnstapEnum(&'static [(u32, &'static str)]),
    /// base:encode `payload`, inserted raw (`{"val":…,"b64":…}`).
    EncodePayload,
}

/// One entry of a module's field array.
#[derive(Debug, Clone, Copy)]
pub struct FieldDef {
    /// The field name, as in JSON and presentation output.
    pub name: &'static str,
    /// The protobuf field number; 0 for virtual fields.
    pub number: u32,
    /// Protobuf label (or virtual).
    pub label: Label,
    /// Wire encoding.
    pub wire: Wire,
    /// NMSG field type.
    pub ty: FieldType,
    /// Custom formatter.
    pub format: Format,
}

/// The schema of one message type: its field array in idx order.
#[derive(Debug, Clone, Copy)]
pub struct Schema {
    /// Vendor ID.
    pub vid: u32,
    /// Message type.
    pub msgtype: u32,
    /// Vendor name (`base`, `SIE`).
    pub vname: &'static str,
    /// Message type name (`dnsqr`).
    pub mname: &'static str,
    /// The module's field array, in idx order, virtual fields included.
    pub fields: &'static [FieldDef],
    /// Protobuf fields of the message that are not in the field array (dnstap's nested
    /// `message`, #14): decoded and re-encoded in number order, never rendered.
    pub extra: &'static [(u32, Wire)],
}

impl Schema {
    /// The field at `idx` of the field array.
    pub fn field(&self, idx: usize) -> Option<&'static FieldDef> {
        self.fields.get(idx)
    }

    /// The idx of the field named `name` (exact, case-sensitive match).
    pub fn field_idx(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.name == name)
    }

    /// The idx of the field with protobuf number `number`.
    pub fn idx_of_number(&self, number: u32) -> Option<usize> {
        if number == 0 {
            return None;
        }
        self.fields.iter().position(|f| f.number == number)
    }
}

/// The schema of (vid, msgtype), or `None` for an unknown type.
pub fn schema(vid: u32, msgtype: u32) -> Option<&'static Schema> {
    SCHEMAS
        .iter()
        .find(|s| s.vid == vid && s.msgtype == msgtype)
}

/// The name of field `idx` of (vid, msgtype)'s field array (virtual fields included), as
/// libaxa reports a watch hit's `field_idx`: `field_name(1, 8, 1) == Some("payload")`.
pub fn field_name(vid: u32, msgtype: u32, idx: usize) -> Option<&'static str> {
    schema(vid, msgtype)?.field(idx).map(|f| f.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names() {
        assert_eq!(field_name(1, 8, 0), Some("len_frame"));
        assert_eq!(field_name(1, 8, 1), Some("payload"));
        assert_eq!(field_name(1, 8, 2), None);
        assert_eq!(field_name(1, 9, 23), Some("response"));
        assert_eq!(field_name(1, 9, 8), Some("qclass"));
        assert_eq!(field_name(2, 1, 12), Some("rdata"));
        assert_eq!(field_name(2, 5, 14), Some("rdata"));
        assert_eq!(field_name(1, 99, 0), None);
    }

    #[test]
    fn tables_are_consistent() {
        for s in SCHEMAS {
            assert_eq!(crate::vendor::vendor_name(s.vid), Some(s.vname));
            assert_eq!(crate::vendor::msgtype_name(s.vid, s.msgtype), Some(s.mname));
            let mut numbers: Vec<u32> = s
                .fields
                .iter()
                .filter(|f| f.number != 0)
                .map(|f| f.number)
                .chain(s.extra.iter().map(|e| e.0))
                .collect();
            let n = numbers.len();
            numbers.sort_unstable();
            numbers.dedup();
            assert_eq!(numbers.len(), n, "{}: duplicate field number", s.mname);
            for f in s.fields {
                assert_eq!(f.label == Label::Virtual, f.number == 0, "{}", f.name);
                assert_eq!(f.wire == Wire::None, f.number == 0, "{}", f.name);
            }
        }
        assert_eq!(SCHEMAS.len(), crate::vendor::MSGTYPES.len());
    }
}
