//! The `sra-keys` tool run as a real process on real files.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};
use std::time::SystemTime;

use sra_keys::{fingerprint_hex, load_cert_chain, server_config_from_files, KeyStore, Refusal};

fn run(store: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sra-keys"))
        .arg("--store")
        .arg(store)
        .args(args)
        .env_remove("SRA_KEYS")
        .output()
        .unwrap()
}

fn ok(store: &Path, args: &[&str]) -> (String, String) {
    let out = run(store, args);
    let (stdout, stderr) = (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    );
    assert!(out.status.success(), "{args:?}: {stderr}");
    (stdout, stderr)
}

fn fails(store: &Path, args: &[&str]) -> String {
    let out = run(store, args);
    assert!(!out.status.success(), "{args:?} succeeded");
    String::from_utf8(out.stderr).unwrap()
}

fn mode(p: &Path) -> u32 {
    p.metadata().unwrap().permissions().mode() & 0o777
}

/// The key printed by add/rotate: stdout is exactly one UUID-shaped line.
fn printed_key(stdout: &str) -> String {
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{stdout:?}");
    let key = lines[0];
    assert_eq!(key.len(), 36, "{key}");
    assert_eq!(
        key.split('-').map(str::len).collect::<Vec<_>>(),
        [8, 4, 4, 4, 12]
    );
    key.to_owned()
}

fn lookup(store: &Path, key: &str) -> Result<String, Refusal> {
    let keys = KeyStore::load(store).unwrap();
    let peer = Some("127.0.0.1".parse().unwrap());
    keys.lookup_key(key, peer, SystemTime::now())
        .map(|a| a.name.clone())
}

#[test]
fn init_add_list_rotate_revoke() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("keys.toml");

    let (_, err) = ok(&store, &["init"]);
    assert!(err.contains("created"));
    assert_eq!(mode(&store), 0o600);
    assert!(fails(&store, &["init"]).contains("--force"));

    let (out, err) = ok(
        &store,
        &[
            "add",
            "johndoe",
            "--channels",
            "204,213,210-212",
            "--admin",
            "--max-watches",
            "50",
            "--max-rate-limit",
            "1000",
            "--max-sessions",
            "3",
            "--network",
            "127.0.0.0/8",
            "--network",
            "::1/128",
            "--expires",
            "2999-01-01",
        ],
    );
    assert!(err.contains("shown once"), "{err}");
    let key = printed_key(&out);
    assert_eq!(mode(&store), 0o600);
    let text = std::fs::read_to_string(&store).unwrap();
    assert!(!text.contains(&key), "the key itself is stored");
    let keys = KeyStore::load(&store).unwrap();
    let user = &keys.users()[0];
    assert_eq!(user.name, "johndoe");
    assert!(user.admin && user.channels.contains(211) && !user.channels.contains(209));
    assert_eq!(
        (user.max_watches, user.max_rate_limit, user.max_sessions),
        (Some(50), Some(1000), Some(3))
    );
    assert_eq!(user.networks.len(), 2);
    assert_eq!(user.expires.unwrap().to_string(), "2999-01-01T00:00:00Z");
    let digest = user.key_sha256.unwrap().to_string();
    assert_eq!(lookup(&store, &key), Ok("johndoe".into()));

    let (out, _) = ok(
        &store,
        &["add", "valid-user", "--plain", "--channels", "all"],
    );
    assert_eq!(out, "", "a plain user has no key to print");
    let (out, _) = ok(
        &store,
        &["add", "old", "--channels", "", "--expires", "2001-01-01"],
    );
    let old_key = printed_key(&out);
    assert!(matches!(
        lookup(&store, &old_key),
        Err(Refusal::Expired { .. })
    ));
    assert!(fails(&store, &["add", "johndoe", "--channels", "1"]).contains("duplicate"));
    assert!(fails(&store, &["add", "x", "--channels", "4096"]).contains("4095"));
    assert!(fails(
        &store,
        &["add", "x", "--channels", "1", "--expires", "soon"]
    )
    .contains("expiry"));

    let (list, _) = ok(&store, &["list"]);
    assert!(list.contains("johndoe") && list.contains("valid-user") && list.contains("old"));
    assert!(list.contains(&digest[..8]), "{list}");
    assert!(
        !list.contains(&digest[..9]),
        "list shows more than a digest prefix: {list}"
    );
    assert!(!list.contains(&key) && !list.contains(&old_key));
    assert!(list.contains("expired") && list.contains("204,210-213") && list.contains("50/1000/3"));

    let (out, _) = ok(&store, &["rotate", "johndoe"]);
    let new_key = printed_key(&out);
    assert_ne!(new_key, key);
    assert_eq!(lookup(&store, &key), Err(Refusal::UnknownKey));
    assert_eq!(lookup(&store, &new_key), Ok("johndoe".into()));
    assert!(fails(&store, &["rotate", "nobody"]).contains("nobody"));

    let (out, _) = ok(&store, &["revoke", "johndoe"]);
    assert_eq!(out, "");
    assert_eq!(
        lookup(&store, &new_key),
        Err(Refusal::Disabled {
            name: "johndoe".into()
        })
    );
    assert!(ok(&store, &["list"]).0.contains("disabled"));
    ok(&store, &["enable", "johndoe"]);
    assert_eq!(lookup(&store, &new_key), Ok("johndoe".into()));
    ok(&store, &["revoke", "johndoe", "--delete"]);
    assert_eq!(lookup(&store, &new_key), Err(Refusal::UnknownKey));
    assert!(!ok(&store, &["list"]).0.contains("johndoe"));
    ok(&store, &["revoke", "valid-user", "--plain"]);
    let keys = KeyStore::load(&store).unwrap();
    assert!(matches!(
        keys.lookup_plain("valid-user", None, SystemTime::now()),
        Err(Refusal::Disabled { .. })
    ));
    assert_eq!(mode(&store), 0o600);
    // No temporary files are left behind.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn refuses_missing_and_exposed_stores() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("keys.toml");
    assert!(fails(&store, &["list"]).contains("init"));
    ok(&store, &["init"]);
    std::fs::set_permissions(&store, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert!(fails(&store, &["list"]).contains("chmod 600"));
    assert!(fails(&store, &["add", "a", "--channels", "1"]).contains("chmod 600"));
    std::fs::set_permissions(&store, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::write(
        &store,
        "[[user]]\nname = \"a\"\nchannels = [1]\nbogus = true\n",
    )
    .unwrap();
    let err = fails(&store, &["list"]);
    assert!(
        err.contains("keys.toml:4:") && err.contains("bogus"),
        "{err}"
    );
}

#[test]
fn store_path_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("env.toml");
    let out = Command::new(env!("CARGO_BIN_EXE_sra-keys"))
        .arg("init")
        .env("SRA_KEYS", &store)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(mode(&store), 0o600);
}

#[test]
fn cert_writes_loadable_files() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("unused.toml");
    let out_dir = dir.path().join("tls");
    std::fs::create_dir(&out_dir).unwrap();
    let out_str = out_dir.to_str().unwrap();
    let (out, _) = ok(
        &store,
        &[
            "cert",
            "--out",
            out_str,
            "--name",
            "localhost",
            "--name",
            "127.0.0.1",
        ],
    );
    let (cert, key) = (out_dir.join("cert.pem"), out_dir.join("key.pem"));
    assert_eq!((mode(&cert), mode(&key)), (0o644, 0o600));
    let chain = load_cert_chain(&cert).unwrap();
    assert_eq!(out.trim(), format!("sha256 {}", fingerprint_hex(&chain[0])));
    server_config_from_files(&cert, &key).unwrap();
    assert!(std::fs::read_to_string(&key)
        .unwrap()
        .contains("BEGIN PRIVATE KEY"));
    assert!(fails(&store, &["cert", "--out", out_str, "--name", "localhost"]).contains("--force"));
    assert!(fails(&store, &["cert", "--out", out_str]).contains("--name"));

    // RSA-2048 (slow in debug builds: a few seconds).
    let (out, _) = ok(
        &store,
        &[
            "cert",
            "--rsa",
            "--force",
            "--out",
            out_str,
            "--name",
            "localhost",
        ],
    );
    let chain = load_cert_chain(&cert).unwrap();
    assert_eq!(out.trim(), format!("sha256 {}", fingerprint_hex(&chain[0])));
    let der = match sra_keys::load_private_key(&key).unwrap() {
        rustls::pki_types::PrivateKeyDer::Pkcs8(k) => k.secret_pkcs8_der().to_vec(),
        other => panic!("unexpected key format {other:?}"),
    };
    use rsa::pkcs8::DecodePrivateKey;
    use rsa::traits::PublicKeyParts;
    assert_eq!(
        rsa::RsaPrivateKey::from_pkcs8_der(&der).unwrap().size(),
        256
    );
    server_config_from_files(&cert, &key).unwrap();
    assert_eq!(mode(&key), 0o600);
}
