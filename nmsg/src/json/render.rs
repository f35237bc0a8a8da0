//! Rendering a payload as one `nmsgtool -J` line.

use std::borrow::Cow;
use std::fmt::Write as _;

use super::names::{class_name, rcode_name, rrtype_name};
use super::{dns_message, dns_text, rdata, text, virtuals, JsonError};
use crate::payload::Payload;
use crate::proto::Value;
use crate::schema::{self, FieldDef, FieldType, Format, Label, Schema};

/// One value to render: an integer (varint or fixed, as on the wire), a double, or bytes.
#[derive(Debug, Clone)]
pub(crate) enum Val<'a> {
    Int(u64),
    Dbl(f64),
    Bytes(Cow<'a, [u8]>),
}

impl<'a> Val<'a> {
    fn from_wire(v: Value<'a>, ty: FieldType) -> Val<'a> {
        match v {
            Value::Varint(x) => Val::Int(x),
            Value::Fixed32(x) => Val::Int(u64::from(x)),
            Value::Fixed64(x) if ty == FieldType::Double => Val::Dbl(f64::from_bits(x)),
            Value::Fixed64(x) => Val::Int(x),
            Value::Len(b) => Val::Bytes(Cow::Borrowed(b)),
        }
    }

    fn int(&self) -> u64 {
        match self {
            Val::Int(x) => *x,
            Val::Dbl(d) => d.to_bits(),
            Val::Bytes(_) => 0,
        }
    }

    fn bytes(&self) -> &[u8] {
        match self {
            Val::Bytes(b) => b,
            _ => &[],
        }
    }
}

/// The decoded fields of one message: (idx in the field array, wire value), in wire order.
pub(crate) struct Fields<'a> {
    pub schema: &'static Schema,
    pub list: Vec<(usize, Value<'a>)>,
    /// Values of the schema's `extra` protobuf fields: (number, value).
    pub extra: Vec<(u32, Value<'a>)>,
    /// Bit `idx` set when field `idx` (< 64) has a value: absent fields are skipped without
    /// scanning `list`.
    present: u64,
}

impl<'a> Fields<'a> {
    /// All values of field `idx`, in wire order.
    pub fn all(&self, idx: usize) -> impl Iterator<Item = Value<'a>> + '_ {
        let absent = self.absent(idx);
        self.list[if absent { self.list.len() } else { 0 }..]
            .iter()
            .filter(move |(i, _)| *i == idx)
            .map(|(_, v)| *v)
    }

    /// The last value of field `idx` (protobuf-c keeps the last of a repeated optional).
    pub fn last(&self, idx: usize) -> Option<Value<'a>> {
        if self.absent(idx) {
            return None;
        }
        self.list
            .iter()
            .rev()
            .find(|(i, _)| *i == idx)
            .map(|(_, v)| *v)
    }

    /// True when field `idx` surely has no value.
    fn absent(&self, idx: usize) -> bool {
        idx < 64 && self.present & (1 << idx) == 0
    }

    /// The last value of the field named `name`.
    pub fn by_name(&self, name: &str) -> Option<Value<'a>> {
        self.last(self.schema.field_idx(name)?)
    }

    /// The number of values of the field named `name`.
    pub fn count(&self, name: &str) -> usize {
        self.schema
            .field_idx(name)
            .map_or(0, |idx| self.all(idx).count())
    }

    /// The values of the field named `name`.
    pub fn named(&self, name: &str) -> Vec<Value<'a>> {
        self.schema
            .field_idx(name)
            .map_or_else(Vec::new, |idx| self.all(idx).collect())
    }
}

/// Decodes `buf` against `schema`, keeping the fields of the field array.
pub(crate) fn decode<'a>(schema: &'static Schema, buf: &'a [u8]) -> Result<Fields<'a>, JsonError> {
    let mut list = Vec::with_capacity(24);
    let mut extra = Vec::new();
    let mut present = 0u64;
    schema::message::walk(schema, buf, |slot, number, v| match slot {
        schema::message::Slot::Field(idx) => {
            if idx < 64 {
                present |= 1 << idx;
            }
            list.push((idx, v));
        }
        schema::message::Slot::Extra => extra.push((number, v)),
        schema::message::Slot::Unknown => {}
    })?;
    Ok(Fields {
        schema,
        list,
        extra,
        present,
    })
}

/// Appends the `nmsgtool -J` line of `p` to `out`, without a newline. On error nothing is
/// appended (`out` is left as it was).
pub fn write_payload(out: &mut String, p: &Payload) -> Result<(), JsonError> {
    let start = out.len();
    let r = write_inner(out, p);
    if r.is_err() {
        out.truncate(start);
    }
    r
}

/// Like [`write_payload`], then a newline (one JSONL record).
pub fn write_payload_line(out: &mut String, p: &Payload) -> Result<(), JsonError> {
    write_payload(out, p)?;
    out.push('\n');
    Ok(())
}

fn write_inner(out: &mut String, p: &Payload) -> Result<(), JsonError> {
    let schema =
        schema::schema(p.vid, p.msgtype).ok_or(JsonError::UnknownType(p.vid, p.msgtype))?;
    let fields = decode(schema, p.payload_bytes())?;
    out.push_str("{\"time\":\"");
    text::datetime(out, p.time_sec);
    out.push('.');
    text::uint_pad(out, u64::from(p.time_nsec), 9);
    out.push_str("\",\"vname\":\"");
    out.push_str(schema.vname);
    out.push_str("\",\"mname\":\"");
    out.push_str(schema.mname);
    out.push('"');
    if let Some(s) = p.source.filter(|&s| s != 0) {
        out.push_str(",\"source\":\"");
        text::hex8(out, s);
        out.push('"');
    }
    if let Some(o) = p.operator.filter(|&o| o != 0) {
        out.push_str(",\"operator\":");
        text::uint(out, u64::from(o));
    }
    if let Some(g) = p.group.filter(|&g| g != 0) {
        out.push_str(",\"group\":");
        text::uint(out, u64::from(g));
    }
    out.push_str(",\"message\":{");
    message(out, &fields)?;
    out.push_str("}}");
    Ok(())
}

/// Appends the fields of the `message` object (without braces).
pub(crate) fn message<'a>(out: &mut String, fields: &Fields<'a>) -> Result<(), JsonError> {
    let mut first = true;
    let mut memo = None;
    let virt = virtuals::Virtuals::new(fields)?;
    for (idx, def) in fields.schema.fields.iter().enumerate() {
        match def.label {
            Label::Repeated => {
                key(out, &mut first, def.name);
                out.push('[');
                for (i, v) in fields.all(idx).enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    value(out, fields, def, &Val::from_wire(v, def.ty), &mut memo)?;
                }
                out.push(']');
            }
            Label::Required | Label::Optional => {
                if let Some(v) = fields.last(idx) {
                    key(out, &mut first, def.name);
                    value(out, fields, def, &Val::from_wire(v, def.ty), &mut memo)?;
                }
            }
            Label::Virtual => {
                if let Some(v) = virt.get(fields, def.name)? {
                    key(out, &mut first, def.name);
                    value(out, fields, def, &v, &mut memo)?;
                }
            }
        }
    }
    Ok(())
}

fn key(out: &mut String, first: &mut bool, name: &str) {
    if !*first {
        out.push(',');
    }
    *first = false;
    out.push('"');
    out.push_str(name);
    out.push_str("\":");
}

/// Appends `"` + `prefix` + `n` in decimal + `"`.
fn prefixed(out: &mut String, prefix: &str, n: u16) {
    out.push('"');
    out.push_str(prefix);
    text::uint(out, u64::from(n));
    out.push('"');
}

fn quoted(out: &mut String, s: &str) {
    out.push('"');
    out.push_str(s);
    out.push('"');
}

/// The last bytes rendered as base64 and where their text stands in the output: dnsqr
/// renders the same response bytes twice (`response` and `dns`), the second time as a copy.
pub(crate) type Base64Memo<'a> = Option<(&'a [u8], std::ops::Range<usize>)>;

/// Renders one value of `def`.
pub(crate) fn value<'a>(
    out: &mut String,
    fields: &Fields<'a>,
    def: &FieldDef,
    v: &Val<'a>,
    memo: &mut Base64Memo<'a>,
) -> Result<(), JsonError> {
    let n16 = (v.int() & 0xffff) as u16;
    match def.format {
        Format::None => {}
        Format::Name => {
            let b = v.bytes();
            if b.is_empty() || b.len() > 255 {
                out.push_str("\"\"");
            } else {
                text::name(out, b);
            }
            return Ok(());
        }
        Format::ClassBase => {
            match class_name(n16) {
                Some(n) => quoted(out, n),
                None => prefixed(out, "CLASS", n16),
            }
            return Ok(());
        }
        Format::ClassSie => {
            quoted(out, class_name(n16).unwrap_or("<UNKNOWN>"));
            return Ok(());
        }
        Format::Type => {
            match rrtype_name(n16) {
                Some(n) => quoted(out, n),
                None => prefixed(out, "TYPE", n16),
            }
            return Ok(());
        }
        Format::Rcode => {
            match rcode_name(n16) {
                Some(n) => quoted(out, n),
                None => prefixed(out, "", n16),
            }
            return Ok(());
        }
        Format::IpProto => {
            match n16 {
                17 => out.push_str("\"UDP\""),
                6 => out.push_str("\"TCP\""),
                1 => out.push_str("\"ICMP\""),
                n => prefixed(out, "", n),
            }
            return Ok(());
        }
        Format::Rdata => {
            let (Some(t), Some(c)) = (fields.by_name("rrtype"), fields.by_name("rrclass")) else {
                return Err(JsonError::Format(def.name));
            };
            let to16 = |v: Value<'_>| match v {
                Value::Varint(x) => x as u16,
                Value::Fixed32(x) => x as u16,
                Value::Fixed64(x) => x as u16,
                Value::Len(_) => 0,
            };
            let b = v.bytes();
            out.push('"');
            let start = out.len();
            if !b.is_empty() {
                rdata::rdata_text(out, b, to16(t), to16(c));
            }
            text::escape_tail(out, start);
            out.push('"');
            return Ok(());
        }
        Format::SieTime => {
            out.push('"');
            text::datetime(out, i64::from(v.int() as u32));
            out.push('"');
            return Ok(());
        }
        Format::DnsText => {
            out.push('"');
            let start = out.len();
            if dns_text::message_text(out, v.bytes()) {
                text::escape_tail(out, start);
            } else {
                out.truncate(start);
                out.push_str("<PARSE ERROR>");
            }
            out.push('"');
            return Ok(());
        }
        Format::DnsJson => {
            dns_message::message_json(out, v.bytes());
            return Ok(());
        }
        Format::SensorId => {
            let _ = write!(out, "\"{:x}\"", v.int() as u32);
            return Ok(());
        }
        Format::DnstapEnum(table) => {
            let n = v.int() as u32;
            let name = table
                .iter()
                .find(|e| e.0 == n)
                .ok_or(JsonError::Format(def.name))?;
            quoted(out, name.1);
            return Ok(());
        }
        Format::EncodePayload => {
            encode_payload(out, fields, v.bytes());
            return Ok(());
        }
    }
    match def.ty {
        FieldType::Enum(table) => {
            let n = v.int() as u32;
            match table.iter().find(|e| e.0 == n) {
                Some(e) => quoted(out, e.1),
                None => {
                    text::uint(out, u64::from(n));
                }
            }
        }
        FieldType::Bytes => {
            let b = v.bytes();
            match memo {
                Some((src, text)) if !b.is_empty() && *src == b => {
                    // (`String::extend_from_within` needs Rust 1.87; the MSRV is 1.85.)
                    let copy = out.get(text.clone()).map(str::to_owned).unwrap_or_default();
                    out.push_str(&copy);
                }
                _ => {
                    let start = out.len();
                    text::base64(out, b);
                    if let Val::Bytes(Cow::Borrowed(src)) = v {
                        *memo = Some((src, start..out.len()));
                    }
                }
            }
        }
        FieldType::String | FieldType::MlString => text::text(out, v.bytes()),
        FieldType::Ip => text::ip(out, v.bytes()),
        FieldType::U16 => {
            text::uint(out, u64::from(n16));
        }
        FieldType::U32 => {
            text::uint(out, u64::from(v.int() as u32));
        }
        FieldType::U64 => {
            text::uint(out, v.int());
        }
        FieldType::I16 => {
            text::uint(out, i64::from(n16 as i16) as u64);
        }
        FieldType::I32 => {
            text::uint(out, i64::from(v.int() as u32 as i32) as u64);
        }
        FieldType::I64 => {
            text::uint(out, v.int());
        }
        FieldType::Double => {
            let d = match v {
                Val::Dbl(d) => *d,
                other => f64::from_bits(other.int()),
            };
            text::double(out, d).ok_or(JsonError::DoubleTooLong(def.name))?;
        }
        FieldType::Bool => out.push_str(if v.int() != 0 { "true" } else { "false" }),
    }
    Ok(())
}

/// base:encode `payload` (`nmsg-format.md` §4.8).
fn encode_payload(out: &mut String, fields: &Fields<'_>, b: &[u8]) {
    let ty = fields.by_name("type").map(|v| match v {
        Value::Varint(x) => x as u32,
        _ => 0,
    });
    out.push('{');
    match ty {
        Some(1) => {
            if !b.is_empty() && json_value_at_start(b) {
                out.push_str("\"val\":");
                out.push_str(&String::from_utf8_lossy(b));
                out.push(',');
            }
        }
        Some(3) => {}
        _ => {
            out.push_str("\"val\":");
            text::bytes_string(out, b);
            out.push(',');
        }
    }
    out.push_str("\"b64\":");
    if b.is_empty() {
        out.push_str("\"\"");
    } else {
        text::base64(out, b);
    }
    out.push('}');
}

/// Whether a complete JSON value stands at the start of `b` (what json-c's tokener accepts).
fn json_value_at_start(b: &[u8]) -> bool {
    let mut it = serde_json::Deserializer::from_slice(b).into_iter::<serde_json::Value>();
    matches!(it.next(), Some(Ok(_)))
}
