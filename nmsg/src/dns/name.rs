//! Domain names in DNS wire format: reading (with decompression), validation, lower-casing.
//!
//! A wire name is a sequence of labels, each a length byte (1 ..= 63) and that many bytes, ended
//! by the zero-length root label. The whole encoding, final zero included, is at most
//! [`MAX_NAME_LEN`] bytes. Inside a DNS message a name may end with a compression pointer
//! (two bytes, `0b11` then a 14-bit offset from the start of the message) instead of the root
//! label. NMSG stores names *uncompressed* in its fields.

use std::fmt;

use super::{presentation::NameDisplay, DnsError};

/// The longest wire name, final zero included (RFC 1035 §3.1, `WDNS_MAXLEN_NAME`).
pub const MAX_NAME_LEN: usize = 255;

/// The most compression pointers [`read_name`] follows in one name. A valid name has at most
/// 127 labels, so it never needs more than 127 pointers.
pub const MAX_POINTER_HOPS: usize = 128;

/// A fixed buffer holding one uncompressed wire name (at most [`MAX_NAME_LEN`] bytes); lives on
/// the stack, never allocates.
///
/// A freshly created buffer is empty (no name at all, not even the root); [`read_name`] and
/// [`NameBuf::set`] fill it with a complete, validated wire name.
#[derive(Clone)]
pub struct NameBuf {
    buf: [u8; MAX_NAME_LEN],
    len: u8,
}

impl NameBuf {
    /// An empty buffer.
    pub const fn new() -> Self {
        NameBuf {
            buf: [0; MAX_NAME_LEN],
            len: 0,
        }
    }

    /// The wire name, final zero included; empty when nothing was stored.
    #[inline]
    pub fn as_wire(&self) -> &[u8] {
        &self.buf[..usize::from(self.len)]
    }

    /// The length of the wire name in bytes (0 when empty).
    #[inline]
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    /// Whether the buffer holds no name.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Empties the buffer.
    #[inline]
    pub fn clear(&mut self) {
        self.len = 0;
    }

    /// Stores a copy of the uncompressed wire name `wire`, which must be exactly one valid name
    /// ([`validate_name`]). On error the buffer is left empty.
    pub fn set(&mut self, wire: &[u8]) -> Result<(), DnsError> {
        self.len = 0;
        validate_name(wire)?;
        self.buf[..wire.len()].copy_from_slice(wire);
        self.len = wire.len() as u8;
        Ok(())
    }

    /// [`NameBuf::set`] and [`NameBuf::make_ascii_lowercase`] in one pass: stores the
    /// lower-cased copy of the uncompressed wire name `wire`, which must be exactly one valid
    /// name. On error the buffer is left empty.
    pub(crate) fn set_lowercase(&mut self, wire: &[u8]) -> Result<(), DnsError> {
        // Reading an uncompressed name accepts exactly what `wire_name_len` accepts.
        let n = read_uncompressed_lower(wire, 0, self)?;
        if n != wire.len() {
            self.len = 0;
            return Err(DnsError::TrailingBytes(wire.len() - n));
        }
        Ok(())
    }

    /// Lower-cases the ASCII letters of every label, for case-insensitive matching.
    ///
    /// Label-length bytes are at most 63, below `A` (65), so the whole encoding can be
    /// lower-cased byte by byte without touching them.
    #[inline]
    pub fn make_ascii_lowercase(&mut self) {
        let len = usize::from(self.len);
        self.buf[..len].make_ascii_lowercase();
    }

    /// Makes this buffer hold the same name as `other` (copying only its bytes).
    #[inline]
    pub(crate) fn copy_from(&mut self, other: &NameBuf) {
        let n = other.len();
        self.buf[..n].copy_from_slice(other.as_wire());
        self.len = other.len;
    }

    /// The number of labels, the root label not counted (`www.example.com.` has 3).
    pub fn label_count(&self) -> usize {
        labels(self.as_wire()).count()
    }

    /// Appends one label. Used by the presentation parser.
    pub(crate) fn push_label(&mut self, label: &[u8]) -> Result<(), DnsError> {
        let len = usize::from(self.len);
        // Room for the length byte, the label and the final zero.
        if label.len() > 63 || len + 1 + label.len() + 1 > MAX_NAME_LEN {
            return Err(DnsError::NameTooLong);
        }
        self.buf[len] = label.len() as u8;
        self.buf[len + 1..len + 1 + label.len()].copy_from_slice(label);
        self.len = (len + 1 + label.len()) as u8;
        Ok(())
    }

    /// Appends the root label, completing the name. Used by the presentation parser.
    pub(crate) fn push_root(&mut self) {
        let len = usize::from(self.len);
        // push_label always leaves room for this byte.
        self.buf[len] = 0;
        self.len = (len + 1) as u8;
    }
}

impl Default for NameBuf {
    fn default() -> Self {
        NameBuf::new()
    }
}

impl PartialEq for NameBuf {
    fn eq(&self, other: &Self) -> bool {
        self.as_wire() == other.as_wire()
    }
}

impl Eq for NameBuf {}

impl fmt::Debug for NameBuf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NameBuf({})", NameDisplay(self.as_wire()))
    }
}

/// Iterates over the labels of a valid uncompressed wire name (root label excluded).
pub(crate) fn labels(wire: &[u8]) -> impl Iterator<Item = &[u8]> + '_ {
    let mut pos = 0;
    std::iter::from_fn(move || {
        let len = usize::from(*wire.get(pos)?);
        if len == 0 {
            return None;
        }
        let label = wire.get(pos + 1..pos + 1 + len)?;
        pos += 1 + len;
        Some(label)
    })
}

/// Reads the possibly compressed name that starts at `offset` in the DNS message `msg` into
/// `out`, and returns the number of bytes the name occupies at `offset` (up to and including
/// the first compression pointer, or the root label).
///
/// Rules (those of `wdns_unpack_name`, plus a hop bound): labels of 1 ..= 63 bytes; label types
/// 0x40 and 0x80 are rejected; a pointer must point strictly before its own first byte, which
/// rules out loops and forward references; at most [`MAX_POINTER_HOPS`] pointers; the
/// decompressed name is at most [`MAX_NAME_LEN`] bytes. The work is bounded by
/// `MAX_NAME_LEN + 2 * MAX_POINTER_HOPS` bytes read, whatever the input.
///
/// On error `out` is left empty.
pub fn read_name(msg: &[u8], offset: usize, out: &mut NameBuf) -> Result<usize, DnsError> {
    read_into::<true, false>(msg, offset, out)
}

/// [`read_name`], lower-casing the ASCII letters of the name as it is copied.
#[inline]
pub(crate) fn read_name_lower(
    msg: &[u8],
    offset: usize,
    out: &mut NameBuf,
) -> Result<usize, DnsError> {
    read_into::<true, true>(msg, offset, out)
}

/// [`read_name_inner`], leaving `out` empty on error.
#[inline]
fn read_into<const POINTERS: bool, const LOWER: bool>(
    msg: &[u8],
    offset: usize,
    out: &mut NameBuf,
) -> Result<usize, DnsError> {
    out.len = 0;
    let r = read_name_inner::<POINTERS, LOWER>(msg, offset, out);
    if r.is_err() {
        out.len = 0;
    }
    r
}

/// [`read_name`] and its variants: `POINTERS` allows compression pointers, `LOWER` lower-cases
/// the ASCII letters while copying. Each run of labels between pointers is checked label by
/// label, then copied in one go (label-length bytes are at most 63, below `A`, so lower-casing
/// a whole run leaves them alone).
fn read_name_inner<const POINTERS: bool, const LOWER: bool>(
    msg: &[u8],
    offset: usize,
    out: &mut NameBuf,
) -> Result<usize, DnsError> {
    let mut pos = offset;
    let mut len = 0usize;
    let mut hops = 0usize;
    let mut consumed = None;
    loop {
        let run = pos;
        let c = loop {
            let c = *msg.get(pos).ok_or(DnsError::Truncated)?;
            if !(1..=63).contains(&c) {
                break c;
            }
            let l = usize::from(c);
            // The label, its length byte and at least the final zero must fit.
            if len + (pos - run) + 1 + l + 1 > MAX_NAME_LEN {
                return Err(DnsError::NameTooLong);
            }
            if pos + 1 + l > msg.len() {
                return Err(DnsError::Truncated);
            }
            pos += 1 + l;
        };
        copy_run::<LOWER>(msg, run, &mut out.buf, len, pos - run);
        len += pos - run;
        match c {
            0 => {
                if len + 1 > MAX_NAME_LEN {
                    return Err(DnsError::NameTooLong);
                }
                out.buf[len] = 0;
                len += 1;
                out.len = len as u8;
                return Ok(consumed.unwrap_or_else(|| pos + 1 - offset));
            }
            0xc0..=0xff => {
                if !POINTERS {
                    return Err(DnsError::Compressed);
                }
                let lo = *msg.get(pos + 1).ok_or(DnsError::Truncated)?;
                let target = (usize::from(c & 0x3f) << 8) | usize::from(lo);
                if target >= pos {
                    return Err(DnsError::BadPointer(target));
                }
                hops += 1;
                if hops > MAX_POINTER_HOPS {
                    return Err(DnsError::TooManyPointers);
                }
                if consumed.is_none() {
                    consumed = Some(pos + 2 - offset);
                }
                pos = target;
            }
            _ => return Err(DnsError::BadLabelType(c)),
        }
    }
}

/// Copies the `n` bytes at `from` of `src` to `at` of `dst` (both in range), ASCII lower-cased
/// when `LOWER`. Works in 8-byte words (names are short: a word or three), and may write up
/// to 7 bytes past `at + n` when `dst` has room: the caller writes or ignores those later.
#[inline(always)]
fn copy_run<const LOWER: bool>(src: &[u8], from: usize, dst: &mut [u8], at: usize, n: usize) {
    let mut k = 0;
    while k < n {
        let word = src.get(from + k..).and_then(|s| s.first_chunk::<8>());
        match (word, dst.get_mut(at + k..at + k + 8)) {
            (Some(w), Some(d)) => {
                let w = u64::from_le_bytes(*w);
                let w = if LOWER { lower_word(w) } else { w };
                d.copy_from_slice(&w.to_le_bytes());
                k += 8;
            }
            _ => {
                let (d, s) = (&mut dst[at + k..at + n], &src[from + k..from + n]);
                for (d, s) in d.iter_mut().zip(s) {
                    *d = if LOWER { s.to_ascii_lowercase() } else { *s };
                }
                return;
            }
        }
    }
}

/// [`u8::to_ascii_lowercase`] on each byte of a word, without branches: bit 7 of each byte of
/// `upper` is set for `A`..=`Z`, and moves to bit 5 (0x20) to lower-case it.
#[inline(always)]
fn lower_word(w: u64) -> u64 {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const ONES: u64 = 0x0101_0101_0101_0101;
    let low7 = w & !HIGH;
    // Bit 7 set when the low 7 bits are >= 'A', resp. > 'Z' (no carry across bytes).
    let ge_a = low7 + ONES * (0x80 - u64::from(b'A'));
    let gt_z = low7 + ONES * (0x80 - u64::from(b'Z') - 1);
    let upper = ge_a & !gt_z & !w & HIGH;
    w | (upper >> 2)
}

/// The length of the uncompressed wire name at the start of `bytes` (final zero included),
/// which may be followed by other data. Compression pointers are refused.
pub fn wire_name_len(bytes: &[u8]) -> Result<usize, DnsError> {
    let mut pos = 0usize;
    loop {
        let c = *bytes.get(pos).ok_or(if pos == 0 {
            DnsError::Empty
        } else {
            DnsError::Truncated
        })?;
        match c {
            0 => return Ok(pos + 1),
            1..=63 => {
                pos += 1 + usize::from(c);
                // The final zero still has to come.
                if pos + 1 > MAX_NAME_LEN {
                    return Err(DnsError::NameTooLong);
                }
            }
            0xc0..=0xff => return Err(DnsError::Compressed),
            _ => return Err(DnsError::BadLabelType(c)),
        }
    }
}

/// Checks that `field` holds exactly one valid uncompressed wire name, as NMSG name fields
/// (qname, rrname, bailiwick, ...) must.
pub fn validate_name(field: &[u8]) -> Result<(), DnsError> {
    let n = wire_name_len(field)?;
    if n != field.len() {
        return Err(DnsError::TrailingBytes(field.len() - n));
    }
    Ok(())
}

/// Reads an uncompressed name at `offset` of `bytes` into `out`; returns its length. Used for
/// standalone rdata, where pointers cannot be resolved.
pub(crate) fn read_uncompressed(
    bytes: &[u8],
    offset: usize,
    out: &mut NameBuf,
) -> Result<usize, DnsError> {
    read_into::<false, false>(bytes, offset, out)
}

/// [`read_uncompressed`], lower-casing the ASCII letters of the name as it is copied.
#[inline]
pub(crate) fn read_uncompressed_lower(
    bytes: &[u8],
    offset: usize,
    out: &mut NameBuf,
) -> Result<usize, DnsError> {
    read_into::<false, true>(bytes, offset, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lower_word_is_to_ascii_lowercase() {
        for b in 0..=255u8 {
            let w = u64::from_le_bytes([b, b'Q', b, 0xff, b'@', b'[', b'z', b]);
            let want = w.to_le_bytes().map(|x| x.to_ascii_lowercase());
            assert_eq!(lower_word(w).to_le_bytes(), want, "{b:#x}");
        }
    }

    #[test]
    fn plain_and_compressed() {
        // 0: 3 www 7 example 3 com 0 ; 17: 3 ftp ptr->4
        let mut msg = b"\x03www\x07example\x03com\x00".to_vec();
        msg.extend_from_slice(b"\x03ftp\xc0\x04");
        let mut n = NameBuf::new();
        assert_eq!(read_name(&msg, 0, &mut n), Ok(17));
        assert_eq!(n.as_wire(), &msg[..17]);
        assert_eq!(read_name(&msg, 17, &mut n), Ok(6));
        assert_eq!(n.as_wire(), b"\x03ftp\x07example\x03com\x00");
    }

    #[test]
    fn pointer_rules() {
        let mut n = NameBuf::new();
        // Self-pointer.
        assert_eq!(
            read_name(b"\xc0\x00", 0, &mut n),
            Err(DnsError::BadPointer(0))
        );
        // Forward pointer.
        assert_eq!(
            read_name(b"\xc0\x02\x00", 0, &mut n),
            Err(DnsError::BadPointer(2))
        );
        // Pointer to the root label just before it.
        assert_eq!(read_name(b"\x00\xc0\x00", 1, &mut n), Ok(2));
        assert_eq!(n.as_wire(), b"\x00");
        // Truncated pointer.
        assert_eq!(read_name(b"\x00\xc0", 1, &mut n), Err(DnsError::Truncated));
        assert!(n.is_empty());
        assert_eq!(
            read_name(b"\x40", 0, &mut n),
            Err(DnsError::BadLabelType(0x40))
        );
    }

    #[test]
    fn length_limit() {
        // 127 labels of 1 byte = 254 bytes + root = 255: fits.
        let mut ok = Vec::new();
        for _ in 0..127 {
            ok.extend_from_slice(b"\x01a");
        }
        ok.push(0);
        let mut n = NameBuf::new();
        assert_eq!(read_name(&ok, 0, &mut n), Ok(255));
        assert_eq!(validate_name(&ok), Ok(()));
        let mut long = b"\x01b".to_vec();
        long.extend_from_slice(&ok);
        assert_eq!(read_name(&long, 0, &mut n), Err(DnsError::NameTooLong));
        assert_eq!(validate_name(&long), Err(DnsError::NameTooLong));
    }

    #[test]
    fn validate() {
        assert_eq!(validate_name(b"\x00"), Ok(()));
        assert_eq!(validate_name(b""), Err(DnsError::Empty));
        assert_eq!(validate_name(b"\x01a"), Err(DnsError::Truncated));
        assert_eq!(validate_name(b"\x00\x00"), Err(DnsError::TrailingBytes(1)));
        assert_eq!(validate_name(b"\x01a\xc0\x00"), Err(DnsError::Compressed));
    }

    #[test]
    fn lowercase() {
        let mut n = NameBuf::new();
        n.set(b"\x03WwW\x02Io\x00").unwrap();
        n.make_ascii_lowercase();
        assert_eq!(n.as_wire(), b"\x03www\x02io\x00");
        assert_eq!(n.label_count(), 2);
    }
}
