//! Logging in: finding the account for a presented API key or plain user name.
//!
//! Key lookup is constant-time with respect to the key's content: the presented key is hashed
//! with SHA-256 first, so any timing that depends on the comparison depends on a digest an
//! attacker cannot steer; then the digest is compared with EVERY stored digest using a
//! byte-wise XOR/OR accumulation ([`KeyDigest::ct_eq`], no early exit) and the matching index
//! is selected with a mask, not a branch. The work is one SHA-256 plus one 32-byte comparison
//! per stored user, whatever the key. (`ring::constant_time` is deprecated in ring 0.17, hence
//! the few lines of our own.)

use std::net::IpAddr;
use std::time::SystemTime;

use crate::account::Account;
use crate::apikey::KeyDigest;
use crate::expiry::Expiry;
use crate::store::KeyStore;

/// Why a login was refused. The server replies `ERROR USER invalid …` (never revealing which
/// reason) and logs this.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// No `[[user]]` has this key.
    #[error("unknown API key")]
    UnknownKey,
    /// No `[[plain_user]]` has this name.
    #[error("unknown user {name:?}")]
    UnknownUser {
        /// The name the client sent.
        name: String,
    },
    /// The account is disabled (revoked).
    #[error("user {name:?} is disabled")]
    Disabled {
        /// The account.
        name: String,
    },
    /// The account's expiry has passed.
    #[error("user {name:?} expired at {at}")]
    Expired {
        /// The account.
        name: String,
        /// When it expired.
        at: Expiry,
    },
    /// The peer address is outside the account's networks.
    #[error("user {name:?} may not connect from {peer}")]
    SourceNotAllowed {
        /// The account.
        name: String,
        /// The peer's address.
        peer: IpAddr,
    },
}

impl KeyStore {
    /// Finds the `[[user]]` whose key is `key` and checks it may log in now from `peer`
    /// (`None` for a non-IP transport). See the module docs for the constant-time scan.
    pub fn lookup_key(
        &self,
        key: &str,
        peer: Option<IpAddr>,
        now: SystemTime,
    ) -> Result<&Account, Refusal> {
        let presented = KeyDigest::of_key(key);
        let mut found = usize::MAX;
        for (i, account) in self.users.iter().enumerate() {
            // Every `[[user]]` has a digest (checked on load and insert).
            let equal = account
                .key_sha256
                .as_ref()
                .is_some_and(|d| d.ct_eq(&presented));
            let mask = usize::from(equal).wrapping_neg();
            found = (i & mask) | (found & !mask);
        }
        match self.users.get(found) {
            Some(account) => admit(account, peer, now),
            None => Err(Refusal::UnknownKey),
        }
    }

    /// Finds the `[[plain_user]]` called `name` (for `tcp:`/`unix:` logins, which carry no
    /// secret) and checks it may log in now from `peer`.
    pub fn lookup_plain(
        &self,
        name: &str,
        peer: Option<IpAddr>,
        now: SystemTime,
    ) -> Result<&Account, Refusal> {
        match self.plain_users.iter().find(|a| a.name == name) {
            Some(account) => admit(account, peer, now),
            None => Err(Refusal::UnknownUser {
                name: name.to_owned(),
            }),
        }
    }
}

fn admit(account: &Account, peer: Option<IpAddr>, now: SystemTime) -> Result<&Account, Refusal> {
    let name = || account.name.clone();
    if account.disabled {
        return Err(Refusal::Disabled { name: name() });
    }
    if let Some(at) = account.expires {
        if at.is_reached(now) {
            return Err(Refusal::Expired { name: name(), at });
        }
    }
    match peer {
        Some(ip) if !account.allows_peer(peer) => Err(Refusal::SourceNotAllowed {
            name: name(),
            peer: ip,
        }),
        _ => Ok(account),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channels::ChannelSet;
    use crate::store::AccountKind;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn lookup_reasons() {
        let mut s = KeyStore::new();
        let mut tmp = Account::new("tmp", ChannelSet::all());
        tmp.expires = Some(Expiry::from_unix(2_000));
        tmp.networks = vec!["127.0.0.0/8".parse().unwrap()];
        let k_tmp = s.add_user(tmp).unwrap();
        let k_gone = s.add_user(Account::new("gone", ChannelSet::all())).unwrap();
        let k_ok = s
            .add_user(Account::new("ok", "204".parse().unwrap()))
            .unwrap();
        s.set_disabled(AccountKind::ApiKey, "gone", true).unwrap();
        s.add_plain_user(Account::new("valid-user", ChannelSet::all()))
            .unwrap();

        let at = |secs| UNIX_EPOCH + Duration::from_secs(secs);
        let lo = Some("127.0.0.1".parse().unwrap());
        let far = "192.0.2.1".parse().unwrap();

        assert_eq!(
            s.lookup_key(k_ok.as_str(), Some(far), at(0)).unwrap().name,
            "ok"
        );
        assert_eq!(
            s.lookup_key(k_tmp.as_str(), lo, at(1_999)).unwrap().name,
            "tmp"
        );
        assert_eq!(
            s.lookup_key(k_tmp.as_str(), None, at(1_999)).unwrap().name,
            "tmp"
        );
        assert_eq!(
            s.lookup_key(k_tmp.as_str(), lo, at(2_000)),
            Err(Refusal::Expired {
                name: "tmp".into(),
                at: Expiry::from_unix(2_000)
            })
        );
        assert_eq!(
            s.lookup_key(k_tmp.as_str(), Some(far), at(0)),
            Err(Refusal::SourceNotAllowed {
                name: "tmp".into(),
                peer: far
            })
        );
        assert_eq!(
            s.lookup_key(k_gone.as_str(), lo, at(0)),
            Err(Refusal::Disabled {
                name: "gone".into()
            })
        );
        assert_eq!(s.lookup_key("", lo, at(0)), Err(Refusal::UnknownKey));
        let upper = k_ok.as_str().to_uppercase();
        assert_eq!(s.lookup_key(&upper, lo, at(0)), Err(Refusal::UnknownKey));
        assert_eq!(
            s.lookup_key("valid-user", lo, at(0)),
            Err(Refusal::UnknownKey)
        );

        assert_eq!(
            s.lookup_plain("valid-user", lo, at(0)).unwrap().name,
            "valid-user"
        );
        assert!(matches!(
            s.lookup_plain("ok", lo, at(0)),
            Err(Refusal::UnknownUser { .. })
        ));

        // A rotated key stops working; the new one works.
        let k_new = s.rotate("ok").unwrap();
        assert_eq!(
            s.lookup_key(k_ok.as_str(), lo, at(0)),
            Err(Refusal::UnknownKey)
        );
        assert_eq!(s.lookup_key(k_new.as_str(), lo, at(0)).unwrap().name, "ok");
    }

    #[test]
    fn lookup_by_digest_from_a_file() {
        // SHA-256("abc") stored; presenting "abc" finds the user.
        let s = KeyStore::parse(
            "[[user]]\nname = \"a\"\nkey_sha256 = \"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\"\nchannels = [1]\n",
        )
        .unwrap();
        assert_eq!(
            s.lookup_key("abc", None, SystemTime::now()).unwrap().name,
            "a"
        );
        assert_eq!(
            s.lookup_key("abc ", None, SystemTime::now()),
            Err(Refusal::UnknownKey)
        );
    }
}
