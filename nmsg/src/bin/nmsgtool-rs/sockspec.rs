//! nmsgtool's socket specification `ADDR/PORT` (a literal IPv4 or IPv6 address, no names).

use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

/// One socket address given as `ADDR/PORT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SockSpec {
    /// The address and port.
    pub addr: SocketAddr,
}

impl FromStr for SockSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<SockSpec, String> {
        let (ip, port) = s
            .rsplit_once('/')
            .ok_or_else(|| format!("{s:?}: expected ADDR/PORT"))?;
        if port.contains("..") {
            return Err(format!("{s:?}: port ranges are not supported"));
        }
        let ip: IpAddr = ip
            .parse()
            .map_err(|_| format!("{s:?}: {ip:?} is not an IP address"))?;
        let port: u16 = port
            .parse()
            .map_err(|_| format!("{s:?}: {port:?} is not a port"))?;
        Ok(SockSpec {
            addr: SocketAddr::new(ip, port),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses() {
        assert_eq!(
            "127.0.0.1/8430".parse::<SockSpec>().unwrap().addr,
            "127.0.0.1:8430".parse().unwrap()
        );
        assert_eq!(
            "::1/9430".parse::<SockSpec>().unwrap().addr,
            "[::1]:9430".parse().unwrap()
        );
        assert!("10.0.0.1:8430".parse::<SockSpec>().is_err());
        assert!("10.0.0.1/8430..8437".parse::<SockSpec>().is_err());
        assert!("host/8430".parse::<SockSpec>().is_err());
    }
}
