//! Protocol version negotiation and the client HELLO (AXA spec §2).

use axa_proto::{Hello, PVERS, PVERS_MAX, PVERS_MIN};

/// Longest client HELLO text; longer JSON is cut and ends with `...`, as libaxa does.
pub const HELLO_TEXT_MAX: usize = 511;

/// The version to speak after the server's HELLO: 2 clamped to the server's range, then to
/// what we speak (1..=2).
pub fn negotiated_version(server: &Hello) -> u8 {
    let lo = server.pvers_min.min(server.pvers_max);
    PVERS
        .clamp(lo, server.pvers_max.max(lo))
        .clamp(PVERS_MIN, PVERS_MAX)
}

/// Our HELLO in answer to the server's, when it speaks version 2 or later (none otherwise).
pub fn client_hello(server: &Hello, origin: &str) -> Option<Hello> {
    if server.pvers_max < 2 {
        return None;
    }
    Some(Hello {
        id: server.id,
        pvers_min: PVERS_MIN,
        pvers_max: PVERS_MAX,
        text: client_hello_json(origin, negotiated_version(server)),
    })
}

fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned())
}

/// The client description libaxa sends, keys in its order. We describe ourselves honestly:
/// `libaxa` is this crate's version prefixed `sra-client `, the NMSG and TLS libraries are the
/// Rust ones, `libwdns` is `none` and `libyajl` is 0.
pub fn client_hello_json(origin: &str, pvers: u8) -> String {
    let u = rustix::system::uname();
    let s = |c: &std::ffi::CStr| c.to_string_lossy().into_owned();
    let fields: [(&str, String); 11] = [
        ("hostname", quote(&s(u.nodename()))),
        ("uname_sysname", quote(&s(u.sysname()))),
        ("uname_release", quote(&s(u.release()))),
        ("uname_version", quote(&s(u.version()))),
        ("uname_machine", quote(&s(u.machine()))),
        ("origin", quote(origin)),
        (
            "libaxa",
            quote(concat!("sra-client ", env!("CARGO_PKG_VERSION"))),
        ),
        ("libnmsg", quote("nmsg (Rust)")),
        ("libwdns", quote("none")),
        ("libyajl", "0".to_owned()),
        ("OpenSSL", quote("rustls")),
    ];
    let mut out = String::from("{");
    for (k, v) in fields {
        out.push_str(&format!("{}:{v},", quote(k)));
    }
    out.push_str(&format!("\"AXA protocol\":{pvers}}}"));
    truncate(out)
}

fn truncate(mut s: String) -> String {
    if s.len() <= HELLO_TEXT_MAX {
        return s;
    }
    let mut cut = HELLO_TEXT_MAX - 3;
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    s.truncate(cut);
    s.push_str("...");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(min: u8, max: u8) -> Hello {
        Hello {
            id: 42,
            pvers_min: min,
            pvers_max: max,
            text: "srad v3.0.1 test supporting AXA protocols v1 to v2; currently using v1".into(),
        }
    }

    #[test]
    fn negotiation() {
        assert_eq!(negotiated_version(&server(1, 2)), 2);
        assert_eq!(negotiated_version(&server(1, 1)), 1);
        assert_eq!(negotiated_version(&server(1, 9)), 2);
        assert_eq!(negotiated_version(&server(3, 9)), 2);
        assert_eq!(negotiated_version(&server(0, 0)), 1);
        assert!(client_hello(&server(1, 1), "sratunnel").is_none());
        let h = client_hello(&server(1, 2), "sratunnel").unwrap();
        assert_eq!((h.id, h.pvers_min, h.pvers_max), (42, 1, 2));
    }

    #[test]
    fn json_is_valid_and_ordered() {
        let text = client_hello_json("sratool", 2);
        assert!(text.len() <= HELLO_TEXT_MAX);
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["origin"], "sratool");
        assert_eq!(v["AXA protocol"], 2);
        let keys = [
            "hostname",
            "uname_sysname",
            "uname_release",
            "uname_version",
            "uname_machine",
            "origin",
            "libaxa",
            "libnmsg",
            "libwdns",
            "libyajl",
            "OpenSSL",
            "AXA protocol",
        ];
        let mut pos = 0;
        for k in keys {
            let at = text[pos..].find(&format!("\"{k}\":")).unwrap() + pos;
            pos = at;
        }
    }

    #[test]
    fn long_text_is_cut() {
        let t = truncate("é".repeat(400));
        assert!(t.len() <= HELLO_TEXT_MAX && t.ends_with("..."));
    }
}
