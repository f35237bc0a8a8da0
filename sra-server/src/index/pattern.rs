//! The server's own watch type, normalised for matching.
//!
//! [`WatchPattern`] is what the index stores. It is deliberately independent of the AXA wire
//! type so that the index can be tested and benchmarked on its own. **Conversion point:** the
//! session handler turns a decoded `axa_proto` watch into a `WatchPattern` with
//! [`WatchPattern::ip`], [`WatchPattern::dns`], [`WatchPattern::Channel`] or
//! [`WatchPattern::Errors`] (one `From`/`TryFrom` impl in the session module once axa-proto's
//! watch type is stable); the wire checks of spec §1.7 happen in axa-proto before that.
//!
//! Spec §15 item 7 (our choice): the server **masks host bits** of IP watches (`10.1.2.3/8`
//! is stored, matched and listed as `10.0.0.0/8`) and **lower-cases DNS names** (`FSI.IO.`
//! matches `fsi.io`), as the reference client's parser already does. A WLIST therefore shows
//! the normalised form.

use std::net::IpAddr;

use ipnet::IpNet;

use super::name::{self, NameError};

/// One watch, normalised.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum WatchPattern {
    /// An IPv4 or IPv6 prefix, host bits zero.
    Ip(IpNet),
    /// A DNS name (lower-cased wire form); `wild` = `*.name`, matching the name itself and
    /// every name below it.
    Dns {
        /// Lower-case wire name, validated.
        name: Box<[u8]>,
        /// The `*.` wildcard flag.
        wild: bool,
    },
    /// Every message on this channel (0..=4095).
    Channel(u16),
    /// Messages that could not be decoded.
    Errors,
}

/// Why a pattern cannot be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PatternError {
    /// A prefix longer than the address.
    #[error("bad prefix length {prefix} for address length {bits}")]
    Prefix {
        /// The requested prefix length.
        prefix: u8,
        /// 32 or 128.
        bits: u8,
    },
    /// A malformed DNS wire name.
    #[error("{0}")]
    Name(#[from] NameError),
}

impl WatchPattern {
    /// An IP prefix watch; host bits beyond `prefix` are cleared (§15 item 7).
    pub fn ip(addr: IpAddr, prefix: u8) -> Result<Self, PatternError> {
        let bits = if addr.is_ipv4() { 32 } else { 128 };
        let net = IpNet::new(addr, prefix).map_err(|_| PatternError::Prefix { prefix, bits })?;
        Ok(WatchPattern::Ip(net.trunc()))
    }

    /// A DNS watch from a wire name; the name is validated and lower-cased (§15 item 7).
    pub fn dns(wire: &[u8], wild: bool) -> Result<Self, PatternError> {
        Ok(WatchPattern::Dns {
            name: name::to_key(wire)?,
            wild,
        })
    }

    /// Which part of the index holds this pattern.
    pub(crate) fn part(&self) -> Part {
        match self {
            WatchPattern::Ip(IpNet::V4(_)) => Part::V4,
            WatchPattern::Ip(IpNet::V6(_)) => Part::V6,
            WatchPattern::Dns { .. } => Part::Names,
            WatchPattern::Channel(_) => Part::Channels,
            WatchPattern::Errors => Part::Errors,
        }
    }
}

impl std::fmt::Display for WatchPattern {
    /// The AXA text form of spec §5.2 (`IP=10.0.0.0/8`, `dns=*.fsi.io.`, `ch=ch221`, `ERRORS`).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WatchPattern::Ip(net) if net.prefix_len() == net.max_prefix_len() => {
                write!(f, "IP={}", net.addr())
            }
            WatchPattern::Ip(net) => write!(f, "IP={net}"),
            WatchPattern::Dns { name, wild } => {
                let text = name::display(name);
                match (wild, text.as_str()) {
                    (true, ".") => f.write_str("dns=*."),
                    (true, t) => write!(f, "dns=*.{t}"),
                    (false, t) => write!(f, "dns={t}"),
                }
            }
            WatchPattern::Channel(ch) => write!(f, "ch=ch{ch}"),
            WatchPattern::Errors => f.write_str("ERRORS"),
        }
    }
}

/// The independently rebuilt parts of an index snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    V4 = 1,
    V6 = 2,
    Names = 4,
    Channels = 8,
    Errors = 16,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_bits_are_masked() {
        let p = WatchPattern::ip("10.1.2.3".parse().unwrap(), 8).unwrap();
        assert_eq!(p.to_string(), "IP=10.0.0.0/8");
        let p = WatchPattern::ip("2001:db8::1".parse().unwrap(), 32).unwrap();
        assert_eq!(p.to_string(), "IP=2001:db8::/32");
        let p = WatchPattern::ip("192.0.2.1".parse().unwrap(), 32).unwrap();
        assert_eq!(p.to_string(), "IP=192.0.2.1");
        assert_eq!(
            WatchPattern::ip("192.0.2.1".parse().unwrap(), 33),
            Err(PatternError::Prefix {
                prefix: 33,
                bits: 32
            })
        );
    }

    #[test]
    fn dns_names_are_lowercased() {
        let p = WatchPattern::dns(b"\x03FSI\x02IO\x00", false).unwrap();
        assert_eq!(p.to_string(), "dns=fsi.io.");
        assert_eq!(
            WatchPattern::dns(b"\x00", true).unwrap().to_string(),
            "dns=*."
        );
        let p = WatchPattern::dns(b"\x06google\x03com\x00", true).unwrap();
        assert_eq!(p.to_string(), "dns=*.google.com.");
        assert!(WatchPattern::dns(b"\x03FSI", false).is_err());
    }
}
