//! A DNS message as wdns's dig-like text (`wdns_message_to_str`), for the SIE `response`
//! fields (`nmsg-format.md` §5.2 "DNS message as text").

use std::fmt::Write as _;

use super::dns_message::{parse, Parsed, Rr};
use super::names::{class_name, opcode_name, rcode_name, rrtype_name};
use super::rdata::rdata_text;

fn rr_line(out: &mut String, m: &Parsed, rr: &Rr, question: bool) {
    if question {
        out.push(';');
    }
    super::text::dns_name(out, m.name(rr));
    if !question {
        let _ = write!(out, " {}", rr.ttl);
    }
    match class_name(rr.rrclass) {
        Some(c) => {
            let _ = write!(out, " {c}");
        }
        None => {
            let _ = write!(out, " CLASS{}", rr.rrclass);
        }
    }
    match rrtype_name(rr.rrtype) {
        Some(t) => {
            let _ = write!(out, " {t}");
        }
        None => {
            let _ = write!(out, " TYPE{}", rr.rrtype);
        }
    }
    if !question {
        out.push(' ');
        rdata_text(out, m.rdata(rr), rr.rrtype, rr.rrclass);
    }
    out.push('\n');
}

/// Appends the text of `msg`; false (and nothing appended) when it does not parse.
pub(crate) fn message_text(out: &mut String, msg: &[u8]) -> bool {
    let Some(m) = parse(msg) else {
        return false;
    };
    out.push_str(";; ->>HEADER<<- ");
    let opcode = (m.flags >> 11) & 0xf;
    match opcode_name(opcode) {
        Some(o) => {
            let _ = write!(out, "opcode: {o}");
        }
        None => {
            let _ = write!(out, "opcode: {opcode}");
        }
    }
    match rcode_name(m.rcode) {
        Some(r) => {
            let _ = write!(out, ", rcode: {r}");
        }
        None => {
            let _ = write!(out, ", rcode: {}", m.rcode);
        }
    }
    let _ = write!(out, ", id: {}\n;; flags:", m.id);
    for (bit, name) in [
        (15, " qr"),
        (10, " aa"),
        (9, " tc"),
        (8, " rd"),
        (7, " ra"),
        (5, " ad"),
        (4, " cd"),
    ] {
        if m.flags & (1 << bit) != 0 {
            out.push_str(name);
        }
    }
    let _ = writeln!(
        out,
        "; QUERY: {}, ANSWER: {}, AUTHORITY: {}, ADDITIONAL: {}",
        m.rrs[0].len(),
        m.rrs[1].len(),
        m.rrs[2].len(),
        m.rrs[3].len()
    );
    if let Some(e) = &m.edns {
        let _ = write!(
            out,
            "\n;; OPT PSEUDOSECTION:\n; EDNS: version: {}, flags:{}; udp: {}",
            e.version,
            if e.flags & 0x8000 != 0 { " do" } else { "" },
            e.size
        );
        if let Some(opts) = m.options(e) {
            let mut s = String::new();
            rdata_text(&mut s, opts, 41, 0);
            for line in s.split('\n').filter(|l| !l.is_empty()) {
                out.push_str("\n; ");
                out.push_str(line);
            }
        }
    }
    for (i, title) in [
        "\n;; QUESTION SECTION:\n",
        "\n;; ANSWER SECTION:\n",
        "\n;; AUTHORITY SECTION:\n",
        "\n;; ADDITIONAL SECTION:\n",
    ]
    .iter()
    .enumerate()
    {
        out.push_str(title);
        for rr in &m.rrs[i] {
            rr_line(out, &m, rr, i == 0);
        }
    }
    super::dns_message::recycle(m);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dig_text() {
        let mut m = vec![0, 5, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0];
        m.extend_from_slice(b"\x07example\x00\x00\x01\x00\x01");
        m.extend_from_slice(b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x01\x2c\x00\x04\xc0\x00\x02\x01");
        let mut s = String::new();
        assert!(message_text(&mut s, &m));
        assert_eq!(
            s,
            ";; ->>HEADER<<- opcode: QUERY, rcode: NOERROR, id: 5\n;; flags: qr rd ra; QUERY: 1, ANSWER: 1, AUTHORITY: 0, ADDITIONAL: 0\n\n;; QUESTION SECTION:\n;example. IN A\n\n;; ANSWER SECTION:\nexample. 300 IN A 192.0.2.1\n\n;; AUTHORITY SECTION:\n\n;; ADDITIONAL SECTION:\n"
        );
        s.clear();
        assert!(!message_text(&mut s, &m[..5]));
        assert!(s.is_empty());
    }
}
