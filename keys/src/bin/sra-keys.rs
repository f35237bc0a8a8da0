//! `sra-keys`: manage the SRA server's key store and certificates.
//!
//! The store is `--store FILE`, else `$SRA_KEYS`, else `./sra-keys.toml`. Every change rewrites
//! the store atomically with mode 0600, so a running server never reads half a file. A new API
//! key is printed once, alone on stdout (messages go to stderr), and is never stored.
//! `revoke` disables the account (kept, so `list` shows it and the server logs "disabled");
//! `revoke --delete` removes it; `enable` undoes a revoke.

#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use ipnet::IpNet;
use sra_keys::{Account, AccountKind, ChannelSet, Expiry, KeyAlgorithm, KeyStore, SelfSigned};

#[derive(Parser)]
#[command(
    name = "sra-keys",
    version,
    about = "Manage SRA API keys, plain users and server certificates"
)]
struct Cli {
    /// Key store file [default: $SRA_KEYS, else ./sra-keys.toml]
    #[arg(long, global = true, value_name = "FILE")]
    store: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create an empty store (mode 0600)
    Init {
        /// Replace an existing store
        #[arg(long)]
        force: bool,
    },
    /// Add an account; for an API-key user the new key is printed once on stdout
    Add(Box<AddArgs>),
    /// Give a user a new API key (printed once); the old key stops working
    Rotate {
        /// Account name
        user: String,
    },
    /// Disable an account (its key stops working), or delete it with --delete
    Revoke {
        /// Account name
        user: String,
        /// A plain (tcp:/unix:) user rather than an API-key user
        #[arg(long)]
        plain: bool,
        /// Delete the account instead of disabling it
        #[arg(long)]
        delete: bool,
    },
    /// Re-enable a revoked (disabled) account
    Enable {
        /// Account name
        user: String,
        /// A plain (tcp:/unix:) user rather than an API-key user
        #[arg(long)]
        plain: bool,
    },
    /// List accounts (never keys; at most an 8-digit digest prefix)
    List,
    /// Generate a self-signed server certificate: DIR/cert.pem and DIR/key.pem (mode 0600)
    Cert {
        /// RSA-2048 instead of ECDSA P-256 (needed by libaxa clients that use TLS 1.2)
        #[arg(long)]
        rsa: bool,
        /// Output directory
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Host name or IP address (repeatable; the first is also the CN)
        #[arg(long = "name", value_name = "HOST", required = true)]
        names: Vec<String>,
        /// Overwrite existing files
        #[arg(long)]
        force: bool,
    },
}

#[derive(Args)]
struct AddArgs {
    /// Account name (1 to 63 printable characters, no blanks)
    user: String,
    /// Entitled channels: "all", or a list like 204,213,210-215 ("" for none)
    #[arg(long, value_name = "LIST")]
    channels: ChannelSet,
    /// A plain tcp:/unix: user (no key) instead of an API-key user
    #[arg(long)]
    plain: bool,
    /// Allow admin requests (STATS, KILL)
    #[arg(long)]
    admin: bool,
    /// Most watches per session
    #[arg(long, value_name = "N")]
    max_watches: Option<u32>,
    /// Highest per-second rate limit a session may set (1..=1000000000)
    #[arg(long, value_name = "N")]
    max_rate_limit: Option<u64>,
    /// Most concurrent sessions
    #[arg(long, value_name = "N")]
    max_sessions: Option<u32>,
    /// Allowed source network (repeatable; default: any)
    #[arg(long = "network", value_name = "CIDR")]
    networks: Vec<IpNet>,
    /// Expiry: YYYY-MM-DD (00:00 UTC) or YYYY-MM-DDTHH:MM:SSZ
    #[arg(long, value_name = "WHEN")]
    expires: Option<Expiry>,
}

fn main() -> std::process::ExitCode {
    match run(Cli::parse()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sra-keys: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    let store = cli
        .store
        .or_else(|| std::env::var_os("SRA_KEYS").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("sra-keys.toml"));
    match cli.command {
        Command::Init { force } => {
            if store.exists() && !force {
                bail!("{} exists; use --force to replace it", store.display());
            }
            KeyStore::new().save(&store)?;
            eprintln!("created {}", store.display());
        }
        Command::Add(args) => add(&store, *args)?,
        Command::Rotate { user } => {
            let mut keys = load(&store)?;
            let key = keys.rotate(&user)?;
            keys.save(&store)?;
            eprintln!("new API key for {user} (shown once; the old key no longer works):");
            println!("{key}");
        }
        Command::Revoke {
            user,
            plain,
            delete,
        } => {
            let mut keys = load(&store)?;
            let kind = kind(plain);
            if delete {
                keys.remove(kind, &user)?;
            } else {
                keys.set_disabled(kind, &user, true)?;
            }
            keys.save(&store)?;
            eprintln!("{} {user}", if delete { "deleted" } else { "disabled" });
        }
        Command::Enable { user, plain } => {
            let mut keys = load(&store)?;
            keys.set_disabled(kind(plain), &user, false)?;
            keys.save(&store)?;
            eprintln!("enabled {user}");
        }
        Command::List => list(&load(&store)?),
        Command::Cert {
            rsa,
            out,
            names,
            force,
        } => cert(&out, &names, rsa, force)?,
    }
    Ok(())
}

fn kind(plain: bool) -> AccountKind {
    if plain {
        AccountKind::Plain
    } else {
        AccountKind::ApiKey
    }
}

fn load(store: &Path) -> Result<KeyStore> {
    if !store.exists() {
        bail!(
            "{} does not exist; create it with `sra-keys --store {0} init`",
            store.display()
        );
    }
    Ok(KeyStore::load(store)?)
}

fn add(store: &Path, a: AddArgs) -> Result<()> {
    let mut keys = load(store)?;
    let mut account = Account::new(a.user.clone(), a.channels);
    account.admin = a.admin;
    account.max_watches = a.max_watches;
    account.max_rate_limit = a.max_rate_limit;
    account.max_sessions = a.max_sessions;
    account.networks = a.networks;
    account.expires = a.expires;
    if a.plain {
        keys.add_plain_user(account)?;
        keys.save(store)?;
        eprintln!("added plain user {}", a.user);
    } else {
        let key = keys.add_user(account)?;
        keys.save(store)?;
        eprintln!(
            "added user {}; API key (shown once, it is not stored):",
            a.user
        );
        println!("{key}");
    }
    Ok(())
}

fn list(keys: &KeyStore) {
    let now = SystemTime::now();
    println!(
        "{:<6} {:<20} {:<8} {:<8} {:<5} {:<24} {:<16} {:<20} NETWORKS",
        "KIND", "NAME", "STATE", "DIGEST", "ADMIN", "CHANNELS", "WATCH/RATE/SESS", "EXPIRES"
    );
    let tables = [("apikey", keys.users()), ("plain", keys.plain_users())];
    for (kind, accounts) in tables {
        for a in accounts {
            let state = if a.disabled {
                "disabled"
            } else if a.expires.is_some_and(|e| e.is_reached(now)) {
                "expired"
            } else {
                "active"
            };
            let limit = |v: Option<String>| v.unwrap_or_else(|| "-".into());
            let limits = format!(
                "{}/{}/{}",
                limit(a.max_watches.map(|v| v.to_string())),
                limit(a.max_rate_limit.map(|v| v.to_string())),
                limit(a.max_sessions.map(|v| v.to_string())),
            );
            let networks: Vec<String> = a.networks.iter().map(ToString::to_string).collect();
            println!(
                "{:<6} {:<20} {:<8} {:<8} {:<5} {:<24} {:<16} {:<20} {}",
                kind,
                a.name,
                state,
                a.key_sha256.map_or_else(|| "-".into(), |d| d.short()),
                if a.admin { "yes" } else { "no" },
                a.channels.to_string(),
                limits,
                a.expires.map_or_else(|| "never".into(), |e| e.to_string()),
                if networks.is_empty() {
                    "any".into()
                } else {
                    networks.join(",")
                },
            );
        }
    }
}

fn cert(out: &Path, names: &[String], rsa: bool, force: bool) -> Result<()> {
    for f in ["cert.pem", "key.pem"] {
        if out.join(f).exists() && !force {
            bail!(
                "{} exists; use --force to replace it",
                out.join(f).display()
            );
        }
    }
    let algorithm = if rsa {
        KeyAlgorithm::Rsa2048
    } else {
        KeyAlgorithm::EcdsaP256
    };
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let generated = SelfSigned::generate(names, algorithm).context("generating the certificate")?;
    let (cert, key) = generated.write_files(out)?;
    eprintln!("wrote {} and {}", cert.display(), key.display());
    println!("sha256 {}", sra_keys::fingerprint_hex(&generated.cert_der));
    Ok(())
}
