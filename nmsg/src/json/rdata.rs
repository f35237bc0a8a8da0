//! Rdata in presentation form, byte for byte as wdns 0.12.0's `wdns_rdata_to_str` writes it
//! (`nmsg-format.md` §5.2 "rdata"), and the wdns rdata checks of `wdns_parse_message`.
//!
//! IPv6 addresses print as glibc `inet_ntop` does (the same text as libnmsg's IP fields,
//! `fast_inet6_ntop`: `::1.2.3.4` stays dotted).
//!
//! Quirks kept: an rrtype wdns does not describe prints in the generic form `\# LEN xx xx `
//! (with a trailing space); a described rrtype whose class does not match (A in class CH)
//! prints nothing; malformed rdata prints what was converted so far followed by
//! ` ### PARSE ERROR ###` (or ` ### PARSE ERROR #N ###` for a bad name, N being wdns's result
//! code); one trailing space is removed.

use std::fmt::Write as _;

use base64::Engine as _;

use super::names::rrtype_name;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Rdf {
    Name,
    Bytes,
    BytesB64,
    BytesStr,
    Ipv6Prefix,
    Salt,
    Hash,
    Int8,
    Int16,
    Int32,
    Ipv4,
    Ipv6,
    Eui48,
    Eui64,
    Str,
    SvcParams,
    RepString,
    RrType,
    TypeBitmap,
    EdnsOpt,
}

use Rdf::*;

/// wdns's record descriptor: (IN only?, field layout), or `None` for a type described
/// nowhere (generic form).
fn descr(rrtype: u16) -> Option<(bool, &'static [Rdf])> {
    Some(match rrtype {
        5 | 7 | 3 | 4 | 8 | 9 | 2 | 12 | 39 => (false, &[Name]),
        13 | 20 => (false, &[Str, Str]),
        14 | 17 => (false, &[Name, Name]),
        15 | 18 | 21 => (false, &[Int16, Name]),
        10 => (false, &[Bytes]),
        6 => (false, &[Name, Name, Int32, Int32, Int32, Int32, Int32]),
        16 | 99 => (false, &[RepString]),
        1 => (true, &[Ipv4]),
        11 => (true, &[Int32, Int8, Bytes]),
        19 => (false, &[Str]),
        30 => (false, &[Name, Bytes]),
        24 => (
            false,
            &[Int16, Int8, Int8, Int32, Int32, Int32, Int16, Name, Bytes],
        ),
        38 => (true, &[Ipv6Prefix, Name]),
        28 => (true, &[Ipv6]),
        36 => (true, &[Int16, Name]),
        26 => (true, &[Int16, Name, Name]),
        35 => (true, &[Int16, Int16, Str, Str, Str, Name]),
        33 => (true, &[Int16, Int16, Int16, Name]),
        48 | 60 => (false, &[Int16, Int8, Int8, BytesB64]),
        46 => (
            false,
            &[
                RrType, Int8, Int8, Int32, Int32, Int32, Int16, Name, BytesB64,
            ],
        ),
        47 => (false, &[Name, TypeBitmap]),
        43 | 59 => (false, &[Int16, Int8, Int8, Bytes]),
        50 => (false, &[Int8, Int8, Int16, Salt, Hash, TypeBitmap]),
        51 => (false, &[Int8, Int8, Int16, Salt]),
        52 => (false, &[Int8, Int8, Int8, Bytes]),
        61 => (false, &[BytesB64]),
        62 => (false, &[Int32, Int16, TypeBitmap]),
        108 => (false, &[Eui48]),
        109 => (false, &[Eui64]),
        256 => (false, &[Int16, Int16, BytesStr]),
        64 | 65 => (true, &[Int16, Name, SvcParams]),
        41 => (false, &[EdnsOpt]),
        _ => return None,
    })
}

fn rrtype_text(out: &mut String, t: u16) {
    match rrtype_name(t) {
        Some(n) => out.push_str(n),
        None => {
            let _ = write!(out, "TYPE{t}");
        }
    }
}

/// wdns's `rdata_to_str_string_unquoted`.
fn string_unquoted(out: &mut String, s: &[u8]) {
    for &c in s {
        match c {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b' '..=b'~' => out.push(char::from(c)),
            _ => {
                let _ = write!(out, "\\{c:03}");
            }
        }
    }
}

fn string_quoted(out: &mut String, s: &[u8]) {
    out.push('"');
    string_unquoted(out, s);
    out.push_str("\" ");
}

fn base32hex(out: &mut String, b: &[u8]) {
    const A: &[u8; 32] = b"0123456789ABCDEFGHIJKLMNOPQRSTUV";
    let mut acc: u64 = 0;
    let mut bits = 0;
    for &x in b {
        acc = (acc << 8) | u64::from(x);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(A[((acc >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(A[((acc << (5 - bits)) & 31) as usize]));
    }
}

fn svcparam_key(out: &mut String, key: u16) {
    match key {
        0 => out.push_str("mandatory"),
        1 => out.push_str("alpn"),
        2 => out.push_str("no-default-alpn"),
        3 => out.push_str("port"),
        4 => out.push_str("ipv4hint"),
        5 => out.push_str("ech"),
        6 => out.push_str("ipv6hint"),
        k => {
            let _ = write!(out, "key{k}");
        }
    }
}

/// One SvcParam value; `Err` on a malformed value.
fn svcparam(out: &mut String, key: u16, v: &[u8]) -> Result<(), ()> {
    match key {
        0 => {
            if v.len() % 2 != 0 {
                return Err(());
            }
            for (i, k) in v.chunks_exact(2).enumerate() {
                svcparam_key(out, u16::from_be_bytes([k[0], k[1]]));
                out.push(if 2 * (i + 1) < v.len() { ',' } else { ' ' });
            }
        }
        2 => {
            if !v.is_empty() {
                return Err(());
            }
            out.push(' ');
        }
        3 => {
            let p: [u8; 2] = v.try_into().map_err(|_| ())?;
            let _ = write!(out, "{} ", u16::from_be_bytes(p));
        }
        5 => base64::engine::general_purpose::STANDARD.encode_string(v, out),
        4 | 6 => {
            let n = if key == 4 { 4 } else { 16 };
            if v.is_empty() || v.len() % n != 0 {
                return Err(());
            }
            for (i, a) in v.chunks_exact(n).enumerate() {
                if n == 4 {
                    let _ = write!(out, "{}.{}.{}.{}", a[0], a[1], a[2], a[3]);
                } else {
                    let mut b = [0u8; 16];
                    b.copy_from_slice(a);
                    super::text::ipv6(out, &b);
                }
                out.push(if n * (i + 1) < v.len() { ',' } else { ' ' });
            }
        }
        1 => {
            out.push('"');
            let mut p = 0;
            while p < v.len() {
                let l = usize::from(v[p]);
                p += 1;
                let s = v.get(p..p + l).ok_or(())?;
                p += l;
                for &c in s {
                    match c {
                        b'"' => out.push_str("\\\""),
                        b'\\' => out.push_str("\\\\\\\\"),
                        b',' => out.push_str("\\\\,"),
                        b' '..=b'~' => out.push(char::from(c)),
                        _ => {
                            let _ = write!(out, "\\{c:03}");
                        }
                    }
                }
                out.push(if p < v.len() { ',' } else { '"' });
            }
            out.push(' ');
        }
        _ => string_quoted(out, v),
    }
    Ok(())
}

/// The EDNS option text of one option: `OPT=N: xx xx ("..")`, `CLIENT-SUBNET: a/s/s`,
/// `EDE: n (purpose): (..)`.
fn edns_option(out: &mut String, code: u16, data: &[u8]) -> Result<(), ()> {
    match code {
        8 => out.push_str("CLIENT-SUBNET:"),
        15 => out.push_str("EDE:"),
        c => {
            let _ = write!(out, "OPT={c}:");
        }
    }
    out.push(' ');
    let printable = |out: &mut String, d: &[u8]| {
        for &c in d {
            out.push(if (0x20..=0x7e).contains(&c) {
                char::from(c)
            } else {
                '.'
            });
        }
    };
    match code {
        8 => {
            if data.len() < 4 {
                return Err(());
            }
            let family = u16::from_be_bytes([data[0], data[1]]);
            let (src, scope) = (data[2], data[3]);
            let addr = &data[4..];
            match family {
                1 if !addr.is_empty() && addr.len() <= 4 => {
                    let mut a = [0u8; 4];
                    a[..addr.len()].copy_from_slice(addr);
                    let _ = write!(out, "{}.{}.{}.{}", a[0], a[1], a[2], a[3]);
                }
                2 if !addr.is_empty() && addr.len() <= 16 => {
                    let mut a = [0u8; 16];
                    a[..addr.len()].copy_from_slice(addr);
                    super::text::ipv6(out, &a);
                }
                _ => return Err(()),
            }
            let _ = write!(out, "/{src}/{scope}");
        }
        15 => {
            if data.len() < 2 {
                return Err(());
            }
            let info = u16::from_be_bytes([data[0], data[1]]);
            let _ = write!(out, "{info}");
            if let Some(p) = EDE_PURPOSE.get(usize::from(info)) {
                let _ = write!(out, " ({p})");
            }
            out.push_str(": (");
            printable(out, &data[2..]);
            out.push(')');
        }
        _ => {
            for &b in data {
                super::text::hex2(out, b);
                out.push(' ');
            }
            out.push_str("(\"");
            printable(out, data);
            out.push_str("\")");
        }
    }
    Ok(())
}

const EDE_PURPOSE: &[&str] = &[
    "Other Error",
    "Unsupported DNSKEY Algorithm",
    "Unsupported DS Digest Type",
    "Stale Answer",
    "Forged Answer",
    "DNSSEC Indeterminate",
    "DNSSEC Bogus",
    "Signature Expired",
    "Signature Not Yet Valid",
    "DNSKEY Missing",
    "RRSIGs Missing",
    "No Zone Key Bit Set",
    "NSEC Missing",
    "Cached Error",
    "Not Ready",
    "Blocked",
    "Censored",
    "Filtered",
    "Prohibited",
    "Stale NXDomain Answer",
    "Not Authoritative",
    "Not Supported",
    "No Reachable Authority",
    "Network Error",
    "Invalid Data",
];

/// Error of the rdata conversion: plain (`### PARSE ERROR ###`) or with a wdns result code.
enum Fail {
    Plain,
    Res(u32),
}

/// `wdns_len_uname` over the rest of the rdata.
fn len_uname(s: &[u8]) -> Result<usize, Fail> {
    let mut p = 0;
    loop {
        let Some(&c) = s.get(p) else {
            // Ran out without a root label (wdns would compute a bogus length).
            return Err(Fail::Res(3));
        };
        let left = s.len() - p - 1;
        if c > 63 || usize::from(c) > left {
            return Err(Fail::Res(3));
        }
        p += 1 + usize::from(c);
        if c == 0 {
            break;
        }
    }
    if p > 255 {
        return Err(Fail::Res(8));
    }
    Ok(p)
}

/// Appends the presentation text of `rdata` of type `rrtype` in class `rrclass`, as wdns.
pub fn rdata_text(out: &mut String, rdata: &[u8], rrtype: u16, rrclass: u16) {
    let Some((in_only, layout)) = descr(rrtype) else {
        let _ = write!(out, "\\# {} ", rdata.len());
        for b in rdata {
            super::text::hex2(out, *b);
            out.push(' ');
        }
        return;
    };
    if in_only && rrclass != 1 {
        return;
    }
    match fields(out, rdata, layout) {
        Ok(()) => {
            // wdns clips one trailing space of the whole buffer, even one written before the
            // rdata (the separator in dig-like text) when the rdata printed nothing.
            if out.ends_with(' ') {
                out.pop();
            }
        }
        Err(Fail::Plain) => out.push_str(" ### PARSE ERROR ###"),
        Err(Fail::Res(n)) => {
            let _ = write!(out, " ### PARSE ERROR #{n} ###");
        }
    }
}

fn fields(out: &mut String, rdata: &[u8], layout: &[Rdf]) -> Result<(), Fail> {
    let mut s = rdata;
    let take = |s: &mut &[u8], n: usize| -> Result<(), Fail> {
        if s.len() < n {
            return Err(Fail::Plain);
        }
        *s = &s[n..];
        Ok(())
    };
    for f in layout {
        if s.is_empty() {
            break;
        }
        match f {
            Name => {
                let n = len_uname(s)?;
                super::text::dns_name(out, &s[..n]);
                out.push(' ');
                s = &s[n..];
            }
            Bytes => {
                for b in s {
                    let _ = write!(out, "{b:02X}");
                }
                s = &[];
            }
            BytesB64 => {
                base64::engine::general_purpose::STANDARD.encode_string(s, out);
                s = &[];
            }
            BytesStr => {
                string_quoted(out, s);
                s = &[];
            }
            Ipv6Prefix => {
                let plen = s[0];
                if plen > 128 {
                    return Err(Fail::Plain);
                }
                let oclen = usize::from((128 - plen) / 8 + u8::from(plen % 8 != 0));
                if s.len() < 1 + oclen {
                    return Err(Fail::Plain);
                }
                let _ = write!(out, "{plen} ");
                if oclen > 0 {
                    let mut a = [0u8; 16];
                    a[16 - oclen..].copy_from_slice(&s[1..1 + oclen]);
                    super::text::ipv6(out, &a);
                    out.push(' ');
                }
                s = &s[1 + oclen..];
            }
            Salt | Hash => {
                let l = usize::from(s[0]);
                if s.len() < 1 + l {
                    return Err(Fail::Plain);
                }
                let v = &s[1..1 + l];
                if *f == Salt {
                    if l == 0 {
                        out.push('-');
                    }
                    for b in v {
                        let _ = write!(out, "{b:02x}");
                    }
                    out.push(' ');
                } else if l == 0 {
                    out.push_str("0 ");
                } else {
                    base32hex(out, v);
                    out.push(' ');
                }
                s = &s[1 + l..];
            }
            Int8 => {
                super::text::uint(out, u64::from(s[0]));
                out.push(' ');
                s = &s[1..];
            }
            Int16 => {
                let b = s.get(..2).ok_or(Fail::Plain)?;
                super::text::uint(out, u64::from(u16::from_be_bytes([b[0], b[1]])));
                out.push(' ');
                s = &s[2..];
            }
            Int32 => {
                let b = s.get(..4).ok_or(Fail::Plain)?;
                super::text::uint(out, u64::from(u32::from_be_bytes([b[0], b[1], b[2], b[3]])));
                out.push(' ');
                s = &s[4..];
            }
            Ipv4 => {
                let b = s.get(..4).ok_or(Fail::Plain)?;
                super::text::ipv4(out, &[b[0], b[1], b[2], b[3]]);
                out.push(' ');
                s = &s[4..];
            }
            Ipv6 => {
                let b: [u8; 16] = s
                    .get(..16)
                    .ok_or(Fail::Plain)?
                    .try_into()
                    .map_err(|_| Fail::Plain)?;
                super::text::ipv6(out, &b);
                out.push(' ');
                s = &s[16..];
            }
            Eui48 | Eui64 => {
                let n = if *f == Eui48 { 6 } else { 8 };
                let b = s.get(..n).ok_or(Fail::Plain)?;
                for (i, x) in b.iter().enumerate() {
                    if i != 0 {
                        out.push('-');
                    }
                    let _ = write!(out, "{x:02x}");
                }
                s = &s[n..];
            }
            Str => {
                let l = usize::from(s[0]);
                take(&mut s, 1)?;
                let v = s.get(..l).ok_or(Fail::Plain)?;
                string_quoted(out, v);
                s = &s[l..];
            }
            RepString => {
                while !s.is_empty() {
                    let l = usize::from(s[0]);
                    take(&mut s, 1)?;
                    let v = s.get(..l).ok_or(Fail::Plain)?;
                    string_quoted(out, v);
                    s = &s[l..];
                }
            }
            SvcParams => {
                while !s.is_empty() {
                    let b = s.get(..2).ok_or(Fail::Plain)?;
                    let key = u16::from_be_bytes([b[0], b[1]]);
                    if key == 65535 {
                        return Err(Fail::Plain);
                    }
                    svcparam_key(out, key);
                    if key != 2 {
                        out.push('=');
                    }
                    s = &s[2..];
                    let b = s.get(..2).ok_or(Fail::Plain)?;
                    let vlen = usize::from(u16::from_be_bytes([b[0], b[1]]));
                    s = &s[2..];
                    let v = s.get(..vlen).ok_or(Fail::Plain)?;
                    svcparam(out, key, v).map_err(|_| Fail::Res(12))?;
                    s = &s[vlen..];
                }
            }
            RrType => {
                let b = s.get(..2).ok_or(Fail::Plain)?;
                rrtype_text(out, u16::from_be_bytes([b[0], b[1]]));
                out.push(' ');
                s = &s[2..];
            }
            TypeBitmap => {
                if s.len() < 2 {
                    return Err(Fail::Plain);
                }
                while s.len() >= 2 {
                    let window = u16::from(s[0]);
                    let blen = usize::from(s[1]);
                    s = &s[2..];
                    let bm = s.get(..blen).ok_or(Fail::Plain)?;
                    for (i, &a) in bm.iter().enumerate() {
                        for j in 0..8 {
                            if a & (0x80 >> j) != 0 {
                                let lo = (i * 8 + j) as u16;
                                rrtype_text(out, (window << 8) | (lo & 0xff));
                                out.push(' ');
                            }
                        }
                    }
                    s = &s[blen..];
                }
            }
            EdnsOpt => {
                let mut first = true;
                while !s.is_empty() {
                    if !first {
                        out.push('\n');
                    }
                    first = false;
                    let b = s.get(..4).ok_or(Fail::Plain)?;
                    let code = u16::from_be_bytes([b[0], b[1]]);
                    let len = usize::from(u16::from_be_bytes([b[2], b[3]]));
                    s = &s[4..];
                    let d = s.get(..len).ok_or(Fail::Plain)?;
                    edns_option(out, code, d).map_err(|_| Fail::Res(12))?;
                    s = &s[len..];
                }
            }
        }
    }
    Ok(())
}

/// The checks and name decompression `_wdns_parse_rdata` applies to the rdata of a record in a
/// DNS message: appends the rdata with its names decompressed (as wdns stores it) to `out`,
/// or returns `None` (leaving partial bytes in `out`) when wdns would refuse the message. `msg` is the whole message, the rdata the `len` bytes
/// at `off`.
pub(crate) fn normalize(
    msg: &[u8],
    off: usize,
    len: usize,
    rrtype: u16,
    rrclass: u16,
    out: &mut Vec<u8>,
) -> Option<()> {
    let rdata = msg.get(off..off + len)?;
    let Some((in_only, layout)) = descr(rrtype) else {
        out.extend_from_slice(rdata);
        return Some(());
    };
    if in_only && rrclass != 1 {
        out.extend_from_slice(rdata);
        return Some(());
    }
    let mut p = off;
    let end = off + len;
    let mut name = crate::dns::NameBuf::new();
    for f in layout {
        if p == end {
            break;
        }
        let copy = |out: &mut Vec<u8>, p: &mut usize, n: usize| -> Option<()> {
            if end - *p < n {
                return None;
            }
            out.extend_from_slice(&msg[*p..*p + n]);
            *p += n;
            Some(())
        };
        match f {
            Name => {
                let n = crate::dns::read_name(msg, p, &mut name).ok()?;
                if p + n > end {
                    return None;
                }
                out.extend_from_slice(name.as_wire());
                p += n;
            }
            Bytes | BytesB64 | BytesStr | EdnsOpt => {
                let n = end - p;
                copy(out, &mut p, n)?
            }
            Int8 => copy(out, &mut p, 1)?,
            Int16 | RrType => copy(out, &mut p, 2)?,
            Int32 | Ipv4 => copy(out, &mut p, 4)?,
            Ipv6 => copy(out, &mut p, 16)?,
            Eui48 => copy(out, &mut p, 6)?,
            Eui64 => copy(out, &mut p, 8)?,
            Str | Salt | Hash => {
                let l = usize::from(msg[p]);
                copy(out, &mut p, l + 1)?;
            }
            RepString => {
                while p < end {
                    let l = usize::from(msg[p]);
                    copy(out, &mut p, l + 1)?;
                }
            }
            Ipv6Prefix => {
                let plen = msg[p];
                if plen > 128 {
                    return None;
                }
                let oclen = usize::from((128 - plen) / 8 + u8::from(plen % 8 != 0));
                copy(out, &mut p, oclen + 1)?;
            }
            TypeBitmap => {
                while end - p >= 2 {
                    let blen = usize::from(msg[p + 1]);
                    if !(1..=32).contains(&blen) || blen > end - p - 2 {
                        return None;
                    }
                    copy(out, &mut p, 2 + blen)?;
                }
            }
            SvcParams => {
                while p < end {
                    if end - p < 4 {
                        return None;
                    }
                    let key = u16::from_be_bytes([msg[p], msg[p + 1]]);
                    let vlen = usize::from(u16::from_be_bytes([msg[p + 2], msg[p + 3]]));
                    if 4 + vlen > end - p || !svc_valid(key, &msg[p + 4..p + 4 + vlen]) {
                        return None;
                    }
                    copy(out, &mut p, 4 + vlen)?;
                }
            }
        }
    }
    (p == end).then_some(())
}

fn svc_valid(key: u16, v: &[u8]) -> bool {
    match key {
        0 => v.len() % 2 == 0,
        1 => {
            if v.is_empty() {
                return false;
            }
            let mut p = 0;
            while p < v.len() {
                p += 1 + usize::from(v[p]);
            }
            p == v.len()
        }
        2 => v.is_empty(),
        3 => v.len() == 2,
        4 => v.len() % 4 == 0,
        6 => v.len() % 16 == 0,
        65535 => false,
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(rdata: &[u8], rrtype: u16, rrclass: u16) -> String {
        let mut s = String::new();
        rdata_text(&mut s, rdata, rrtype, rrclass);
        s
    }

    #[test]
    fn texts() {
        assert_eq!(t(&[192, 0, 2, 7], 1, 1), "192.0.2.7");
        assert_eq!(t(&[192, 0, 2, 7], 1, 3), "");
        assert_eq!(t(b"abc", 999, 3), "\\# 3 61 62 63 ");
        assert_eq!(t(b"\x04dns1\x03com\x00", 2, 1), "dns1.com.");
        assert_eq!(t(b"\x05Hello", 16, 1), "\"Hello\"");
        assert_eq!(t(b"", 16, 1), "");
        assert_eq!(t(&[1, 2, 3], 1, 1), " ### PARSE ERROR ###");
        assert_eq!(t(b"\x00\x0a\x03foo", 15, 1), "10  ### PARSE ERROR #3 ###");
        assert_eq!(
            t(
                &[0, 10, 0, 8, 0xca, 0x22, 0xa0, 0xc8, 0x69, 0xd9, 0x10, 0x81],
                41,
                0
            ),
            "OPT=10: ca 22 a0 c8 69 d9 10 81 (\".\"..i...\")"
        );
        // NSEC: next name, bitmap A NS SOA
        assert_eq!(t(b"\x01a\x00\x00\x01\x62", 47, 1), "a. A NS SOA");
    }
}
