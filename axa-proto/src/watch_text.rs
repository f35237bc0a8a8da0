//! The watch text syntax (spec §5.1) and its rendering (spec §5.2).
//!
//! Parsing follows libaxa's `axa_parse_watch`/`axa_parse_rad_watch` with the fixes of
//! spec §16; each difference is documented on [`Watch::parse_text`].

use std::fmt;
use std::net::Ipv6Addr;

use bytes::Bytes;

use crate::channel::{parse_channel, ChannelParseError};
use crate::ip_text::{ipv4_text, ipv6_text};
use crate::watch::{Watch, WatchPattern, FLAG_SHARED, FLAG_WILD};

/// Which parser: SRA (channel and error watches allowed, no flags) or RAD (`(shared)`
/// suffix allowed, channel and error watches refused).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WatchMode {
    /// sratool / sratunnel.
    Sra,
    /// radtool / radtunnel.
    Rad,
}

/// Why a watch text was refused (texts as libaxa's, plus the fixed cases).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WatchParseError {
    /// `ip=` with nothing after it.
    #[error("missing IP address")]
    MissingIp,
    /// Not an IPv4 (inet_aton forms) or IPv6 address.
    #[error("invalid IP address \"{0}\"")]
    InvalidIp(String),
    /// An IPv4 part with a leading zero (libaxa would read it as octal; spec §16 item 9).
    #[error("invalid IP address \"{0}\": leading zeros are not accepted (octal)")]
    LeadingZero(String),
    /// Prefix not a number in 1..=32 / 1..=128.
    #[error("invalid prefix length \"/{0}\"")]
    InvalidPrefix(String),
    /// Host bits set beyond the prefix.
    #[error("{addr} does not start on a {prefix}-bit CIDR boundary")]
    NotOnBoundary {
        /// The address text.
        addr: String,
        /// The prefix.
        prefix: u8,
    },
    /// `dns=` (or `dns=*`) with no name.
    #[error("missing domain name")]
    MissingDomain,
    /// A name that is not a valid DNS name (empty label, bad escape, > 255 bytes).
    #[error("invalid DNS name \"{0}\"")]
    InvalidDns(String),
    /// `ch=` value problems (`missing channel`, `invalid channel "…"`).
    #[error(transparent)]
    Channel(#[from] ChannelParseError),
    /// RAD mode: channel watches are not available.
    #[error("channel watches not available")]
    ChannelNotAvailable,
    /// RAD mode: error watches are not available.
    #[error("error watches not available")]
    ErrorsNotAvailable,
    /// RAD mode: a flag other than `(shared)`.
    #[error("unrecognized flag \"({0}\"")]
    UnrecognizedFlag(String),
    /// Not a watch at all (sratool prints its usage).
    #[error("unrecognized watch \"{0}\"")]
    Unrecognized(String),
}

fn is_blank(c: char) -> bool {
    c.is_ascii_whitespace()
}

/// libaxa's `get_value`: `KEY`, optional blanks, then `=` (with optional blanks) or at
/// least one blank; case-insensitive key.
fn value_of<'a>(arg: &'a str, key: &str) -> Option<&'a str> {
    let head = arg.get(..key.len())?;
    if !head.eq_ignore_ascii_case(key) {
        return None;
    }
    let rest = &arg[key.len()..];
    let after = rest.trim_start_matches(is_blank);
    let sep = rest.len() - after.len();
    if let Some(v) = after.strip_prefix('=') {
        Some(v.trim_start_matches(is_blank))
    } else if sep > 0 {
        Some(after)
    } else {
        None
    }
}

impl Watch {
    /// Parse watch text: `ip=A.B.C.D[/n]`, `ip=IPv6[/n]`, `dns=name`, `dns=*.name`,
    /// `dns=*.`, `ch=N`/`ch=chN`, `errors`/`error`; keyword case-insensitive, `=` may be
    /// surrounded or replaced by blanks. In [`WatchMode::Rad`] a `(shared)` suffix sets
    /// [`FLAG_SHARED`] and channel/error watches are refused.
    ///
    /// Matches libaxa: IPv4 short forms (`10.1`) and hex parts; DNS names lower-cased except
    /// escaped letters (`\065bc` → `Abc`); labels longer than 63 bytes accepted while the
    /// name fits 255 bytes; in SRA mode `(shared)` is just part of the name.
    ///
    /// Fixed (clear errors instead of libaxa's result, spec §16): trailing blanks are
    /// trimmed for every keyword (libaxa keeps them inside the last DNS label); a name
    /// ending in a lone backslash is invalid; IPv4 parts with a leading zero (octal in
    /// libaxa) are refused; channels follow [`parse_channel`] (no signs, no blank-only);
    /// `ch=all` is refused as in libaxa.
    pub fn parse_text(text: &str, mode: WatchMode) -> Result<Watch, WatchParseError> {
        let arg = text.trim_matches(is_blank);
        let (main, flags) = match mode {
            WatchMode::Rad => match arg.split_once('(') {
                Some((m, f)) => (m.trim_end_matches(is_blank), Some(f)),
                None => (arg, None),
            },
            WatchMode::Sra => (arg, None),
        };
        let mut w = parse_main(main)?;
        if mode == WatchMode::Rad {
            match w.pattern {
                WatchPattern::Channel(_) => return Err(WatchParseError::ChannelNotAvailable),
                WatchPattern::Errors => return Err(WatchParseError::ErrorsNotAvailable),
                _ => {}
            }
            if let Some(mut f) = flags.filter(|f| !f.is_empty()) {
                while f != ")" {
                    let ok = f
                        .get(..6)
                        .filter(|h| h.eq_ignore_ascii_case("shared"))
                        .and_then(|_| match f.as_bytes().get(6) {
                            Some(b',') => Some(&f[7..]),
                            Some(b')') => Some(&f[6..]),
                            _ => None,
                        });
                    match ok {
                        Some(rest) => {
                            w.flags |= FLAG_SHARED;
                            f = rest;
                        }
                        None => return Err(WatchParseError::UnrecognizedFlag(f.to_string())),
                    }
                }
            }
        }
        Ok(w)
    }
}

fn parse_main(arg: &str) -> Result<Watch, WatchParseError> {
    if let Some(v) = value_of(arg, "ip") {
        if v.is_empty() {
            return Err(WatchParseError::MissingIp);
        }
        return parse_cidr(v);
    }
    if let Some(mut v) = value_of(arg, "dns") {
        let mut wild = false;
        if let Some(rest) = v.strip_prefix('*') {
            wild = true;
            v = match rest.strip_prefix('.') {
                Some(r) if !r.is_empty() => r,
                _ => rest,
            };
        }
        if v.is_empty() {
            return Err(WatchParseError::MissingDomain);
        }
        let name = text_to_wire_name(v).ok_or_else(|| WatchParseError::InvalidDns(v.into()))?;
        return Ok(Watch::dns(Bytes::from(name), wild));
    }
    if let Some(v) = value_of(arg, "ch") {
        if v.is_empty() {
            return Err(ChannelParseError::Missing.into());
        }
        return Ok(Watch::channel(parse_channel(v, false)?));
    }
    for key in ["errors", "error"] {
        if let Some(h) = arg.get(..key.len()) {
            if h.eq_ignore_ascii_case(key) && arg[key.len()..].trim_matches(is_blank).is_empty() {
                return Ok(Watch::errors());
            }
        }
    }
    Err(WatchParseError::Unrecognized(arg.to_string()))
}

/// `axa_str_to_cidr`: address with optional `/prefix`, host bits must be clear.
fn parse_cidr(v: &str) -> Result<Watch, WatchParseError> {
    let (addr_s, prefix_s) = match v.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (v, None),
    };
    let parse_prefix = |max: u8| -> Result<u8, WatchParseError> {
        match prefix_s {
            None => Ok(max),
            Some(p) => match p.parse::<u8>() {
                Ok(n) if (1..=max).contains(&n) && p.bytes().all(|b| b.is_ascii_digit()) => Ok(n),
                _ => Err(WatchParseError::InvalidPrefix(p.to_string())),
            },
        }
    };
    let boundary = |addr: &[u8], prefix: u8| {
        let mut masked = addr.to_vec();
        crate::watch::mask_bits(&mut masked, prefix);
        if masked != addr {
            Err(WatchParseError::NotOnBoundary {
                addr: addr_s.to_string(),
                prefix,
            })
        } else {
            Ok(())
        }
    };
    if addr_s.contains(':') {
        let a: Ipv6Addr = addr_s
            .parse()
            .map_err(|_| WatchParseError::InvalidIp(addr_s.to_string()))?;
        let prefix = parse_prefix(128)?;
        boundary(&a.octets(), prefix)?;
        Ok(Watch::ipv6(a, prefix))
    } else {
        let a = inet_aton(addr_s)?;
        let prefix = parse_prefix(32)?;
        boundary(&a, prefix)?;
        Ok(Watch::ipv4(a.into(), prefix))
    }
}

/// glibc `inet_aton` forms (`a`, `a.b`, `a.b.c`, `a.b.c.d`; decimal or `0x` hex parts)
/// without its octal reading of leading zeros, which is refused.
fn inet_aton(s: &str) -> Result<[u8; 4], WatchParseError> {
    let invalid = || WatchParseError::InvalidIp(s.to_string());
    let parts: Vec<&str> = s.split('.').collect();
    if parts.is_empty() || parts.len() > 4 {
        return Err(invalid());
    }
    let mut vals = Vec::with_capacity(4);
    for p in &parts {
        let v = if let Some(h) = p.strip_prefix("0x").or_else(|| p.strip_prefix("0X")) {
            if h.is_empty() || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(invalid());
            }
            u64::from_str_radix(h, 16).map_err(|_| invalid())?
        } else {
            if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid());
            }
            if p.len() > 1 && p.starts_with('0') {
                return Err(WatchParseError::LeadingZero(s.to_string()));
            }
            p.parse::<u64>().map_err(|_| invalid())?
        };
        vals.push(v);
    }
    let n = vals.len();
    let last_max = (1u64 << (8 * (5 - n) as u32)) - 1;
    if vals[..n - 1].iter().any(|&v| v > 255) || vals[n - 1] > last_max {
        return Err(invalid());
    }
    let mut a: u32 = 0;
    for (i, &v) in vals[..n - 1].iter().enumerate() {
        a |= (v as u32) << (24 - 8 * i);
    }
    a |= vals[n - 1] as u32;
    Ok(a.to_be_bytes())
}

/// Presentation text → wire name (wdns `str_to_name`): unescaped ASCII lower-cased,
/// `\.` / `\\` / `\X` literal, `\DDD` decimal byte (kept as is), trailing dot optional,
/// `.` alone = root. `None` for empty labels, bad escapes, a label over 255 bytes or a
/// name over 255 bytes.
pub(crate) fn text_to_wire_name(s: &str) -> Option<Vec<u8>> {
    if s == "." {
        return Some(vec![0]);
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len() + 2);
    let mut label: Vec<u8> = Vec::new();
    let mut i = 0;
    let push_label = |label: &mut Vec<u8>, out: &mut Vec<u8>| -> Option<()> {
        if label.is_empty() || label.len() > 255 {
            return None;
        }
        out.push(label.len() as u8);
        out.append(label);
        Some(())
    };
    while i < b.len() {
        match b[i] {
            b'\\' => {
                let next = *b.get(i + 1)?;
                if next.is_ascii_digit() {
                    let d = b.get(i + 1..i + 4)?;
                    if !d.iter().all(u8::is_ascii_digit) {
                        return None;
                    }
                    let v = (d[0] - b'0') as u32 * 100
                        + (d[1] - b'0') as u32 * 10
                        + (d[2] - b'0') as u32;
                    label.push(u8::try_from(v).ok()?);
                    i += 4;
                } else {
                    label.push(next);
                    i += 2;
                }
            }
            b'.' => {
                push_label(&mut label, &mut out)?;
                i += 1;
            }
            c => {
                label.push(c.to_ascii_lowercase());
                i += 1;
            }
        }
    }
    if !label.is_empty() {
        push_label(&mut label, &mut out)?;
    }
    out.push(0);
    (out.len() <= 255).then_some(out)
}

/// Wire name → presentation text with trailing dot (wdns `domain_to_str`): `.` and `\`
/// escaped with a backslash, bytes outside `!`..=`~` as `\DDD`; the root is `.`.
pub(crate) fn wire_name_to_text(n: &[u8], out: &mut String) {
    if n.first().is_none_or(|&l| l == 0) {
        out.push('.');
        return;
    }
    let mut i = 0;
    while i < n.len() {
        let l = n[i] as usize;
        i += 1;
        if l == 0 {
            break;
        }
        for &c in n.get(i..(i + l).min(n.len())).unwrap_or_default() {
            match c {
                b'.' | b'\\' => {
                    out.push('\\');
                    out.push(c as char);
                }
                b'!'..=b'~' => out.push(c as char),
                _ => {
                    out.push_str(&format!("\\{c:03}"));
                }
            }
        }
        i += l;
        out.push('.');
    }
}

impl fmt::Display for Watch {
    /// The text of spec §5.2 (libaxa `axa_watch_to_str`): `IP=12.34.56.0/24`,
    /// `IP=1:2:3:4:5:6::/48`, `dns=*.fsi.io.`, `dns=*.`, `ch=ch221`, `ERRORS`, with
    /// `(shared)` appended when SHARED is set.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.pattern {
            WatchPattern::Ipv4 { addr, .. } => {
                if self.prefix == 0 || self.prefix > 32 {
                    write!(f, "invalid IPv4 prefix of {}", self.prefix)?;
                } else {
                    write!(f, "IP={}", ipv4_text(*addr))?;
                    if self.prefix != 32 {
                        write!(f, "/{}", self.prefix)?;
                    }
                }
            }
            WatchPattern::Ipv6 { addr, .. } => {
                if self.prefix == 0 || self.prefix > 128 {
                    write!(f, "invalid IPv6 prefix of {}", self.prefix)?;
                } else {
                    write!(f, "IP={}", ipv6_text(*addr))?;
                    if self.prefix != 128 {
                        write!(f, "/{}", self.prefix)?;
                    }
                }
            }
            WatchPattern::Dns(n) => {
                let mut d = String::with_capacity(n.len() + 1);
                wire_name_to_text(n, &mut d);
                let star = if self.flags & FLAG_WILD == 0 {
                    ""
                } else if d.starts_with('.') {
                    "*"
                } else {
                    "*."
                };
                write!(f, "dns={star}{d}")?;
            }
            WatchPattern::Channel(ch) => write!(f, "ch=ch{ch}")?,
            WatchPattern::Errors => f.write_str("ERRORS")?,
        }
        if self.flags & FLAG_SHARED != 0 {
            f.write_str("(shared)")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::op::Op;

    fn sra(s: &str) -> Result<Watch, WatchParseError> {
        Watch::parse_text(s, WatchMode::Sra)
    }

    fn wire(w: &Watch) -> Vec<u8> {
        let mut v = Vec::new();
        w.encode(&mut v);
        v
    }

    #[test]
    fn parses_spec_examples_to_spec_bytes() {
        assert_eq!(wire(&sra("ch=221").unwrap()), b"\x04\0\0\0\xdd\0");
        assert_eq!(wire(&sra("ch = ch221").unwrap()), b"\x04\0\0\0\xdd\0");
        assert_eq!(
            wire(&sra("ip=10.0.0.0/8").unwrap()),
            b"\x01\x08\x01\0\x0a\0\0\0"
        );
        assert_eq!(
            wire(&sra("IP 192.0.2.1").unwrap()),
            b"\x01\x20\0\0\xc0\0\x02\x01"
        );
        assert_eq!(
            wire(&sra("ip=2001:db8::/32").unwrap()),
            b"\x02\x20\x01\0\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\0"
        );
        assert_eq!(
            wire(&sra("dns=*.google.com").unwrap()),
            b"\x03\0\x01\0\x06google\x03com\0"
        );
        assert_eq!(
            wire(&sra("dns=*google.com.").unwrap()),
            b"\x03\0\x01\0\x06google\x03com\0"
        );
        assert_eq!(wire(&sra("dns=*.").unwrap()), b"\x03\0\x01\0\0");
        assert_eq!(wire(&sra("errors").unwrap()), b"\x05\0\0\0");
        assert_eq!(wire(&sra("Error  ").unwrap()), b"\x05\0\0\0");
        for w in [
            "ch=221",
            "ip=10.0.0.0/8",
            "dns=*.google.com",
            "dns=*.",
            "errors",
        ] {
            Watch::check(Op::Watch, &wire(&sra(w).unwrap())).unwrap();
        }
    }

    #[test]
    fn quirks_matched_and_fixed() {
        // inet_aton short form
        assert_eq!(sra("ip=10.1").unwrap().to_string(), "IP=10.0.0.1");
        // octal refused
        assert!(matches!(
            sra("ip=010.0.0.1"),
            Err(WatchParseError::LeadingZero(_))
        ));
        // escaped letters keep their case, others are lower-cased
        assert_eq!(sra("dns=\\065bc.COM").unwrap().to_string(), "dns=Abc.com.");
        // trailing blanks trimmed
        assert_eq!(sra("dns=fsi.io ").unwrap().to_string(), "dns=fsi.io.");
        // lone backslash
        assert_eq!(
            sra("dns=a\\").unwrap_err().to_string(),
            "invalid DNS name \"a\\\""
        );
        // (shared) is part of the name in SRA mode
        assert_eq!(
            sra("dns=fsi.io(shared)").unwrap().to_string(),
            "dns=fsi.io(shared)."
        );
        // long labels accepted while the name fits
        assert!(sra(&format!("dns={}.com", "a".repeat(70))).is_ok());
        assert!(sra(&format!("dns={}.com", "a.".repeat(130))).is_err());
        assert_eq!(
            sra("ch=all").unwrap_err().to_string(),
            "invalid channel \"all\""
        );
        assert_eq!(sra("ch=").unwrap_err().to_string(), "missing channel");
        assert_eq!(
            sra("ch= +5").unwrap_err().to_string(),
            "invalid channel \"+5\""
        );
        assert!(sra("ch221").is_err());
    }

    #[test]
    fn errors() {
        assert_eq!(sra("ip=").unwrap_err().to_string(), "missing IP address");
        assert_eq!(
            sra("ip=1.2.3.4.5").unwrap_err().to_string(),
            "invalid IP address \"1.2.3.4.5\""
        );
        assert_eq!(
            sra("ip=10.0.0.0/33").unwrap_err().to_string(),
            "invalid prefix length \"/33\""
        );
        assert_eq!(
            sra("ip=10.0.0.0/0").unwrap_err().to_string(),
            "invalid prefix length \"/0\""
        );
        assert_eq!(
            sra("ip=10.1.2.3/8").unwrap_err().to_string(),
            "10.1.2.3 does not start on a 8-bit CIDR boundary"
        );
        assert_eq!(sra("dns=").unwrap_err().to_string(), "missing domain name");
        assert_eq!(sra("dns=*").unwrap_err().to_string(), "missing domain name");
        assert_eq!(
            sra("dns=a..b").unwrap_err().to_string(),
            "invalid DNS name \"a..b\""
        );
        assert!(matches!(
            sra("bogus"),
            Err(WatchParseError::Unrecognized(_))
        ));
    }

    #[test]
    fn rad_mode() {
        let rad = |s| Watch::parse_text(s, WatchMode::Rad);
        assert_eq!(
            rad("dns=fsi.io(shared)").unwrap().to_string(),
            "dns=fsi.io.(shared)"
        );
        assert_eq!(
            rad("ip=10.0.0.0/8(shared)").unwrap().flags,
            FLAG_WILD | FLAG_SHARED
        );
        assert_eq!(
            rad("ch=5").unwrap_err(),
            WatchParseError::ChannelNotAvailable
        );
        assert_eq!(
            rad("errors").unwrap_err(),
            WatchParseError::ErrorsNotAvailable
        );
        assert_eq!(
            rad("dns=a.b(bogus)").unwrap_err().to_string(),
            "unrecognized flag \"(bogus)\""
        );
    }

    #[test]
    fn render() {
        let w = |b: &'static [u8]| Watch::decode(&Bytes::from_static(b)).unwrap().to_string();
        assert_eq!(w(b"\x01\x18\0\0\x0c\x22\x38\0"), "IP=12.34.56.0/24");
        assert_eq!(w(b"\x01\x08\x01\0\x0a"), "IP=10.0.0.0/8");
        assert_eq!(w(b"\x03\0\x01\0\x03fsi\x02io\0"), "dns=*.fsi.io.");
        assert_eq!(w(b"\x03\0\x02\0\x03fsi\x02io\0"), "dns=fsi.io.(shared)");
        assert_eq!(w(b"\x03\0\0\0\x03f.i\x02i \0"), "dns=f\\.i.i\\032.");
        assert_eq!(w(b"\x04\0\0\0\x7b\0"), "ch=ch123");
    }
}
