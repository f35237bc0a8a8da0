//! Small little-endian and C-string helpers shared by the body codecs.
//!
//! Readers never panic: out-of-range reads yield 0 (callers check lengths first, so
//! that value is never observed for a validated body).

use bytes::BufMut;

/// u16le at `off`, or 0 if out of range.
pub(crate) fn le_u16(b: &[u8], off: usize) -> u16 {
    b.get(off..off + 2)
        .and_then(|s| s.try_into().ok())
        .map_or(0, u16::from_le_bytes)
}

/// u32le at `off`, or 0 if out of range.
pub(crate) fn le_u32(b: &[u8], off: usize) -> u32 {
    b.get(off..off + 4)
        .and_then(|s| s.try_into().ok())
        .map_or(0, u32::from_le_bytes)
}

/// u64le at `off`, or 0 if out of range.
pub(crate) fn le_u64(b: &[u8], off: usize) -> u64 {
    b.get(off..off + 8)
        .and_then(|s| s.try_into().ok())
        .map_or(0, u64::from_le_bytes)
}

/// Byte at `off`, or 0.
pub(crate) fn byte(b: &[u8], off: usize) -> u8 {
    b.get(off).copied().unwrap_or(0)
}

/// The bytes before the first NUL (all of `b` if none).
pub(crate) fn cstr_bytes(b: &[u8]) -> &[u8] {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    &b[..end]
}

/// The text before the first NUL, invalid UTF-8 replaced by U+FFFD.
pub(crate) fn cstr_lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(cstr_bytes(b)).into_owned()
}

/// `s` cut to at most `max` bytes at a character boundary, and at its first NUL (a C
/// string cannot hold one).
pub(crate) fn truncate_str(s: &str, max: usize) -> &str {
    let s = s.split('\0').next().unwrap_or_default();
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Write `s` (truncated to `max` bytes) and a NUL: the "strlen + 1" form senders use.
pub(crate) fn put_cstr<B: BufMut>(out: &mut B, s: &str, max: usize) {
    out.put_slice(truncate_str(s, max).as_bytes());
    out.put_u8(0);
}

/// Write `s` into a fixed `size`-byte field: at most `size − 1` bytes, NUL-padded.
pub(crate) fn put_fixed_cstr<B: BufMut>(out: &mut B, s: &str, size: usize) {
    let t = truncate_str(s, size - 1);
    out.put_slice(t.as_bytes());
    out.put_bytes(0, size - t.len());
}
