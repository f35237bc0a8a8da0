//! Differential test: the single-pass extraction against the extraction as it stood before
//! (kept below, verbatim but for paths, as the `reference` module). Same result, same keys in
//! the same order, same early stop, on every payload of every fixture in `testdata/nmsg`, on
//! systematic truncations and byte flips of them, and on random mutations (proptest).

mod fields_common;

use std::net::IpAddr;
use std::ops::ControlFlow;

use nmsg::fields::{self, FieldError, Key, KeyValue};
use nmsg::proto::{FieldIter, Value};
use proptest::prelude::*;

/// One key, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Owned {
    Ip(u16, u16, IpAddr),
    Name(u16, u16, Vec<u8>),
}

fn own(k: &Key<'_>) -> Owned {
    match k.value {
        KeyValue::Ip(ip) => Owned::Ip(k.field_idx, k.val_idx, ip),
        KeyValue::Name(n) => Owned::Name(k.field_idx, k.val_idx, n.to_vec()),
    }
}

type Run = (Result<(), FieldError>, Vec<Owned>);

/// An extraction function: the new one or the reference.
type Extract =
    fn(u32, u32, &[u8], &mut dyn FnMut(Key<'_>) -> ControlFlow<()>) -> Result<(), FieldError>;

/// The keys of `payload` by `extract`, stopping after `stop` keys.
fn run_with(extract: Extract, vid: u32, msgtype: u32, payload: &[u8], stop: usize) -> Run {
    let mut keys = Vec::new();
    let r = extract(vid, msgtype, payload, &mut |k: Key<'_>| {
        keys.push(own(&k));
        if keys.len() >= stop {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    });
    (r, keys)
}

fn new_extract(
    vid: u32,
    msgtype: u32,
    p: &[u8],
    f: &mut dyn FnMut(Key<'_>) -> ControlFlow<()>,
) -> Result<(), FieldError> {
    fields::extract(vid, msgtype, p, &mut |k: Key<'_>| f(k))
}

fn old_extract(
    vid: u32,
    msgtype: u32,
    p: &[u8],
    f: &mut dyn FnMut(Key<'_>) -> ControlFlow<()>,
) -> Result<(), FieldError> {
    reference::extract(vid, msgtype, p, &mut |k: Key<'_>| f(k))
}

/// Old and new agree on `payload`: result, keys, and the keys up to an early stop.
fn same(vid: u32, msgtype: u32, payload: &[u8]) -> usize {
    let old = run_with(old_extract, vid, msgtype, payload, usize::MAX);
    let new = run_with(new_extract, vid, msgtype, payload, usize::MAX);
    assert_eq!(new, old, "{vid}:{msgtype} payload {payload:02x?}");
    assert_eq!(
        fields::check(vid, msgtype, payload),
        reference::check(vid, msgtype, payload)
    );
    for stop in [1, 2, 3, old.1.len() / 2 + 1] {
        assert_eq!(
            run_with(new_extract, vid, msgtype, payload, stop),
            run_with(old_extract, vid, msgtype, payload, stop),
            "{vid}:{msgtype} stop {stop}"
        );
    }
    old.1.len()
}

/// Every payload (vid, msgtype, bytes) of every single-container `.nmsg` fixture, compressed
/// or not (fragmented containers are skipped).
fn all_fixture_payloads() -> Vec<(u32, u32, Vec<u8>)> {
    let Some(dir) = fields_common::nmsg_dir() else {
        return Vec::new();
    };
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("read testdata dir")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "nmsg"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let data = std::fs::read(&path).expect("read fixture");
        let mut rest = &data[..];
        while rest.len() >= 10 && &rest[..4] == b"NMSG" {
            let flags = rest[4];
            let len = u32::from_be_bytes([rest[6], rest[7], rest[8], rest[9]]) as usize;
            let body = &rest[10..10 + len];
            rest = &rest[10 + len..];
            if flags & 2 != 0 {
                continue;
            }
            let body = if flags & 1 != 0 {
                nmsg::zlib::inflate(body, 1 << 24)
                    .expect("inflate")
                    .to_vec()
            } else {
                body.to_vec()
            };
            for f in FieldIter::new(&body) {
                let Ok(nmsg::proto::Field {
                    number: 1,
                    value: Value::Len(p),
                }) = f
                else {
                    continue;
                };
                let (mut vid, mut msgtype, mut bytes) = (0, 0, Vec::new());
                for g in FieldIter::new(p).flatten() {
                    match (g.number, g.value) {
                        (1, Value::Varint(v)) => vid = v as u32,
                        (2, Value::Varint(v)) => msgtype = v as u32,
                        (5, Value::Len(b)) => bytes = b.to_vec(),
                        _ => {}
                    }
                }
                out.push((vid, msgtype, bytes));
            }
        }
    }
    out
}

#[test]
fn fixtures_give_the_same_keys() {
    let all = all_fixture_payloads();
    let mut keys = 0;
    for (vid, msgtype, p) in &all {
        keys += same(*vid, *msgtype, p);
    }
    eprintln!("{} payloads, {keys} keys", all.len());
}

#[test]
fn truncations_and_flips_give_the_same_keys() {
    for (vid, msgtype, p) in all_fixture_payloads() {
        for cut in 0..p.len() {
            same(vid, msgtype, &p[..cut]);
        }
        let mut m = p.clone();
        for i in 0..m.len() {
            for x in [0x01, 0x20, 0x40, 0x80, 0xff] {
                m[i] ^= x;
                same(vid, msgtype, &m);
                m[i] ^= x;
            }
        }
    }
}

#[test]
fn other_types_give_the_same_keys() {
    // Each fixture payload under every known type: other schemas, other paths.
    for (_, _, p) in all_fixture_payloads() {
        for (vid, msgtype) in nmsg::schema::SCHEMAS.iter().map(|s| (s.vid, s.msgtype)) {
            same(vid, msgtype, &p);
        }
    }
}

#[test]
fn check_rules_are_the_old_tables() {
    // Every field number under every wire type, alone and after each fixture payload (where
    // the required fields are present), for every schema.
    let values: [(u64, &[u8]); 12] = [
        (0, &[0x05]),
        (0, &[0x80]),
        (1, &[0; 8]),
        (1, &[0; 3]),
        (2, &[2, 1, 0x80]),
        (2, &[3, 1, 2, 3]),
        (2, &[4, 1, 2, 3, 4]),
        (2, &[9]),
        (5, &[0; 4]),
        (5, &[0; 2]),
        (3, &[]),
        (7, &[0]),
    ];
    let fixtures = all_fixture_payloads();
    let mut prefixes: Vec<&[u8]> = vec![&[]];
    prefixes.extend(fixtures.iter().map(|f| &f.2[..]));
    for s in nmsg::schema::SCHEMAS {
        for number in 1..=130u64 {
            for (wt, value) in values {
                for prefix in &prefixes {
                    let mut p = prefix.to_vec();
                    nmsg::proto::put_varint(&mut p, (number << 3) | wt);
                    p.extend_from_slice(value);
                    assert_eq!(
                        fields::check(s.vid, s.msgtype, &p),
                        reference::check(s.vid, s.msgtype, &p),
                        "{} field {number} wire type {wt}",
                        s.mname
                    );
                }
            }
        }
    }
}

#[test]
fn many_key_fields_give_the_same_keys() {
    // More key fields than the extractor keeps on the stack: the second-walk path.
    use nmsg::proto::{put_bytes_field, put_varint_field};
    for n in [0usize, 1, 7, 8, 9, 20, 300] {
        let mut p = Vec::new();
        put_bytes_field(&mut p, 1, b"\x07Example\x03COM\x00");
        put_varint_field(&mut p, 2, 2);
        put_varint_field(&mut p, 3, 1);
        for i in 0..n {
            let ns = format!("ns{i}");
            let mut rdata = vec![ns.len() as u8];
            rdata.extend_from_slice(ns.as_bytes());
            rdata.extend_from_slice(b"\x07Example\x03COM\x00");
            put_bytes_field(&mut p, 5, &rdata);
        }
        put_bytes_field(&mut p, 14, &[192, 0, 2, 1]);
        put_bytes_field(&mut p, 16, b"\x03COM\x00");
        let keys = same(2, 1, &p);
        assert_eq!(keys, n + 3, "{n} rdata");
        // The same fields as base:dns (rrname 1, rdata 5, qname 7).
        put_bytes_field(&mut p, 7, b"\x03www\x00");
        same(1, 7, &p);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn random_mutations_give_the_same_keys(
        pick in any::<prop::sample::Index>(),
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
        msgtype in prop::option::of((1u32..3, 0u32..16)),
    ) {
        let all = all_fixture_payloads();
        if all.is_empty() {
            return Ok(());
        }
        let (vid, mt, mut bytes) = all[pick.index(all.len())].clone();
        for (at, b) in flips {
            let i = at.index(bytes.len());
            bytes[i] ^= b;
        }
        let (vid, mt) = msgtype.unwrap_or((vid, mt));
        same(vid, mt, &bytes);
    }

    #[test]
    fn random_payloads_give_the_same_keys(
        vid in 1u32..3,
        msgtype in 0u32..16,
        payload in prop::collection::vec(any::<u8>(), 0..300),
    ) {
        same(vid, msgtype, &payload);
    }
}

/// The extraction before the single-pass rewrite.
#[allow(dead_code, clippy::all)]
mod reference {
    //! The extraction as it stood before the single-pass rewrite (commit ae437ee), verbatim but
    //! for paths.

    use std::net::IpAddr;
    use std::ops::ControlFlow;

    use nmsg::dns::{self, NameBuf, RdataRef, Records, Section};
    use nmsg::fields::{ipdg, FieldError, Key, KeyValue};
    use nmsg::proto::{FieldIter, Value};

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
        let fields =
            schema::lookup(vid, msgtype).ok_or(FieldError::UnknownType { vid, msgtype })?;
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

    /// The wire tables before the rewrite.
    mod schema {
        //! The wire tables as they stood before (commit ae437ee). Wire-level schema tables: for each known (vid, msgtype), the protobuf fields, their wire
        //! types and which are required. Enough to tell whether a payload decodes (what libnmsg's
        //! protobuf-c decoder would refuse) without building typed messages.

        use nmsg::proto::{FieldIter, ProtoError, Value};

        /// How a field may be encoded.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Kind {
            /// Varint (enum, bool, int32/64, uint32/64).
            V,
            /// Length-delimited (bytes, string, embedded message).
            L,
            /// 32-bit (fixed32, sfixed32).
            F32,
            /// 64-bit (double, fixed64).
            F64,
            /// Repeated varint scalar: unpacked, or packed (length-delimited).
            RV,
            /// Repeated 32-bit scalar: unpacked, or packed.
            RF32,
        }

        /// One protobuf field of a schema.
        #[derive(Debug, Clone, Copy)]
        pub struct Field {
            pub num: u32,
            pub kind: Kind,
            /// The field name when the field is `required`.
            pub required: Option<&'static str>,
        }

        const fn o(num: u32, kind: Kind) -> Field {
            Field {
                num,
                kind,
                required: None,
            }
        }

        const fn r(num: u32, kind: Kind, name: &'static str) -> Field {
            Field {
                num,
                kind,
                required: Some(name),
            }
        }

        use Kind::{F32, F64, L, RF32, RV, V};

        // nmsg-format.md §4, field by field.
        const NCAP: &[Field] = &[
            r(1, V, "type"),
            o(3, V),
            o(4, L),
            o(5, L),
            o(6, V),
            o(7, V),
            r(2, L, "payload"),
        ];
        const EMAIL: &[Field] = &[
            o(8, V),
            o(2, L),
            o(3, L),
            o(4, L),
            o(5, L),
            o(6, L),
            o(7, L),
            o(9, L),
            o(10, L),
        ];
        const LINKPAIR: &[Field] = &[r(1, V, "type"), r(2, L, "src"), r(3, L, "dst"), o(5, L)];
        const HTTP: &[Field] = &[
            r(1, V, "type"),
            o(2, L),
            o(3, L),
            o(4, V),
            o(5, L),
            o(6, V),
            o(7, L),
            o(65, L),
            o(66, L),
            o(67, V),
            o(68, L),
            o(69, L),
            o(70, V),
            o(71, V),
            o(72, V),
            o(73, V),
            o(74, V),
            o(75, V),
        ];
        const IPCONN: &[Field] = &[o(1, V), o(2, L), o(3, V), o(4, L), o(5, V)];
        const LOGLINE: &[Field] = &[o(1, L), o(2, L)];
        const DNS: &[Field] = &[
            o(7, L),
            o(9, V),
            o(8, V),
            o(6, V),
            o(1, L),
            o(3, V),
            o(2, V),
            o(4, V),
            o(5, L),
        ];
        const PKT: &[Field] = &[o(2, V), r(1, L, "payload")];
        const DNSQR: &[Field] = &[
            r(1, V, "type"),
            r(2, L, "query_ip"),
            r(3, L, "response_ip"),
            r(4, V, "proto"),
            r(5, V, "query_port"),
            r(6, V, "response_port"),
            r(7, V, "id"),
            o(8, L),
            o(10, V),
            o(9, V),
            o(11, V),
            o(12, L),
            o(13, RV),
            o(14, RF32),
            o(15, L),
            o(16, RV),
            o(17, RF32),
            o(20, F64),
            o(21, V),
            o(22, V),
            o(18, L),
            o(19, L),
        ];
        const XML: &[Field] = &[r(1, L, "xmltype"), r(2, L, "xmlpayload")];
        const ENCODE: &[Field] = &[r(1, V, "type"), r(2, L, "payload")];
        const PACKET: &[Field] = &[r(1, V, "payload_type"), r(2, L, "payload")];
        const DNSTAP: &[Field] = &[o(1, L), o(2, L), o(3, L), o(14, L), r(15, V, "type")];
        /// `dnstap.Message`, the embedded message in dnstap field 14.
        pub const DNSTAP_MESSAGE: &[Field] = &[
            r(1, V, "message.type"),
            o(2, V),
            o(3, V),
            o(4, L),
            o(5, L),
            o(6, V),
            o(7, V),
            o(8, V),
            o(9, F32),
            o(10, L),
            o(11, L),
            o(12, V),
            o(13, F32),
            o(14, L),
        ];
        const DNSOBS: &[Field] = &[
            r(1, V, "time"),
            r(2, L, "response_ip"),
            r(3, L, "qname"),
            r(4, V, "qtype"),
            r(5, V, "qclass"),
            r(6, V, "rcode"),
            o(7, L),
            o(8, L),
            o(9, L),
            o(10, F32),
        ];
        const DNSDEDUPE: &[Field] = &[
            o(13, V),
            o(10, V),
            o(11, V),
            o(12, V),
            o(17, V),
            o(18, V),
            o(14, L),
            o(16, L),
            o(1, L),
            o(3, V),
            o(2, V),
            o(4, V),
            o(5, L),
            o(15, L),
        ];
        const REPUTATION: &[Field] = &[
            r(1, V, "type"),
            r(2, L, "tag"),
            o(3, L),
            o(4, L),
            o(5, L),
            o(6, L),
            o(7, L),
            o(8, L),
            o(9, L),
            o(10, V),
        ];
        const QR: &[Field] = &[r(1, V, "type"), o(2, L), o(3, V), o(4, V)];
        const DELAY: &[Field] = &[
            r(1, L, "query_ip"),
            r(2, L, "response_ip"),
            r(3, F64, "delay"),
            r(4, V, "response_time_sec"),
        ];
        const NEWDOMAIN: &[Field] = &[
            o(1, L),
            o(2, V),
            o(13, V),
            o(10, V),
            o(11, V),
            o(12, V),
            o(17, V),
            o(18, V),
            o(14, L),
            o(16, L),
            o(3, L),
            o(5, V),
            o(4, V),
            o(6, V),
            o(7, L),
            o(15, L),
            o(9, L),
            o(19, V),
            o(20, V),
            o(21, V),
            o(22, RV),
            o(23, V),
        ];
        const DNSNX: &[Field] = &[
            r(1, L, "qname"),
            r(3, V, "qclass"),
            r(2, V, "qtype"),
            r(4, L, "response_ip"),
            o(5, L),
            o(6, V),
            o(7, F32),
        ];

        /// The protobuf fields of message type `vid`:`msgtype`, or `None` for a type this crate does
        /// not know.
        pub fn lookup(vid: u32, msgtype: u32) -> Option<&'static [Field]> {
            Some(match (vid, msgtype) {
                (1, 1) => NCAP,
                (1, 2) => EMAIL,
                (1, 3) => LINKPAIR,
                (1, 4) => HTTP,
                (1, 5) => IPCONN,
                (1, 6) => LOGLINE,
                (1, 7) => DNS,
                (1, 8) => PKT,
                (1, 9) => DNSQR,
                (1, 10) => XML,
                (1, 11) => ENCODE,
                (1, 12) => PACKET,
                (1, 13) => DNSTAP,
                (1, 14) => DNSOBS,
                (2, 1) => DNSDEDUPE,
                (2, 2) => REPUTATION,
                (2, 3) => QR,
                (2, 4) => DELAY,
                (2, 5) => NEWDOMAIN,
                (2, 6) => DNSNX,
                _ => return None,
            })
        }

        /// Checks `payload` against `fields`: well-formed protobuf, each known field with a wire type
        /// its type allows, every required field present. Unknown field numbers are skipped, as
        /// protobuf-c does. Returns, on the way, the last value of the varint fields numbered
        /// `want[0]` and `want[1]` (0 = none wanted), so that callers need no extra pass.
        pub fn check(
            fields: &[Field],
            payload: &[u8],
            want: [u32; 2],
        ) -> Result<[Option<u64>; 2], ProtoError> {
            let mut caps = [None; 2];
            // Required fields are few and come first in no particular order: a bitmask over the
            // table positions (tables are shorter than 64 entries).
            let mut seen: u64 = 0;
            for field in FieldIter::new(payload) {
                let field = field?;
                let Some(pos) = fields.iter().position(|f| f.num == field.number) else {
                    continue;
                };
                let ok = matches!(
                    (fields[pos].kind, field.value),
                    (Kind::V | Kind::RV, Value::Varint(_))
                        | (Kind::L | Kind::RV | Kind::RF32, Value::Len(_))
                        | (Kind::F32 | Kind::RF32, Value::Fixed32(_))
                        | (Kind::F64, Value::Fixed64(_))
                );
                if !ok {
                    return Err(ProtoError::WrongWireType(field.number));
                }
                if let Value::Varint(v) = field.value {
                    if field.number == want[0] {
                        caps[0] = Some(v);
                    } else if field.number == want[1] {
                        caps[1] = Some(v);
                    }
                }
                if fields[pos].kind == Kind::RV {
                    if let Value::Len(b) = field.value {
                        for v in nmsg::proto::packed_varints(b) {
                            v?;
                        }
                    }
                }
                if fields[pos].kind == Kind::RF32 {
                    if let Value::Len(b) = field.value {
                        if b.len() % 4 != 0 {
                            return Err(ProtoError::Truncated);
                        }
                    }
                }
                seen |= 1 << pos;
            }
            for (pos, f) in fields.iter().enumerate() {
                if let Some(name) = f.required {
                    if seen & (1 << pos) == 0 {
                        return Err(ProtoError::MissingField(name));
                    }
                }
            }
            Ok(caps)
        }
    }
}
