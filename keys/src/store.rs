//! The key store: a TOML file of `[[user]]` (API key) and `[[plain_user]]` accounts.
//!
//! Loading checks, in order: the file is a regular file no larger than 16 MiB whose mode gives
//! group and others no access at all (`chmod 600`); the TOML parses into the known tables and
//! fields (unknown fields are errors); every account is valid (name syntax, a 64-hex-digit
//! `key_sha256` in each `[[user]]` and none in `[[plain_user]]`, rate limit in range); names are
//! unique within each table and digests are unique. Every error names the line.
//!
//! Saving writes the whole file again atomically with mode 0600 (comments are not kept).

use std::fs::File;
use std::io::{self, Read};
use std::ops::Range;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::account::Account;
use crate::apikey::{ApiKey, RngError};
use crate::atomic::write_atomic;

/// The largest store file [`KeyStore::load`] reads.
pub const MAX_STORE_BYTES: u64 = 16 << 20;

/// The first lines of every saved store.
const HEADER: &str =
    "# SRA key store, managed by sra-keys (keys are never stored, only their SHA-256).\n\
                      # Keep this file mode 0600; the server refuses to load it otherwise.\n";

/// Which table an account lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccountKind {
    /// `[[user]]`: logs in with an API key over `apikey:` (TLS).
    ApiKey,
    /// `[[plain_user]]`: logs in by name over `tcp:`/`unix:` (no secret).
    Plain,
}

/// Users and plain users, as loaded from or saved to a store file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyStore {
    pub(crate) users: Vec<Account>,
    pub(crate) plain_users: Vec<Account>,
}

/// Why a store could not be loaded, saved or changed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Reading or writing the file failed.
    #[error("{file}: {source}")]
    Io {
        /// The file.
        file: String,
        /// The OS error.
        #[source]
        source: io::Error,
    },
    /// The file lets group or others read or write it.
    #[error("{file}: mode {mode:04o} gives group or others access to the key store; run chmod 600 on it")]
    Permissions {
        /// The file.
        file: String,
        /// Its permission bits.
        mode: u32,
    },
    /// The file is not a regular file or is larger than [`MAX_STORE_BYTES`].
    #[error("{file}: {reason}")]
    NotAStore {
        /// The file.
        file: String,
        /// What is wrong.
        reason: String,
    },
    /// The TOML is malformed or does not fit the store format.
    #[error("{file}:{line}:{column}: {message}")]
    Syntax {
        /// The file (`<text>` when parsed from a string).
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// An account is invalid, or two accounts clash.
    #[error("{file}:{line}: {message}")]
    Invalid {
        /// The file (`<text>` when parsed from a string).
        file: String,
        /// 1-based line of the account's table header or offending field.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A change was refused (duplicate name, unknown user, invalid account).
    #[error("{0}")]
    Refused(String),
    /// Generating a key failed.
    #[error(transparent)]
    Rng(#[from] RngError),
    /// Serializing the store failed.
    #[error("cannot write the store as TOML: {0}")]
    Serialize(#[from] toml::ser::Error),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileIn {
    #[serde(default)]
    user: Vec<Spanned<Account>>,
    #[serde(default)]
    plain_user: Vec<Spanned<Account>>,
}

#[derive(Serialize)]
struct FileOut<'a> {
    #[serde(skip_serializing_if = "<[Account]>::is_empty")]
    user: &'a [Account],
    #[serde(skip_serializing_if = "<[Account]>::is_empty")]
    plain_user: &'a [Account],
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    (line, column)
}

impl KeyStore {
    /// An empty store.
    pub fn new() -> KeyStore {
        KeyStore::default()
    }

    /// Loads and checks a store file (see the module docs for every check).
    pub fn load(path: &Path) -> Result<KeyStore, StoreError> {
        let file_name = path.display().to_string();
        let io_err = |source| StoreError::Io {
            file: file_name.clone(),
            source,
        };
        let file = File::open(path).map_err(io_err)?;
        let meta = file.metadata().map_err(io_err)?;
        if !meta.is_file() {
            return Err(StoreError::NotAStore {
                file: file_name,
                reason: "not a regular file".into(),
            });
        }
        let mode = meta.permissions().mode() & 0o7777;
        if mode & 0o077 != 0 {
            return Err(StoreError::Permissions {
                file: file_name,
                mode,
            });
        }
        let mut text = String::new();
        file.take(MAX_STORE_BYTES + 1)
            .read_to_string(&mut text)
            .map_err(io_err)?;
        if text.len() as u64 > MAX_STORE_BYTES {
            return Err(StoreError::NotAStore {
                file: file_name,
                reason: format!("larger than {MAX_STORE_BYTES} bytes"),
            });
        }
        KeyStore::parse_named(&text, &file_name)
    }

    /// Parses store text without any file checks (for embedded or generated stores).
    pub fn parse(text: &str) -> Result<KeyStore, StoreError> {
        KeyStore::parse_named(text, "<text>")
    }

    fn parse_named(text: &str, file: &str) -> Result<KeyStore, StoreError> {
        let raw: FileIn = toml::from_str(text).map_err(|e| {
            let (line, column) = line_col(text, e.span().map_or(0, |s| s.start));
            StoreError::Syntax {
                file: file.to_owned(),
                line,
                column,
                message: e.message().trim().to_owned(),
            }
        })?;
        let invalid = |span: Range<usize>, message: String| StoreError::Invalid {
            file: file.to_owned(),
            line: line_col(text, span.start).0,
            message,
        };
        let mut store = KeyStore::new();
        for (table, kind) in [
            (raw.user, AccountKind::ApiKey),
            (raw.plain_user, AccountKind::Plain),
        ] {
            for entry in table {
                let span = entry.span();
                store
                    .insert(entry.into_inner(), kind)
                    .map_err(|message| invalid(span, message))?;
            }
        }
        Ok(store)
    }

    /// Adds an account after checking it and its uniqueness.
    fn insert(&mut self, account: Account, kind: AccountKind) -> Result<(), String> {
        account.validate()?;
        let (table, what) = match kind {
            AccountKind::ApiKey => (&self.users, "user"),
            AccountKind::Plain => (&self.plain_users, "plain_user"),
        };
        match (kind, &account.key_sha256) {
            (AccountKind::ApiKey, None) => {
                return Err(format!("user {:?} has no key_sha256", account.name))
            }
            (AccountKind::Plain, Some(_)) => {
                return Err(format!(
                    "plain_user {:?} has a key_sha256; plain users have no key",
                    account.name
                ))
            }
            _ => {}
        }
        if table.iter().any(|a| a.name == account.name) {
            return Err(format!("duplicate {what} name {:?}", account.name));
        }
        if let Some(d) = &account.key_sha256 {
            if let Some(other) = self.users.iter().find(|a| a.key_sha256.as_ref() == Some(d)) {
                return Err(format!(
                    "user {:?} has the same key_sha256 as user {:?}",
                    account.name, other.name
                ));
            }
        }
        match kind {
            AccountKind::ApiKey => self.users.push(account),
            AccountKind::Plain => self.plain_users.push(account),
        }
        Ok(())
    }

    /// The store as TOML text, starting with a comment header.
    pub fn to_toml(&self) -> Result<String, StoreError> {
        let body = toml::to_string(&FileOut {
            user: &self.users,
            plain_user: &self.plain_users,
        })?;
        Ok(format!("{HEADER}\n{body}"))
    }

    /// Writes the store to `path` atomically with mode 0600 (see [`write_atomic`]).
    pub fn save(&self, path: &Path) -> Result<(), StoreError> {
        write_atomic(path, self.to_toml()?.as_bytes(), 0o600).map_err(|source| StoreError::Io {
            file: path.display().to_string(),
            source,
        })
    }

    /// The API-key accounts, in file order.
    pub fn users(&self) -> &[Account] {
        &self.users
    }

    /// The plain (`tcp:`/`unix:`) accounts, in file order.
    pub fn plain_users(&self) -> &[Account] {
        &self.plain_users
    }

    /// The account called `name` in the table of `kind`.
    pub fn account(&self, kind: AccountKind, name: &str) -> Option<&Account> {
        self.table(kind).iter().find(|a| a.name == name)
    }

    fn table(&self, kind: AccountKind) -> &Vec<Account> {
        match kind {
            AccountKind::ApiKey => &self.users,
            AccountKind::Plain => &self.plain_users,
        }
    }

    fn account_mut(&mut self, kind: AccountKind, name: &str) -> Result<&mut Account, StoreError> {
        let table = match kind {
            AccountKind::ApiKey => &mut self.users,
            AccountKind::Plain => &mut self.plain_users,
        };
        table
            .iter_mut()
            .find(|a| a.name == name)
            .ok_or_else(|| StoreError::Refused(format!("no {} named {name:?}", kind_word(kind))))
    }

    /// Adds an API-key account with a new key (any `key_sha256` in `account` is replaced) and
    /// returns the key: the only time it exists outside the client.
    pub fn add_user(&mut self, mut account: Account) -> Result<ApiKey, StoreError> {
        let key = ApiKey::generate()?;
        account.key_sha256 = Some(key.digest());
        self.insert(account, AccountKind::ApiKey)
            .map_err(StoreError::Refused)?;
        Ok(key)
    }

    /// Adds a plain account (`key_sha256` must be `None`).
    pub fn add_plain_user(&mut self, account: Account) -> Result<(), StoreError> {
        self.insert(account, AccountKind::Plain)
            .map_err(StoreError::Refused)
    }

    /// Gives an API-key account a new key (the old one stops working) and returns it. The
    /// disabled flag is left as it is.
    pub fn rotate(&mut self, name: &str) -> Result<ApiKey, StoreError> {
        let key = ApiKey::generate()?;
        let digest = key.digest();
        if self.users.iter().any(|a| a.key_sha256 == Some(digest)) {
            return Err(StoreError::Refused("generated a key already in use".into()));
        }
        self.account_mut(AccountKind::ApiKey, name)?.key_sha256 = Some(digest);
        Ok(key)
    }

    /// Disables (`true`, what `revoke` does) or re-enables an account.
    pub fn set_disabled(
        &mut self,
        kind: AccountKind,
        name: &str,
        disabled: bool,
    ) -> Result<(), StoreError> {
        self.account_mut(kind, name)?.disabled = disabled;
        Ok(())
    }

    /// Deletes an account and returns it.
    pub fn remove(&mut self, kind: AccountKind, name: &str) -> Result<Account, StoreError> {
        let table = match kind {
            AccountKind::ApiKey => &mut self.users,
            AccountKind::Plain => &mut self.plain_users,
        };
        match table.iter().position(|a| a.name == name) {
            Some(i) => Ok(table.remove(i)),
            None => Err(StoreError::Refused(format!(
                "no {} named {name:?}",
                kind_word(kind)
            ))),
        }
    }
}

fn kind_word(kind: AccountKind) -> &'static str {
    match kind {
        AccountKind::ApiKey => "user",
        AccountKind::Plain => "plain_user",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channels::ChannelSet;
    use std::fs;

    const EXAMPLE: &str = r#"
[[user]]
name = "johndoe"
key_sha256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
channels = [204, "210-215"]
admin = true
max_watches = 100
max_rate_limit = 5000
max_sessions = 2
networks = ["192.0.2.0/24", "2001:db8::/32"]
expires = 2027-01-01T00:00:00Z

[[user]]
name = "jane"
key_sha256 = "cb8379ac2098aa165029e3938a51da0bcecfc008fd6795f401178647f96c5b34"
channels = "all"
disabled = true

[[plain_user]]
name = "valid-user"
channels = "all"
"#;

    fn err_text(text: &str) -> String {
        KeyStore::parse(text).unwrap_err().to_string()
    }

    #[test]
    fn parses_the_example_and_round_trips() {
        let s = KeyStore::parse(EXAMPLE).unwrap();
        assert_eq!(s.users().len(), 2);
        let j = s.account(AccountKind::ApiKey, "johndoe").unwrap();
        assert!(j.admin && j.channels.contains(212) && !j.channels.contains(205));
        assert_eq!(
            (j.max_watches, j.max_rate_limit, j.max_sessions),
            (Some(100), Some(5000), Some(2))
        );
        assert_eq!(j.expires.unwrap().to_string(), "2027-01-01T00:00:00Z");
        assert!(s.account(AccountKind::ApiKey, "jane").unwrap().disabled);
        assert!(s
            .account(AccountKind::Plain, "valid-user")
            .unwrap()
            .channels
            .is_all());
        assert!(s.account(AccountKind::ApiKey, "valid-user").is_none());
        let text = s.to_toml().unwrap();
        assert!(text.starts_with("# SRA key store"));
        assert_eq!(KeyStore::parse(&text).unwrap(), s, "{text}");
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let cases = [
            (
                "[[user]]\nname = \"a\"\nchannels = [1]\nkey_sha256 = \"ab\"\n",
                "<text>:4:",
                "64 hex",
            ),
            (
                "[[user]]\nname = \"a\"\nchannels = [1]\ncolour = 1\n",
                "<text>:4:",
                "colour",
            ),
            (
                "[[user]]\nname = \"a\"\nchannels = [1, 5000]\n",
                "<text>:3:",
                "4095",
            ),
            ("\n\n[[user]\n", "<text>:3:", ""),
            ("[[usr]]\nname = \"a\"\n", "<text>:1:", "usr"),
            (
                "[[user]]\nname = \"a\"\n\nchannels = [1]\nexpires = 2027-13-01\n",
                "<text>:5:",
                "",
            ),
            (
                "[[plain_user]]\nname = \"a\"\nchannels = \"x\"\n",
                "<text>:3:",
                "invalid channel",
            ),
            (
                "[[plain_user]]\nname = \"a\"\nchannels = []\nnetworks = [\"10.0.0.0/33\"]\n",
                "<text>:4:",
                "",
            ),
            (
                "[[plain_user]]\nname = \"a\"\nchannels = []\nexpires = 2027-01-01T00:00:00\n",
                "<text>:4:",
                "offset",
            ),
            (
                "[[plain_user]]\nname = \"a\"\nchannels = []\nexpires = \"2027-01-01\"\n",
                "<text>:4:",
                "",
            ),
            (
                "[[plain_user]]\nname = \"a\"\nchannels = []\nadmin = \"yes\"\n",
                "<text>:4:",
                "",
            ),
        ];
        for (text, at, what) in cases {
            let e = err_text(text);
            assert!(e.starts_with(at) && e.contains(what), "{text:?} -> {e}");
        }
    }

    #[test]
    fn semantic_errors_name_the_line() {
        let d = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        let dup_name = format!(
            "[[user]]\nname = \"a\"\nkey_sha256 = \"{d}\"\nchannels = []\n\n[[user]]\nname = \"a\"\nkey_sha256 = \"{}\"\nchannels = []\n",
            d.replace('b', "c")
        );
        let e = err_text(&dup_name);
        assert!(e.starts_with("<text>:6:"), "{e}");
        assert!(e.contains("duplicate user name"), "{e}");
        let dup_digest = format!(
            "[[user]]\nname = \"a\"\nkey_sha256 = \"{d}\"\nchannels = []\n[[user]]\nname = \"b\"\nkey_sha256 = \"{d}\"\nchannels = []\n"
        );
        let e = err_text(&dup_digest);
        assert!(e.starts_with("<text>:5:"), "{e}");
        assert!(e.contains("same key_sha256"), "{e}");
        let e = err_text("[[user]]\nname = \"a\"\nchannels = []\n");
        assert!(
            e.starts_with("<text>:1:") && e.contains("no key_sha256"),
            "{e}"
        );
        let e = err_text(&format!(
            "\n[[plain_user]]\nname = \"a\"\nkey_sha256 = \"{d}\"\nchannels = []\n"
        ));
        assert!(e.starts_with("<text>:2:"), "{e}");
        assert!(e.contains("plain users have no key"), "{e}");
        let e = err_text("[[plain_user]]\nname = \"a b\"\nchannels = []\n");
        assert!(
            e.starts_with("<text>:2:") && e.contains("printable ASCII"),
            "{e}"
        );
        let e = err_text("[[plain_user]]\nname = \"a\"\nchannels = []\nmax_rate_limit = 0\n");
        assert!(
            e.starts_with("<text>:4:") && e.contains("max_rate_limit"),
            "{e}"
        );
        // Same name in both tables is allowed: they are different transports.
        KeyStore::parse(&format!(
            "[[user]]\nname = \"a\"\nkey_sha256 = \"{d}\"\nchannels = []\n[[plain_user]]\nname = \"a\"\nchannels = []\n"
        ))
        .unwrap();
    }

    #[test]
    fn load_refuses_group_or_world_access() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("keys.toml");
        KeyStore::parse(EXAMPLE).unwrap().save(&p).unwrap();
        assert_eq!(
            fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(KeyStore::load(&p).unwrap().users().len(), 2);
        for mode in [0o640, 0o604, 0o620, 0o644] {
            fs::set_permissions(&p, fs::Permissions::from_mode(mode)).unwrap();
            let e = KeyStore::load(&p).unwrap_err();
            assert!(matches!(e, StoreError::Permissions { .. }), "{mode:o}: {e}");
            assert!(e.to_string().contains("chmod 600"), "{e}");
        }
        fs::set_permissions(&p, fs::Permissions::from_mode(0o400)).unwrap();
        KeyStore::load(&p).unwrap();
        assert!(matches!(
            KeyStore::load(dir.path()),
            Err(StoreError::NotAStore { .. })
        ));
        assert!(matches!(
            KeyStore::load(&dir.path().join("none")),
            Err(StoreError::Io { .. })
        ));
    }

    #[test]
    fn load_errors_carry_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("bad.toml");
        write_atomic(&p, b"[[user]]\nname = 5\n", 0o600).unwrap();
        let e = KeyStore::load(&p).unwrap_err().to_string();
        assert!(e.starts_with(&format!("{}:2:", p.display())), "{e}");
    }

    #[test]
    fn add_rotate_disable_remove() {
        let mut s = KeyStore::new();
        let k1 = s.add_user(Account::new("u", ChannelSet::all())).unwrap();
        assert_eq!(s.users()[0].key_sha256, Some(k1.digest()));
        assert!(matches!(
            s.add_user(Account::new("u", ChannelSet::all())),
            Err(StoreError::Refused(_))
        ));
        let k2 = s.rotate("u").unwrap();
        assert_ne!(k1, k2);
        assert_eq!(s.users()[0].key_sha256, Some(k2.digest()));
        assert!(s.rotate("nobody").is_err());
        s.set_disabled(AccountKind::ApiKey, "u", true).unwrap();
        assert!(s.users()[0].disabled);
        let mut p = Account::new("p", ChannelSet::empty());
        s.add_plain_user(p.clone()).unwrap();
        p.name = "q".into();
        p.key_sha256 = Some(k1.digest());
        assert!(s.add_plain_user(p).is_err());
        assert_eq!(s.remove(AccountKind::Plain, "p").unwrap().name, "p");
        assert!(s.remove(AccountKind::Plain, "p").is_err());
    }
}
