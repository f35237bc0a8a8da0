//! A whole DNS message parsed as `wdns_parse_message` parses it (lenient section counts,
//! RRsets, the OPT record as EDNS) and rendered as the JSON object of `nmsg-format.md` §5.3.
//!
//! Names are decompressed with [`crate::dns::read_name`]: bounded (255 bytes, a hop limit) and
//! loop-safe (pointers must point strictly backwards). Work is bounded by the message length.

use std::cell::Cell;
use std::collections::HashMap;

use super::names::{class_name, opcode_name, rcode_name, rrtype_name};
use super::rdata::{normalize, rdata_text};
use super::text;
use crate::dns::{read_name, NameBuf};

/// One record (or question) of a section, in message order. Names and rdata live in the
/// [`Parsed`] buffers ([`Parsed::name`], [`Parsed::rdata`]).
pub(crate) struct Rr {
    /// Owner name (uncompressed, case kept): (start, len) in `Parsed::names`.
    name: (usize, usize),
    /// TTL (0 for questions).
    pub ttl: u32,
    /// Record type.
    pub rrtype: u16,
    /// Record class.
    pub rrclass: u16,
    /// Rdata with names decompressed (empty for questions): (start, len) in `Parsed::data`.
    rdata: (usize, usize),
    /// The next record of the same RRset ([`NONE`] for the last one).
    next: usize,
}

/// No next record.
const NONE: usize = usize::MAX;

/// One RRset (or one question) as wdns builds it: indices into the section's records.
pub(crate) struct Rrset {
    /// Lowest TTL of the records.
    pub ttl: u32,
    /// The first record (giving the name, type and class); the others follow through
    /// [`Rr`]'s `next` (no allocation per RRset).
    pub first: usize,
    /// The last record, where the next member is linked.
    last: usize,
}

impl Rrset {
    /// The records of the set, in message order.
    pub fn members<'a>(&self, rrs: &'a [Rr]) -> impl Iterator<Item = usize> + 'a {
        std::iter::successors(Some(self.first), move |&i| {
            Some(rrs[i].next).filter(|&n| n != NONE)
        })
    }
}

/// The EDNS information of the message's OPT record.
pub(crate) struct Edns {
    pub version: u8,
    pub flags: u16,
    pub size: u16,
    /// The OPT rdata, (start, len) in `Parsed::data`; `None` when the OPT record stood in the
    /// question section.
    options: Option<(usize, usize)>,
}

/// A parsed message.
pub(crate) struct Parsed {
    pub id: u16,
    pub flags: u16,
    /// Header rcode OR'd with the OPT extended rcode shifted left by 8 (wdns).
    pub rcode: u16,
    pub edns: Option<Edns>,
    /// Records of each section (OPT excluded), in message order.
    pub rrs: [Vec<Rr>; 4],
    /// RRsets of each section.
    pub sets: [Vec<Rrset>; 4],
    names: Vec<u8>,
    data: Vec<u8>,
}

impl Parsed {
    /// The owner name of `rr`, uncompressed wire format.
    pub fn name(&self, rr: &Rr) -> &[u8] {
        &self.names[rr.name.0..rr.name.0 + rr.name.1]
    }

    /// The rdata of `rr`, names decompressed.
    pub fn rdata(&self, rr: &Rr) -> &[u8] {
        &self.data[rr.rdata.0..rr.rdata.0 + rr.rdata.1]
    }

    /// The OPT record's rdata (EDNS options), when there is one outside the question section.
    pub fn options(&self, e: &Edns) -> Option<&[u8]> {
        e.options.map(|(s, l)| &self.data[s..s + l])
    }
}

thread_local! {
    /// One parsed message's buffers kept for the next message rendered on this thread
    /// ([`recycle`]): rendering allocates nothing per message once they have grown. Bounded by
    /// the largest message parsed (65535 bytes).
    static SPARE: Cell<Option<Parsed>> = const { Cell::new(None) };
}

/// Gives `m`'s buffers back for the next [`parse`] on this thread.
pub(crate) fn recycle(m: Parsed) {
    SPARE.with(|s| s.set(Some(m)));
}

/// Sections with up to this many RRsets are grouped by a backwards scan (wdns's own method).
const SCAN_LIMIT: usize = 32;

fn key(name: &[u8], rrtype: u16, rrclass: u16) -> (Vec<u8>, u16, u16) {
    (name.to_ascii_lowercase(), rrtype, rrclass)
}

/// Parses `msg` like `wdns_parse_message`; `None` when wdns would fail.
///
/// Bounds: a message longer than 65535 bytes (more than any DNS transport carries) is refused,
/// so at most ~13k records are held; RRset grouping switches from a backwards scan to a hash
/// index once a section has more than [`SCAN_LIMIT`] RRsets, keeping it linear.
pub(crate) fn parse(msg: &[u8]) -> Option<Parsed> {
    if msg.len() > usize::from(u16::MAX) {
        return None;
    }
    let h = msg.get(..12)?;
    let mut index: HashMap<(Vec<u8>, u16, u16), usize> = HashMap::new();
    let w = |i: usize| u16::from_be_bytes([h[i], h[i + 1]]);
    // The buffers of the previous message of this thread, when it gave them back.
    let mut m = SPARE.with(Cell::take).unwrap_or_else(|| Parsed {
        id: 0,
        flags: 0,
        rcode: 0,
        edns: None,
        rrs: Default::default(),
        sets: Default::default(),
        names: Vec::with_capacity(256),
        data: Vec::with_capacity(msg.len()),
    });
    m.id = w(0);
    m.flags = w(2);
    m.rcode = w(2) & 0xf;
    m.edns = None;
    m.rrs.iter_mut().for_each(Vec::clear);
    m.sets.iter_mut().for_each(Vec::clear);
    m.names.clear();
    m.data.clear();
    let counts = [w(4), w(6), w(8), w(10)];
    let mut p = 12;
    let mut name = NameBuf::new();
    for (sec, &count) in counts.iter().enumerate() {
        index.clear();
        for _ in 0..count {
            if p == msg.len() {
                return Some(m);
            }
            let n = read_name(msg, p, &mut name).ok()?;
            let mut q = p + n;
            let need = if sec == 0 { 4 } else { 10 };
            let f = msg.get(q..q + need)?;
            let rrtype = u16::from_be_bytes([f[0], f[1]]);
            let rrclass = u16::from_be_bytes([f[2], f[3]]);
            q += need;
            let (ttl, rdata) = if sec == 0 {
                (0, None)
            } else {
                let ttl = u32::from_be_bytes([f[4], f[5], f[6], f[7]]);
                let rdlen = usize::from(u16::from_be_bytes([f[8], f[9]]));
                if q + rdlen > msg.len() {
                    return None;
                }
                let start = m.data.len();
                normalize(msg, q, rdlen, rrtype, rrclass, &mut m.data)?;
                q += rdlen;
                (ttl, Some((start, m.data.len() - start)))
            };
            p = q;
            if rrtype == 41 {
                m.edns = Some(Edns {
                    version: ((ttl >> 16) & 0xff) as u8,
                    flags: (ttl & 0xffff) as u16,
                    size: rrclass,
                    options: rdata,
                });
                m.rcode |= ((ttl >> 16) & 0xff00) as u16;
                continue;
            }
            let name_at = (m.names.len(), name.len());
            m.names.extend_from_slice(name.as_wire());
            let names = &m.names;
            let rrs = &mut m.rrs[sec];
            let sets = &mut m.sets[sec];
            let idx = rrs.len();
            rrs.push(Rr {
                name: name_at,
                ttl,
                rrtype,
                rrclass,
                rdata: rdata.unwrap_or((0, 0)),
                next: NONE,
            });
            if rdata.is_some() {
                let this = name.as_wire();
                let name_of = |r: &Rr| &names[r.name.0..r.name.0 + r.name.1];
                // The most recent RRset with the same name (case-insensitive), type and class.
                let found = if sets.len() <= SCAN_LIMIT {
                    sets.iter().rposition(|rs| {
                        let f = &rrs[rs.first];
                        f.rrtype == rrtype
                            && f.rrclass == rrclass
                            && name_of(f).eq_ignore_ascii_case(this)
                    })
                } else {
                    if index.len() < sets.len() {
                        // Build the index of the sets created so far (latest wins).
                        index.clear();
                        for (i, rs) in sets.iter().enumerate() {
                            let f = &rrs[rs.first];
                            index.insert(key(name_of(f), f.rrtype, f.rrclass), i);
                        }
                    }
                    index.get(&key(this, rrtype, rrclass)).copied()
                };
                if let Some(i) = found {
                    let rs = &mut sets[i];
                    rrs[rs.last].next = idx;
                    rs.last = idx;
                    rs.ttl = rs.ttl.min(ttl);
                    continue;
                }
                if sets.len() >= SCAN_LIMIT {
                    index.insert(key(this, rrtype, rrclass), sets.len());
                }
            }
            sets.push(Rrset {
                ttl,
                first: idx,
                last: idx,
            });
        }
    }
    Some(m)
}

fn class_json(out: &mut String, c: u16) {
    match class_name(c) {
        Some(n) => {
            out.push('"');
            out.push_str(n);
            out.push('"');
        }
        None => {
            out.push_str("\"CLASS");
            text::uint(out, u64::from(c));
            out.push('"');
        }
    }
}

/// libnmsg 1.3.3 prints an unknown type as `TYPE` + the *class* number (a defect kept for
/// byte-identical output).
fn type_json(out: &mut String, t: u16, class: u16) {
    match rrtype_name(t) {
        Some(n) => {
            out.push('"');
            out.push_str(n);
            out.push('"');
        }
        None => {
            out.push_str("\"TYPE");
            text::uint(out, u64::from(class));
            out.push('"');
        }
    }
}

fn section_json(out: &mut String, m: &Parsed, sec: usize) {
    let (rrs, sets, question) = (&m.rrs[sec], &m.sets[sec], sec == 0);
    out.push('[');
    for (i, set) in sets.iter().enumerate() {
        let rs = &rrs[set.first];
        if i > 0 {
            out.push(',');
        }
        out.push_str(if question {
            "{\"qname\":"
        } else {
            "{\"rrname\":"
        });
        text::name(out, m.name(rs));
        if !question {
            out.push_str(",\"rrttl\":");
            text::uint(out, u64::from(set.ttl));
        }
        out.push_str(if question {
            ",\"qclass\":"
        } else {
            ",\"rrclass\":"
        });
        class_json(out, rs.rrclass);
        out.push_str(if question {
            ",\"qtype\":"
        } else {
            ",\"rrtype\":"
        });
        type_json(out, rs.rrtype, rs.rrclass);
        if !question {
            out.push_str(",\"rdata\":[");
            for (j, r) in set.members(rrs).enumerate() {
                if j > 0 {
                    out.push(',');
                }
                // Straight into `out`, escaped afterwards if it has to be (rarely).
                out.push('"');
                let start = out.len();
                rdata_text(out, m.rdata(&rrs[r]), rs.rrtype, rs.rrclass);
                text::escape_tail(out, start);
                out.push('"');
            }
            out.push(']');
        }
        out.push('}');
    }
    out.push(']');
}

fn quoted(out: &mut String, s: &str) {
    out.push('"');
    out.push_str(s);
    out.push('"');
}

/// Appends the DNS-message JSON object of `msg`, or `null` when it does not parse.
pub(crate) fn message_json(out: &mut String, msg: &[u8]) {
    let Some(m) = parse(msg) else {
        out.push_str("null");
        return;
    };
    let opcode = (m.flags >> 11) & 0xf;
    out.push_str("{\"header\":{\"opcode\":");
    match opcode_name(opcode) {
        Some(n) => quoted(out, n),
        None => text::uint(out, u64::from(opcode)),
    }
    out.push_str(",\"rcode\":");
    match rcode_name(m.rcode) {
        Some(n) => quoted(out, n),
        None => text::uint(out, u64::from(m.rcode)),
    }
    out.push_str(",\"id\":");
    text::uint(out, u64::from(m.id));
    out.push_str(",\"flags\":[");
    let mut first = true;
    for (bit, name) in [
        (15, "qr"),
        (10, "aa"),
        (9, "tc"),
        (8, "rd"),
        (7, "ra"),
        (5, "ad"),
        (4, "cd"),
    ] {
        if m.flags & (1 << bit) != 0 {
            if !first {
                out.push(',');
            }
            first = false;
            quoted(out, name);
        }
    }
    out.push(']');
    if let Some(e) = &m.edns {
        out.push_str(",\"opt\":{\"edns\":{\"version\":");
        text::uint(out, u64::from(e.version));
        out.push_str(if e.flags & 0x8000 != 0 {
            ",\"flags\":[\"do\"],\"udp\":"
        } else {
            ",\"flags\":[],\"udp\":"
        });
        text::uint(out, u64::from(e.size));
        if let Some(opts) = m.options(e) {
            out.push_str(",\"options\":[");
            let mut scratch = String::new();
            rdata_text(&mut scratch, opts, 41, 0);
            for (i, line) in scratch.split('\n').filter(|l| !l.is_empty()).enumerate() {
                if i > 0 {
                    out.push(',');
                }
                text::string(out, line);
            }
            out.push(']');
        }
        out.push_str("}}");
    }
    out.push_str("},\"question\":");
    section_json(out, &m, 0);
    for (i, key) in [",\"answer\":", ",\"authority\":", ",\"additional\":"]
        .iter()
        .enumerate()
    {
        out.push_str(key);
        section_json(out, &m, i + 1);
    }
    out.push('}');
    recycle(m);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_example_grouping() {
        // A.example TTL 300, b.example, a.EXAMPLE TTL 100 (all A IN, answer section).
        let mut m = vec![0, 7, 0x81, 0x80, 0, 0, 0, 3, 0, 0, 0, 0];
        for (name, ttl, addr) in [
            (&b"\x01A\x07example\x00"[..], 300u32, 1u8),
            (b"\x01b\x07example\x00", 300, 2),
            (b"\x01a\x07EXAMPLE\x00", 100, 3),
        ] {
            m.extend_from_slice(name);
            m.extend_from_slice(&[0, 1, 0, 1]);
            m.extend_from_slice(&ttl.to_be_bytes());
            m.extend_from_slice(&[0, 4, 192, 0, 2, addr]);
        }
        let mut s = String::new();
        message_json(&mut s, &m);
        assert_eq!(
            s,
            "{\"header\":{\"opcode\":\"QUERY\",\"rcode\":\"NOERROR\",\"id\":7,\"flags\":[\"qr\",\"rd\",\"ra\"]},\"question\":[],\"answer\":[{\"rrname\":\"A.example.\",\"rrttl\":100,\"rrclass\":\"IN\",\"rrtype\":\"A\",\"rdata\":[\"192.0.2.1\",\"192.0.2.3\"]},{\"rrname\":\"b.example.\",\"rrttl\":300,\"rrclass\":\"IN\",\"rrtype\":\"A\",\"rdata\":[\"192.0.2.2\"]}],\"authority\":[],\"additional\":[]}"
        );
        s.clear();
        message_json(&mut s, &m[..11]);
        assert_eq!(s, "null");
        // Pointer loop: null, no hang.
        let mut l = vec![0, 7, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0];
        l.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1]);
        s.clear();
        message_json(&mut s, &l);
        assert_eq!(s, "null");
    }

    #[test]
    fn many_rrsets_group_like_a_scan() {
        // 300 answer records over 100 distinct names (3 each, interleaved, varying case):
        // the hashed grouping must give what the backwards scan gives.
        let mut m = vec![0, 1, 0x81, 0x80, 0, 0];
        m.extend_from_slice(&300u16.to_be_bytes());
        m.extend_from_slice(&[0, 0, 0, 0]);
        for round in 0..3u8 {
            for i in 0..100u8 {
                let c = if round == 1 { b'N' } else { b'n' };
                m.extend_from_slice(&[
                    3,
                    c,
                    b'0' + i / 10,
                    b'0' + i % 10,
                    0,
                    0,
                    1,
                    0,
                    1,
                    0,
                    0,
                    0,
                    10 + round,
                    0,
                    4,
                    10,
                    0,
                    round,
                    i,
                ]);
            }
        }
        let p = parse(&m).unwrap();
        assert_eq!(p.rrs[1].len(), 300);
        assert_eq!(p.sets[1].len(), 100);
        for (i, set) in p.sets[1].iter().enumerate() {
            let members: Vec<usize> = set.members(&p.rrs[1]).collect();
            assert_eq!(members, vec![i, i + 100, i + 200]);
            assert_eq!(set.ttl, 10);
        }
        assert!(parse(&vec![0u8; 70_000]).is_none());
    }
}
