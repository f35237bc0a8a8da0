//! Realistic domain names and addresses for synthetic traffic.
//!
//! Names are built from a built-in list of words, host labels and TLDs, with `.com` the most
//! common TLD, and a steady share of names under `google.com` and `example.com` (so the
//! reference test `watch dns=*.google.com` sees hits).

use std::net::{Ipv4Addr, Ipv6Addr};

use super::rng::Rng;
use crate::index::name;

const WORDS: &[&str] = &[
    "alpha", "blue", "cloud", "data", "echo", "fast", "green", "harbor", "iron", "jade", "kite",
    "lumen", "metro", "nova", "orbit", "pixel", "quartz", "river", "solar", "terra", "ultra",
    "vista", "wave", "xeno", "yield", "zen", "acme", "bright", "cedar", "delta", "ember", "falcon",
    "garden", "summit", "shop", "news", "bank", "travel", "health", "games", "media", "secure",
    "login", "update", "support", "market", "studio", "labs", "group", "online",
];

const HOSTS: &[&str] = &[
    "www",
    "mail",
    "api",
    "cdn",
    "ns1",
    "ns2",
    "smtp",
    "static",
    "img",
    "m",
    "app",
    "login",
    "portal",
    "blog",
    "dev",
    "vpn",
    "mx",
    "autodiscover",
    "shop",
    "edge",
];

/// TLDs weighted by repetition: `.com` dominates.
const TLDS: &[&str] = &[
    "com", "com", "com", "com", "com", "com", "com", "com", "com", "com", "com", "com", "com",
    "com", "com", "com", "com", "com", "net", "net", "org", "org", "info", "io", "de", "uk",
    "co.uk", "ru", "cn", "br", "xyz", "top", "online", "site", "nl", "fr", "jp", "biz", "us",
    "app",
];

const GOOGLE: &[&str] = &[
    "www", "mail", "maps", "docs", "drive", "accounts", "apis", "news",
];
const EXAMPLE: &[&str] = &["www", "mail", "test", "ns1", "api"];

/// A random domain name in presentation form (no trailing dot).
pub fn domain(rng: &mut Rng) -> String {
    match rng.below(100) {
        0..=11 => format!("{}.google.com", rng.pick(GOOGLE)),
        12..=13 => "google.com".to_string(),
        14..=18 => format!("{}.example.com", rng.pick(EXAMPLE)),
        _ => {
            let base = if rng.chance(30) {
                format!("{}{}", rng.pick(WORDS), rng.pick(WORDS))
            } else if rng.chance(20) {
                format!("{}-{}{}", rng.pick(WORDS), rng.pick(WORDS), rng.below(100))
            } else {
                rng.pick(WORDS).to_string()
            };
            let tld = rng.pick(TLDS);
            match rng.below(10) {
                0..=5 => format!("{}.{base}.{tld}", rng.pick(HOSTS)),
                6 => format!(
                    "{:x}.{}.{base}.{tld}",
                    rng.next_u64() >> 40,
                    rng.pick(HOSTS)
                ),
                _ => format!("{base}.{tld}"),
            }
        }
    }
}

/// The wire form of [`domain`].
pub fn domain_wire(rng: &mut Rng) -> Vec<u8> {
    let text = domain(rng);
    // Built from short labels, so it is always a valid name.
    name::from_text(&text).unwrap_or_else(|_| vec![0])
}

/// The registered ("base") part of a presentation name: the last two labels.
pub fn base_of(text: &str) -> &str {
    let mut dots = text.rmatch_indices('.');
    dots.next();
    match dots.next() {
        Some((i, _)) => &text[i + 1..],
        None => text,
    }
}

/// A public-looking IPv4 address (avoids 0/8, 10/8, 127/8 and multicast).
pub fn ipv4(rng: &mut Rng) -> Ipv4Addr {
    loop {
        let a = rng.next_u64() as u32;
        let first = a >> 24;
        if !matches!(first, 0 | 10 | 127 | 224..=255) {
            return Ipv4Addr::from(a);
        }
    }
}

/// A global-unicast-looking IPv6 address (2000::/3).
pub fn ipv6(rng: &mut Rng) -> Ipv6Addr {
    let hi = (rng.next_u64() & 0x1fff_ffff_ffff_ffff) | 0x2000_0000_0000_0000;
    Ipv6Addr::from((u128::from(hi) << 64) | u128::from(rng.next_u64()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mix_has_google_example_and_com() {
        let mut rng = Rng::new(1);
        let names: Vec<String> = (0..2000).map(|_| domain(&mut rng)).collect();
        let share = |f: &dyn Fn(&String) -> bool| names.iter().filter(|n| f(n)).count();
        assert!(share(&|n| n.ends_with("google.com")) > 150);
        assert!(share(&|n| n.ends_with("example.com")) > 40);
        assert!(share(&|n| n.ends_with(".com")) > 800);
        for n in &names {
            assert!(name::from_text(n).is_ok(), "{n}");
        }
        assert_eq!(base_of("www.google.com"), "google.com");
        assert_eq!(base_of("google.com"), "google.com");
    }

    #[test]
    fn addresses_are_public_looking() {
        let mut rng = Rng::new(3);
        for _ in 0..1000 {
            let a = ipv4(&mut rng);
            assert!(!a.is_loopback() && !a.is_multicast() && a.octets()[0] != 10);
            assert_eq!(ipv6(&mut rng).segments()[0] >> 13, 1);
        }
    }
}
