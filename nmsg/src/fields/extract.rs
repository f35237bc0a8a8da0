//! The extraction itself: per message type, which protobuf fields to read and how.

use std::net::IpAddr;
use std::ops::ControlFlow;

use super::{ipdg, schema, FieldError, Key, KeyValue};
use crate::dns::{self, NameBuf, RdataRef, Records, Section};
use crate::proto::{FieldIter, Value};

/// Checks that `payload` decodes as message type `vid`:`msgtype`: well-formed protobuf, every
/// known field with an allowed wire type, every required field present (dnstap: also inside the
/// embedded `Message`). This is what the server's `errors` watch matches on: a payload for which
/// this returns `Err` is "undecodable". An unknown type is [`FieldError::UnknownType`]; whether
/// that counts as an error for the watch is the caller's choice.
///
/// [`extract`] runs this check itself and returns its error: a caller that extracts keys anyway
/// needs no separate call.
pub fn check(vid: u32, msgtype: u32, payload: &[u8]) -> Result<(), FieldError> {
    check_capturing(vid, msgtype, payload, [0, 0]).map(|_| ())
}

/// [`check`], also returning the last values of the varint fields numbered `want`.
fn check_capturing(
    vid: u32,
    msgtype: u32,
    payload: &[u8],
    want: [u32; 2],
) -> Result<[Option<u64>; 2], FieldError> {
    let fields = schema::lookup(vid, msgtype).ok_or(FieldError::UnknownType { vid, msgtype })?;
    let caps = schema::check(fields, payload, want)?;
    if (vid, msgtype) == (1, 13) {
        for field in FieldIter::new(payload).flatten() {
            if let (14, Value::Len(m)) = (field.number, field.value) {
                schema::check(schema::DNSTAP_MESSAGE, m, [0, 0])?;
            }
        }
    }
    Ok(caps)
}

/// The varint fields extraction depends on, read during the check: rrtype and rrclass of the
/// RRset types, the type enum of ncap, encode and packet.
fn captures(vid: u32, msgtype: u32) -> [u32; 2] {
    match (vid, msgtype) {
        (1, 7) | (2, 1) => [2, 3],
        (2, 5) => [4, 5],
        (1, 1) | (1, 11) | (1, 12) => [1, 0],
        _ => [0, 0],
    }
}

/// Extracts the match keys of one payload (see the [module docs](super) for which fields give
/// which keys) and calls `f` with each, in field order. `f` returns
/// [`ControlFlow::Break`] to stop early (e.g. on the first match).
///
/// The payload is first [`check`]ed: an undecodable payload or an unknown type yields no key and
/// the error. Otherwise the result is `Ok(())`, whether or not keys were found or `f` stopped.
/// Nothing is allocated, except for a dnsqr response split into IP fragments (reassembly) and
/// for base:encode JSON payloads (JSON parsing).
pub fn extract<F>(vid: u32, msgtype: u32, payload: &[u8], f: &mut F) -> Result<(), FieldError>
where
    F: FnMut(Key<'_>) -> ControlFlow<()>,
{
    let caps = check_capturing(vid, msgtype, payload, captures(vid, msgtype))?;
    let mut x = Extractor {
        f,
        name: NameBuf::new(),
        caps,
    };
    let _ = match (vid, msgtype) {
        (1, 1) => x.ncap(payload),
        (1, 2) => x.fields(payload, &[(3, 2, Ip), (4, 3, Text), (5, 4, Text)], None),
        (1, 4) => x.fields(payload, &[(2, 1, Ip), (3, 2, Host), (5, 4, Ip)], None),
        (1, 5) => x.fields(payload, &[(2, 1, Ip), (4, 3, Ip)], None),
        (1, 7) => x.fields(
            payload,
            &[(7, 0, Name), (1, 4, Name)],
            Some(Rr { rdata: 5, idx: 8 }),
        ),
        (1, 8) => x.fields(payload, &[(1, 1, IpDgram)], None),
        (1, 9) => x.dnsqr(payload),
        (1, 11) => x.encode(payload),
        (1, 12) => x.packet(payload),
        (1, 13) => x.dnstap(payload),
        (1, 14) => x.fields(
            payload,
            &[(2, 1, Ip), (3, 2, Name), (8, 8, Name), (7, 6, DnsMsg)],
            None,
        ),
        (2, 1) => x.fields(
            payload,
            &[(14, 6, Ip), (16, 7, Name), (1, 8, Name)],
            Some(Rr { rdata: 5, idx: 12 }),
        ),
        (2, 4) => x.fields(payload, &[(1, 0, Ip), (2, 1, Ip)], None),
        (2, 5) => x.fields(
            payload,
            &[(1, 0, Name), (14, 8, Ip), (16, 9, Name), (3, 10, Name)],
            Some(Rr { rdata: 7, idx: 14 }),
        ),
        (2, 6) => x.fields(payload, &[(1, 0, Name), (4, 3, Ip)], None),
        _ => ControlFlow::Continue(()),
    };
    Ok(())
}

/// How a field's bytes turn into keys.
#[derive(Debug, Clone, Copy)]
enum Content {
    /// A 4- or 16-byte address.
    Ip,
    /// An uncompressed wire name.
    Name,
    /// A name in presentation text (domain-ASCII).
    Text,
    /// An address or a name, in text (host).
    Host,
    /// A whole DNS message.
    DnsMsg,
    /// An IP datagram.
    IpDgram,
}

use Content::{DnsMsg, Host, Ip, IpDgram, Name, Text};

/// Where a schema keeps its RRset: the rdata field and its idx (rrtype and rrclass are the
/// [`captures`]).
#[derive(Debug, Clone, Copy)]
struct Rr {
    rdata: u32,
    idx: u16,
}

/// The largest `val_idx` reported; values from 0xFFF0 up are reserved in WHIT.
const MAX_VAL_IDX: u16 = 0xffef;

/// The OPT pseudo-rrtype (RFC 6891).
const TYPE_OPT: u16 = 41;

/// Ports whose UDP payloads are walked as DNS messages.
fn is_dns_port(p: u16) -> bool {
    p == 53 || p == 5353
}

macro_rules! tri {
    ($e:expr) => {
        if let ControlFlow::Break(()) = $e {
            return ControlFlow::Break(());
        }
    };
}

/// The length-delimited values of field `num`.
fn len_values(payload: &[u8], num: u32) -> impl Iterator<Item = &[u8]> + '_ {
    FieldIter::new(payload)
        .flatten()
        .filter(move |f| f.number == num)
        .filter_map(|f| match f.value {
            Value::Len(b) => Some(b),
            _ => None,
        })
}

struct Extractor<'f, F> {
    f: &'f mut F,
    name: NameBuf,
    /// The values of the [`captures`] fields.
    caps: [Option<u64>; 2],
}

impl<F> Extractor<'_, F>
where
    F: FnMut(Key<'_>) -> ControlFlow<()>,
{
    fn ip(&mut self, field_idx: u16, val_idx: u16, ip: IpAddr) -> ControlFlow<()> {
        (self.f)(Key {
            field_idx,
            val_idx,
            value: KeyValue::Ip(ip),
        })
    }

    fn ip_bytes(&mut self, field_idx: u16, val_idx: u16, b: &[u8]) -> ControlFlow<()> {
        let ip = match b.len() {
            4 => IpAddr::from(<[u8; 4]>::try_from(b).unwrap_or_default()),
            16 => IpAddr::from(<[u8; 16]>::try_from(b).unwrap_or_default()),
            _ => return ControlFlow::Continue(()),
        };
        self.ip(field_idx, val_idx, ip)
    }

    /// Emits the name now in `self.name`, lower-cased.
    fn emit_name(&mut self, field_idx: u16, val_idx: u16) -> ControlFlow<()> {
        self.name.make_ascii_lowercase();
        (self.f)(Key {
            field_idx,
            val_idx,
            value: KeyValue::Name(self.name.as_wire()),
        })
    }

    fn content(&mut self, idx: u16, val: u16, c: Content, b: &[u8]) -> ControlFlow<()> {
        match c {
            Ip => self.ip_bytes(idx, val, b),
            Name => {
                if self.name.set(b).is_err() {
                    return ControlFlow::Continue(());
                }
                self.emit_name(idx, val)
            }
            Text => self.text_name(idx, val, b),
            Host => match std::str::from_utf8(b).ok().and_then(|s| s.parse().ok()) {
                Some(ip) => self.ip(idx, val, ip),
                None => self.text_name(idx, val, b),
            },
            DnsMsg => self.dns_message(idx, b),
            IpDgram => self.datagram(idx, b),
        }
    }

    fn text_name(&mut self, idx: u16, val: u16, b: &[u8]) -> ControlFlow<()> {
        let Ok(s) = std::str::from_utf8(b) else {
            return ControlFlow::Continue(());
        };
        if dns::parse_name(s, &mut self.name).is_err() {
            return ControlFlow::Continue(());
        }
        self.emit_name(idx, val)
    }

    /// The plain fields `spec` (field number, idx, content), and the RRset `rr`.
    fn fields(
        &mut self,
        payload: &[u8],
        spec: &[(u32, u16, Content)],
        rr: Option<Rr>,
    ) -> ControlFlow<()> {
        let rtype = self.caps[0].map(|v| v as u16);
        let rclass = self.caps[1].map(|v| v as u16);
        let mut rdata_i: u16 = 0;
        for field in FieldIter::new(payload).flatten() {
            let Value::Len(b) = field.value else {
                continue;
            };
            if let Some(&(_, idx, c)) = spec.iter().find(|s| s.0 == field.number) {
                tri!(self.content(idx, 0, c, b));
            } else if let Some(rr) = rr.filter(|rr| rr.rdata == field.number) {
                let val = rdata_i;
                rdata_i = rdata_i.saturating_add(1).min(MAX_VAL_IDX);
                if let Some(rtype) = rtype {
                    tri!(self.rdata(rr.idx, val, rtype, rclass, b));
                }
            }
        }
        ControlFlow::Continue(())
    }

    /// Names and addresses of one standalone rdata.
    fn rdata(
        &mut self,
        idx: u16,
        val: u16,
        rtype: u16,
        rclass: Option<u16>,
        b: &[u8],
    ) -> ControlFlow<()> {
        if let Some(ip) = rclass.and_then(|c| dns::rdata_address(rtype, c, b)) {
            tri!(self.ip(idx, val, ip));
        }
        let f = &mut *self.f;
        let r = dns::rdata_names(rtype, RdataRef::standalone(b), &mut self.name, |n| {
            n.make_ascii_lowercase();
            f(Key {
                field_idx: idx,
                val_idx: val,
                value: KeyValue::Name(n.as_wire()),
            })
        });
        match r {
            Ok(flow) => flow,
            Err(_) => ControlFlow::Continue(()),
        }
    }

    /// Every name and A/AAAA address of a whole DNS message, under `idx`.
    fn dns_message(&mut self, idx: u16, msg: &[u8]) -> ControlFlow<()> {
        let Ok((_, records)) = Records::new(msg) else {
            return ControlFlow::Continue(());
        };
        // The owner just read and the last owner reported, by turns.
        let mut owners = [NameBuf::new(), NameBuf::new()];
        let mut cur = 0;
        for rec in records {
            let Ok(rec) = rec else { break };
            // The OPT pseudo-record (EDNS) names nothing.
            if rec.rtype == TYPE_OPT && rec.section != Section::Question {
                continue;
            }
            if rec.read_name(&mut owners[cur]).is_err() {
                break;
            }
            owners[cur].make_ascii_lowercase();
            // Records of one RRset repeat their owner: report it once per run.
            if owners[cur] != owners[1 - cur] {
                tri!((self.f)(Key {
                    field_idx: idx,
                    val_idx: 0,
                    value: KeyValue::Name(owners[cur].as_wire()),
                }));
                cur = 1 - cur;
            }
            if rec.section == Section::Question {
                continue;
            }
            if let Some(ip) = dns::rdata_address(rec.rtype, rec.rclass, rec.rdata) {
                tri!(self.ip(idx, 0, ip));
            }
            let f = &mut *self.f;
            let r = dns::rdata_names(rec.rtype, rec.rdata_ref(), &mut self.name, |n| {
                n.make_ascii_lowercase();
                f(Key {
                    field_idx: idx,
                    val_idx: 0,
                    value: KeyValue::Name(n.as_wire()),
                })
            });
            match r {
                Ok(ControlFlow::Break(())) => return ControlFlow::Break(()),
                Ok(ControlFlow::Continue(())) => {}
                Err(_) => break,
            }
        }
        ControlFlow::Continue(())
    }

    /// Source, destination and, for DNS over UDP, the DNS message of an IP datagram.
    fn datagram(&mut self, idx: u16, b: &[u8]) -> ControlFlow<()> {
        let Some(d) = ipdg::parse(b) else {
            return ControlFlow::Continue(());
        };
        tri!(self.ip(idx, 0, d.src));
        tri!(self.ip(idx, 0, d.dst));
        if d.proto == ipdg::PROTO_UDP && d.fragment.is_none_or(|f| f.offset == 0) {
            if let Some(u) = ipdg::udp(d.payload) {
                if is_dns_port(u.src_port) || is_dns_port(u.dst_port) {
                    tri!(self.dns_message(idx, u.payload));
                }
            }
        }
        ControlFlow::Continue(())
    }

    fn ncap(&mut self, payload: &[u8]) -> ControlFlow<()> {
        let stored = FieldIter::new(payload)
            .flatten()
            .any(|f| f.number == 4 || f.number == 5);
        tri!(self.fields(payload, &[(4, 2, Ip), (5, 3, Ip)], None));
        // IPV4 (0) and IPV6 (1) records store no addresses: the getter reads the IP header.
        if !stored && matches!(self.caps[0], Some(0 | 1)) {
            if let Some(d) = len_values(payload, 2).last().and_then(ipdg::parse) {
                tri!(self.ip(2, 0, d.src));
                tri!(self.ip(3, 0, d.dst));
            }
        }
        ControlFlow::Continue(())
    }

    fn dnsqr(&mut self, payload: &[u8]) -> ControlFlow<()> {
        const RESPONSE_PACKET: u32 = 15;
        const RESPONSE_IDX: u16 = 23;
        // One pass: query_ip (1), response_ip (2), qname (7), and the response packets.
        let mut first = None;
        let mut packets = 0usize;
        for field in FieldIter::new(payload).flatten() {
            let Value::Len(b) = field.value else {
                continue;
            };
            match field.number {
                2 => tri!(self.content(1, 0, Ip, b)),
                3 => tri!(self.content(2, 0, Ip, b)),
                8 => tri!(self.content(7, 0, Name, b)),
                RESPONSE_PACKET => {
                    packets += 1;
                    first = first.or(Some(b));
                }
                _ => {}
            }
        }
        let Some(first) = first else {
            return ControlFlow::Continue(());
        };
        if packets == 1 {
            if let Some(d) = ipdg::parse(first) {
                if d.fragment.is_none() {
                    return self.udp_dns(RESPONSE_IDX, d.proto, d.payload);
                }
            }
        }
        // Fragments: reassemble (the one allocating path).
        let datagrams = len_values(payload, RESPONSE_PACKET).filter_map(ipdg::parse);
        if let Some((whole, proto)) = ipdg::reassemble(datagrams) {
            return self.udp_dns(RESPONSE_IDX, proto, &whole);
        }
        ControlFlow::Continue(())
    }

    fn udp_dns(&mut self, idx: u16, proto: u8, seg: &[u8]) -> ControlFlow<()> {
        if proto != ipdg::PROTO_UDP {
            return ControlFlow::Continue(());
        }
        match ipdg::udp(seg) {
            Some(u) => self.dns_message(idx, u.payload),
            None => ControlFlow::Continue(()),
        }
    }

    fn packet(&mut self, payload: &[u8]) -> ControlFlow<()> {
        // payload_type 1 = IP, the only value.
        if self.caps[0] != Some(1) {
            return ControlFlow::Continue(());
        }
        self.fields(payload, &[(2, 1, IpDgram)], None)
    }

    fn encode(&mut self, payload: &[u8]) -> ControlFlow<()> {
        // type 1 = JSON.
        if self.caps[0] != Some(1) {
            return ControlFlow::Continue(());
        }
        let Some(doc) = len_values(payload, 2).last() else {
            return ControlFlow::Continue(());
        };
        let Ok(serde_json::Value::Object(obj)) = serde_json::from_slice(doc) else {
            return ControlFlow::Continue(());
        };
        for (member, c) in [
            ("vic_ip_ip4", Host),
            ("adns_ip_ip4", Host),
            ("rdns_ip_ip4", Host),
            ("domain", Text),
        ] {
            let values: &[serde_json::Value] = match obj.get(member) {
                Some(serde_json::Value::Array(a)) => a,
                Some(v) => std::slice::from_ref(v),
                None => continue,
            };
            for (i, v) in values.iter().enumerate() {
                let Some(s) = v.as_str() else { continue };
                let val = u16::try_from(i).unwrap_or(MAX_VAL_IDX).min(MAX_VAL_IDX);
                let flow = match c {
                    // IP-ASCII: an address or nothing.
                    Host => match s.trim().parse() {
                        Ok(ip) => self.ip(1, val, ip),
                        Err(_) => ControlFlow::Continue(()),
                    },
                    _ => self.text_name(1, val, s.as_bytes()),
                };
                tri!(flow);
            }
        }
        ControlFlow::Continue(())
    }

    fn dnstap(&mut self, payload: &[u8]) -> ControlFlow<()> {
        let Some(msg) = len_values(payload, 14).last() else {
            return ControlFlow::Continue(());
        };
        tri!(self.fields(
            msg,
            &[(4, 7, Ip), (5, 13, Ip), (11, 17, Name), (14, 18, DnsMsg)],
            None
        ));
        // Virtual qname (idx 21): from query_message, else response_message.
        let dns_msg = len_values(msg, 10)
            .last()
            .or_else(|| len_values(msg, 14).last());
        if let Some(m) = dns_msg {
            if let (Ok(h), Some(q)) = (dns::Header::parse(m), m.get(12..)) {
                if let (1, Ok(n)) = (h.qdcount, dns::wire_name_len(q)) {
                    return self.content(21, 0, Name, &q[..n]);
                }
            }
        }
        ControlFlow::Continue(())
    }
}
