//! DNS wire names as index keys: validation, lower-casing and the walk over a name's suffixes.
//!
//! Keys are absolute, uncompressed wire names (length-prefixed labels ending in a 0 byte),
//! lower-cased in ASCII (`A`-`Z` only; label-length bytes are at most 63 and are never letters).
//! Because every suffix on a label boundary of a wire name is itself a wire name, a lookup for
//! `www.example.com` probes `www.example.com`, `example.com`, `com` and the root in turn,
//! without building anything.

/// The longest wire name (RFC 1035): 255 bytes including the final 0.
pub const MAX_WIRE_NAME: usize = 255;

/// Why a byte string is not a usable wire name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// Empty, or longer than 255 bytes.
    #[error("bad dns length {0}")]
    Length(usize),
    /// The label lengths do not land exactly on a final 0 byte (or a label is longer than 63,
    /// which also covers compression pointers).
    #[error("bad dns label lengths")]
    Labels,
}

/// Checks that `name` is one absolute wire name with nothing after its final 0 byte.
///
/// Labels longer than 63 bytes are refused here although the AXA wire check allows them: they
/// cannot occur in DNS data, so such a watch could never match.
pub fn validate(name: &[u8]) -> Result<(), NameError> {
    if name.is_empty() || name.len() > MAX_WIRE_NAME {
        return Err(NameError::Length(name.len()));
    }
    let mut i = 0;
    loop {
        let l = usize::from(*name.get(i).ok_or(NameError::Labels)?);
        if l == 0 {
            return if i + 1 == name.len() {
                Ok(())
            } else {
                Err(NameError::Labels)
            };
        }
        if l > 63 {
            return Err(NameError::Labels);
        }
        i += 1 + l;
    }
}

/// Copies `name` into `buf` lower-cased and returns the copy, or `None` when `name` is not a
/// valid wire name ([`validate`]). Allocation-free.
pub fn lowercase_into<'b>(name: &[u8], buf: &'b mut [u8; MAX_WIRE_NAME]) -> Option<&'b [u8]> {
    validate(name).ok()?;
    let out = &mut buf[..name.len()];
    out.copy_from_slice(name);
    out.make_ascii_lowercase();
    Some(out)
}

/// Lower-cases a valid wire name into a new boxed key (used when storing watches).
pub fn to_key(name: &[u8]) -> Result<Box<[u8]>, NameError> {
    validate(name)?;
    Ok(name.to_ascii_lowercase().into_boxed_slice())
}

/// Iterates the suffixes of a *valid* wire name on label boundaries, longest first, ending with
/// the root (`[0]`).
pub fn suffixes(name: &[u8]) -> Suffixes<'_> {
    Suffixes { rest: Some(name) }
}

/// Iterator returned by [`suffixes`].
#[derive(Debug, Clone)]
pub struct Suffixes<'a> {
    rest: Option<&'a [u8]>,
}

impl<'a> Iterator for Suffixes<'a> {
    type Item = &'a [u8];

    #[inline]
    fn next(&mut self) -> Option<&'a [u8]> {
        let cur = self.rest?;
        let l = usize::from(*cur.first()?);
        self.rest = if l == 0 { None } else { cur.get(1 + l..) };
        Some(cur)
    }
}

/// Renders a wire name in presentation form with a trailing dot (for logs and tests).
pub fn display(name: &[u8]) -> String {
    let mut s = String::new();
    for suffix in suffixes(name) {
        let l = usize::from(suffix[0]);
        if l == 0 {
            break;
        }
        for &b in suffix.get(1..=l).unwrap_or(&[]) {
            if b.is_ascii_graphic() && b != b'.' && b != b'\\' {
                s.push(char::from(b));
            } else {
                s.push_str(&format!("\\{b:03}"));
            }
        }
        s.push('.');
    }
    if s.is_empty() {
        s.push('.');
    }
    s
}

/// Builds a wire name from presentation text (`www.Example.com`, trailing dot optional; no
/// escapes). For configuration, tests and the generator.
pub fn from_text(text: &str) -> Result<Vec<u8>, NameError> {
    let mut out = Vec::with_capacity(text.len() + 2);
    for label in text
        .trim_end_matches('.')
        .split('.')
        .filter(|l| !l.is_empty())
    {
        if label.len() > 63 {
            return Err(NameError::Labels);
        }
        out.push(label.len() as u8);
        out.extend_from_slice(label.as_bytes());
    }
    out.push(0);
    validate(&out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_like_the_wire_check() {
        assert!(validate(b"\x03www\x06google\x03com\x00").is_ok());
        assert!(validate(b"\x00").is_ok());
        assert_eq!(validate(b""), Err(NameError::Length(0)));
        assert_eq!(validate(b"\x03www"), Err(NameError::Labels));
        assert_eq!(validate(b"\x03www\x00\x00"), Err(NameError::Labels));
        assert_eq!(validate(b"\xc0\x0c"), Err(NameError::Labels));
        assert_eq!(validate(&[1u8; 256]), Err(NameError::Length(256)));
    }

    #[test]
    fn suffix_walk_ends_at_root() {
        let n = from_text("www.Example.com").unwrap();
        let s: Vec<String> = suffixes(&n).map(display).collect();
        assert_eq!(s, ["www.Example.com.", "Example.com.", "com.", "."]);
    }

    #[test]
    fn lowercases_letters_only() {
        let n = from_text("WWW.ExAmPlE.COM").unwrap();
        let mut buf = [0u8; MAX_WIRE_NAME];
        let l = lowercase_into(&n, &mut buf).unwrap();
        assert_eq!(display(l), "www.example.com.");
        assert!(lowercase_into(b"\x03ab", &mut buf).is_none());
    }
}
