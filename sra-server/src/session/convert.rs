//! The conversion point between axa-proto's wire watch and the index's [`WatchPattern`].
//!
//! Decoding already applied the wire checks of spec §1.7; here the server normalises (§15
//! item 7: host bits masked, DNS names lower-cased) and, for WLIST, turns a stored pattern
//! back into a wire watch.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use axa_proto::watch::{Watch, WatchPattern as Wire};
use bytes::Bytes;
use ipnet::IpNet;

use crate::index::{PatternError, WatchPattern};

/// The index pattern of a decoded WATCH.
pub fn from_wire(w: &Watch) -> Result<WatchPattern, PatternError> {
    match &w.pattern {
        Wire::Ipv4 { addr, .. } => WatchPattern::ip(IpAddr::V4(Ipv4Addr::from(*addr)), w.prefix),
        Wire::Ipv6 { addr, .. } => WatchPattern::ip(IpAddr::V6(Ipv6Addr::from(*addr)), w.prefix),
        Wire::Dns(name) => WatchPattern::dns(name, w.is_wild()),
        Wire::Channel(ch) => Ok(WatchPattern::Channel(*ch)),
        Wire::Errors => Ok(WatchPattern::Errors),
    }
}

/// The wire watch of a stored pattern (for WLIST).
pub fn to_wire(p: &WatchPattern) -> Watch {
    match p {
        WatchPattern::Ip(IpNet::V4(n)) => Watch::ipv4(n.addr(), n.prefix_len()),
        WatchPattern::Ip(IpNet::V6(n)) => Watch::ipv6(n.addr(), n.prefix_len()),
        WatchPattern::Dns { name, wild } => Watch::dns(Bytes::copy_from_slice(name), *wild),
        WatchPattern::Channel(ch) => Watch::channel(*ch),
        WatchPattern::Errors => Watch::errors(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axa_proto::WatchMode;

    #[test]
    fn round_trips_and_normalises() {
        for (text, want) in [
            ("ip=10.0.0.0/8", "IP=10.0.0.0/8"),
            ("ip=192.0.2.1", "IP=192.0.2.1"),
            ("ip=2001:db8::/32", "IP=2001:db8::/32"),
            ("dns=*.Google.COM", "dns=*.google.com."),
            ("dns=fsi.io", "dns=fsi.io."),
            ("dns=*.", "dns=*."),
            ("ch=221", "ch=ch221"),
            ("errors", "ERRORS"),
        ] {
            let w = Watch::parse_text(text, WatchMode::Sra).unwrap();
            let p = from_wire(&w).unwrap();
            assert_eq!(p.to_string(), want);
            assert_eq!(to_wire(&p).to_string(), want);
        }
        // Host bits set on the wire (the reference parser refuses them, the wire allows them).
        let w = Watch {
            prefix: 8,
            flags: axa_proto::watch::FLAG_WILD,
            pattern: Wire::Ipv4 {
                addr: [10, 1, 2, 3],
                len: 4,
            },
        };
        assert_eq!(from_wire(&w).unwrap().to_string(), "IP=10.0.0.0/8");
    }
}
