//! The `-E` cipher list: OpenSSL-style names of TLS 1.2 suites, mapped to the suites of the
//! rustls ring provider.
//!
//! Only the TLS 1.2 suites are affected (as with OpenSSL, whose cipher list does not touch TLS
//! 1.3); the TLS 1.3 suites are always offered. libaxa's default list is the single suite
//! `ECDHE-RSA-AES256-GCM-SHA384`; with no `-E` we offer every suite rustls supports, which
//! includes it.

use rustls::crypto::ring::cipher_suite as cs;
use rustls::SupportedCipherSuite;

/// A name in a cipher list that rustls does not implement, or an empty list.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unsupported TLS cipher {0:?} (supported TLS 1.2 ciphers: {list})", list = supported_names().join(":"))]
pub struct UnknownCipher(pub String);

const TABLE: &[(&str, SupportedCipherSuite)] = &[
    (
        "ECDHE-RSA-AES256-GCM-SHA384",
        cs::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    ),
    (
        "ECDHE-RSA-AES128-GCM-SHA256",
        cs::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    ),
    (
        "ECDHE-RSA-CHACHA20-POLY1305",
        cs::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    ),
    (
        "ECDHE-ECDSA-AES256-GCM-SHA384",
        cs::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    ),
    (
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        cs::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    ),
    (
        "ECDHE-ECDSA-CHACHA20-POLY1305",
        cs::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    ),
];

const TLS13: &[SupportedCipherSuite] = &[
    cs::TLS13_AES_256_GCM_SHA384,
    cs::TLS13_AES_128_GCM_SHA256,
    cs::TLS13_CHACHA20_POLY1305_SHA256,
];

/// The OpenSSL names this module understands.
pub fn supported_names() -> Vec<&'static str> {
    TABLE.iter().map(|(n, _)| *n).collect()
}

/// The suites to offer for an OpenSSL-style list (`:`, `,` or blank separated, case
/// insensitive): the TLS 1.3 suites followed by the listed TLS 1.2 suites in list order.
pub fn suites_for_list(list: &str) -> Result<Vec<SupportedCipherSuite>, UnknownCipher> {
    let mut out = TLS13.to_vec();
    let mut any = false;
    for name in list.split([':', ',', ' ', '\t']).filter(|n| !n.is_empty()) {
        let suite = TABLE
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, s)| *s)
            .ok_or_else(|| UnknownCipher(name.to_owned()))?;
        if !out.contains(&suite) {
            out.push(suite);
        }
        any = true;
    }
    if !any {
        return Err(UnknownCipher(list.to_owned()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_the_libaxa_default() {
        let s = suites_for_list("ECDHE-RSA-AES256-GCM-SHA384").unwrap();
        assert_eq!(s.len(), TLS13.len() + 1);
        assert_eq!(s[3], cs::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384);
    }

    #[test]
    fn several_names_and_case() {
        let s = suites_for_list("ecdhe-rsa-aes128-gcm-sha256:ECDHE-RSA-AES256-GCM-SHA384").unwrap();
        assert_eq!(s[3], cs::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256);
        assert_eq!(s[4], cs::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384);
    }

    #[test]
    fn unknown_or_empty_is_an_error() {
        let e = suites_for_list("RC4-MD5").unwrap_err();
        assert_eq!(e.0, "RC4-MD5");
        assert!(e.to_string().contains("ECDHE-RSA-AES256-GCM-SHA384"));
        assert!(suites_for_list(" : ").is_err());
    }
}
