//! sratool's text for server messages (AXA spec §3.5), as pure functions.
//!
//! Opcode names (`WATCH`, `CHANNEL ON/OFF`, …) come from axa-proto; these functions take them
//! as text. Differences from libaxa, on purpose: MISSED times are printed in UTC (libaxa uses
//! the local zone; the spec asks for UTC), and "no regular reports" gets its own line (libaxa
//! glues it to the previous one).

use std::fmt::Write;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::utc::UtcTime;

/// `AXA_RLIMIT_OFF`: unlimited / never.
pub const RLIMIT_OFF: u64 = 1_000_000_001;
/// `AXA_RLIMIT_NA`: not applicable / no change.
pub const RLIMIT_NA: u64 = u64::MAX;

/// A tag as printed: `*` for 0.
pub fn tag_str(tag: u16) -> String {
    if tag == 0 {
        "*".to_owned()
    } else {
        tag.to_string()
    }
}

/// OK/ERROR: `<tag> OK|ERROR [<ORIG OP NAME> ]<text>`; `orig_op` is `None` when the reply
/// answers no specific request (orig_op OK, NOP or ERROR).
pub fn result(tag: u16, ok: bool, orig_op: Option<&str>, text: &str) -> String {
    let word = if ok { "OK" } else { "ERROR" };
    match orig_op {
        Some(op) => format!("{} {word} {op} {text}", tag_str(tag)),
        None => format!("{} {word} {text}", tag_str(tag)),
    }
}

/// `* HELLO <server text>`.
pub fn hello(text: &str) -> String {
    format!("* HELLO {text}")
}

/// `* Using AXA protocol <n>`.
pub fn using_protocol(pvers: u8) -> String {
    format!("* Using AXA protocol {pvers}")
}

/// A UTC time as `YYYY/MM/DD HH:MM:SS`.
pub fn utc_time(unix: i64) -> String {
    let t = UtcTime::from_unix(unix);
    format!(
        "{:04}/{:02}/{:02} {:02}:{:02}:{:02}",
        t.year, t.month, t.day, t.hour, t.minute, t.second
    )
}

/// The counters of a MISSED report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MissedCounts {
    /// Lost on the server's input.
    pub missed: u64,
    /// Dropped for congestion towards the client.
    pub dropped: u64,
    /// Dropped by the rate limit.
    pub rlimit: u64,
    /// Considered.
    pub filtered: u64,
    /// Unix time of the previous report.
    pub last_report: u32,
}

/// MISSED, four lines.
pub fn missed(tag: u16, m: &MissedCounts) -> String {
    format!(
        "{} MISSED\n    missed {} input packets, dropped {} for congestion,\n\tdropped {} for rate limit, filtered {}\n\tsince {}",
        tag_str(tag),
        m.missed,
        m.dropped,
        m.rlimit,
        m.filtered,
        utc_time(i64::from(m.last_report))
    )
}

/// OPT TRACE: `<tag> OPTION trace=N`.
pub fn opt_trace(tag: u16, level: u32) -> String {
    format!("{} OPTION trace={level}", tag_str(tag))
}

/// OPT RLIMIT: `<tag> OPTION RATE LIMIT`, then the limit line (unless both the limit and the
/// counter are not applicable) and the report interval line (unless not applicable).
pub fn opt_rlimit(tag: u16, max: u64, cur: u64, report_secs: u64) -> String {
    let mut s = format!("{} OPTION RATE LIMIT", tag_str(tag));
    if !(max == RLIMIT_NA && cur == RLIMIT_NA) {
        let limit = match max {
            RLIMIT_NA => "no change".to_owned(),
            RLIMIT_OFF => "unlimited".to_owned(),
            n => n.to_string(),
        };
        let _ = write!(s, "\n    {limit} per second");
        if cur != RLIMIT_NA {
            let _ = write!(s, "; current value={cur}");
        }
    }
    match report_secs {
        RLIMIT_OFF => s.push_str("\n    no regular reports"),
        RLIMIT_NA => {}
        n => {
            let _ = write!(s, "\n    {n} seconds between reports");
        }
    }
    s
}

/// OPT SAMPLE: `<tag> OPTION sample 50.00%` (0 = `request sample rate`).
pub fn opt_sample(tag: u16, value: u32) -> String {
    if value == 0 {
        format!("{} OPTION request sample rate", tag_str(tag))
    } else {
        format!(
            "{} OPTION sample {:.2}%",
            tag_str(tag),
            f64::from(value) / 10_000.0
        )
    }
}

/// OPT SNDBUF: `<tag> OPTION bufsize=N` (0 = `request bufsize`).
pub fn opt_sndbuf(tag: u16, bytes: u32) -> String {
    if bytes == 0 {
        format!("{} OPTION request bufsize", tag_str(tag))
    } else {
        format!("{} OPTION bufsize={bytes}", tag_str(tag))
    }
}

/// WLIST: `%7s %s` (the listed watch's tag, its text).
pub fn wlist(cur_tag: u16, watch_text: &str) -> String {
    format!("{:>7} {watch_text}", tag_str(cur_tag))
}

/// Printed before a WLIST answering `[tag] get watches` when the server listed another tag.
pub fn nearest_watch(asked: u16, listed: u16) -> String {
    format!(
        "     nearest watch to {} is {}",
        tag_str(asked),
        tag_str(listed)
    )
}

/// CLIST: ` %8s %3s %s` (`chN`, `on`/`off`, description).
pub fn clist(ch: u16, on: bool, spec: &str) -> String {
    format!(
        " {:>8} {:>3} {spec}",
        format!("ch{ch}"),
        if on { "on" } else { "off" }
    )
}

/// An NMSG hit at verbose 0: `<tag> ch<N>  <nmsg JSON>`.
pub fn nmsg_hit(tag: u16, ch: u16, json: &str) -> String {
    format!("{} ch{ch}  {json}", tag_str(tag))
}

/// An IP hit: `<tag> ch<N>` then the packet summary line.
pub fn ip_hit(tag: u16, ch: u16, packet: &[u8]) -> String {
    format!("{} ch{ch}\n {}", tag_str(tag), ip_summary(packet))
}

/// After `count N` is exhausted.
pub const COUNT_EXCEEDED: &str = "packet count limit exceeded";

/// `src > dst TTL=n PROTO …` for a raw IP packet (ports joined with `.`), or a short reason
/// when the packet cannot be parsed. Bounds-checked; never panics.
pub fn ip_summary(p: &[u8]) -> String {
    let (src, dst, ttl, proto, l4) = match p.first().map(|b| b >> 4) {
        Some(4) if p.len() >= 20 => {
            let ihl = usize::from(p[0] & 0x0f) * 4;
            let frag_off = u16::from_be_bytes([p[6], p[7]]) & 0x1fff;
            let l4 = if ihl >= 20 && frag_off == 0 {
                p.get(ihl..)
            } else {
                None
            };
            let a = |o: usize| IpAddr::V4(Ipv4Addr::new(p[o], p[o + 1], p[o + 2], p[o + 3]));
            (a(12), a(16), p[8], p[9], l4)
        }
        Some(6) if p.len() >= 40 => {
            let a = |o: usize| {
                let mut b = [0u8; 16];
                b.copy_from_slice(&p[o..o + 16]);
                IpAddr::V6(Ipv6Addr::from(b))
            };
            (a(8), a(24), p[7], p[6], p.get(40..))
        }
        Some(4) | Some(6) => return "truncated IP header".to_owned(),
        _ => return "unknown packet".to_owned(),
    };
    let ports = |l4: &[u8]| {
        (l4.len() >= 4).then(|| {
            (
                u16::from_be_bytes([l4[0], l4[1]]),
                u16::from_be_bytes([l4[2], l4[3]]),
            )
        })
    };
    let (info, ports) = match (proto, l4) {
        (17, Some(u)) if u.len() >= 8 => (
            format!("UDP {} bytes", u16::from_be_bytes([u[4], u[5]])),
            ports(u),
        ),
        (6, Some(t)) if t.len() >= 20 => {
            let mut s = "TCP".to_owned();
            for (bit, name) in [
                (0x01, " FIN"),
                (0x02, " SYN"),
                (0x10, " ACK"),
                (0x04, " RST"),
            ] {
                if t[13] & bit != 0 {
                    s.push_str(name);
                }
            }
            (s, ports(t))
        }
        (17, Some(_)) => ("UDP truncated header".to_owned(), None),
        (6, Some(_)) => ("TCP truncated header".to_owned(), None),
        (17, None) => ("UDP later fragment".to_owned(), None),
        (6, None) => ("TCP later fragment".to_owned(), None),
        (1, _) => ("ICMP".to_owned(), None),
        (58, _) => ("ICMPv6".to_owned(), None),
        (n, _) => (format!("IP protocol {n}"), None),
    };
    match ports {
        Some((sp, dp)) => format!("{src}.{sp} > {dst}.{dp} TTL={ttl} {info}"),
        None => format!("{src} > {dst} TTL={ttl} {info}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_as_in_the_spec() {
        assert_eq!(
            result(0, true, Some("CHANNEL ON/OFF"), "channel ch213 on"),
            "* OK CHANNEL ON/OFF channel ch213 on"
        );
        assert_eq!(
            result(1, true, Some("WATCH"), "started"),
            "1 OK WATCH started"
        );
        assert_eq!(
            result(0, true, Some("USER"), "johndoe authorized"),
            "* OK USER johndoe authorized"
        );
        assert_eq!(
            result(1, false, Some("WATCH"), "unknown channel ch999"),
            "1 ERROR WATCH unknown channel ch999"
        );
        assert_eq!(
            result(0, true, Some("PAUSE"), "output paused"),
            "* OK PAUSE output paused"
        );
        assert_eq!(
            result(
                0,
                true,
                Some("ACCOUNTING"),
                "total-filtered=66360 total-missed=0 total-collected=0 total-sent=64912\n    total-ratelimited=0 total-congested=0"
            ),
            "* OK ACCOUNTING total-filtered=66360 total-missed=0 total-collected=0 total-sent=64912\n    total-ratelimited=0 total-congested=0"
        );
        // Trace text: no op name.
        assert_eq!(result(0, true, None, "trace text"), "* OK trace text");
        assert_eq!(hello("srad v3.0.1 prod"), "* HELLO srad v3.0.1 prod");
        assert_eq!(using_protocol(2), "* Using AXA protocol 2");
    }

    #[test]
    fn missed_report() {
        // 2015/04/05 15:49:35 UTC
        let m = MissedCounts {
            missed: 0,
            dropped: 0,
            rlimit: 32002,
            filtered: 32006,
            last_report: 1_428_248_975,
        };
        assert_eq!(
            missed(0, &m),
            "* MISSED\n    missed 0 input packets, dropped 0 for congestion,\n\tdropped 32002 for rate limit, filtered 32006\n\tsince 2015/04/05 15:49:35"
        );
    }

    #[test]
    fn options() {
        assert_eq!(opt_trace(0, 3), "* OPTION trace=3");
        assert_eq!(
            opt_rlimit(0, 1, 0, 5),
            "* OPTION RATE LIMIT\n    1 per second; current value=0\n    5 seconds between reports"
        );
        assert_eq!(
            opt_rlimit(1, RLIMIT_OFF, RLIMIT_NA, RLIMIT_OFF),
            "1 OPTION RATE LIMIT\n    unlimited per second\n    no regular reports"
        );
        assert_eq!(
            opt_rlimit(0, RLIMIT_NA, RLIMIT_NA, RLIMIT_NA),
            "* OPTION RATE LIMIT"
        );
        assert_eq!(
            opt_rlimit(0, RLIMIT_NA, 7, RLIMIT_NA),
            "* OPTION RATE LIMIT\n    no change per second; current value=7"
        );
        assert_eq!(opt_sample(0, 500_000), "* OPTION sample 50.00%");
        assert_eq!(opt_sample(0, 1_000_000), "* OPTION sample 100.00%");
        assert_eq!(opt_sample(0, 0), "* OPTION request sample rate");
        assert_eq!(opt_sndbuf(0, 65536), "* OPTION bufsize=65536");
        assert_eq!(opt_sndbuf(0, 0), "* OPTION request bufsize");
    }

    #[test]
    fn lists() {
        assert_eq!(wlist(1, "ch=ch221"), "      1 ch=ch221");
        assert_eq!(wlist(12345, "IP=10.0.0.0/8"), "  12345 IP=10.0.0.0/8");
        assert_eq!(nearest_watch(3, 5), "     nearest watch to 3 is 5");
        assert_eq!(clist(221, true, "SIE demo"), "    ch221  on SIE demo");
        assert_eq!(clist(2, false, "x"), "      ch2 off x");
        assert_eq!(nmsg_hit(1, 204, "{}"), "1 ch204  {}");
    }

    fn udp4() -> Vec<u8> {
        let mut p = vec![
            0x45, 0, 0, 37, 0, 0, 0, 0, 64, 17, 0, 0, 192, 0, 2, 1, 198, 51, 100, 7,
        ];
        p.extend_from_slice(&[0x30, 0x39, 0x00, 0x35, 0, 17, 0, 0]);
        p.extend_from_slice(b"123456789");
        p
    }

    #[test]
    fn ip_summaries() {
        assert_eq!(
            ip_summary(&udp4()),
            "192.0.2.1.12345 > 198.51.100.7.53 TTL=64 UDP 17 bytes"
        );
        assert_eq!(
            ip_hit(2, 14, &udp4()),
            "2 ch14\n 192.0.2.1.12345 > 198.51.100.7.53 TTL=64 UDP 17 bytes"
        );
        let mut tcp = vec![
            0x45, 0, 0, 40, 0, 0, 0, 0, 5, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
        ];
        let mut th = vec![0u8; 20];
        th[..4].copy_from_slice(&[0, 80, 0x1f, 0x90]);
        th[13] = 0x12; // SYN ACK
        tcp.extend_from_slice(&th);
        assert_eq!(
            ip_summary(&tcp),
            "10.0.0.1.80 > 10.0.0.2.8080 TTL=5 TCP SYN ACK"
        );
        let mut v6 = vec![0x60, 0, 0, 0, 0, 8, 58, 255];
        v6.extend_from_slice(&Ipv6Addr::LOCALHOST.octets());
        v6.extend_from_slice(&"2001:db8::1".parse::<Ipv6Addr>().unwrap().octets());
        v6.extend_from_slice(&[128, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(ip_summary(&v6), "::1 > 2001:db8::1 TTL=255 ICMPv6");
        // Fragment, truncated, garbage.
        let mut frag = udp4();
        frag[7] = 10;
        assert!(ip_summary(&frag).ends_with("UDP later fragment"));
        assert_eq!(ip_summary(&udp4()[..10]), "truncated IP header");
        assert_eq!(ip_summary(&[]), "unknown packet");
        assert_eq!(ip_summary(&[0x12, 0x34]), "unknown packet");
        assert!(ip_summary(&udp4()[..24]).ends_with("UDP truncated header"));
    }
}
