//! Fast scans of NMSG's own messages (container bodies, payload envelopes) on the pass-through
//! path: single-byte keys, values skipped rather than decoded.
//!
//! Every function answers `None` for anything it does not handle in one step (a long or
//! malformed varint, a truncated value); the caller then falls back to the general parser of
//! [`crate::proto`], which gives the exact error. A `Some` is only ever given for bytes that
//! the general parser reads the same way.

/// Reads a varint of at most 9 bytes from the front of `b`: its value and the rest.
#[inline]
pub(crate) fn varint(b: &[u8]) -> Option<(u64, &[u8])> {
    let mut v = 0u64;
    for (i, &x) in b.iter().take(9).enumerate() {
        v |= u64::from(x & 0x7f) << (7 * i);
        if x < 0x80 {
            return Some((v, &b[i + 1..]));
        }
    }
    None
}

/// Skips a varint of at most 8 bytes at the front of `b` (all 64-bit-free values NMSG writes:
/// times, CRCs, ids below 2^56); returns the rest.
#[inline]
pub(crate) fn skip_varint(b: &[u8]) -> Option<&[u8]> {
    // The first byte without its continuation bit ends the varint: find it in one word.
    let n = match b.first_chunk::<8>() {
        Some(word) => {
            let ends = !u64::from_le_bytes(*word) & 0x8080_8080_8080_8080;
            if ends == 0 {
                return None;
            }
            ends.trailing_zeros() as usize / 8
        }
        None => b.iter().position(|&x| x < 0x80)?,
    };
    Some(&b[n + 1..])
}

/// Takes a length-delimited value (length varint, then the bytes) from the front of `b`:
/// the value and the rest.
#[inline]
pub(crate) fn take_len(b: &[u8]) -> Option<(&[u8], &[u8])> {
    let (len, rest) = varint(b)?;
    let len = usize::try_from(len).ok()?;
    (rest.len() >= len).then(|| rest.split_at(len))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::{put_varint, read_varint};

    #[test]
    fn agrees_with_the_general_parser() {
        for v in [
            0u64,
            1,
            127,
            128,
            300,
            16_383,
            16_384,
            u32::MAX as u64,
            1 << 62,
            u64::MAX,
        ] {
            let mut enc = Vec::new();
            put_varint(&mut enc, v);
            enc.push(0xAB);
            let mut general = &enc[..];
            let g = read_varint(&mut general).unwrap();
            match varint(&enc) {
                Some((f, rest)) => {
                    assert_eq!((f, rest), (g, general), "{v}");
                    if enc.len() - 1 <= 8 {
                        assert_eq!(skip_varint(&enc), Some(general));
                    } else {
                        assert_eq!(skip_varint(&enc), None);
                    }
                }
                // Only 10-byte varints are left to the general parser.
                None => assert_eq!(enc.len() - 1, 10, "{v}"),
            }
        }
        assert_eq!(varint(&[0x80, 0x80]), None);
        assert_eq!(skip_varint(&[]), None);
        // Short inputs, with and without an end.
        assert_eq!(skip_varint(&[0x80, 0x01, 7]), Some(&[7u8][..]));
        assert_eq!(skip_varint(&[0x80; 7]), None);
        assert_eq!(skip_varint(&[0x81; 8]), None);
        assert_eq!(take_len(&[3, 1, 2]), None);
        assert_eq!(take_len(&[2, 1, 2, 3]), Some((&[1u8, 2][..], &[3u8][..])));
    }
}
