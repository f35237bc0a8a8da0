//! The output specification of sratunnel `-o` and sratool `forward` (AXA spec §8.3).
//!
//! Prefixes are case-insensitive, as in libaxa. Host and port are separated by `,` (or `/`),
//! the port is required and must be 1..=65535 (libaxa wraps larger ports and accepts 0; we
//! refuse them, spec §16 item 10).

use std::path::PathBuf;

use super::OutputError;

/// A parsed output destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutputSpec {
    /// `nmsg:host,port` / `nmsg:udp:host,port`: NMSG datagrams (1280-byte containers).
    NmsgUdp {
        /// Host name or address.
        host: String,
        /// UDP port.
        port: u16,
    },
    /// `nmsg:tcp:host,port`: an NMSG stream (file framing) over TCP.
    NmsgTcp {
        /// Host name or address.
        host: String,
        /// TCP port.
        port: u16,
    },
    /// `nmsg:file:path`: a binary NMSG file.
    NmsgFile(PathBuf),
    /// `nmsg:file_json:path`: NMSG as newline-delimited JSON.
    NmsgJson(PathBuf),
    /// `pcap:path`: a pcap file.
    Pcap(PathBuf),
    /// `pcap-fifo:path`: pcap into a FIFO.
    PcapFifo(PathBuf),
    /// `pcap-if:[dst/]ifname`: inject on a network interface.
    PcapIf {
        /// Destination MAC address text, if given.
        dst: Option<String>,
        /// Interface name.
        ifname: String,
    },
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

/// Splits `host,port` (or `host/port`) with a mandatory port in 1..=65535.
pub fn parse_host_port(addr: &str) -> Result<(String, u16), String> {
    let Some(i) = addr.rfind([',', '/']) else {
        return Err(format!("missing port in \"{addr}\""));
    };
    let (host, port) = (&addr[..i], &addr[i + 1..]);
    if host.is_empty() {
        return Err(format!("missing host in \"{addr}\""));
    }
    let port: u16 = port
        .parse()
        .ok()
        .filter(|&p| p != 0)
        .ok_or_else(|| format!("invalid port \"{port}\" in \"{addr}\""))?;
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    Ok((host.to_owned(), port))
}

impl OutputSpec {
    /// Parses an `-o` / `forward` argument.
    pub fn parse(text: &str) -> Result<OutputSpec, OutputError> {
        let err = |reason: String| OutputError::Spec {
            spec: text.to_owned(),
            reason,
        };
        let path = |rest: &str| {
            if rest.is_empty() {
                Err(err("missing file name".into()))
            } else {
                Ok(PathBuf::from(rest))
            }
        };
        if let Some(rest) = strip_prefix_ci(text, "pcap-fifo:") {
            return Ok(OutputSpec::PcapFifo(path(rest)?));
        }
        if let Some(rest) = strip_prefix_ci(text, "pcap-if:") {
            let (dst, ifname) = match rest.split_once('/') {
                Some((d, i)) => (Some(d.to_owned()), i),
                None => (None, rest),
            };
            if ifname.is_empty() {
                return Err(err("missing interface name".into()));
            }
            return Ok(OutputSpec::PcapIf {
                dst,
                ifname: ifname.to_owned(),
            });
        }
        if let Some(rest) = strip_prefix_ci(text, "pcap:") {
            return Ok(OutputSpec::Pcap(path(rest)?));
        }
        let Some(rest) = strip_prefix_ci(text, "nmsg:") else {
            return Err(err("unrecognized output type".into()));
        };
        if let Some(p) = strip_prefix_ci(rest, "file_json:") {
            return Ok(OutputSpec::NmsgJson(path(p)?));
        }
        if let Some(p) = strip_prefix_ci(rest, "file:") {
            return Ok(OutputSpec::NmsgFile(path(p)?));
        }
        if let Some(a) = strip_prefix_ci(rest, "tcp:") {
            let (host, port) = parse_host_port(a).map_err(err)?;
            return Ok(OutputSpec::NmsgTcp { host, port });
        }
        let a = strip_prefix_ci(rest, "udp:").unwrap_or(rest);
        if a.is_empty() {
            return Err(err("missing address or file name".into()));
        }
        let (host, port) = parse_host_port(a).map_err(err)?;
        Ok(OutputSpec::NmsgUdp { host, port })
    }

    /// The file this output writes, for the file-based outputs (the only ones `-k`, `-Z` and
    /// `-p` apply to).
    pub fn file_path(&self) -> Option<&PathBuf> {
        match self {
            OutputSpec::NmsgFile(p) | OutputSpec::NmsgJson(p) | OutputSpec::Pcap(p) => Some(p),
            _ => None,
        }
    }

    /// The suffix kickfile rotation gives finished files of this output.
    pub fn kickfile_suffix(&self) -> &'static str {
        match self {
            OutputSpec::NmsgJson(_) => ".jsonl",
            OutputSpec::Pcap(_) | OutputSpec::PcapFifo(_) => ".pcap",
            _ => ".nmsg",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> OutputSpec {
        OutputSpec::parse(s).unwrap()
    }

    #[test]
    fn all_forms() {
        let udp = OutputSpec::NmsgUdp {
            host: "127.0.0.1".into(),
            port: 8888,
        };
        assert_eq!(p("nmsg:127.0.0.1,8888"), udp);
        assert_eq!(p("nmsg:udp:127.0.0.1,8888"), udp);
        assert_eq!(p("NMSG:UDP:127.0.0.1/8888"), udp);
        assert_eq!(
            p("nmsg:tcp:[::1],5000"),
            OutputSpec::NmsgTcp {
                host: "::1".into(),
                port: 5000
            }
        );
        assert_eq!(
            p("nmsg:udp:2001:db8::1,1011"),
            OutputSpec::NmsgUdp {
                host: "2001:db8::1".into(),
                port: 1011
            }
        );
        assert_eq!(
            p("nmsg:file:/tmp/x.nmsg"),
            OutputSpec::NmsgFile("/tmp/x.nmsg".into())
        );
        assert_eq!(
            p("nmsg:file_json:out.json"),
            OutputSpec::NmsgJson("out.json".into())
        );
        assert_eq!(p("pcap:a.pcap"), OutputSpec::Pcap("a.pcap".into()));
        assert_eq!(p("pcap-fifo:/tmp/f"), OutputSpec::PcapFifo("/tmp/f".into()));
        assert_eq!(
            p("pcap-if:0:1:2:3:4:5/eth0"),
            OutputSpec::PcapIf {
                dst: Some("0:1:2:3:4:5".into()),
                ifname: "eth0".into()
            }
        );
        assert_eq!(
            p("pcap-if:lo"),
            OutputSpec::PcapIf {
                dst: None,
                ifname: "lo".into()
            }
        );
    }

    #[test]
    fn errors() {
        for bad in [
            "kafka:x",
            "nmsg:",
            "nmsg:file:",
            "pcap:",
            "nmsg:127.0.0.1",
            "nmsg:127.0.0.1,0",
            "nmsg:127.0.0.1,65536",
            "nmsg:,80",
            "nmsg:tcp:h,x",
            "pcap-if:",
        ] {
            assert!(OutputSpec::parse(bad).is_err(), "{bad}");
        }
        let e = OutputSpec::parse("nmsg:h,99999").unwrap_err().to_string();
        assert!(e.contains("invalid port"), "{e}");
    }

    #[test]
    fn file_outputs_and_suffixes() {
        assert!(p("nmsg:file:x").file_path().is_some());
        assert!(p("nmsg:h,1").file_path().is_none());
        assert_eq!(p("nmsg:file_json:x").kickfile_suffix(), ".jsonl");
        assert_eq!(p("nmsg:file:x").kickfile_suffix(), ".nmsg");
    }
}
