//! API keys and their SHA-256 digests.
//!
//! A key is 128 bits from ring's system RNG written as 32 lower-case hex digits in the UUID
//! layout `8-4-4-4-12` (36 characters, like the reference keys
//! `08459ef5-1417-448a-bc93-d61917d32f52`). Unlike an RFC 9562 version-4 UUID, no bits are
//! spent on version and variant markers, so all 128 bits are random; clients treat the key as
//! opaque text and never check UUID structure. It fits the 63-character USER field.
//!
//! The store keeps only SHA-256(key). No salt is needed: a 128-bit random key cannot be found
//! from its digest by guessing, and lookups must find a user from the key alone.

use std::fmt;
use std::str::FromStr;

use ring::digest::{digest, SHA256};
use ring::rand::{SecureRandom, SystemRandom};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The longest API key (or user name) that fits the 64-byte NUL-terminated USER field.
pub const MAX_KEY_LEN: usize = 63;

/// A freshly generated API key. Its `Debug` form hides the key; only [`ApiKey::as_str`] and
/// `Display` reveal it (print it once, to the operator).
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

/// The system random number generator failed.
#[derive(Debug, Clone, thiserror::Error)]
#[error("the system random number generator failed")]
pub struct RngError;

impl ApiKey {
    /// Generates a key from 16 bytes of ring's [`SystemRandom`].
    pub fn generate() -> Result<ApiKey, RngError> {
        let mut raw = [0u8; 16];
        SystemRandom::new().fill(&mut raw).map_err(|_| RngError)?;
        let mut text = String::with_capacity(36);
        for (i, b) in raw.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                text.push('-');
            }
            text.push(char::from(HEX[usize::from(b >> 4)]));
            text.push(char::from(HEX[usize::from(b & 15)]));
        }
        Ok(ApiKey(text))
    }

    /// The key text, as the client puts it in `apikey:KEY@host,port`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The digest the store keeps for this key.
    pub fn digest(&self) -> KeyDigest {
        KeyDigest::of_key(&self.0)
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<hidden>)")
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// SHA-256 of an API key's UTF-8 bytes, stored as 64 lower-case hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyDigest([u8; 32]);

/// Digest text that is not 64 hex digits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid key digest: expected 64 hex digits (the SHA-256 of the key), got {len} characters"
)]
pub struct DigestParseError {
    len: usize,
}

impl KeyDigest {
    /// SHA-256 of the presented key's bytes, exactly as received (no trimming, no case folding).
    pub fn of_key(key: &str) -> KeyDigest {
        let mut out = [0u8; 32];
        out.copy_from_slice(digest(&SHA256, key.as_bytes()).as_ref());
        KeyDigest(out)
    }

    /// The raw digest bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Constant-time equality: every byte is compared whatever the first difference.
    pub fn ct_eq(&self, other: &KeyDigest) -> bool {
        let mut diff = 0u8;
        for (a, b) in self.0.iter().zip(other.0.iter()) {
            diff |= a ^ b;
        }
        std::hint::black_box(diff) == 0
    }

    /// The first 8 hex digits, enough to tell keys apart in listings and logs.
    pub fn short(&self) -> String {
        self.to_string()[..8].to_owned()
    }
}

impl fmt::Display for KeyDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for KeyDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyDigest({}…)", self.short())
    }
}

impl FromStr for KeyDigest {
    type Err = DigestParseError;

    /// 64 hex digits, either case.
    fn from_str(text: &str) -> Result<KeyDigest, DigestParseError> {
        let err = DigestParseError { len: text.len() };
        let raw = text.as_bytes();
        if raw.len() != 64 {
            return Err(err);
        }
        let mut out = [0u8; 32];
        for (o, pair) in out.iter_mut().zip(raw.chunks_exact(2)) {
            let hi = hex_val(pair[0]).ok_or(err.clone())?;
            let lo = hex_val(pair[1]).ok_or(err.clone())?;
            *o = hi << 4 | lo;
        }
        Ok(KeyDigest(out))
    }
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

impl Serialize for KeyDigest {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for KeyDigest {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<KeyDigest, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_are_uuid_shaped_and_distinct() {
        let a = ApiKey::generate().unwrap();
        let b = ApiKey::generate().unwrap();
        assert_ne!(a, b);
        let s = a.as_str();
        assert_eq!(s.len(), 36);
        assert!(s.len() <= MAX_KEY_LEN);
        let groups: Vec<usize> = s.split('-').map(str::len).collect();
        assert_eq!(groups, [8, 4, 4, 4, 12]);
        assert!(s.bytes().all(|c| c == b'-' || HEX.contains(&c)));
        assert_eq!(format!("{a:?}"), "ApiKey(<hidden>)");
    }

    #[test]
    fn digest_is_sha256_hex() {
        // SHA-256("abc"), FIPS 180-2 test vector.
        let d = KeyDigest::of_key("abc");
        let hex = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assert_eq!(d.to_string(), hex);
        assert_eq!(hex.to_uppercase().parse::<KeyDigest>().unwrap(), d);
        assert!(d.ct_eq(&hex.parse().unwrap()));
        assert!(!d.ct_eq(&KeyDigest::of_key("abd")));
        assert_eq!(d.short(), "ba7816bf");
        assert!("ba78".parse::<KeyDigest>().is_err());
        assert!(hex.replace('b', "g").parse::<KeyDigest>().is_err());
    }
}
