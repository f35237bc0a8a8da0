//! One account of the key store: identity, entitlements, limits and access conditions.

use std::net::IpAddr;

use ipnet::IpNet;
use serde::{de, Deserialize, Deserializer, Serialize};

use crate::apikey::{KeyDigest, MAX_KEY_LEN};
use crate::channels::ChannelSet;
use crate::expiry::Expiry;

/// The highest rate limit a client can ask for (`AXA_RLIMIT_MAX`, 10⁹ per second).
pub const MAX_RATE_LIMIT: u64 = 1_000_000_000;

/// An account: a `[[user]]` (API key) or `[[plain_user]]` (`tcp:`/`unix:` name) table.
///
/// Limits left out (`None`) mean "the server's default".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    /// Account name, shown in `OK USER <name> authorized` and in logs (1..=63 printable ASCII
    /// characters, no blanks). For a plain user this is also what the client sends in USER.
    #[serde(deserialize_with = "de_name")]
    pub name: String,
    /// SHA-256 of the API key: required in `[[user]]`, refused in `[[plain_user]]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_sha256: Option<KeyDigest>,
    /// Channels the account may switch on and watch.
    pub channels: ChannelSet,
    /// Whether the account may use the admin requests (STATS, KILL).
    #[serde(default, skip_serializing_if = "is_false")]
    pub admin: bool,
    /// Most watches one session may hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_watches: Option<u32>,
    /// Highest per-second rate limit (hits/s, 1..=10⁹) a session of this account may have.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "de_rate_limit"
    )]
    pub max_rate_limit: Option<u64>,
    /// Most concurrent sessions of this account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_sessions: Option<u32>,
    /// Source networks the account may connect from; empty = any. Applies to IP peers only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub networks: Vec<IpNet>,
    /// When the account stops working.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<Expiry>,
    /// A disabled account is refused (this is what `sra-keys revoke` sets).
    #[serde(default, skip_serializing_if = "is_false")]
    pub disabled: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl Account {
    /// An enabled account with no key, no limits, no network or time restriction.
    pub fn new(name: impl Into<String>, channels: ChannelSet) -> Account {
        Account {
            name: name.into(),
            key_sha256: None,
            channels,
            admin: false,
            max_watches: None,
            max_rate_limit: None,
            max_sessions: None,
            networks: Vec::new(),
            expires: None,
            disabled: false,
        }
    }

    /// Whether a peer at `peer` may use the account. `None` (a UNIX-socket peer) always may:
    /// network restrictions apply to IP transports only.
    pub fn allows_peer(&self, peer: Option<IpAddr>) -> bool {
        match peer {
            None => true,
            Some(_) if self.networks.is_empty() => true,
            Some(ip) => {
                let ip = canonical_ip(ip);
                self.networks.iter().any(|net| net.contains(&ip))
            }
        }
    }

    /// Checks what the Rust types alone cannot: name syntax and rate limit range (loading
    /// checks the same while parsing, so errors point at the field's line).
    pub fn validate(&self) -> Result<(), String> {
        validate_name(&self.name)?;
        if let Some(r) = self.max_rate_limit {
            validate_rate_limit(r)?;
        }
        Ok(())
    }
}

fn validate_rate_limit(r: u64) -> Result<(), String> {
    if r == 0 || r > MAX_RATE_LIMIT {
        return Err(format!("max_rate_limit {r} is not in 1..=1000000000"));
    }
    Ok(())
}

fn de_name<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let name = String::deserialize(d)?;
    validate_name(&name).map_err(de::Error::custom)?;
    Ok(name)
}

fn de_rate_limit<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    let r = u64::deserialize(d)?;
    validate_rate_limit(r).map_err(de::Error::custom)?;
    Ok(Some(r))
}

/// An IPv4-mapped IPv6 peer (`::ffff:192.0.2.1`, as a dual-stack listener reports it) is
/// matched as the IPv4 address.
fn canonical_ip(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// 1..=63 printable ASCII characters without blanks.
fn validate_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > MAX_KEY_LEN {
        return Err(format!("user name {name:?} must have 1 to 63 characters"));
    }
    if !name.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(format!(
            "user name {name:?} must be printable ASCII without blanks"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peer_networks() {
        let mut a = Account::new("u", ChannelSet::empty());
        let v4: IpAddr = "192.0.2.7".parse().unwrap();
        assert!(a.allows_peer(Some(v4)) && a.allows_peer(None));
        a.networks = vec![
            "192.0.2.0/24".parse().unwrap(),
            "2001:db8::/32".parse().unwrap(),
        ];
        assert!(a.allows_peer(Some(v4)));
        assert!(a.allows_peer(Some("::ffff:192.0.2.9".parse().unwrap())));
        assert!(a.allows_peer(Some("2001:db8::1".parse().unwrap())));
        assert!(!a.allows_peer(Some("198.51.100.1".parse().unwrap())));
        assert!(a.allows_peer(None));
    }

    #[test]
    fn names_and_limits() {
        let mut a = Account::new("john.doe@example", ChannelSet::all());
        assert!(a.validate().is_ok());
        for bad in ["", "a b", "tab\t", &"x".repeat(64), "é"] {
            a.name = bad.to_owned();
            assert!(a.validate().is_err(), "{bad:?}");
        }
        a.name = "ok".into();
        a.max_rate_limit = Some(0);
        assert!(a.validate().is_err());
        a.max_rate_limit = Some(MAX_RATE_LIMIT);
        assert!(a.validate().is_ok());
    }
}
