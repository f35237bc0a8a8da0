//! The getters of virtual fields: dnsqr (delay, query, response and their JSON, dns), ncap
//! (ports, proto, dns), dnstap (the nested `Message` and the DNS header/question) and dnsobs
//! (response_json).

use std::borrow::Cow;

use super::render::{Fields, Val};
use super::JsonError;
use crate::fields::ipdg;
use crate::proto::{FieldIter, Value};
use crate::schema::SchemaError;

/// Per-message state computed once before rendering (the dnsqr response reassembly, the
/// dnstap nested message).
pub(crate) struct Virtuals<'a> {
    dnsqr_query: Option<&'a [u8]>,
    dnsqr_response: Option<Cow<'a, [u8]>>,
    dnstap: Option<[Option<Value<'a>>; 15]>,
}

fn varint(v: Option<Value<'_>>) -> Option<u64> {
    match v? {
        Value::Varint(x) => Some(x),
        Value::Fixed32(x) => Some(u64::from(x)),
        Value::Fixed64(x) => Some(x),
        Value::Len(_) => None,
    }
}

fn bytes<'a>(v: Option<Value<'a>>) -> Option<&'a [u8]> {
    match v? {
        Value::Len(b) => Some(b),
        _ => None,
    }
}

/// The DNS payload of an unfragmented datagram, the IP version chosen by the address length
/// (4 or 16 bytes), as `nmsg_ipdg_parse` with an ethertype.
fn udp_payload(pkt: &[u8], ip_len: usize) -> Option<&[u8]> {
    let want = match ip_len {
        4 => 4,
        16 => 6,
        _ => return None,
    };
    if pkt.first()? >> 4 != want {
        return None;
    }
    let d = ipdg::parse(pkt)?;
    if let Some(f) = d.fragment {
        if f.offset != 0 {
            return Some(d.payload);
        }
    }
    if d.proto != ipdg::PROTO_UDP {
        return None;
    }
    Some(ipdg::udp(d.payload)?.payload)
}

impl<'a> Virtuals<'a> {
    pub fn new(f: &Fields<'a>) -> Result<Self, JsonError> {
        let mut v = Virtuals {
            dnsqr_query: None,
            dnsqr_response: None,
            dnstap: None,
        };
        match (f.schema.vid, f.schema.msgtype) {
            (1, 9) => {
                let qip = bytes(f.by_name("query_ip")).map_or(0, <[u8]>::len);
                let rip = bytes(f.by_name("response_ip")).map_or(0, <[u8]>::len);
                // One packet each (the usual case) is read without collecting the values.
                if f.count("query_packet") == 1 {
                    v.dnsqr_query =
                        bytes(f.by_name("query_packet")).and_then(|p| udp_payload(p, qip));
                }
                let responses = f.count("response_packet");
                if responses == 1 {
                    v.dnsqr_response = bytes(f.by_name("response_packet"))
                        .and_then(|p| udp_payload(p, rip))
                        .map(Cow::Borrowed);
                } else if responses > 1 {
                    let frags: Option<Vec<_>> = f
                        .named("response_packet")
                        .iter()
                        .map(|p| bytes(Some(*p)).and_then(ipdg::parse))
                        .collect();
                    if let Some((data, proto)) = frags.and_then(ipdg::reassemble) {
                        if proto == ipdg::PROTO_UDP {
                            if let Some(u) = ipdg::udp(&data) {
                                v.dnsqr_response = Some(Cow::Owned(u.payload.to_vec()));
                            }
                        }
                    }
                }
            }
            (1, 13) => v.dnstap = dnstap_message(f)?,
            _ => {}
        }
        Ok(v)
    }

    /// The value of virtual field `name`, or `None` when its getter has none.
    pub fn get(&self, f: &Fields<'a>, name: &str) -> Result<Option<Val<'a>>, JsonError> {
        Ok(match (f.schema.vid, f.schema.msgtype, name) {
            (1, 9, "delay") => dnsqr_delay(f).map(Val::Dbl),
            (1, 9, "query" | "query_json") => {
                self.dnsqr_query.map(|b| Val::Bytes(Cow::Borrowed(b)))
            }
            (1, 9, "response" | "response_json" | "dns") => {
                self.dnsqr_response.clone().map(Val::Bytes)
            }
            (1, 14, "response_json") => {
                bytes(f.by_name("response")).map(|b| Val::Bytes(Cow::Borrowed(b)))
            }
            (1, 1, _) => ncap(f, name),
            (1, 13, _) => self.dnstap.as_ref().and_then(|m| dnstap(m, name)),
            _ => None,
        })
    }
}

fn dnsqr_delay(f: &Fields<'_>) -> Option<f64> {
    if varint(f.by_name("type")) != Some(1) {
        return None;
    }
    let responses = f.count("response_time_sec");
    if f.count("query_time_sec") != 1
        || f.count("query_time_nsec") != 1
        || f.count("response_time_nsec") != responses
        || responses == 0
    {
        return None;
    }
    let q_sec = varint(f.by_name("query_time_sec"))? as i64;
    let q_nsec = i64::from(varint(f.by_name("query_time_nsec"))? as u32 as i32);
    let one = |rs: Option<Value<'_>>, rn: Option<Value<'_>>| -> Option<f64> {
        let mut sec = (varint(rs)? as i64).wrapping_sub(q_sec);
        let mut nsec = i64::from(varint(rn)? as u32 as i32) - q_nsec;
        if nsec < 0 {
            sec -= 1;
            nsec += 1_000_000_000;
        }
        Some(sec as f64 + nsec as f64 / 1e9)
    };
    if responses == 1 {
        return one(
            f.by_name("response_time_sec"),
            f.by_name("response_time_nsec"),
        );
    }
    let (rs, rn) = (f.named("response_time_sec"), f.named("response_time_nsec"));
    let mut max = 0.0f64;
    for (s, n) in rs.iter().zip(&rn) {
        let d = one(Some(*s), Some(*n))?;
        if d > max {
            max = d;
        }
    }
    Some(max)
}

/// (srcport, dstport, proto, dns) of an ncap record.
type NcapDerived<'a> = (Option<u64>, Option<u64>, Option<u64>, Option<&'a [u8]>);

fn ncap<'a>(f: &Fields<'a>, name: &str) -> Option<Val<'a>> {
    let payload = bytes(f.by_name("payload")).unwrap_or(&[]);
    let ty = varint(f.by_name("type"))?;
    // (srcport, dstport, proto, dns)
    let (sport, dport, proto, dns): NcapDerived<'a> = match ty {
        0 | 1 => {
            if payload.is_empty() {
                (None, None, None, None)
            } else {
                let proto = match ty {
                    0 if payload.len() >= 20 => u64::from(payload[9]),
                    1 if payload.len() >= 40 => u64::from(payload[6]),
                    _ => 0,
                };
                let udp = ipdg::parse(payload)
                    .filter(|d| {
                        d.proto == ipdg::PROTO_UDP && d.fragment.is_none_or(|fr| fr.offset == 0)
                    })
                    .and_then(|d| ipdg::udp(d.payload));
                match udp {
                    Some(u) => {
                        let dns = [u.src_port, u.dst_port]
                            .iter()
                            .any(|p| *p == 53 || *p == 5353)
                            .then_some(u.payload);
                        (
                            Some(u64::from(u.src_port)),
                            Some(u64::from(u.dst_port)),
                            Some(proto),
                            dns,
                        )
                    }
                    None => (None, None, Some(proto), None),
                }
            }
        }
        2 => {
            let ltype = varint(f.by_name("ltype")).unwrap_or(0);
            let (s, d) = if ltype <= 1 {
                (varint(f.by_name("lint0")), varint(f.by_name("lint1")))
            } else {
                (None, None)
            };
            let proto = match ltype {
                0 => Some(17),
                1 => Some(6),
                2 => Some(1),
                _ => None,
            }
            .filter(|_| !payload.is_empty());
            let is_dns = |p: Option<u64>| p.is_some_and(|p| p & 0xffff == 53 || p & 0xffff == 5353);
            let dns = (is_dns(s) || is_dns(d)).then_some(payload);
            (s, d, proto, dns)
        }
        _ => (None, None, None, None),
    };
    match name {
        "srcport" => sport.map(Val::Int),
        "dstport" => dport.map(Val::Int),
        "proto" => proto.map(Val::Int),
        "dns" => dns.map(|b| Val::Bytes(Cow::Borrowed(b))),
        _ => None,
    }
}

/// Fields 1..=14 of the dnstap `Message` (field 14 of the payload), last value of each.
fn dnstap_message<'a>(f: &Fields<'a>) -> Result<Option<[Option<Value<'a>>; 15]>, JsonError> {
    let Some(buf) = f
        .extra
        .iter()
        .rev()
        .find(|e| e.0 == 14)
        .and_then(|e| bytes(Some(e.1)))
    else {
        return Ok(None);
    };
    let bad = || JsonError::Decode(SchemaError::WrongWireType("message"));
    let mut m: [Option<Value<'a>>; 15] = [None; 15];
    for field in FieldIter::new(buf) {
        let field = field.map_err(SchemaError::from)?;
        let n = field.number as usize;
        let want_len = matches!(n, 4 | 5 | 10 | 11 | 14);
        let want_f32 = matches!(n, 9 | 13);
        if n == 0 || n > 14 {
            continue;
        }
        let ok = match field.value {
            Value::Len(_) => want_len,
            Value::Fixed32(_) => want_f32,
            Value::Varint(_) => !want_len && !want_f32,
            Value::Fixed64(_) => false,
        };
        if !ok {
            return Err(bad());
        }
        m[n] = Some(field.value);
    }
    if m[1].is_none() {
        return Err(JsonError::Decode(SchemaError::MissingRequired(
            "message.type",
        )));
    }
    Ok(Some(m))
}

fn dnstap<'a>(m: &[Option<Value<'a>>; 15], name: &str) -> Option<Val<'a>> {
    let int = |n: usize| varint(m[n]).map(Val::Int);
    let byt = |n: usize| bytes(m[n]).map(|b| Val::Bytes(Cow::Borrowed(b)));
    match name {
        "message_type" => int(1),
        "socket_family" => Some(Val::Int(varint(m[2]).unwrap_or(1))),
        "socket_protocol" => Some(Val::Int(varint(m[3]).unwrap_or(1))),
        "query_address" => byt(4),
        "query_port" => int(6),
        "query_time_sec" => int(8),
        "query_time_nsec" => int(9),
        "query_message" | "query_json" => byt(10),
        "response_address" => byt(5),
        "response_port" => int(7),
        "response_time_sec" => int(12),
        "response_time_nsec" => int(13),
        "query_zone" => byt(11),
        "response_message" | "response_json" => byt(14),
        "id" | "qname" | "qclass" | "qtype" | "rcode" => {
            let msg = bytes(m[10]).or(bytes(m[14]));
            msg.and_then(|msg| dns_header_field(msg, name))
        }
        _ => None,
    }
}

fn dns_header_field<'a>(msg: &'a [u8], name: &str) -> Option<Val<'a>> {
    if msg.len() < 12 {
        return None;
    }
    let w = |i: usize| u64::from(u16::from_be_bytes([msg[i], msg[i + 1]]));
    match name {
        "id" => return Some(Val::Int(w(0))),
        "rcode" => return Some(Val::Int(w(2) & 0xf)),
        _ => {}
    }
    if w(4) != 1 {
        return None;
    }
    let mut p = 12;
    while p < msg.len() {
        let c = msg[p];
        if c == 0 {
            p += 1;
            break;
        }
        if c >= 0xc0 {
            p = (p + 2).min(msg.len());
            break;
        }
        p += 1 + usize::from(c);
    }
    let p = p.min(msg.len());
    match name {
        "qname" => Some(Val::Bytes(Cow::Borrowed(&msg[12..p]))),
        "qtype" => (msg.len() >= p + 2).then(|| Val::Int(w(p))),
        "qclass" => (msg.len() >= p + 4).then(|| Val::Int(w(p + 2))),
        _ => None,
    }
}
