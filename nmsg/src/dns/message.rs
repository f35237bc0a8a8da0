//! Walking a whole DNS message (RFC 1035 §4.1): the header, then every question and resource
//! record, without allocating.

use super::{name::read_name, DnsError, NameBuf, RdataRef, MAX_NAME_LEN};

/// The 12-byte DNS message header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// Message ID.
    pub id: u16,
    /// The flags word: QR, opcode, AA, TC, RD, RA, Z, AD, CD and the 4-bit rcode.
    pub flags: u16,
    /// Number of questions.
    pub qdcount: u16,
    /// Number of answer records.
    pub ancount: u16,
    /// Number of authority records.
    pub nscount: u16,
    /// Number of additional records.
    pub arcount: u16,
}

/// The length of the DNS header.
pub const HEADER_LEN: usize = 12;

impl Header {
    /// Reads the header at the start of `msg`.
    pub fn parse(msg: &[u8]) -> Result<Header, DnsError> {
        let h = msg.get(..HEADER_LEN).ok_or(DnsError::Truncated)?;
        let w = |i: usize| u16::from_be_bytes([h[i], h[i + 1]]);
        Ok(Header {
            id: w(0),
            flags: w(2),
            qdcount: w(4),
            ancount: w(6),
            nscount: w(8),
            arcount: w(10),
        })
    }

    /// The QR bit: true for a response.
    pub fn is_response(&self) -> bool {
        self.flags & 0x8000 != 0
    }

    /// The 4-bit opcode (0 = QUERY).
    pub fn opcode(&self) -> u8 {
        ((self.flags >> 11) & 0xf) as u8
    }

    /// The TC bit: the message was truncated by its sender.
    pub fn is_truncated(&self) -> bool {
        self.flags & 0x0200 != 0
    }

    /// The 4-bit header rcode (no EDNS extension).
    pub fn rcode(&self) -> u8 {
        (self.flags & 0xf) as u8
    }
}

/// The section a record belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Section {
    /// Question section: name, type and class only.
    Question,
    /// Answer section.
    Answer,
    /// Authority section.
    Authority,
    /// Additional section.
    Additional,
}

/// One question or resource record of a message. Small and `Copy`: the owner name stays in
/// the message until [`Record::read_name`] decompresses it into a caller's buffer.
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    /// The section.
    pub section: Section,
    /// The message the record is in.
    pub msg: &'a [u8],
    /// The offset of the owner name in the message.
    pub name_offset: usize,
    /// Record type (question type).
    pub rtype: u16,
    /// Record class (question class).
    pub rclass: u16,
    /// TTL; 0 in the question section.
    pub ttl: u32,
    /// The rdata bytes as they stand in the message (names in it may be compressed; resolve
    /// them with [`Record::rdata_ref`]); empty for questions.
    pub rdata: &'a [u8],
    /// The offset of the rdata in the message.
    pub rdata_offset: usize,
}

impl<'a> Record<'a> {
    /// Decompresses the owner name (the question name in the question section) into `out`,
    /// case kept. The walker has checked only the name's own bytes; a bad compression pointer
    /// shows up here.
    pub fn read_name(&self, out: &mut NameBuf) -> Result<(), DnsError> {
        read_name(self.msg, self.name_offset, out).map(|_| ())
    }

    /// The rdata, with names resolved against the message.
    pub fn rdata_ref(&self) -> RdataRef<'a> {
        RdataRef::in_message(self.msg, self.rdata_offset, self.rdata.len())
    }
}

/// The length of the possibly compressed name at `pos` of `msg` as it stands there (up to the
/// root label or the first pointer), without following pointers or copying. Shared with the
/// field extractor's record walk, which must follow the same rules.
pub(crate) fn skip_name(msg: &[u8], mut pos: usize) -> Result<usize, DnsError> {
    let start = pos;
    loop {
        let c = *msg.get(pos).ok_or(DnsError::Truncated)?;
        match c {
            0 => return Ok(pos + 1 - start),
            1..=63 => {
                pos += 1 + usize::from(c);
                if pos - start >= MAX_NAME_LEN {
                    return Err(DnsError::NameTooLong);
                }
            }
            0xc0..=0xff => {
                if pos + 2 > msg.len() {
                    return Err(DnsError::Truncated);
                }
                return Ok(pos + 2 - start);
            }
            _ => return Err(DnsError::BadLabelType(c)),
        }
    }
}

/// Iterates over the questions and records of a DNS message, in message order.
///
/// Lenient like `wdns_parse_message`: when the message ends exactly between records before the
/// header counts are reached, iteration simply ends. A record cut short, or an owner name whose
/// own bytes are malformed, yields one `Err` and then the iteration ends (compression pointers
/// are checked when [`Record::read_name`] follows them). Each item consumes at least 5 bytes of the
/// message, so the walk is bounded by the message length.
#[derive(Debug, Clone)]
pub struct Records<'a> {
    msg: &'a [u8],
    pos: usize,
    section: Section,
    left: [u16; 4],
    done: bool,
}

impl<'a> Records<'a> {
    /// Reads the header of `msg` and starts walking its records.
    pub fn new(msg: &'a [u8]) -> Result<(Header, Records<'a>), DnsError> {
        let header = Header::parse(msg)?;
        let records = Records {
            msg,
            pos: HEADER_LEN,
            section: Section::Question,
            left: [
                header.qdcount,
                header.ancount,
                header.nscount,
                header.arcount,
            ],
            done: false,
        };
        Ok((header, records))
    }

    /// The message being walked.
    pub fn message(&self) -> &'a [u8] {
        self.msg
    }

    fn next_section(&mut self) -> bool {
        loop {
            let i = section_index(self.section);
            if self.left[i] > 0 {
                return true;
            }
            self.section = match self.section {
                Section::Question => Section::Answer,
                Section::Answer => Section::Authority,
                Section::Authority => Section::Additional,
                Section::Additional => return false,
            };
        }
    }

    fn read_record(&mut self) -> Result<Record<'a>, DnsError> {
        let msg = self.msg;
        let name_offset = self.pos;
        let mut p = self.pos + skip_name(msg, self.pos)?;
        let u16_at = |i: usize| -> Result<u16, DnsError> {
            let b = msg.get(i..i + 2).ok_or(DnsError::Truncated)?;
            Ok(u16::from_be_bytes([b[0], b[1]]))
        };
        let rtype = u16_at(p)?;
        let rclass = u16_at(p + 2)?;
        p += 4;
        let (ttl, rdata, rdata_offset) = if self.section == Section::Question {
            (0, &msg[p..p], p)
        } else {
            let t = msg.get(p..p + 4).ok_or(DnsError::Truncated)?;
            let ttl = u32::from_be_bytes([t[0], t[1], t[2], t[3]]);
            let rdlen = usize::from(u16_at(p + 4)?);
            p += 6;
            let rdata = msg.get(p..p + rdlen).ok_or(DnsError::Truncated)?;
            let off = p;
            p += rdlen;
            (ttl, rdata, off)
        };
        self.pos = p;
        Ok(Record {
            section: self.section,
            msg,
            name_offset,
            rtype,
            rclass,
            ttl,
            rdata,
            rdata_offset,
        })
    }
}

fn section_index(s: Section) -> usize {
    match s {
        Section::Question => 0,
        Section::Answer => 1,
        Section::Authority => 2,
        Section::Additional => 3,
    }
}

impl<'a> Iterator for Records<'a> {
    type Item = Result<Record<'a>, DnsError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done || !self.next_section() || self.pos >= self.msg.len() {
            self.done = true;
            return None;
        }
        self.left[section_index(self.section)] -= 1;
        let r = self.read_record();
        if r.is_err() {
            self.done = true;
        }
        Some(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walk() {
        // id 1, response, 1 question, 1 answer: example.com A 192.0.2.1 (owner compressed).
        let mut m = vec![0, 1, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0];
        m.extend_from_slice(b"\x07example\x03com\x00\x00\x01\x00\x01");
        m.extend_from_slice(b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x0e\x10\x00\x04\xc0\x00\x02\x01");
        let (h, recs) = Records::new(&m).unwrap();
        assert!(h.is_response());
        assert_eq!(h.opcode(), 0);
        let recs: Vec<_> = recs.collect::<Result<_, _>>().unwrap();
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[0].section, Section::Question);
        assert_eq!(recs[1].section, Section::Answer);
        let mut n = NameBuf::new();
        recs[1].read_name(&mut n).unwrap();
        assert_eq!(n.as_wire(), b"\x07example\x03com\x00");
        assert_eq!(recs[1].ttl, 3600);
        assert_eq!(recs[1].rdata, &[192, 0, 2, 1]);
        assert_eq!(recs[1].rdata_offset, m.len() - 4);
        // Cut inside the answer's rdata.
        let cut = &m[..m.len() - 1];
        let (_, recs) = Records::new(cut).unwrap();
        let r: Vec<_> = recs.collect();
        assert_eq!(r.len(), 2);
        assert_eq!(r[1].as_ref().err(), Some(&DnsError::Truncated));
        // Counts larger than the data: lenient end.
        let mut more = m.clone();
        more[11] = 5;
        assert_eq!(Records::new(&more).unwrap().1.count(), 2);
        assert_eq!(Records::new(&m[..11]).err(), Some(DnsError::Truncated));
    }
}
