//! The server configuration: one TOML file (architecture, "Configuration and keys").
//!
//! Every table refuses unknown keys. Errors name the line: syntax and type errors through the
//! TOML parser's span, semantic errors (a public plain-TCP bind, a duplicate channel, a user
//! entitled to a missing channel ...) through the span of the offending table. The shipped
//! `examples/srad.toml` documents every option; `examples/axa-test-suite.toml` is the set-up
//! the reference with-server tests expect (spec §9.1).
//!
//! Choices: a plain-TCP listener must bind a loopback address unless `allow_non_loopback =
//! true` is given (AXA on plain TCP is unencrypted). The `user` login kind (USER carries an
//! account name and no secret, as `tcp:user@host` clients send it) is only for such trusted
//! listeners; `apikey` logins (USER carries an API key, checked against the key store) are
//! for TLS.
//!
//! Accounts: `user` logins are looked up first in this file's `[[user]]` tables (simple local
//! accounts: name, channels, admin) and then in the key store's `[[plain_user]]` tables
//! (managed accounts, which may also carry source networks, an expiry date, watch, rate and
//! session limits); `apikey` logins only in the key store's `[[user]]` tables. So that no
//! restriction of the key store is silently bypassed, one name must not be both a `[[user]]`
//! here and a `[[plain_user]]` of the key store: the server refuses to start
//! ([`Config::check_key_store`], the error names this file's line). A `[[user]]` here may
//! share its name with an API-key account of the key store (one person, two ways in, as the
//! embedded default's `demo`); sessions are then counted together for `max_sessions`. A TLS listener with no `[tls]` table gets a generated self-signed RSA-2048
//! certificate: kept as `cert.pem`/`key.pem` in `server.data_dir` and reused at the next start
//! when a data directory is configured (`srad` always sets one, see [`default_data_dir`]),
//! generated afresh in memory otherwise.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::accounting::DEFAULT_REPORT_SECS;
use crate::generator::Kind;
use crate::index::snapshot::MAX_CHANNEL;
use crate::limiter::{RLIMIT_MAX, RLIMIT_OFF};

/// A configuration error, with the 1-based line it refers to when known.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", line.map(|l| format!("line {l}: ")).unwrap_or_default())]
pub struct ConfigError {
    /// The line of the offending text.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
}

/// The whole configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Paths and identity.
    #[serde(default)]
    pub server: ServerSection,
    /// Certificate and key for TLS listeners (absent: generated at start).
    pub tls: Option<TlsSection>,
    /// Where clients connect.
    #[serde(default, rename = "listener")]
    pub listeners: Vec<Spanned<Listener>>,
    /// Per-session limits and timers.
    #[serde(default)]
    pub limits: Limits,
    /// The SIE channels served.
    #[serde(default, rename = "channel")]
    pub channels: Vec<Spanned<Channel>>,
    /// Accounts for `user` logins.
    #[serde(default, rename = "user")]
    pub users: Vec<Spanned<LocalUser>>,
    /// Byte offsets of the line breaks of the parsed text, to turn spans into line numbers.
    #[serde(skip)]
    newlines: Vec<usize>,
}

/// `[server]`: paths and identity.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSection {
    /// The API key store file (`sra-keys` format).
    pub key_store: Option<PathBuf>,
    /// Where the server keeps state: the generated TLS certificate and key (`cert.pem`,
    /// `key.pem`). Created with mode 0700 when needed. `srad` falls back to
    /// [`default_data_dir`].
    pub data_dir: Option<PathBuf>,
    /// The host name in the HELLO text (default: the system's).
    pub hostname: Option<String>,
}

/// `[tls]`: certificate chain and private key, PEM.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsSection {
    /// PEM certificate chain.
    pub cert: PathBuf,
    /// PEM private key.
    pub key: PathBuf,
    /// Seconds a client has to finish the TLS handshake.
    #[serde(default = "default_handshake_secs")]
    pub handshake_timeout_secs: u64,
}

fn default_handshake_secs() -> u64 {
    10
}

/// A listener's transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ListenerKind {
    /// TLS over TCP (`apikey:` clients).
    Tls,
    /// Plain TCP (`tcp:` clients, or `apikey:` with `-I`).
    Tcp,
    /// A UNIX stream socket (`unix:` clients).
    Unix,
}

/// How a client may identify itself in USER.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LoginKind {
    /// USER carries an API key, checked against the key store.
    Apikey,
    /// USER carries an account name of a `[[user]]` table; no secret.
    User,
}

/// `[[listener]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Listener {
    /// Transport.
    pub kind: ListenerKind,
    /// `host:port` (TLS, TCP) or a socket path (UNIX).
    pub address: String,
    /// Accepted login kinds (default: `apikey` for TLS, `user` otherwise).
    pub logins: Option<Vec<LoginKind>>,
    /// Allow a plain-TCP listener on a non-loopback address.
    #[serde(default)]
    pub allow_non_loopback: bool,
}

impl Listener {
    /// The login kinds in force.
    pub fn logins(&self) -> Vec<LoginKind> {
        self.logins.clone().unwrap_or_else(|| match self.kind {
            ListenerKind::Tls => vec![LoginKind::Apikey],
            _ => vec![LoginKind::User],
        })
    }

    /// The socket address of a TLS or TCP listener.
    pub fn socket_addr(&self) -> Option<SocketAddr> {
        self.address.parse().ok()
    }
}

/// A rate limit: hits per second, or `"off"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum RateSetting {
    /// 1..=10⁹ hits per second.
    PerSecond(u64),
    /// `"off"`: unlimited.
    Text(OffWord),
}

/// The word `off`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OffWord {
    /// Unlimited.
    Off,
}

impl RateSetting {
    /// As an AXA RLIMIT value ([`RLIMIT_OFF`] = unlimited).
    pub fn value(self) -> u64 {
        match self {
            RateSetting::PerSecond(n) => n,
            RateSetting::Text(OffWord::Off) => RLIMIT_OFF,
        }
    }
}

/// `[limits]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Minimum seconds between MISSED reports.
    pub report_secs: u64,
    /// Hits a session's outbox holds before it drops.
    pub outbox_hits: usize,
    /// Default per-session rate limit.
    pub rate_limit: RateSetting,
    /// Watches per session.
    pub max_watches: usize,
    /// Seconds to authenticate after connecting.
    pub login_deadline_secs: u64,
    /// Seconds of silence before the server sends a NOP.
    pub keepalive_secs: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            report_secs: DEFAULT_REPORT_SECS,
            outbox_hits: 4096,
            rate_limit: RateSetting::Text(OffWord::Off),
            max_watches: 1000,
            login_deadline_secs: 30,
            keepalive_secs: 30,
        }
    }
}

/// A UDP port or an inclusive port range (`8430`, `"8430..8437"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "PortText")]
pub struct PortRange {
    /// First port.
    pub first: u16,
    /// Last port (inclusive).
    pub last: u16,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum PortText {
    One(u16),
    Text(String),
}

impl TryFrom<PortText> for PortRange {
    type Error = String;

    fn try_from(p: PortText) -> Result<Self, String> {
        let (first, last) = match p {
            PortText::One(n) => (n, n),
            PortText::Text(t) => {
                let num = |s: &str| {
                    s.trim()
                        .parse::<u16>()
                        .map_err(|_| format!("invalid port {s:?} in {t:?}"))
                };
                match t.split_once("..") {
                    Some((a, b)) => (num(a)?, num(b)?),
                    None => (num(&t)?, num(&t)?),
                }
            }
        };
        if first == 0 || last < first {
            return Err(format!("invalid port range {first}..{last}"));
        }
        if last - first >= 20 {
            return Err(format!(
                "port range {first}..{last} spans more than 20 ports"
            ));
        }
        Ok(PortRange { first, last })
    }
}

/// Where a channel's data comes from.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum Source {
    /// NMSG containers as UDP datagrams (SIE's broadcast VLANs).
    Udp {
        /// Address to bind (often a broadcast address).
        addr: IpAddr,
        /// Port or range, one socket per port.
        ports: PortRange,
    },
    /// Replay of an NMSG file.
    File {
        /// The file.
        path: PathBuf,
        /// Payloads per second (absent: as fast as possible).
        rate: Option<u32>,
        /// Start again at the end.
        #[serde(default, rename = "loop")]
        repeat: bool,
    },
    /// Replay of a pcap file of IP packets.
    Pcap {
        /// The file.
        path: PathBuf,
        /// Packets per second (absent: as fast as possible).
        rate: Option<u32>,
        /// Start again at the end.
        #[serde(default, rename = "loop")]
        repeat: bool,
    },
    /// The built-in traffic generator.
    Generator {
        /// What to generate.
        generator: Kind,
        /// Items per second.
        rate: u32,
        /// Seed (same seed, same traffic).
        #[serde(default)]
        seed: u64,
    },
}

/// `[[channel]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Channel {
    /// 0..=4095.
    pub number: u16,
    /// The CLIST spec text (free text, ≤ 1023 bytes).
    #[serde(default)]
    pub description: String,
    /// The data source.
    pub source: Source,
}

/// `[[user]]`: an account for `user` logins.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocalUser {
    /// The name clients send in USER (≤ 63 bytes).
    pub name: String,
    /// Channels the account may use.
    #[serde(default)]
    pub channels: Vec<u16>,
    /// May use the admin requests (STATS, KILL).
    #[serde(default)]
    pub admin: bool,
}

/// The configuration the server runs with when given no file: loopback listeners (TLS with a
/// generated certificate, plain TCP for `user` logins), four demo channels fed by the
/// generator, and the account `demo` entitled to them.
pub const EMBEDDED_DEFAULT: &str = r#"
[[listener]]
kind = "tls"
address = "127.0.0.1:1011"

[[listener]]
kind = "tcp"
address = "127.0.0.1:1021"

[[channel]]
number = 204
description = "ch204 SIE:dnsdedupe (generated)"
source = { kind = "generator", generator = "dnsdedupe", rate = 200, seed = 204 }

[[channel]]
number = 213
description = "ch213 SIE:newdomain (generated)"
source = { kind = "generator", generator = "newdomain", rate = 20, seed = 213 }

[[channel]]
number = 202
description = "ch202 base:dnsqr (generated)"
source = { kind = "generator", generator = "dnsqr", rate = 200, seed = 202 }

[[channel]]
number = 14
description = "ch14 darknet IP packets (generated)"
source = { kind = "generator", generator = "darknet", rate = 50, seed = 14 }

[[user]]
name = "demo"
channels = [14, 202, 204, 213]
"#;

/// The data directory `srad` uses when neither `--data-dir` nor `server.data_dir` names one:
/// `$SRAD_DATA_DIR`, else `$XDG_DATA_HOME/srad` (if absolute), else `$HOME/.local/share/srad`,
/// else `./srad-data`. `env` looks up an environment variable (`std::env::var_os`).
pub fn default_data_dir(env: impl Fn(&str) -> Option<std::ffi::OsString>) -> PathBuf {
    let set = |k: &str| env(k).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(d) = set("SRAD_DATA_DIR") {
        return d;
    }
    if let Some(d) = set("XDG_DATA_HOME").filter(|d| d.is_absolute()) {
        return d.join("srad");
    }
    if let Some(h) = set("HOME") {
        return h.join(".local/share/srad");
    }
    PathBuf::from("srad-data")
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

impl Config {
    /// Parses and validates a configuration text.
    pub fn parse(text: &str) -> Result<Config, ConfigError> {
        let mut cfg: Config = toml::from_str(text).map_err(|e| ConfigError {
            line: e.span().map(|s| line_of(text, s.start)),
            message: e.message().to_string(),
        })?;
        cfg.validate(text)?;
        cfg.newlines = text.match_indices('\n').map(|(i, _)| i).collect();
        Ok(cfg)
    }

    /// The 1-based line of byte offset `offset` of the parsed text.
    fn line_at(&self, offset: usize) -> usize {
        self.newlines.partition_point(|n| *n < offset) + 1
    }

    /// The 1-based line where `[[listener]]` number `i` (configuration order) is defined.
    pub fn listener_line(&self, i: usize) -> Option<usize> {
        self.listeners.get(i).map(|l| self.line_at(l.span().start))
    }

    /// The 1-based line where `[[channel]]` number `i` (configuration order) is defined.
    pub fn channel_line(&self, i: usize) -> Option<usize> {
        self.channels.get(i).map(|c| self.line_at(c.span().start))
    }

    /// The 1-based line where the `[[user]]` called `name` is defined.
    pub fn user_line(&self, name: &str) -> Option<usize> {
        self.users
            .iter()
            .find(|u| u.get_ref().name == name)
            .map(|u| self.line_at(u.span().start))
    }

    /// Reads, parses and validates a configuration file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            line: None,
            message: format!("{}: {e}", path.display()),
        })?;
        Config::parse(&text).map_err(|e| ConfigError {
            message: format!("{}: {}", path.display(), e.message),
            ..e
        })
    }

    /// The [`EMBEDDED_DEFAULT`] configuration.
    pub fn embedded_default() -> Config {
        // The constant is tested to parse; fall back to an empty config rather than panic.
        Config::parse(EMBEDDED_DEFAULT).unwrap_or_else(|_| Config {
            server: ServerSection::default(),
            tls: None,
            listeners: Vec::new(),
            limits: Limits::default(),
            channels: Vec::new(),
            users: Vec::new(),
            newlines: Vec::new(),
        })
    }

    /// Sets the port of every TLS (or plain-TCP) listener to `port`, keeping its host; returns
    /// how many listeners changed (0: there is no listener of that kind).
    pub fn set_listener_port(&mut self, kind: ListenerKind, port: u16) -> usize {
        let mut changed = 0;
        for l in &mut self.listeners {
            let l = l.get_mut();
            if l.kind != kind {
                continue;
            }
            if let Some(mut a) = l.socket_addr() {
                a.set_port(port);
                l.address = a.to_string();
                changed += 1;
            }
        }
        changed
    }

    /// The channel with number `n`.
    pub fn channel(&self, n: u16) -> Option<&Channel> {
        self.channels
            .iter()
            .map(|c| c.get_ref())
            .find(|c| c.number == n)
    }

    /// The `[[user]]` account called `name`.
    pub fn user(&self, name: &str) -> Option<&LocalUser> {
        self.users
            .iter()
            .map(|u| u.get_ref())
            .find(|u| u.name == name)
    }

    /// Checks this configuration against the key store it runs with (`store_name` names the
    /// store in the message): a `[[user]]` must not also be a `[[plain_user]]` of the store.
    pub fn check_key_store(
        &self,
        store: &sra_keys::KeyStore,
        store_name: &str,
    ) -> Result<(), ConfigError> {
        for u in &self.users {
            let name = &u.get_ref().name;
            if store.plain_users().iter().any(|p| p.name == *name) {
                return Err(ConfigError {
                    line: Some(self.line_at(u.span().start)),
                    message: format!(
                        "user {name:?} is defined both here and as a [[plain_user]] of the key \
                         store {store_name}; name logins would use this one and ignore the key \
                         store's restrictions: keep only one of them"
                    ),
                });
            }
        }
        Ok(())
    }

    fn validate(&self, text: &str) -> Result<(), ConfigError> {
        let err = |span: std::ops::Range<usize>, message: String| ConfigError {
            line: Some(line_of(text, span.start)),
            message,
        };
        let mut seen_addr = Vec::new();
        for l in &self.listeners {
            let (span, l) = (l.span(), l.get_ref());
            match l.kind {
                ListenerKind::Tls | ListenerKind::Tcp => {
                    let Some(a) = l.socket_addr() else {
                        return Err(err(
                            span,
                            format!(
                                "listener address {:?} is not host:port (e.g. 127.0.0.1:1021)",
                                l.address
                            ),
                        ));
                    };
                    let trusted = l.logins().contains(&LoginKind::User);
                    if (l.kind == ListenerKind::Tcp || trusted)
                        && !a.ip().is_loopback()
                        && !l.allow_non_loopback
                    {
                        return Err(err(span, format!("listener {a} is unencrypted or accepts `user` logins but is not on loopback; set allow_non_loopback = true to allow it")));
                    }
                }
                ListenerKind::Unix => {
                    if l.address.is_empty() || l.address.len() > 107 {
                        return Err(err(
                            span,
                            format!("UNIX socket path {:?} must be 1..=107 bytes", l.address),
                        ));
                    }
                }
            }
            if l.logins().is_empty() {
                return Err(err(span, "listener accepts no login kind".into()));
            }
            if seen_addr.contains(&l.address) {
                return Err(err(span, format!("two listeners on {}", l.address)));
            }
            seen_addr.push(l.address.clone());
        }
        let lim = &self.limits;
        if let RateSetting::PerSecond(n) = lim.rate_limit {
            if n == 0 || n > RLIMIT_MAX {
                return Err(ConfigError {
                    line: None,
                    message: format!("limits.rate_limit {n} must be 1..=1000000000 or \"off\""),
                });
            }
        }
        if lim.outbox_hits == 0 || lim.max_watches == 0 {
            return Err(ConfigError {
                line: None,
                message: "limits.outbox_hits and limits.max_watches must be at least 1".into(),
            });
        }
        let mut numbers = Vec::new();
        for c in &self.channels {
            let (span, c) = (c.span(), c.get_ref());
            if c.number > MAX_CHANNEL {
                return Err(err(span, format!("channel {} is above 4095", c.number)));
            }
            if numbers.contains(&c.number) {
                return Err(err(span, format!("channel {} is defined twice", c.number)));
            }
            if c.description.len() > 1023 {
                return Err(err(
                    span,
                    format!("channel {} description is longer than 1023 bytes", c.number),
                ));
            }
            match &c.source {
                Source::Generator { rate: 0, .. } => {
                    return Err(err(
                        span,
                        format!("channel {}: generator rate must be at least 1", c.number),
                    ));
                }
                Source::File { rate: Some(0), .. } | Source::Pcap { rate: Some(0), .. } => {
                    return Err(err(
                        span,
                        format!(
                            "channel {}: rate must be at least 1 (omit it for full speed)",
                            c.number
                        ),
                    ));
                }
                _ => {}
            }
            numbers.push(c.number);
        }
        let mut names = Vec::new();
        for u in &self.users {
            let (span, u) = (u.span(), u.get_ref());
            if u.name.is_empty() || u.name.len() > 63 || u.name.contains('\0') {
                return Err(err(
                    span,
                    format!("user name {:?} must be 1..=63 bytes without NUL", u.name),
                ));
            }
            if names.contains(&u.name) {
                return Err(err(span, format!("user {} is defined twice", u.name)));
            }
            if let Some(ch) = u.channels.iter().find(|c| !numbers.contains(c)) {
                return Err(err(
                    span,
                    format!(
                        "user {} is entitled to channel {ch}, which is not configured",
                        u.name
                    ),
                ));
            }
            names.push(u.name.clone());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example(name: &str) -> String {
        let p = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("examples")
            .join(name);
        std::fs::read_to_string(p).unwrap()
    }

    #[test]
    fn shipped_example_parses() {
        let c = Config::parse(&example("srad.toml")).unwrap();
        assert!(c
            .listeners
            .iter()
            .any(|l| l.get_ref().kind == ListenerKind::Tls));
        assert!(c.tls.is_some());
        assert!(c.channels.len() >= 4);
        assert!(matches!(
            c.channel(202).unwrap().source,
            Source::Udp {
                ports: PortRange {
                    first: 8430,
                    last: 8437
                },
                ..
            }
        ));
    }

    #[test]
    fn test_suite_config_matches_spec_9_1() {
        let c = Config::load(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/axa-test-suite.toml"),
        )
        .unwrap();
        let l = c.listeners[0].get_ref();
        assert_eq!(
            (l.kind, l.socket_addr()),
            (ListenerKind::Tcp, Some("127.0.0.1:9999".parse().unwrap()))
        );
        assert_eq!(l.logins(), [LoginKind::User]);
        assert_eq!(c.user("valid-user").unwrap().channels, [221]);
        assert!(c.user("inexistent-user").is_none());
        assert!(c.channel(999).is_none());
        let Source::Generator {
            generator,
            rate,
            seed,
        } = c.channel(221).unwrap().source
        else {
            panic!("ch221 must be generated");
        };
        assert!(rate >= 10);
        assert!(generator.nmsg_type().is_some(), "NMSG traffic");
        // One second of ch221 traffic has names under google.com (test 001060).
        let mut g = crate::generator::Generator::new(generator, rate, seed, 1_700_000_000);
        let mut keys = crate::observation::MatchKeys::default();
        let google = crate::index::name::from_text("google.com").unwrap();
        let hits = (0..rate)
            .filter(|_| {
                g.next_into(&mut keys);
                keys.names().any(|k| k.bytes.ends_with(&google))
            })
            .count();
        assert!(hits >= 4, "{hits}");
    }

    #[test]
    fn embedded_default_parses() {
        let c = Config::parse(EMBEDDED_DEFAULT).unwrap();
        assert_eq!(c.channels.len(), 4);
        assert_eq!(Config::embedded_default().listeners.len(), 2);
        assert_eq!(c.limits.report_secs, 10);
        assert_eq!(c.limits.rate_limit.value(), RLIMIT_OFF);
    }

    #[test]
    fn default_data_dir_order() {
        fn env<'a>(
            vars: &'a [(&'a str, &'a str)],
        ) -> impl Fn(&str) -> Option<std::ffi::OsString> + 'a {
            move |k| {
                vars.iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| std::ffi::OsString::from(v))
            }
        }
        let all = [
            ("SRAD_DATA_DIR", "/srv/srad"),
            ("XDG_DATA_HOME", "/x"),
            ("HOME", "/home/u"),
        ];
        assert_eq!(default_data_dir(env(&all)), Path::new("/srv/srad"));
        assert_eq!(default_data_dir(env(&all[1..])), Path::new("/x/srad"));
        let relative_xdg = [("XDG_DATA_HOME", "x"), ("HOME", "/home/u")];
        assert_eq!(
            default_data_dir(env(&relative_xdg)),
            Path::new("/home/u/.local/share/srad")
        );
        assert_eq!(default_data_dir(env(&[])), Path::new("srad-data"));
    }

    #[test]
    fn lines_of_listeners_and_users() {
        let c = Config::parse(&example("axa-test-suite.toml")).unwrap();
        let text = example("axa-test-suite.toml");
        let want = |table: &str| text.lines().position(|l| l.starts_with(table)).unwrap() + 1;
        assert_eq!(c.listener_line(0), Some(want("[[listener]]")));
        assert_eq!(c.listener_line(1), None);
        assert_eq!(c.channel_line(0), Some(want("[[channel]]")));
        assert_eq!(c.user_line("valid-user"), Some(want("[[user]]")));
        assert_eq!(c.user_line("nobody"), None);
    }

    #[test]
    fn a_user_in_both_places_is_refused() {
        let c = Config::parse(&example("axa-test-suite.toml")).unwrap();
        let mut store = sra_keys::KeyStore::new();
        store
            .add_user(sra_keys::Account::new("valid-user", "221".parse().unwrap()))
            .unwrap();
        c.check_key_store(&store, "keys.toml")
            .expect("an API-key account may share the name");
        store
            .add_plain_user(sra_keys::Account::new("valid-user", "221".parse().unwrap()))
            .unwrap();
        let e = c.check_key_store(&store, "keys.toml").unwrap_err();
        assert_eq!(e.line, c.user_line("valid-user"));
        assert!(
            e.message
                .contains("[[plain_user]] of the key store keys.toml"),
            "{e}"
        );
    }

    #[test]
    fn listener_port_override() {
        let mut c = Config::embedded_default();
        assert_eq!(c.set_listener_port(ListenerKind::Tls, 0), 1);
        assert_eq!(c.set_listener_port(ListenerKind::Tcp, 10021), 1);
        assert_eq!(c.set_listener_port(ListenerKind::Unix, 1), 0);
        let addrs: Vec<_> = c.listeners.iter().map(|l| &l.get_ref().address).collect();
        assert_eq!(addrs, ["127.0.0.1:0", "127.0.0.1:10021"]);
    }

    fn fails(text: &str) -> ConfigError {
        Config::parse(text).unwrap_err()
    }

    #[test]
    fn errors_name_the_line() {
        let e = fails("[limits]\nreport_secs = 5\nbogus = 1\n");
        assert_eq!(e.line, Some(3), "{e}");
        let e = fails("\n\n[[listener]]\nkind = \"tcp\"\naddress = \"0.0.0.0:9999\"\n");
        assert_eq!(e.line, Some(3), "{e}");
        assert!(
            e.to_string().starts_with("line 3: listener 0.0.0.0:9999"),
            "{e}"
        );
        let e = fails("[[channel]]\nnumber = 1\nsource = { kind = \"udp\", addr = \"10.0.0.255\", ports = \"9000..9100\" }\n");
        assert_eq!(e.line, Some(3), "{e}");
        assert!(e.message.contains("more than 20 ports"), "{e}");
        let e = fails("[[channel]]\nnumber = 1\nsource = { kind = \"generator\", generator = \"bogus\", rate = 1 }\n");
        assert_eq!(e.line, Some(3), "{e}");
        let e = fails("[[channel]]\nnumber = 5000\nsource = { kind = \"generator\", generator = \"dnsqr\", rate = 1 }\n");
        assert_eq!(e.line, Some(1), "{e}");
        let e = fails("[[channel]]\nnumber = 1\nsource = { kind = \"generator\", generator = \"dnsqr\", rate = 1 }\n[[user]]\nname = \"a\"\nchannels = [2]\n");
        assert_eq!(e.line, Some(4), "{e}");
        assert!(e.message.contains("channel 2"), "{e}");
        let e = fails(
            "[[listener]]\nkind = \"tls\"\naddress = \"0.0.0.0:1011\"\nlogins = [\"user\"]\n",
        );
        assert!(e.message.contains("allow_non_loopback"), "{e}");
        let e = fails("[limits]\nrate_limit = \"fast\"\n");
        assert_eq!(e.line, Some(2), "{e}");
    }

    #[test]
    fn accepted_variants() {
        let c = Config::parse(
            "[limits]\nrate_limit = 100\n[[listener]]\nkind = \"tcp\"\naddress = \"192.0.2.1:1021\"\nallow_non_loopback = true\n[[listener]]\nkind = \"unix\"\naddress = \"/tmp/srad.sock\"\n[[channel]]\nnumber = 3\nsource = { kind = \"file\", path = \"x.nmsg\", loop = true }\n[[channel]]\nnumber = 4\nsource = { kind = \"udp\", addr = \"10.32.4.255\", ports = 8430 }\n",
        )
        .unwrap();
        assert_eq!(c.limits.rate_limit.value(), 100);
        assert_eq!(c.listeners[1].get_ref().logins(), [LoginKind::User]);
        assert_eq!(
            c.channel(3).unwrap().source,
            Source::File {
                path: "x.nmsg".into(),
                rate: None,
                repeat: true
            }
        );
        assert!(matches!(
            c.channel(4).unwrap().source,
            Source::Udp {
                ports: PortRange {
                    first: 8430,
                    last: 8430
                },
                ..
            }
        ));
    }
}
