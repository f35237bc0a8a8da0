//! Connection strings (spec §4.1, §4.3, §16 item 10): `apikey:KEY@host,port`,
//! `tcp:[user@]host,port`, `unix:[user@]/path`, or an alias from the config file.
//!
//! Parsing only: host names are not resolved here.

use std::fmt;
use std::path::PathBuf;

use crate::config_file::AxaConfig;

/// Longest user name / API key (the USER field holds 63 bytes and a NUL).
pub const USER_MAX: usize = 63;
/// Longest UNIX socket path (`sun_path` is 108 bytes with the NUL).
pub const UNIX_PATH_MAX: usize = 107;

/// The transport of a connection string.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Transport {
    /// `unix:` — clear text over a UNIX domain socket.
    Unix,
    /// `tcp:` — clear text over TCP.
    Tcp,
    /// `apikey:` — TLS over TCP (or plain TCP in the client's insecure mode), USER = key.
    Apikey,
}

impl Transport {
    /// The prefix without colon (`unix`, `tcp`, `apikey`).
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Unix => "unix",
            Transport::Tcp => "tcp",
            Transport::Apikey => "apikey",
        }
    }
}

/// Where to connect.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ConnAddr {
    /// A host name or IP literal (brackets removed) and a port (1..=65535).
    HostPort {
        /// Host name or IPv4/IPv6 literal, unresolved.
        host: String,
        /// Port.
        port: u16,
    },
    /// A UNIX socket path (≤ 107 bytes).
    Unix(PathBuf),
}

/// A parsed connection string.
///
/// `Display` writes the canonical form but hides an API key (`apikey:<hidden>@…`), so it is
/// safe to log; [`ConnSpec::to_spec_string`] gives the full text.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ConnSpec {
    /// The transport.
    pub transport: Transport,
    /// The user name (`tcp:`/`unix:`; `None` = identify with NOP) or the API key
    /// (`apikey:`, always present).
    pub user: Option<String>,
    /// The address.
    pub addr: ConnAddr,
}

impl fmt::Debug for ConnSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ConnSpec({self})")
    }
}

/// Why a connection string was refused (libaxa's words where it has them; never echoes an
/// API key).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConnSpecError {
    /// Neither `:` nor a blank in the text.
    #[error("missing AXA transport delimiter")]
    MissingDelimiter,
    /// A prefix other than `unix:`, `tcp:`, `apikey:` (including the removed `tls:`,
    /// `ssh:`), and not an alias.
    #[error("invalid AXA transport protocol or alias \"{0}\"")]
    InvalidTransport(String),
    /// `apikey:` with an empty key.
    #[error("apikey connection string has no apikey")]
    NoApikey,
    /// `apikey:KEY` without `@host,port`.
    #[error("apikey connection string has no server specification")]
    NoServer,
    /// The user name or key has more than 63 characters.
    #[error("server user name too long ({0} bytes, at most 63)")]
    UserTooLong(usize),
    /// `user@` with an empty user (libaxa accepts it; refused here, spec §16 item 10).
    #[error("empty user name before '@'")]
    EmptyUser,
    /// Empty address, or one starting with `-`.
    #[error("invalid server name \"{0}\"")]
    InvalidServer(String),
    /// `host` without `,port` (there is no default port).
    #[error("missing port in \"{0}\"")]
    MissingPort(String),
    /// Port not a number in 1..=65535 (libaxa takes 0 and wraps larger values; refused
    /// here, spec §16 item 10).
    #[error("invalid port \"{0}\" (must be 1..65535)")]
    InvalidPort(String),
    /// UNIX path longer than 107 bytes (libaxa silently truncates; refused here).
    #[error("UNIX socket path of {0} bytes is too long (at most 107)")]
    PathTooLong(usize),
}

impl ConnSpec {
    /// Parse a connection string (no aliases). Transport prefixes are case-insensitive;
    /// surrounding blanks are ignored; `user@` is split at the first `@` like libaxa (so
    /// `unix:/a@b` is user `/a`, path `b`); host and port are separated by `,` or `/`;
    /// IPv6 literals work (`tcp:2001:db8::1,1011`, brackets optional).
    pub fn parse(text: &str) -> Result<ConnSpec, ConnSpecError> {
        let s = text.trim_matches(|c: char| c.is_ascii_whitespace());
        let Some(colon) = s.find(':') else {
            return Err(if s.contains(|c: char| c.is_ascii_whitespace()) {
                ConnSpecError::InvalidTransport(s.split_whitespace().next().unwrap_or("").into())
            } else {
                ConnSpecError::MissingDelimiter
            });
        };
        let (proto, rest) = (&s[..colon], &s[colon + 1..]);
        let transport = match proto.to_ascii_lowercase().as_str() {
            "unix" => Transport::Unix,
            "tcp" => Transport::Tcp,
            "apikey" => Transport::Apikey,
            _ => return Err(ConnSpecError::InvalidTransport(proto.into())),
        };
        let (user, addr) = match rest.split_once('@') {
            Some((u, a)) => (Some(u), a),
            None => (None, rest),
        };
        match (transport, user) {
            (Transport::Apikey, None) if rest.is_empty() => return Err(ConnSpecError::NoApikey),
            (Transport::Apikey, None) => return Err(ConnSpecError::NoServer),
            (Transport::Apikey, Some("")) => return Err(ConnSpecError::NoApikey),
            (_, Some("")) => return Err(ConnSpecError::EmptyUser),
            (_, Some(u)) if u.len() > USER_MAX => return Err(ConnSpecError::UserTooLong(u.len())),
            _ => {}
        }
        if addr.is_empty() || addr.starts_with('-') {
            return Err(ConnSpecError::InvalidServer(addr.into()));
        }
        let addr = match transport {
            Transport::Unix => {
                if addr.len() > UNIX_PATH_MAX {
                    return Err(ConnSpecError::PathTooLong(addr.len()));
                }
                ConnAddr::Unix(PathBuf::from(addr))
            }
            _ => {
                let Some(sep) = addr.rfind([',', '/']) else {
                    return Err(ConnSpecError::MissingPort(addr.into()));
                };
                let (host, port_s) = (&addr[..sep], &addr[sep + 1..]);
                let host = host
                    .strip_prefix('[')
                    .and_then(|h| h.strip_suffix(']'))
                    .unwrap_or(host);
                if host.is_empty() {
                    return Err(ConnSpecError::InvalidServer(addr.into()));
                }
                let port = match port_s.parse::<u16>() {
                    Ok(p) if p != 0 && port_s.bytes().all(|b| b.is_ascii_digit()) => p,
                    _ => return Err(ConnSpecError::InvalidPort(port_s.into())),
                };
                ConnAddr::HostPort {
                    host: host.into(),
                    port,
                }
            }
        };
        Ok(ConnSpec {
            transport,
            user: user.map(str::to_string),
            addr,
        })
    }

    /// Parse `text`, first replacing it by its alias target if `config` defines an alias
    /// of exactly that name (spec §8.4).
    pub fn parse_with_aliases(
        text: &str,
        config: Option<&AxaConfig>,
    ) -> Result<ConnSpec, ConnSpecError> {
        let t = text.trim_matches(|c: char| c.is_ascii_whitespace());
        match config.and_then(|c| c.alias(t)) {
            Some(target) => ConnSpec::parse(target),
            None => ConnSpec::parse(t),
        }
    }

    /// The full connection string, API key included (do not log it).
    pub fn to_spec_string(&self) -> String {
        self.render(false)
    }

    /// The address part for messages: `host,port` or the path.
    pub fn label(&self) -> String {
        match &self.addr {
            ConnAddr::HostPort { host, port } => format!("{host},{port}"),
            ConnAddr::Unix(p) => p.display().to_string(),
        }
    }

    fn render(&self, hide_key: bool) -> String {
        let user = match (&self.user, self.transport, hide_key) {
            (Some(_), Transport::Apikey, true) => "<hidden>@".to_string(),
            (Some(u), _, _) => format!("{u}@"),
            (None, _, _) => String::new(),
        };
        format!("{}:{user}{}", self.transport.as_str(), self.label())
    }
}

impl fmt::Display for ConnSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(true))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hp(host: &str, port: u16) -> ConnAddr {
        ConnAddr::HostPort {
            host: host.into(),
            port,
        }
    }

    #[test]
    fn good() {
        let s = ConnSpec::parse("apikey:08459ef5-1417-448a-bc93-d61917d32f52@axa.dev.fsi.io,1011")
            .unwrap();
        assert_eq!(s.transport, Transport::Apikey);
        assert_eq!(
            s.user.as_deref(),
            Some("08459ef5-1417-448a-bc93-d61917d32f52")
        );
        assert_eq!(s.addr, hp("axa.dev.fsi.io", 1011));
        assert_eq!(s.label(), "axa.dev.fsi.io,1011");
        assert_eq!(s.to_string(), "apikey:<hidden>@axa.dev.fsi.io,1011");
        assert!(!format!("{s:?}").contains("08459ef5"));
        let s = ConnSpec::parse("TCP:valid-user@127.0.0.1,9999").unwrap();
        assert_eq!(
            (s.transport, s.user.as_deref()),
            (Transport::Tcp, Some("valid-user"))
        );
        assert_eq!(s.to_spec_string(), "tcp:valid-user@127.0.0.1,9999");
        assert_eq!(ConnSpec::parse("tcp:host/99").unwrap().addr, hp("host", 99));
        assert_eq!(ConnSpec::parse("tcp:host,99").unwrap().user, None);
        assert_eq!(
            ConnSpec::parse("tcp:2001:db8::1,1011").unwrap().addr,
            hp("2001:db8::1", 1011)
        );
        assert_eq!(ConnSpec::parse("tcp:u@[::1],1").unwrap().addr, hp("::1", 1));
        let s = ConnSpec::parse("unix:user@/var/run/srad.sock").unwrap();
        assert_eq!(s.addr, ConnAddr::Unix("/var/run/srad.sock".into()));
        let s = ConnSpec::parse("unix:/a@b").unwrap();
        assert_eq!(
            (s.user.as_deref(), s.addr),
            (Some("/a"), ConnAddr::Unix("b".into()))
        );
    }

    #[test]
    fn bad() {
        use ConnSpecError::*;
        fn e(s: &str) -> ConnSpecError {
            ConnSpec::parse(s).unwrap_err()
        }
        assert_eq!(e("localhost"), MissingDelimiter);
        assert_eq!(e("tls:u@h,1"), InvalidTransport("tls".into()));
        assert_eq!(e("ssh host"), InvalidTransport("ssh".into()));
        assert_eq!(e("apikey:"), NoApikey);
        assert_eq!(e("apikey:@h,1"), NoApikey);
        assert_eq!(e("apikey:KEY"), NoServer);
        assert_eq!(e("apikey:KEY@"), InvalidServer("".into()));
        assert_eq!(e(&format!("tcp:{}@h,1", "u".repeat(64))), UserTooLong(64));
        assert!(ConnSpec::parse(&format!("tcp:{}@h,1", "u".repeat(63))).is_ok());
        assert_eq!(e("tcp:@h,1"), EmptyUser);
        assert_eq!(e("tcp:-h,1"), InvalidServer("-h,1".into()));
        assert_eq!(e("tcp:host"), MissingPort("host".into()));
        assert_eq!(e("tcp:host,"), InvalidPort("".into()));
        assert_eq!(e("tcp:host/"), InvalidPort("".into()));
        assert_eq!(e("tcp:host,0"), InvalidPort("0".into()));
        assert_eq!(e("tcp:host,65536"), InvalidPort("65536".into()));
        assert_eq!(e("tcp:host,+5"), InvalidPort("+5".into()));
        assert_eq!(e(&format!("unix:/{}", "p".repeat(107))), PathTooLong(108));
        assert!(e("apikey:SECRETKEY@h")
            .to_string()
            .find("SECRETKEY")
            .is_none());
    }
}
