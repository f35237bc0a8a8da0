//! Reading JSON lines as `nmsgtool -j` does (libnmsg 1.3.3 `transparent_json.c`), back into
//! payloads encoded as protobuf-c encodes them.
//!
//! Envelope: `time` (`YYYY-MM-DD HH:MM:SS[.fraction]`, UTC), `vname`/`mname` (looked up
//! case-insensitively), optional `source` (hex string, or a number), `operator` and `group`
//! (numbers or numeric strings), `message` (object). Keys other than the schema's protobuf
//! fields are ignored, virtual fields included, so `nmsgtool -J` output reads back.
//!
//! Per field, as libnmsg: a field with a formatter needs its text form (names, classes, types,
//! rcodes, `UDP`, rdata text, SIE times, a hex sensor id); bytes are base64, decoded
//! **leniently** like libb64 (characters outside the alphabet, `=` included, are skipped, and
//! a trailing partial group yields the whole bytes it holds: `"testing 123"` gives 7 bytes);
//! enums by name (case-insensitive) or by number; text fields get a terminating NUL byte
//! appended, as libnmsg stores them; IPs as text; repeated fields must be arrays.
//! Stricter than libnmsg (choices): integers out of range or negative for unsigned fields,
//! numeric enum values the enum does not define, and `"true"`/`"false"` strings are checked
//! properly (libnmsg's comparison is inverted); a formatter-only field without a parser
//! (SIE `response` text) is refused. base:encode `payload` is read from the `b64` member of
//! the object nmsgtool writes.

use bytes::Bytes;
use serde_json::Value as J;

use super::names::{class_from_name, rcode_from_name, rrtype_from_name};
use super::rdata_parse::parse_rdata;
use super::text::days_from_civil;
use super::JsonError;
use crate::dns::{parse_name, NameBuf};
use crate::payload::Payload;
use crate::schema::{self, FieldDef, FieldType, FieldValue, Format, Label, Message, Wire};

fn bad(name: &str) -> JsonError {
    JsonError::Value(name.to_owned())
}

/// libb64's lenient decoder: skips every character outside the base64 alphabet.
pub(crate) fn lenient_base64(s: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut n = 0;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => continue,
        };
        acc = (acc << 6) | u32::from(v);
        n += 1;
        if n == 4 {
            out.extend_from_slice(&[(acc >> 16) as u8, (acc >> 8) as u8, acc as u8]);
            acc = 0;
            n = 0;
        }
    }
    match n {
        2 => out.push((acc >> 4) as u8),
        3 => out.extend_from_slice(&[(acc >> 10) as u8, (acc >> 2) as u8]),
        _ => {}
    }
    out
}

/// Parses `YYYY-MM-DD HH:MM:SS[.fraction]` into (seconds, nanoseconds).
fn parse_time(s: &str) -> Option<(i64, u32)> {
    let (date, time) = s.split_once(' ')?;
    let mut d = date.splitn(3, '-');
    let y: i64 = d.next()?.parse().ok()?;
    let mo: u32 = d.next()?.parse().ok()?;
    let day: u32 = d.next()?.parse().ok()?;
    let (hms, frac) = match time.split_once('.') {
        Some((a, b)) => (a, Some(b)),
        None => (time, None),
    };
    let mut t = hms.splitn(3, ':');
    let h: i64 = t.next()?.parse().ok()?;
    let mi: i64 = t.next()?.parse().ok()?;
    let sec: i64 = t.next()?.parse().ok()?;
    if !(1..=12).contains(&mo) || !(1..=31).contains(&day) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let nsec = match frac {
        Some(f) if !f.is_empty() && f.len() <= 9 && f.bytes().all(|b| b.is_ascii_digit()) => {
            f.parse::<u32>().ok()? * 10u32.pow(9 - f.len() as u32)
        }
        Some(_) => return None,
        None => 0,
    };
    Some((
        days_from_civil(y, mo, day) * 86_400 + h * 3600 + mi * 60 + sec,
        nsec,
    ))
}

fn u32_of(v: &J) -> Option<u32> {
    match v {
        J::Number(n) => n.as_u64().and_then(|x| u32::try_from(x).ok()),
        J::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// Parses one line of `nmsgtool -J` / `-j` JSON into a payload.
pub fn parse_payload(line: &str) -> Result<Payload, JsonError> {
    let v: J = serde_json::from_str(line).map_err(|e| JsonError::Syntax(e.to_string()))?;
    let obj = v
        .as_object()
        .ok_or_else(|| JsonError::Syntax("not an object".into()))?;
    let (time_sec, time_nsec) = obj
        .get("time")
        .and_then(J::as_str)
        .and_then(parse_time)
        .ok_or_else(|| bad("time"))?;
    let vname = obj
        .get("vname")
        .and_then(J::as_str)
        .ok_or_else(|| bad("vname"))?;
    let mname = obj
        .get("mname")
        .and_then(J::as_str)
        .ok_or_else(|| bad("mname"))?;
    let (vid, msgtype) = crate::vendor::lookup(vname, mname).ok_or_else(|| bad("mname"))?;
    let schema = schema::schema(vid, msgtype).ok_or(JsonError::UnknownType(vid, msgtype))?;
    let source = match obj.get("source") {
        None => None,
        Some(J::String(s)) => Some(u32::from_str_radix(s, 16).map_err(|_| bad("source"))?),
        Some(J::Number(n)) => Some(
            n.as_u64()
                .and_then(|x| u32::try_from(x).ok())
                .ok_or_else(|| bad("source"))?,
        ),
        Some(_) => return Err(bad("source")),
    };
    let operator = obj
        .get("operator")
        .map(|v| u32_of(v).ok_or_else(|| bad("operator")))
        .transpose()?;
    let group = obj
        .get("group")
        .map(|v| u32_of(v).ok_or_else(|| bad("group")))
        .transpose()?;
    let message = match obj.get("message") {
        Some(J::Object(m)) => m,
        None => return Err(bad("message")),
        Some(_) => return Err(bad("message")),
    };
    let mut msg = Message::new(schema);
    for def in schema.fields {
        if def.label == Label::Virtual {
            continue;
        }
        let Some(jv) = message.get(def.name) else {
            continue;
        };
        if def.label == Label::Repeated {
            let arr = jv.as_array().ok_or_else(|| bad(def.name))?;
            for e in arr {
                let fv = field_value(def, e, &msg)?;
                msg.push(def.name, fv);
            }
        } else {
            let fv = field_value(def, jv, &msg)?;
            msg.push(def.name, fv);
        }
    }
    Ok(Payload {
        vid,
        msgtype,
        time_sec,
        time_nsec,
        payload: Some(msg.to_bytes()),
        source,
        operator,
        group,
    })
}

fn wire_value(def: &FieldDef, n: u64) -> FieldValue {
    match def.wire {
        Wire::Fixed32 => FieldValue::Fixed32(n as u32),
        Wire::Fixed64 => FieldValue::Fixed64(n),
        _ => FieldValue::Varint(n),
    }
}

fn int_of(msg: &Message, name: &str) -> Option<u16> {
    msg.get(name).and_then(FieldValue::as_u64).map(|v| v as u16)
}

fn field_value(def: &FieldDef, v: &J, msg: &Message) -> Result<FieldValue, JsonError> {
    let e = || bad(def.name);
    if def.format == Format::EncodePayload {
        // Our own rendering, `{"val":…,"b64":"…"}`: the bytes are in `b64`.
        let b64 = v.get("b64").and_then(J::as_str).ok_or_else(e)?;
        return Ok(FieldValue::Bytes(Bytes::from(lenient_base64(b64))));
    }
    if def.format != Format::None {
        let s = v.as_str().ok_or_else(e)?;
        let n: u64 = match def.format {
            Format::Name => {
                let mut n = NameBuf::new();
                parse_name(s, &mut n).map_err(|_| e())?;
                return Ok(FieldValue::Bytes(Bytes::copy_from_slice(n.as_wire())));
            }
            Format::ClassBase | Format::ClassSie => u64::from(class_from_name(s).ok_or_else(e)?),
            Format::Type => u64::from(rrtype_from_name(s).ok_or_else(e)?),
            Format::Rcode => match rcode_from_name(s) {
                Some(r) => u64::from(r),
                None => s.parse::<u64>().ok().filter(|r| *r <= 15).ok_or_else(e)?,
            },
            Format::IpProto => match s.to_ascii_uppercase().as_str() {
                "UDP" => 17,
                "TCP" => 6,
                "ICMP" => 1,
                _ => u64::from(s.parse::<u16>().map_err(|_| e())?),
            },
            Format::Rdata => {
                let (Some(t), Some(c)) = (int_of(msg, "rrtype"), int_of(msg, "rrclass")) else {
                    return Err(e());
                };
                let w = parse_rdata(s, t, c).ok_or_else(e)?;
                return Ok(FieldValue::Bytes(Bytes::from(w)));
            }
            Format::SieTime => {
                let (t, _) = parse_time(s).ok_or_else(e)?;
                u64::from(u32::try_from(t).map_err(|_| e())?)
            }
            Format::SensorId => u64::from(u32::from_str_radix(s, 16).map_err(|_| e())?),
            Format::DnsText
            | Format::DnsJson
            | Format::DnstapEnum(_)
            | Format::EncodePayload
            | Format::None => return Err(e()),
        };
        return Ok(wire_value(def, n));
    }
    Ok(match def.ty {
        FieldType::Bool => {
            let b = match v {
                J::Bool(b) => *b,
                J::Number(n) => n.as_i64().ok_or_else(e)? != 0,
                J::String(s) if s.eq_ignore_ascii_case("true") => true,
                J::String(s) if s.eq_ignore_ascii_case("false") => false,
                _ => return Err(e()),
            };
            FieldValue::Varint(u64::from(b))
        }
        FieldType::Bytes => {
            let s = v.as_str().ok_or_else(e)?;
            FieldValue::Bytes(Bytes::from(lenient_base64(s)))
        }
        FieldType::Enum(table) => {
            let n = match v {
                J::String(s) => {
                    table
                        .iter()
                        .find(|x| x.1.eq_ignore_ascii_case(s))
                        .ok_or_else(e)?
                        .0
                }
                J::Number(n) => {
                    let n = n
                        .as_u64()
                        .and_then(|x| u32::try_from(x).ok())
                        .ok_or_else(e)?;
                    table.iter().find(|x| x.0 == n).ok_or_else(e)?.0
                }
                _ => return Err(e()),
            };
            FieldValue::Varint(u64::from(n))
        }
        FieldType::String | FieldType::MlString => {
            let s = v.as_str().ok_or_else(e)?;
            let mut b = Vec::with_capacity(s.len() + 1);
            b.extend_from_slice(s.as_bytes());
            b.push(0);
            FieldValue::Bytes(Bytes::from(b))
        }
        FieldType::Ip => {
            let s = v.as_str().ok_or_else(e)?;
            let ip: std::net::IpAddr = s.parse().map_err(|_| e())?;
            FieldValue::Bytes(match ip {
                std::net::IpAddr::V4(a) => Bytes::copy_from_slice(&a.octets()),
                std::net::IpAddr::V6(a) => Bytes::copy_from_slice(&a.octets()),
            })
        }
        FieldType::U16 | FieldType::U32 | FieldType::U64 => {
            let n = v.as_u64().ok_or_else(e)?;
            let max = match def.ty {
                FieldType::U16 => u64::from(u16::MAX),
                FieldType::U32 => u64::from(u32::MAX),
                _ => u64::MAX,
            };
            if n > max {
                return Err(e());
            }
            wire_value(def, n)
        }
        FieldType::I16 | FieldType::I32 | FieldType::I64 => {
            let n = v.as_i64().ok_or_else(e)?;
            let ok = match def.ty {
                FieldType::I16 => i16::try_from(n).is_ok(),
                FieldType::I32 => i32::try_from(n).is_ok(),
                _ => true,
            };
            if !ok {
                return Err(e());
            }
            match def.wire {
                Wire::Fixed32 => FieldValue::Fixed32(n as i32 as u32),
                _ => FieldValue::Varint(n as u64),
            }
        }
        FieldType::Double => FieldValue::Fixed64(v.as_f64().ok_or_else(e)?.to_bits()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lenient() {
        assert_eq!(
            lenient_base64("testing 123"),
            lenient_base64("testing12w==")
        );
        assert_eq!(lenient_base64("testing 123").len(), 7);
        assert_eq!(lenient_base64("YWJj"), b"abc");
        assert_eq!(lenient_base64("Y"), b"");
    }

    #[test]
    fn times() {
        assert_eq!(
            parse_time("2023-07-13 17:41:09.408162000"),
            Some((1_689_270_069, 408_162_000))
        );
        assert_eq!(parse_time("2018-02-22 10:54:43"), Some((1_519_296_883, 0)));
        assert_eq!(parse_time("2018-13-22 10:54:43"), None);
    }

    #[test]
    fn errors() {
        assert!(matches!(parse_payload("nope"), Err(JsonError::Syntax(_))));
        assert!(matches!(parse_payload("[]"), Err(JsonError::Syntax(_))));
        let base = r#"{"time":"2018-02-22 17:47:42.017523047","vname":"base","mname":"packet","message":{"payload_type":"IP","payload":"YWJj"}}"#;
        let p = parse_payload(base).unwrap();
        assert_eq!((p.vid, p.msgtype, p.source), (1, 12, None));
        assert!(parse_payload(&base.replace("\"IP\"", "\"XX\"")).is_err());
        assert!(parse_payload(&base.replace("packet", "nosuch")).is_err());
        assert!(parse_payload(&base.replace("\"YWJj\"", "5")).is_err());
    }
}
