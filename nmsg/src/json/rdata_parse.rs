//! Rdata from presentation text to wire format (the inverse of [`super::rdata::rdata_text`]),
//! for the rrtypes NMSG data commonly holds, as `wdns_str_to_rdata` reads them.
//!
//! Supported: the generic form `\# LEN HEX…` for every type; A, AAAA; NS, MD, MF, CNAME, MB,
//! MG, MR, PTR, DNAME; SOA; MX, AFSDB, RT, KX; MINFO, RP; TXT, SPF, HINFO; SRV; NSEC; DS, CDS;
//! DNSKEY, CDNSKEY; RRSIG. Other types give `None`.

use base64::Engine as _;

use super::names::rrtype_from_name;
use crate::dns::{parse_name, NameBuf};

/// Splits presentation text into tokens: whitespace-separated, double-quoted strings kept
/// whole (quotes removed, escapes left for [`unescape`]).
fn tokens(s: &str) -> Option<Vec<(bool, &str)>> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if b[i] == b'"' {
            let start = i + 1;
            let mut j = start;
            while j < b.len() && b[j] != b'"' {
                j += if b[j] == b'\\' { 2 } else { 1 };
            }
            if j >= b.len() {
                return None;
            }
            out.push((true, &s[start..j]));
            i = j + 1;
        } else {
            let start = i;
            while i < b.len() && !b[i].is_ascii_whitespace() {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            let end = i.min(b.len());
            out.push((false, &s[start..end]));
        }
    }
    Some(out)
}

/// Resolves `\X` and `\DDD` escapes of a character-string.
fn unescape(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' {
            let n = *b.get(i + 1)?;
            if n.is_ascii_digit() {
                let d = b.get(i + 1..i + 4)?;
                if !d.iter().all(u8::is_ascii_digit) {
                    return None;
                }
                let v = u16::from(d[0] - b'0') * 100
                    + u16::from(d[1] - b'0') * 10
                    + u16::from(d[2] - b'0');
                out.push(u8::try_from(v).ok()?);
                i += 4;
            } else {
                out.push(n);
                i += 2;
            }
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    Some(out)
}

fn name(out: &mut Vec<u8>, s: &str) -> Option<()> {
    let mut n = NameBuf::new();
    parse_name(s, &mut n).ok()?;
    out.extend_from_slice(n.as_wire());
    Some(())
}

fn charstring(out: &mut Vec<u8>, s: &str) -> Option<()> {
    let v = unescape(s)?;
    out.push(u8::try_from(v.len()).ok()?);
    out.extend_from_slice(&v);
    Some(())
}

fn hex(out: &mut Vec<u8>, s: &str) -> Option<()> {
    let b = s.as_bytes();
    if b.len() % 2 != 0 {
        return None;
    }
    for p in b.chunks_exact(2) {
        out.push(u8::from_str_radix(std::str::from_utf8(p).ok()?, 16).ok()?);
    }
    Some(())
}

/// The wire rdata of presentation text `s` for `rrtype` in `rrclass`, or `None` when the text
/// does not parse or the type is not supported.
pub(crate) fn parse_rdata(s: &str, rrtype: u16, rrclass: u16) -> Option<Vec<u8>> {
    let t = tokens(s)?;
    let mut out = Vec::new();
    if let Some(&(false, "\\#")) = t.first() {
        let len: usize = t.get(1)?.1.parse().ok()?;
        for tok in &t[2..] {
            hex(&mut out, tok.1)?;
        }
        return (out.len() == len).then_some(out);
    }
    let words: Vec<&str> = t.iter().map(|x| x.1).collect();
    let u16s = |s: &str| s.parse::<u16>().ok().map(u16::to_be_bytes);
    let u32s = |s: &str| s.parse::<u32>().ok().map(u32::to_be_bytes);
    let u8s = |s: &str| s.parse::<u8>().ok();
    match rrtype {
        1 if rrclass == 1 => {
            let a: std::net::Ipv4Addr = words.first()?.parse().ok()?;
            (words.len() == 1).then_some(a.octets().to_vec())
        }
        28 if rrclass == 1 => {
            let a: std::net::Ipv6Addr = words.first()?.parse().ok()?;
            (words.len() == 1).then_some(a.octets().to_vec())
        }
        2 | 3 | 4 | 5 | 7 | 8 | 9 | 12 | 39 => {
            if words.len() != 1 {
                return None;
            }
            name(&mut out, words[0])?;
            Some(out)
        }
        14 | 17 => {
            if words.len() != 2 {
                return None;
            }
            name(&mut out, words[0])?;
            name(&mut out, words[1])?;
            Some(out)
        }
        6 => {
            if words.len() != 7 {
                return None;
            }
            name(&mut out, words[0])?;
            name(&mut out, words[1])?;
            for w in &words[2..] {
                out.extend_from_slice(&u32s(w)?);
            }
            Some(out)
        }
        15 | 18 | 21 | 36 => {
            if words.len() != 2 {
                return None;
            }
            out.extend_from_slice(&u16s(words[0])?);
            name(&mut out, words[1])?;
            Some(out)
        }
        16 | 99 | 13 => {
            if t.is_empty() || (rrtype == 13 && t.len() != 2) {
                return None;
            }
            for tok in &t {
                charstring(&mut out, tok.1)?;
            }
            Some(out)
        }
        33 if rrclass == 1 => {
            if words.len() != 4 {
                return None;
            }
            for w in &words[..3] {
                out.extend_from_slice(&u16s(w)?);
            }
            name(&mut out, words[3])?;
            Some(out)
        }
        47 => {
            name(&mut out, words.first()?)?;
            let mut types: Vec<u16> = words[1..]
                .iter()
                .map(|w| rrtype_from_name(w))
                .collect::<Option<_>>()?;
            types.sort_unstable();
            types.dedup();
            let mut i = 0;
            while i < types.len() {
                let window = types[i] >> 8;
                let mut bitmap = [0u8; 32];
                let mut max = 0;
                while i < types.len() && types[i] >> 8 == window {
                    let lo = usize::from(types[i] & 0xff);
                    bitmap[lo / 8] |= 0x80 >> (lo % 8);
                    max = lo / 8 + 1;
                    i += 1;
                }
                out.push(window as u8);
                out.push(max as u8);
                out.extend_from_slice(&bitmap[..max]);
            }
            Some(out)
        }
        43 | 59 => {
            if words.len() < 3 {
                return None;
            }
            out.extend_from_slice(&u16s(words[0])?);
            out.push(u8s(words[1])?);
            out.push(u8s(words[2])?);
            for w in &words[3..] {
                hex(&mut out, w)?;
            }
            Some(out)
        }
        48 | 60 => {
            if words.len() < 3 {
                return None;
            }
            out.extend_from_slice(&u16s(words[0])?);
            out.push(u8s(words[1])?);
            out.push(u8s(words[2])?);
            let b64: String = words[3..].concat();
            out.extend(base64::engine::general_purpose::STANDARD.decode(b64).ok()?);
            Some(out)
        }
        46 => {
            if words.len() < 8 {
                return None;
            }
            out.extend_from_slice(&rrtype_from_name(words[0])?.to_be_bytes());
            out.push(u8s(words[1])?);
            out.push(u8s(words[2])?);
            for w in &words[3..6] {
                out.extend_from_slice(&u32s(w)?);
            }
            out.extend_from_slice(&u16s(words[6])?);
            name(&mut out, words[7])?;
            let b64: String = words[8..].concat();
            out.extend(base64::engine::general_purpose::STANDARD.decode(b64).ok()?);
            Some(out)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::rdata::rdata_text;
    use super::*;

    #[test]
    fn round_trips() {
        for (text, t, c) in [
            ("192.0.2.7", 1, 1),
            ("2001:500:e::1", 28, 1),
            ("dns1.registrar-servers.com.", 2, 1),
            ("\"Hello\"", 16, 1),
            ("\"10.11.12.13\"", 99, 1),
            ("\"a\\\"b\\\\c\\009\" \"x\"", 16, 1),
            ("10 mx.example.", 15, 1),
            ("fsi.io. hostmaster.fsi.io. 2023062369 7200 3600 604800 3600", 6, 1),
            (
                "\\000.www.investec.com.cdn.cloudflare.net. A HINFO MX TXT LOC SRV CERT SSHFP RRSIG NSEC TLSA HIP OPENPGPKEY SPF",
                47,
                1,
            ),
            ("a1.fmt1.fsi.io. A AAAA RRSIG NSEC TYPE65534", 47, 1),
            ("\\# 3 61 62 63 ", 999, 3),
            ("0 5 443 svc.example.", 33, 1),
        ] {
            let wire = parse_rdata(text, t, c).unwrap_or_else(|| panic!("{text}"));
            let mut back = String::new();
            rdata_text(&mut back, &wire, t, c);
            assert_eq!(back, text);
        }
        assert_eq!(parse_rdata("300.1.1.1", 1, 1), None);
        assert_eq!(parse_rdata("\"open", 16, 1), None);
        assert_eq!(parse_rdata("\\# 2 61", 999, 1), None);
    }
}
