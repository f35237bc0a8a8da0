//! The presentation (text) form of domain names, as wdns writes and reads it.

use std::fmt;

use super::{name::NameBuf, DnsError};

/// Writes the wire name `wire` in presentation form, byte for byte as `wdns_domain_to_str`
/// does (and so as nmsgtool prints names):
///
/// - each label followed by `.`, so the result ends with a dot; the root name is `.`;
/// - inside a label, `.` and `\` are escaped with a backslash (`\.`, `\\`), bytes from `!` to
///   `~` are copied, and every other byte (space, controls, bytes ≥ 0x7f) is written as `\DDD`
///   with three decimal digits (`\032` for a space).
///
/// Like wdns it never fails on malformed input: it reads label lengths from the bytes as they
/// are (even values above 63), stops at a zero length byte or at the end of `wire`, and prints
/// a label cut short by the end of the input as far as it goes, followed by a dot. Empty input
/// prints `.`. Callers that must refuse malformed names check them with
/// [`validate_name`](super::validate_name) first (nmsgtool prints `""` for an empty name or one
/// longer than 255 bytes: that check is the caller's too).
pub fn write_name<W: fmt::Write + ?Sized>(wire: &[u8], out: &mut W) -> fmt::Result {
    let mut rest = wire;
    let mut wrote_label = false;
    while let Some((&len, tail)) = rest.split_first() {
        if len == 0 {
            break;
        }
        let n = usize::from(len).min(tail.len());
        let (label, after) = tail.split_at(n);
        for &c in label {
            match c {
                b'.' | b'\\' => {
                    out.write_char('\\')?;
                    out.write_char(char::from(c))?;
                }
                b'!'..=b'~' => out.write_char(char::from(c))?,
                _ => {
                    out.write_char('\\')?;
                    out.write_char(char::from(b'0' + c / 100))?;
                    out.write_char(char::from(b'0' + (c / 10) % 10))?;
                    out.write_char(char::from(b'0' + c % 10))?;
                }
            }
        }
        out.write_char('.')?;
        wrote_label = true;
        rest = after;
    }
    if !wrote_label {
        out.write_char('.')?;
    }
    Ok(())
}

/// Displays a wire name in presentation form ([`write_name`]): `NameDisplay(wire).to_string()`.
#[derive(Debug, Clone, Copy)]
pub struct NameDisplay<'a>(pub &'a [u8]);

impl fmt::Display for NameDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_name(self.0, f)
    }
}

/// Parses a name in presentation form into `out` as an uncompressed wire name, the inverse of
/// [`write_name`] (`wdns_str_to_name_case`: case is kept).
///
/// Labels are separated by unescaped dots; a final dot is optional; `.` alone is the root.
/// Escapes: `\DDD` (three decimal digits, at most 255) and `\X` for any other character X.
/// Errors: an empty string ([`DnsError::Empty`]), an empty label (`a..b`, a leading dot:
/// [`DnsError::EmptyLabel`]), a label over 63 bytes or a name over 255 bytes
/// ([`DnsError::NameTooLong`]), a bad or unfinished escape ([`DnsError::BadEscape`]). On error
/// `out` is left empty.
pub fn parse_name(text: &str, out: &mut NameBuf) -> Result<(), DnsError> {
    out.clear();
    let r = parse_inner(text.as_bytes(), out);
    if r.is_err() {
        out.clear();
    }
    r
}

fn parse_inner(text: &[u8], out: &mut NameBuf) -> Result<(), DnsError> {
    if text.is_empty() {
        return Err(DnsError::Empty);
    }
    if text == b"." {
        out.push_root();
        return Ok(());
    }
    let mut label = [0u8; 64];
    let mut llen = 0usize;
    let mut i = 0usize;
    let mut ended_with_dot = false;
    while i < text.len() {
        ended_with_dot = false;
        let c = text[i];
        let byte = match c {
            b'.' => {
                if llen == 0 {
                    return Err(DnsError::EmptyLabel);
                }
                out.push_label(&label[..llen])?;
                llen = 0;
                i += 1;
                ended_with_dot = true;
                continue;
            }
            b'\\' => {
                let next = *text.get(i + 1).ok_or(DnsError::BadEscape)?;
                if next.is_ascii_digit() {
                    let d = text.get(i + 1..i + 4).ok_or(DnsError::BadEscape)?;
                    if !d.iter().all(u8::is_ascii_digit) {
                        return Err(DnsError::BadEscape);
                    }
                    let v = u16::from(d[0] - b'0') * 100
                        + u16::from(d[1] - b'0') * 10
                        + u16::from(d[2] - b'0');
                    i += 4;
                    u8::try_from(v).map_err(|_| DnsError::BadEscape)?
                } else {
                    i += 2;
                    next
                }
            }
            _ => {
                i += 1;
                c
            }
        };
        if llen == 63 {
            return Err(DnsError::NameTooLong);
        }
        label[llen] = byte;
        llen += 1;
    }
    if !ended_with_dot {
        out.push_label(&label[..llen])?;
    }
    out.push_root();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(wire: &[u8]) -> String {
        NameDisplay(wire).to_string()
    }

    #[test]
    fn wdns_rules() {
        assert_eq!(text(b"\x00"), ".");
        assert_eq!(text(b""), ".");
        assert_eq!(text(b"\x05icann\x03org\x00"), "icann.org.");
        assert_eq!(text(b"\x05x\"y\\z\x00"), "x\"y\\\\z.");
        assert_eq!(text(b"\x03a.b\x00"), "a\\.b.");
        assert_eq!(text(b"\x03a b\x00"), "a\\032b.");
        assert_eq!(text(b"\x02\x00\xff\x00"), "\\000\\255.");
        assert_eq!(text(b"\x01~\x01!\x00"), "~.!.");
        // Cut short: wdns prints what there is.
        assert_eq!(text(b"\x05ab"), "ab.");
        assert_eq!(text(b"\x01a"), "a.");
    }

    #[test]
    fn parse() {
        let mut n = NameBuf::new();
        parse_name("Fsi.IO", &mut n).unwrap();
        assert_eq!(n.as_wire(), b"\x03Fsi\x02IO\x00");
        parse_name("fsi.io.", &mut n).unwrap();
        assert_eq!(n.as_wire(), b"\x03fsi\x02io\x00");
        parse_name(".", &mut n).unwrap();
        assert_eq!(n.as_wire(), b"\x00");
        parse_name("a\\.b\\032c\\\\.", &mut n).unwrap();
        assert_eq!(n.as_wire(), b"\x06a.b c\\\x00");
        assert_eq!(parse_name("a..b", &mut n), Err(DnsError::EmptyLabel));
        assert_eq!(parse_name(".a", &mut n), Err(DnsError::EmptyLabel));
        assert_eq!(parse_name("", &mut n), Err(DnsError::Empty));
        assert_eq!(parse_name("a\\", &mut n), Err(DnsError::BadEscape));
        assert_eq!(parse_name("a\\256", &mut n), Err(DnsError::BadEscape));
        assert_eq!(parse_name("a\\25", &mut n), Err(DnsError::BadEscape));
        assert_eq!(
            parse_name(&"a".repeat(64), &mut n),
            Err(DnsError::NameTooLong)
        );
        assert!(n.is_empty());
        parse_name(&"a".repeat(63), &mut n).unwrap();
        assert_eq!(n.len(), 65);
    }
}
