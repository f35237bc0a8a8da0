//! API keys, the key store and server certificates for an SRA (AXA) server.
//!
//! Customers log in over `apikey:KEY@host,port`: a TLS connection in which the AXA USER message
//! carries the API key (at most 63 characters). The server keeps no usable secret at rest: the
//! store holds only the SHA-256 of each key ([`KeyDigest`]), lookups hash the presented key and
//! compare digests in constant time ([`KeyStore::lookup_key`]). Plain `tcp:`/`unix:` user names
//! carry no secret and are a separate, explicit list ([`KeyStore::lookup_plain`]). The
//! `sra-keys` tool issues, rotates, revokes and lists accounts and generates certificates.
//!
//! The crate also generates self-signed server certificates ([`SelfSigned`], ECDSA P-256 or
//! RSA-2048), loads PEM chains and keys ([`load_cert_chain`], [`load_private_key`]) and builds
//! the rustls [`server_config`].
//!
//! # Store format
//!
//! A TOML file, mode 0600 (loading refuses any group or other permission bit). Unknown tables
//! and fields are errors, and every error names the line.
//!
//! ```toml
//! # API-key accounts (the `apikey:` transport).
//! [[user]]
//! name = "johndoe"              # shown in "OK USER johndoe authorized"; 1..=63 printable ASCII
//! key_sha256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
//! channels = [204, "210-215"]   # or "all", or "204,210-215"; numbers 0..=4095, also chN, A..=B
//! admin = false                 # STATS/KILL allowed (default false)
//! max_watches = 100             # per session (default: the server's)
//! max_rate_limit = 5000         # highest hits/second a session may set, 1..=10^9 (default: server's)
//! max_sessions = 2              # concurrent sessions (default: the server's)
//! networks = ["192.0.2.0/24", "2001:db8::/32"]   # allowed source networks (default: any)
//! expires = 2027-01-01T00:00:00Z                 # or a bare date 2027-01-01 (= 00:00 UTC)
//! disabled = false              # true = revoked
//!
//! # Plain accounts for `tcp:NAME@…` / `unix:NAME@…`: no secret; the server accepts them only
//! # on listeners configured to allow plain users. Same fields, but never key_sha256.
//! [[plain_user]]
//! name = "valid-user"
//! channels = "all"
//! ```
//!
//! Names are unique within each table (the same name may appear once in each), and no two
//! users share a digest. Only `name` and `channels` are required (plus `key_sha256` in
//! `[[user]]`). A key is 128 random bits written as 36 characters in UUID layout
//! (see [`ApiKey`]).
//!
//! # Example
//!
//! ```
//! use std::time::SystemTime;
//! use sra_keys::{Account, KeyStore, Refusal};
//!
//! let mut store = KeyStore::new();
//! let key = store.add_user(Account::new("johndoe", "204,210-215".parse()?))?;
//! let peer = Some("127.0.0.1".parse()?);
//! let user = store.lookup_key(key.as_str(), peer, SystemTime::now())?;
//! assert_eq!(user.name, "johndoe");
//! assert!(user.channels.contains(212));
//! assert_eq!(
//!     store.lookup_key("not-a-key", peer, SystemTime::now()),
//!     Err(Refusal::UnknownKey)
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod account;
pub mod apikey;
pub mod atomic;
pub mod cert;
pub mod channels;
pub mod expiry;
pub mod lookup;
pub mod rsa_key;
pub mod store;
pub mod tls;

pub use account::{Account, MAX_RATE_LIMIT};
pub use apikey::{ApiKey, DigestParseError, KeyDigest, RngError, MAX_KEY_LEN};
pub use atomic::write_atomic;
pub use cert::{CertError, KeyAlgorithm, SelfSigned, CERT_VALIDITY_DAYS};
pub use channels::{ChannelSet, ChannelSetError, MAX_CHANNEL};
pub use expiry::{Expiry, ExpiryError};
pub use lookup::Refusal;
pub use rsa_key::{generate_rsa_pkcs8, RsaKeyError};
pub use store::{AccountKind, KeyStore, StoreError, MAX_STORE_BYTES};
pub use tls::{
    fingerprint_hex, fingerprint_sha256, load_cert_chain, load_private_key, server_config,
    server_config_from_files, TlsError, MAX_PEM_BYTES,
};
