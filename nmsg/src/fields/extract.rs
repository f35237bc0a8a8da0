//! The extraction itself: per message type, which protobuf fields to read and how.

use std::net::IpAddr;
use std::ops::ControlFlow;

use super::{ipdg, message, schema, FieldError, Key, KeyValue};
use crate::dns::{self, rdata::rdata_names_lower, NameBuf, RdataRef};
use crate::proto::{FieldIter, ProtoError, Value};

/// Checks that `payload` decodes as message type `vid`:`msgtype`: well-formed protobuf, every
/// known field with an allowed wire type, every required field present (dnstap: also inside the
/// embedded `Message`). This is what the server's `errors` watch matches on: a payload for which
/// this returns `Err` is "undecodable". An unknown type is [`FieldError::UnknownType`]; whether
/// that counts as an error for the watch is the caller's choice.
///
/// [`extract`] runs this check itself and returns its error: a caller that extracts keys anyway
/// needs no separate call.
pub fn check(vid: u32, msgtype: u32, payload: &[u8]) -> Result<(), FieldError> {
    let rules = schema::lookup(vid, msgtype).ok_or(FieldError::UnknownType { vid, msgtype })?;
    schema::check(rules, payload, [0, 0], 0, |_, _| {})?;
    check_dnstap_message(vid, msgtype, payload)?;
    Ok(())
}

/// dnstap: the embedded `Message`s (field 14) must decode too.
fn check_dnstap_message(vid: u32, msgtype: u32, payload: &[u8]) -> Result<(), ProtoError> {
    if (vid, msgtype) == (1, 13) {
        for field in FieldIter::new(payload).flatten() {
            if let (14, Value::Len(m)) = (field.number, field.value) {
                schema::check(&schema::DNSTAP_MESSAGE, m, [0, 0], 0, |_, _| {})?;
            }
        }
    }
    Ok(())
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

/// How the keys of one message type are found.
enum Plan {
    /// Plain fields, handed over by the check.
    Fields(&'static Spec),
    /// base:dnsqr, from fields handed over by the check.
    Dnsqr,
    /// base:packet, from fields handed over by the check.
    Packet,
    /// The rarer types with their own walk: ncap, encode, dnstap.
    Own,
    /// No keys.
    Nothing,
}

/// The plain fields of a type: `fields` (field number, idx, content), the RRset `rr`, and the
/// mask of their numbers (all below 128) that the check hands over.
struct Spec {
    fields: &'static [(u32, u16, Content)],
    rr: Option<Rr>,
    mask: u128,
}

const fn spec(fields: &'static [(u32, u16, Content)], rr: Option<Rr>) -> Spec {
    let mut mask = 0u128;
    let mut i = 0;
    while i < fields.len() {
        mask |= 1 << fields[i].0;
        i += 1;
    }
    if let Some(rr) = rr {
        mask |= 1 << rr.rdata;
    }
    Spec { fields, rr, mask }
}

const EMAIL: Spec = spec(&[(3, 2, Ip), (4, 3, Text), (5, 4, Text)], None);
const HTTP: Spec = spec(&[(2, 1, Ip), (3, 2, Host), (5, 4, Ip)], None);
const IPCONN: Spec = spec(&[(2, 1, Ip), (4, 3, Ip)], None);
const DNS: Spec = spec(&[(7, 0, Name), (1, 4, Name)], Some(Rr { rdata: 5, idx: 8 }));
const PKT: Spec = spec(&[(1, 1, IpDgram)], None);
/// dnsqr: query_ip (1), response_ip (2), qname (7); `response_packet` (15) is handled apart.
const DNSQR: Spec = spec(&[(2, 1, Ip), (3, 2, Ip), (8, 7, Name)], None);
/// dnsqr `response_packet`.
const RESPONSE_PACKET: u32 = 15;
const PACKET: Spec = spec(&[(2, 1, IpDgram)], None);
const DNSOBS: Spec = spec(
    &[(2, 1, Ip), (3, 2, Name), (8, 8, Name), (7, 6, DnsMsg)],
    None,
);
const DNSDEDUPE: Spec = spec(
    &[(14, 6, Ip), (16, 7, Name), (1, 8, Name)],
    Some(Rr { rdata: 5, idx: 12 }),
);
const DELAY: Spec = spec(&[(1, 0, Ip), (2, 1, Ip)], None);
const NEWDOMAIN: Spec = spec(
    &[(1, 0, Name), (14, 8, Ip), (16, 9, Name), (3, 10, Name)],
    Some(Rr { rdata: 7, idx: 14 }),
);
const DNSNX: Spec = spec(&[(1, 0, Name), (4, 3, Ip)], None);
/// ncap srcip and dstip (its own walk).
const NCAP: Spec = spec(&[(4, 2, Ip), (5, 3, Ip)], None);
/// The fields of dnstap's embedded `Message` (its own walk).
const DNSTAP_MESSAGE: Spec = spec(
    &[(4, 7, Ip), (5, 13, Ip), (11, 17, Name), (14, 18, DnsMsg)],
    None,
);

fn plan(vid: u32, msgtype: u32) -> Plan {
    use Plan::Fields;
    match (vid, msgtype) {
        (1, 2) => Fields(&EMAIL),
        (1, 4) => Fields(&HTTP),
        (1, 5) => Fields(&IPCONN),
        (1, 7) => Fields(&DNS),
        (1, 8) => Fields(&PKT),
        (1, 9) => Plan::Dnsqr,
        (1, 12) => Plan::Packet,
        (1, 1) | (1, 11) | (1, 13) => Plan::Own,
        (1, 14) => Fields(&DNSOBS),
        (2, 1) => Fields(&DNSDEDUPE),
        (2, 4) => Fields(&DELAY),
        (2, 5) => Fields(&NEWDOMAIN),
        (2, 6) => Fields(&DNSNX),
        _ => Plan::Nothing,
    }
}

/// How many picked fields are kept on the stack; a payload with more (a large RRset, a
/// response in many fragments) is walked a second time instead.
const PICK_CAP: usize = 8;

/// The length-delimited fields the check handed over, in wire order.
struct Picks<'a> {
    /// How many were handed over (may exceed [`PICK_CAP`]).
    len: usize,
    items: [(u32, &'a [u8]); PICK_CAP],
}

impl<'a> Picks<'a> {
    fn new() -> Self {
        Picks {
            len: 0,
            items: [(0, &[]); PICK_CAP],
        }
    }

    #[inline]
    fn push(&mut self, number: u32, b: &'a [u8]) {
        if let Some(slot) = self.items.get_mut(self.len) {
            *slot = (number, b);
        }
        self.len += 1;
    }

    /// The picked fields, when they all were kept.
    fn kept(&self) -> Option<&[(u32, &'a [u8])]> {
        self.items.get(..self.len)
    }
}

/// The length-delimited fields of the (already checked) `payload` whose numbers are in `mask`:
/// the second walk, when there were too many to keep.
fn walk_picks(payload: &[u8], mask: u128) -> impl Iterator<Item = (u32, &[u8])> {
    FieldIter::new(payload)
        .flatten()
        .filter_map(move |f| match f.value {
            Value::Len(b) if f.number < 128 && mask & (1 << f.number) != 0 => Some((f.number, b)),
            _ => None,
        })
}

/// Extracts the match keys of one payload (see the [module docs](super) for which fields give
/// which keys) and calls `f` with each, in field order. `f` returns
/// [`ControlFlow::Break`] to stop early (e.g. on the first match).
///
/// The payload is first [`check`]ed: an undecodable payload or an unknown type yields no key and
/// the error. Otherwise the result is `Ok(())`, whether or not keys were found or `f` stopped.
/// Nothing is allocated, except for a dnsqr response split into IP fragments (reassembly) and
/// for base:encode JSON payloads (JSON parsing).
///
/// One walk over the protobuf does the check and collects the fields that hold keys; each DNS
/// message is walked once, names lower-cased as they are copied.
pub fn extract<F>(vid: u32, msgtype: u32, payload: &[u8], f: &mut F) -> Result<(), FieldError>
where
    F: FnMut(Key<'_>) -> ControlFlow<()>,
{
    let rules = schema::lookup(vid, msgtype).ok_or(FieldError::UnknownType { vid, msgtype })?;
    let plan = plan(vid, msgtype);
    let picked = match plan {
        Plan::Fields(spec) => spec.mask,
        Plan::Dnsqr => DNSQR.mask | 1 << RESPONSE_PACKET,
        Plan::Packet => PACKET.mask,
        Plan::Own | Plan::Nothing => 0,
    };
    let mut picks = Picks::new();
    let caps = schema::check(rules, payload, captures(vid, msgtype), picked, |n, b| {
        picks.push(n, b)
    })?;
    check_dnstap_message(vid, msgtype, payload)?;
    let mut x = Extractor {
        f,
        name: NameBuf::new(),
        caps,
    };
    let _ = match picks.kept() {
        Some(kept) => x.run(&plan, kept.iter().copied(), vid, msgtype, payload),
        None => x.run(&plan, walk_picks(payload, picked), vid, msgtype, payload),
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
    /// The keys of a checked payload of plan `plan`, from the fields `picks` it handed over.
    fn run<'a>(
        &mut self,
        plan: &Plan,
        picks: impl Iterator<Item = (u32, &'a [u8])>,
        vid: u32,
        msgtype: u32,
        payload: &[u8],
    ) -> ControlFlow<()> {
        match plan {
            Plan::Fields(spec) => self.fields(picks, spec),
            Plan::Dnsqr => self.dnsqr(picks, payload),
            // payload_type 1 = IP, the only value.
            Plan::Packet if self.caps[0] == Some(1) => self.fields(picks, &PACKET),
            Plan::Own => match (vid, msgtype) {
                (1, 1) => self.ncap(payload),
                (1, 11) => self.encode(payload),
                _ => self.dnstap(payload),
            },
            Plan::Packet | Plan::Nothing => ControlFlow::Continue(()),
        }
    }

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
                if self.name.set_lowercase(b).is_err() {
                    return ControlFlow::Continue(());
                }
                (self.f)(Key {
                    field_idx: idx,
                    val_idx: val,
                    value: KeyValue::Name(self.name.as_wire()),
                })
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
    fn fields<'a>(
        &mut self,
        picks: impl Iterator<Item = (u32, &'a [u8])>,
        spec: &Spec,
    ) -> ControlFlow<()> {
        let Spec { fields, rr, .. } = *spec;
        let rtype = self.caps[0].map(|v| v as u16);
        let rclass = self.caps[1].map(|v| v as u16);
        let mut rdata_i: u16 = 0;
        for (number, b) in picks {
            if let Some(&(_, idx, c)) = fields.iter().find(|s| s.0 == number) {
                tri!(self.content(idx, 0, c, b));
            } else if let Some(rr) = rr.filter(|rr| rr.rdata == number) {
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
        let r = rdata_names_lower(rtype, RdataRef::standalone(b), &mut self.name, |n| {
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
        message::keys(msg, idx, &mut self.name, self.f)
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
        tri!(self.fields(walk_picks(payload, NCAP.mask), &NCAP));
        // IPV4 (0) and IPV6 (1) records store no addresses: the getter reads the IP header.
        if !stored && matches!(self.caps[0], Some(0 | 1)) {
            if let Some(d) = len_values(payload, 2).last().and_then(ipdg::parse) {
                tri!(self.ip(2, 0, d.src));
                tri!(self.ip(3, 0, d.dst));
            }
        }
        ControlFlow::Continue(())
    }

    fn dnsqr<'a>(
        &mut self,
        picks: impl Iterator<Item = (u32, &'a [u8])>,
        payload: &[u8],
    ) -> ControlFlow<()> {
        const RESPONSE_IDX: u16 = 23;
        // query_ip (1), response_ip (2), qname (7), and the response packets.
        let mut first = None;
        let mut packets = 0usize;
        for (number, b) in picks {
            if number == RESPONSE_PACKET {
                packets += 1;
                first = first.or(Some(b));
            } else if let Some(&(_, idx, c)) = DNSQR.fields.iter().find(|s| s.0 == number) {
                tri!(self.content(idx, 0, c, b));
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
        tri!(self.fields(walk_picks(msg, DNSTAP_MESSAGE.mask), &DNSTAP_MESSAGE));
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
