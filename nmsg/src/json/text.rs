//! Low-level JSON text writers: string escaping, nmsg's UTF-8 repair, base64, doubles, IP
//! addresses and UTC times, all appending straight to a `String`.

use std::fmt::Write as _;

/// Bytes that [`escape`] does not copy as they are: `"`, `\` and the control bytes.
const fn needs_escape() -> [bool; 256] {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = true;
        i += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
}
static ESCAPED: [bool; 256] = needs_escape();

/// True when `s` has a byte [`escape`] would change.
#[inline]
pub(crate) fn has_escapes(s: &[u8]) -> bool {
    // Comparisons rather than the table: the compiler checks many bytes at once.
    s.iter().fold(false, |any, &b| {
        any | (b < 0x20) | (b == b'"') | (b == b'\\')
    })
}

/// Appends `s` JSON-escaped as libnmsg does (`nmsg-format.md` §5.1): `"` `\` and the control
/// bytes are escaped (`\b \f \n \r \t`, else `\u00xx`); everything else, 0x7F and non-ASCII
/// included, is copied. Runs without escapes are copied whole.
pub(crate) fn escape(out: &mut String, s: &str) {
    let bytes = s.as_bytes();
    if !has_escapes(bytes) {
        out.push_str(s);
        return;
    }
    let mut start = 0;
    while let Some(n) = bytes[start..].iter().position(|&b| ESCAPED[usize::from(b)]) {
        let i = start + n;
        out.push_str(&s[start..i]);
        let b = bytes[i];
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            0x08 => out.push_str("\\b"),
            0x0c => out.push_str("\\f"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            _ => {
                out.push_str("\\u00");
                hex2(out, b);
            }
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
}

/// Escapes in place what was appended to `out` since `start` (a writer that wrote its text
/// straight into `out`): nothing to do, and no copy, in the usual case without escapes.
pub(crate) fn escape_tail(out: &mut String, start: usize) {
    if has_escapes(&out.as_bytes()[start..]) {
        let tail = out.split_off(start);
        escape(out, &tail);
    }
}

/// Appends `"` + escaped `s` + `"`.
pub(crate) fn string(out: &mut String, s: &str) {
    out.push('"');
    escape(out, s);
    out.push('"');
}

/// Appends the presentation form of the wire name `wire`, byte for byte as
/// [`crate::dns::write_name`] writes it (see there), labels of plain characters copied whole.
pub(crate) fn dns_name(out: &mut String, wire: &[u8]) {
    let mut rest = wire;
    let mut wrote_label = false;
    while let Some((&len, tail)) = rest.split_first() {
        if len == 0 {
            break;
        }
        let n = usize::from(len).min(tail.len());
        let (label, after) = tail.split_at(n);
        let plain = |c: u8| matches!(c, b'!'..=b'~') && !matches!(c, b'.' | b'\\');
        match label.iter().all(|&c| plain(c)) {
            // Printable ASCII: valid UTF-8.
            true => out.push_str(std::str::from_utf8(label).unwrap_or_default()),
            false => {
                for &c in label {
                    match c {
                        b'.' | b'\\' => {
                            out.push('\\');
                            out.push(char::from(c));
                        }
                        b'!'..=b'~' => out.push(char::from(c)),
                        _ => {
                            out.push('\\');
                            uint_pad(out, u64::from(c), 3);
                        }
                    }
                }
            }
        }
        out.push('.');
        wrote_label = true;
        rest = after;
    }
    if !wrote_label {
        out.push('.');
    }
}

/// Appends the presentation form of the wire name `wire` as a JSON string (escaped only when
/// it holds a `\\` or a `"`).
pub(crate) fn name(out: &mut String, wire: &[u8]) {
    out.push('"');
    let start = out.len();
    dns_name(out, wire);
    escape_tail(out, start);
    out.push('"');
}

/// Appends `"` + escaped bytes + `"`, for formatter output that is not repaired: valid UTF-8
/// is copied; bytes that are not valid UTF-8 cannot go into a Rust `String` and become U+FFFD
/// (libnmsg would copy them raw, producing invalid UTF-8).
pub(crate) fn bytes_string(out: &mut String, b: &[u8]) {
    out.push('"');
    match std::str::from_utf8(b) {
        Ok(s) => escape(out, s),
        Err(_) => escape(out, &String::from_utf8_lossy(b)),
    }
    out.push('"');
}

/// Appends a text field (string / mlstring) as a JSON string after libnmsg's UTF-8 repair and
/// NUL cut (`nmsg-format.md` §5.1, steps 1–3).
///
/// Sequences libnmsg keeps although they are not valid UTF-8 (surrogates `ED A0..BF xx`, code
/// points above U+10FFFF) cannot be held by a Rust `String`; they become one U+FFFD each.
pub(crate) fn text(out: &mut String, b: &[u8]) {
    out.push('"');
    // The usual case: printable ASCII, nothing to repair, cut or escape.
    if b.iter().all(|&c| c < 0x80 && !ESCAPED[usize::from(c)]) {
        if let Ok(s) = std::str::from_utf8(b) {
            out.push_str(s);
            out.push('"');
            return;
        }
    }
    let mut skipping = false;
    let mut i = 0;
    let mut buf = [0u8; 4];
    while i < b.len() {
        let c = b[i];
        let need = match c {
            0x00..=0x7f => 0,
            0xc0..=0xdf => 1,
            0xe0..=0xef => 2,
            0xf0..=0xf7 => 3,
            _ => usize::MAX,
        };
        let seq_ok = need != usize::MAX
            && b.get(i + 1..i + 1 + need)
                .is_some_and(|t| t.iter().all(|&x| (0x80..=0xbf).contains(&x)));
        if c < 0x80 {
            if c == 0 {
                skipping = true;
            } else if !skipping {
                buf[0] = c;
                escape(out, std::str::from_utf8(&buf[..1]).unwrap_or(""));
            }
            i += 1;
            continue;
        }
        if !seq_ok {
            out.push('\u{fffd}');
            skipping = false;
            i += 1;
            continue;
        }
        let seq = &b[i..i + 1 + need];
        i += 1 + need;
        let overlong =
            c == 0xc0 || c == 0xc1 || (c == 0xe0 && seq[1] < 0xa0) || (c == 0xf0 && seq[1] < 0x90);
        if overlong {
            out.push('\u{fffd}');
            skipping = false;
            continue;
        }
        if skipping {
            continue;
        }
        match std::str::from_utf8(seq) {
            Ok(s) => out.push_str(s),
            Err(_) => out.push('\u{fffd}'),
        }
    }
    out.push('"');
}

/// The standard base64 alphabet.
const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Two base64 characters for each 12-bit value: half the lookups of one per 6 bits.
const fn b64_pairs() -> [[u8; 2]; 4096] {
    let mut t = [[0u8; 2]; 4096];
    let mut i = 0;
    while i < 4096 {
        t[i] = [B64[i >> 6], B64[i & 63]];
        i += 1;
    }
    t
}
static B64_PAIRS: [[u8; 2]; 4096] = b64_pairs();

/// Appends standard base64 (with padding) in quotes, or `null` for empty bytes. Encodes in
/// 1 KiB blocks on the stack, each appended at once.
pub(crate) fn base64(out: &mut String, b: &[u8]) {
    if b.is_empty() {
        out.push_str("null");
        return;
    }
    out.push('"');
    out.reserve(b.len().div_ceil(3) * 4 + 1);
    let mut buf = [0u8; 1024];
    // 768 input bytes fill the 1024-byte block exactly.
    for chunk in b.chunks(768) {
        let groups = chunk.chunks_exact(3);
        let rem = groups.remainder();
        let mut n = 0;
        for (g, o) in groups.zip(buf.chunks_exact_mut(4)) {
            let v = usize::from(g[0]) << 16 | usize::from(g[1]) << 8 | usize::from(g[2]);
            let (hi, lo) = (B64_PAIRS[v >> 12], B64_PAIRS[v & 0xfff]);
            o.copy_from_slice(&[hi[0], hi[1], lo[0], lo[1]]);
            n += 4;
        }
        let tail = match *rem {
            [x] => Some([
                B64[usize::from(x >> 2)],
                B64[usize::from(x & 3) << 4],
                b'=',
                b'=',
            ]),
            [x, y] => {
                let v = usize::from(x) << 8 | usize::from(y);
                Some([B64[v >> 10], B64[(v >> 4) & 63], B64[(v & 15) << 2], b'='])
            }
            _ => None,
        };
        if let Some(t) = tail {
            buf[n..n + 4].copy_from_slice(&t);
            n += 4;
        }
        // Only alphabet characters were written.
        out.push_str(std::str::from_utf8(&buf[..n]).unwrap_or_default());
    }
    out.push('"');
}

/// Formats a double as libnmsg does: C `%.18f`, then trailing zeros removed while one digit
/// stays after the point; `nan`, `inf`, `-inf` for the special values. Returns `None` when the
/// text would take 64 characters or more (libnmsg cuts such a line short).
pub(crate) fn double(out: &mut String, v: f64) -> Option<()> {
    if v.is_nan() {
        out.push_str(if v.is_sign_negative() { "-nan" } else { "nan" });
        return Some(());
    }
    if v.is_infinite() {
        out.push_str(if v < 0.0 { "-inf" } else { "inf" });
        return Some(());
    }
    let start = out.len();
    let _ = write!(out, "{:.18}", v);
    if out.len() - start >= 64 {
        out.truncate(start);
        return None;
    }
    let mut end = out.len();
    while out.as_bytes()[end - 1] == b'0' && out.as_bytes()[end - 2] != b'.' {
        end -= 1;
    }
    out.truncate(end);
    Some(())
}

/// "00" to "99": two digits per division.
const DIGITS2: &[u8; 200] = b"\
    0001020304050607080910111213141516171819\
    2021222324252627282930313233343536373839\
    4041424344454647484950515253545556575859\
    6061626364656667686970717273747576777879\
    8081828384858687888990919293949596979899";

/// Appends `v` in decimal, without the formatting machinery (two digits at a time, one
/// `push_str`).
pub(crate) fn uint(out: &mut String, mut v: u64) {
    if v < 10 {
        out.push(char::from(b'0' + v as u8));
        return;
    }
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    while v >= 100 {
        let d = (v % 100) as usize * 2;
        v /= 100;
        i -= 2;
        buf[i..i + 2].copy_from_slice(&DIGITS2[d..d + 2]);
    }
    if v >= 10 {
        let d = v as usize * 2;
        i -= 2;
        buf[i..i + 2].copy_from_slice(&DIGITS2[d..d + 2]);
    } else {
        i -= 1;
        buf[i] = b'0' + v as u8;
    }
    // Only ASCII digits were written.
    out.push_str(std::str::from_utf8(&buf[i..]).unwrap_or_default());
}

/// Appends `b` as two lower-case hex digits.
pub(crate) fn hex2(out: &mut String, b: u8) {
    const H: &[u8; 16] = b"0123456789abcdef";
    out.push(char::from(H[usize::from(b >> 4)]));
    out.push(char::from(H[usize::from(b & 0xf)]));
}

/// Appends an IPv4 address in dotted decimal (built in one buffer, appended once).
pub(crate) fn ipv4(out: &mut String, b: &[u8; 4]) {
    let mut buf = [0u8; 15];
    let mut n = 0;
    for (i, &x) in b.iter().enumerate() {
        if i > 0 {
            buf[n] = b'.';
            n += 1;
        }
        if x >= 100 {
            buf[n] = b'0' + x / 100;
            n += 1;
        }
        if x >= 10 {
            buf[n] = b'0' + (x / 10) % 10;
            n += 1;
        }
        buf[n] = b'0' + x % 10;
        n += 1;
    }
    // Only digits and dots were written.
    out.push_str(std::str::from_utf8(&buf[..n]).unwrap_or_default());
}

/// Appends `v` in lower-case hex without leading zeros (`%x`).
fn hex16(out: &mut String, v: u16) {
    const H: &[u8; 16] = b"0123456789abcdef";
    let digits = (16 - v.leading_zeros()).div_ceil(4).max(1);
    for i in (0..digits).rev() {
        out.push(char::from(H[usize::from((v >> (4 * i)) & 0xf)]));
    }
}

/// Appends an IPv6 address as libnmsg's `fast_inet6_ntop` writes it (`nmsg-format.md` §5.1).
pub(crate) fn ipv6(out: &mut String, b: &[u8; 16]) {
    let mut w = [0u16; 8];
    for (i, g) in w.iter_mut().enumerate() {
        *g = u16::from_be_bytes([b[2 * i], b[2 * i + 1]]);
    }
    // Longest run of >= 2 zero groups (first on a tie).
    let (mut best, mut best_len) = (usize::MAX, 0usize);
    let mut i = 0;
    while i < 8 {
        if w[i] == 0 {
            let s = i;
            while i < 8 && w[i] == 0 {
                i += 1;
            }
            if i - s > best_len {
                best = s;
                best_len = i - s;
            }
        } else {
            i += 1;
        }
    }
    if best_len < 2 {
        best = usize::MAX;
    }
    let v4_tail = best == 0 && (best_len == 6 || (best_len == 5 && w[5] == 0xffff));
    let mut i = 0;
    while i < 8 {
        if i == best {
            if i == 0 {
                out.push(':');
            }
            out.push(':');
            i += best_len;
            continue;
        }
        if v4_tail && i == 6 {
            ipv4(out, &[b[12], b[13], b[14], b[15]]);
            break;
        }
        hex16(out, w[i]);
        if i < 7 {
            out.push(':');
        }
        i += 1;
    }
}

/// Appends an IP address for a 4- or 16-byte field in quotes, else `null`.
pub(crate) fn ip(out: &mut String, b: &[u8]) {
    if let Ok(a) = <&[u8; 4]>::try_from(b) {
        out.push('"');
        ipv4(out, a);
        out.push('"');
    } else if let Ok(a) = <&[u8; 16]>::try_from(b) {
        out.push('"');
        ipv6(out, a);
        out.push('"');
    } else {
        out.push_str("null");
    }
}

/// (year, month, day, hour, minute, second) in UTC of Unix time `t`.
pub(crate) fn civil(t: i64) -> (i64, u32, u32, u32, u32, u32) {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400) as u32;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = if m <= 2 { y + 1 } else { y };
    (y, m, d, secs / 3600, (secs / 60) % 60, secs % 60)
}

/// Writes `v % 10^digits.len()` into `digits`, zero-padded.
fn put_digits(digits: &mut [u8], mut v: u64) {
    for d in digits.iter_mut().rev() {
        *d = b'0' + (v % 10) as u8;
        v /= 10;
    }
}

/// Appends `v` in decimal, zero-padded to at least `width` digits.
pub(crate) fn uint_pad(out: &mut String, v: u64, width: usize) {
    if width == 9 && v < 1_000_000_000 {
        // Nanoseconds: one fixed-width write.
        let mut d = [0u8; 9];
        put_digits(&mut d, v);
        out.push_str(std::str::from_utf8(&d).unwrap_or_default());
        return;
    }
    let mut digits = 1;
    let mut x = v;
    while x >= 10 {
        x /= 10;
        digits += 1;
    }
    for _ in digits..width {
        out.push('0');
    }
    uint(out, v);
}

/// Appends `v` as 8 lower-case hex digits (`%08x`).
pub(crate) fn hex8(out: &mut String, v: u32) {
    for b in v.to_be_bytes() {
        hex2(out, b);
    }
}

/// Appends `YYYY-MM-DD HH:MM:SS` (UTC) of Unix time `t`, unquoted.
pub(crate) fn datetime(out: &mut String, t: i64) {
    let (y, mo, d, h, mi, s) = civil(t);
    if (0..10_000).contains(&y) {
        // The usual case, built in one buffer.
        let mut b = *b"0000-00-00 00:00:00";
        put_digits(&mut b[0..4], y as u64);
        put_digits(&mut b[5..7], u64::from(mo));
        put_digits(&mut b[8..10], u64::from(d));
        put_digits(&mut b[11..13], u64::from(h));
        put_digits(&mut b[14..16], u64::from(mi));
        put_digits(&mut b[17..19], u64::from(s));
        out.push_str(std::str::from_utf8(&b).unwrap_or_default());
        return;
    }
    if y < 0 {
        let _ = write!(out, "{y:04}");
    } else {
        uint_pad(out, y as u64, 4);
    }
    for (sep, v) in [('-', mo), ('-', d), (' ', h), (':', mi), (':', s)] {
        out.push(sep);
        uint_pad(out, u64::from(v), 2);
    }
}

/// Days since 1970-01-01 of a civil date (inverse of [`civil`]).
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(b: &[u8]) -> String {
        let mut s = String::new();
        text(&mut s, b);
        s
    }

    #[test]
    fn text_repair() {
        assert_eq!(t(b"a\xc3"), "\"a\u{fffd}\"");
        assert_eq!(t(b"\xc0\x80"), "\"\u{fffd}\"");
        assert_eq!(t(b"\xe0\x80\x80z"), "\"\u{fffd}z\"");
        assert_eq!(t(b"\xe2\x82z"), "\"\u{fffd}\u{fffd}z\"");
        assert_eq!(t(b"\x80\x80"), "\"\u{fffd}\u{fffd}\"");
        assert_eq!(
            t(b"\xf8\x88\x80\x80\x80"),
            "\"\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\""
        );
        assert_eq!(t(b"ab\x00cd"), "\"ab\"");
        assert_eq!(t(b"ab\x00cd\xffef"), "\"ab\u{fffd}ef\"");
        assert_eq!(t(b"\x00ab"), "\"\"");
        assert_eq!(t("é\t\"\\\x01".as_bytes()), "\"é\\t\\\"\\\\\\u0001\"");
    }

    #[test]
    fn integers_and_escapes() {
        for v in [
            0u64,
            7,
            10,
            99,
            100,
            101,
            999,
            1000,
            65535,
            1 << 32,
            u64::MAX,
        ] {
            let mut s = String::new();
            uint(&mut s, v);
            assert_eq!(s, v.to_string());
        }
        let mut s = String::from("x");
        escape(&mut s, "a\"b\\c\x01\x1f\x08\x0c\n\r\té\x7f");
        assert_eq!(s, "xa\\\"b\\\\c\\u0001\\u001f\\b\\f\\n\\r\\té\x7f");
        let mut s = String::from("ab\"c");
        escape_tail(&mut s, 1);
        assert_eq!(s, "ab\\\"c");
        let mut s = String::from("plain");
        escape_tail(&mut s, 0);
        assert_eq!(s, "plain");
    }

    #[test]
    fn names_match_write_name_then_escape() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut cases: Vec<Vec<u8>> = vec![
            vec![],
            vec![0],
            b"\x05icann\x03org\x00".to_vec(),
            b"\x03a.b\x02\\\"\x01 \x00".to_vec(),
            vec![63, b'x'],
        ];
        for _ in 0..5000 {
            let len = (next() % 40) as usize;
            cases.push(
                (0..len)
                    .map(|_| {
                        let r = next();
                        // Mostly label lengths and letters, sometimes any byte.
                        match r % 4 {
                            0 => (r >> 8) as u8 % 8,
                            1 => b"ab.\\\"-"[(r >> 8) as usize % 6],
                            _ => (r >> 8) as u8,
                        }
                    })
                    .collect(),
            );
        }
        for wire in cases {
            let mut want = String::new();
            let mut pres = String::new();
            crate::dns::write_name(&wire, &mut pres).unwrap();
            string(&mut want, &pres);
            let mut got = String::new();
            name(&mut got, &wire);
            assert_eq!(got, want, "{wire:02x?}");
            got.clear();
            dns_name(&mut got, &wire);
            assert_eq!(got, pres, "{wire:02x?}");
        }
    }

    #[test]
    fn base64_matches_the_standard_engine() {
        use base64::Engine as _;
        let data: Vec<u8> = (0..3000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        for len in (0..40).chain([767, 768, 769, 770, 1535, 1536, 1537, 3000]) {
            let mut got = String::new();
            base64(&mut got, &data[..len]);
            let want = if len == 0 {
                "null".to_owned()
            } else {
                format!(
                    "\"{}\"",
                    base64::engine::general_purpose::STANDARD.encode(&data[..len])
                )
            };
            assert_eq!(got, want, "{len}");
        }
    }

    #[test]
    fn doubles() {
        let f = |v: f64| {
            let mut s = String::new();
            double(&mut s, v).map(|_| s)
        };
        assert_eq!(f(0.5).unwrap(), "0.5");
        assert_eq!(f(1.0).unwrap(), "1.0");
        assert_eq!(f(0.1).unwrap(), "0.100000000000000006");
        assert_eq!(f(123.456).unwrap(), "123.45600000000000307");
        assert_eq!(f(0.00571).unwrap(), "0.00571");
        assert_eq!(f(1e-20).unwrap(), "0.0");
        assert_eq!(f(-0.0).unwrap(), "-0.0");
        assert_eq!(f(1e20).unwrap(), "100000000000000000000.0");
        assert_eq!(f(f64::INFINITY).unwrap(), "inf");
        assert!(f(1e44).is_none());
    }

    #[test]
    fn ipv6_text() {
        let f = |s: &str| {
            let a: std::net::Ipv6Addr = s.parse().unwrap();
            let mut o = String::new();
            ipv6(&mut o, &a.octets());
            o
        };
        assert_eq!(f("::ffff:1.2.3.4"), "::ffff:1.2.3.4");
        assert_eq!(f("::ffff:0.0.0.0"), "::ffff:0.0.0.0");
        assert_eq!(f("::1.2.3.4"), "::1.2.3.4");
        assert_eq!(f("::1"), "::1");
        assert_eq!(f("::2"), "::2");
        assert_eq!(f("::102"), "::102");
        assert_eq!(f("::"), "::");
        assert_eq!(f("2001:500:e::1"), "2001:500:e::1");
        assert_eq!(
            f("2400:cb00:2049:1::c629:de1f"),
            "2400:cb00:2049:1::c629:de1f"
        );
        assert_eq!(f("1:0:0:1:0:0:0:1"), "1:0:0:1::1");
        assert_eq!(f("1:0:0:2:0:0:3:4"), "1::2:0:0:3:4");
        assert_eq!(f("1:0:2:3:4:5:6:7"), "1:0:2:3:4:5:6:7");
        assert_eq!(f("1::"), "1::");
        assert_eq!(f("ffff:abc:10:1::f00f"), "ffff:abc:10:1::f00f");
        let mut o = String::new();
        for a in [[0u8, 0, 0, 0], [255, 255, 255, 255], [10, 9, 100, 199]] {
            o.clear();
            ipv4(&mut o, &a);
            assert_eq!(o, std::net::Ipv4Addr::from(a).to_string());
        }
    }

    #[test]
    fn times() {
        let mut s = String::new();
        datetime(&mut s, 1_689_270_069);
        assert_eq!(s, "2023-07-13 17:41:09");
        s.clear();
        datetime(&mut s, 4_294_967_295);
        assert_eq!(s, "2106-02-07 06:28:15");
        for (t, want) in [
            (0, "1970-01-01 00:00:00"),
            (-1, "1969-12-31 23:59:59"),
            (253_402_300_799, "9999-12-31 23:59:59"),
            (253_402_300_800, "10000-01-01 00:00:00"),
        ] {
            s.clear();
            datetime(&mut s, t);
            assert_eq!(s, want);
        }
        for (v, want) in [
            (0, "000000000"),
            (5, "000000005"),
            (999_999_999, "999999999"),
        ] {
            s.clear();
            uint_pad(&mut s, v, 9);
            assert_eq!(s, want);
        }
        s.clear();
        uint_pad(&mut s, 1_000_000_000, 9);
        assert_eq!(s, "1000000000");
        assert_eq!(
            days_from_civil(2023, 7, 13) * 86400 + 17 * 3600 + 41 * 60 + 9,
            1_689_270_069
        );
    }
}
