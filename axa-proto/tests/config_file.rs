//! The `~/.axa/config` alias file with real files (spec §8.4, §9.3 test-client_config).

use std::io::Write;
use std::os::unix::fs::PermissionsExt;

use axa_proto::{AxaConfig, ConfigError, ConnAddr, ConnSpec, Transport};

const FILE: &str = "\
# AXA client config
alias:sra-dev-apikey=apikey:b46ce912-7122-4245-8053-9b3adb81b822@axa.dev.fsi.io,1011
alias:rad-dev-apikey=apikey:b46ce912-7122-4245-8053-9b3adb81b822@axa.dev.fsi.io,1012

# Parse failures (these still load: the check is anchored only at the line start)
alias:sra-dev-apikey2=apikey:b46ce912-7122-4245-8053-9b3adb81b822@axa.dev.fsi.io,1011 trailing
alias:local=tcp:valid-user@127.0.0.1,9999
";

fn write(dir: &tempfile::TempDir, name: &str, text: &str, mode: u32) -> std::path::PathBuf {
    let p = dir.path().join(name);
    let mut f = std::fs::File::create(&p).unwrap();
    f.write_all(text.as_bytes()).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
    p
}

#[test]
fn loads_aliases_and_resolves_specs() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(&dir, "config", FILE, 0o600);
    let cfg = AxaConfig::load(Some(&p)).unwrap();
    assert_eq!(
        cfg.alias("sra-dev-apikey"),
        Some("apikey:b46ce912-7122-4245-8053-9b3adb81b822@axa.dev.fsi.io,1011")
    );
    assert_eq!(
        cfg.alias("rad-dev-apikey"),
        Some("apikey:b46ce912-7122-4245-8053-9b3adb81b822@axa.dev.fsi.io,1012")
    );
    assert_eq!(cfg.aliases().count(), 4);
    let s = ConnSpec::parse_with_aliases("rad-dev-apikey", Some(&cfg)).unwrap();
    assert_eq!(s.transport, Transport::Apikey);
    assert_eq!(
        s.addr,
        ConnAddr::HostPort {
            host: "axa.dev.fsi.io".into(),
            port: 1012
        }
    );
    let s = ConnSpec::parse_with_aliases("local", Some(&cfg)).unwrap();
    assert_eq!(s.user.as_deref(), Some("valid-user"));
    // not an alias: parsed as given
    assert!(ConnSpec::parse_with_aliases("tcp:u@h,1", Some(&cfg)).is_ok());
}

#[test]
fn refuses_group_or_world_permissions() {
    let dir = tempfile::tempdir().unwrap();
    for mode in [0o640, 0o604, 0o660, 0o610] {
        let p = write(&dir, "config", FILE, mode);
        let e = AxaConfig::load(Some(&p)).unwrap_err();
        assert!(matches!(e, ConfigError::BadPermissions { .. }), "{mode:o}");
        assert!(e
            .to_string()
            .contains("has permissions set for group/other"));
    }
}

#[test]
fn missing_file_and_bad_lines() {
    let dir = tempfile::tempdir().unwrap();
    let e = AxaConfig::load(Some(&dir.path().join("nope"))).unwrap_err();
    assert!(e.is_not_found());
    let p = write(&dir, "bad", "alias:ok=tcp:u@h,1\nalias:bad name=x\n", 0o600);
    match AxaConfig::load(Some(&p)).unwrap_err() {
        ConfigError::InvalidLine { line, .. } => assert_eq!(line, 2),
        e => panic!("{e}"),
    }
    for bad in ["alias=x", "alias:=x", ":a=b", "alias:a= x", "al ias:a=b"] {
        assert!(AxaConfig::parse(bad).is_err(), "{bad}");
    }
    // non-alias types pass the check and are ignored; "alias*" types count as alias
    let c = AxaConfig::parse("other:a=b\naliasx:c=d\n").unwrap();
    assert_eq!((c.alias("a"), c.alias("c")), (None, Some("d")));
}

#[test]
fn axaconf_env_names_the_directory() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir, "config", "alias:x=tcp:u@h,1\n", 0o600);
    // The only test in this binary touching the environment.
    std::env::set_var("AXACONF", dir.path());
    assert_eq!(
        AxaConfig::default_path().unwrap(),
        dir.path().join("config")
    );
    assert_eq!(AxaConfig::load(None).unwrap().alias("x"), Some("tcp:u@h,1"));
}
