//! The `srad` binary: configuration checking and start-up as a real process.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn srad() -> Command {
    Command::new(env!("CARGO_BIN_EXE_srad"))
}

fn example(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn check_accepts_the_shipped_examples() {
    for f in ["srad.toml", "axa-test-suite.toml"] {
        let out = srad()
            .args(["--check", "--config", &example(f)])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{f}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(String::from_utf8_lossy(&out.stdout), "configuration OK\n");
    }
}

#[test]
fn check_names_the_bad_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad.toml");
    std::fs::write(&p, "[limits]\nreport_secs = 10\nnot_an_option = 1\n").unwrap();
    let out = srad()
        .args(["--check", "--config"])
        .arg(&p)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 3"), "{err}");
}

#[test]
fn serves_hello_and_user_as_a_process() {
    // Find a free port, then run srad on it with the test-suite set-up.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let text = std::fs::read_to_string(example("axa-test-suite.toml"))
        .unwrap()
        .replace("127.0.0.1:9999", &format!("127.0.0.1:{port}"));
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("srad.toml");
    std::fs::write(&cfg, text).unwrap();
    let mut child = srad()
        .arg("--config")
        .arg(&cfg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let mut s = loop {
        match std::net::TcpStream::connect(("127.0.0.1", port)) {
            Ok(s) => break s,
            Err(_) if start.elapsed() < Duration::from_secs(20) => {
                std::thread::sleep(Duration::from_millis(50))
            }
            Err(e) => {
                let _ = child.kill();
                panic!("srad did not listen: {e}");
            }
        }
    };
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    // USER valid-user (spec §12 vector extra_user_valid_user_pvers1).
    let mut user = vec![0x48, 0, 0, 0, 0, 0, 1, 0x81];
    user.extend_from_slice(b"valid-user");
    user.resize(72, 0);
    s.write_all(&user).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&got).contains("valid-user authorized") {
        let n = s.read(&mut buf).unwrap();
        assert!(n > 0, "closed early");
        got.extend_from_slice(&buf[..n]);
    }
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(got[7], 1, "HELLO first");
    assert!(String::from_utf8_lossy(&got).contains("srad v"));
}

/// The test-suite set-up on `port`, written to a file in `dir`; returns the file and the
/// line of its `[[listener]]` table.
fn suite_on_port(dir: &Path, port: u16) -> (std::path::PathBuf, usize) {
    let text = std::fs::read_to_string(example("axa-test-suite.toml"))
        .unwrap()
        .replace("127.0.0.1:9999", &format!("127.0.0.1:{port}"));
    let line = text
        .lines()
        .position(|l| l.starts_with("[[listener]]"))
        .unwrap()
        + 1;
    let cfg = dir.join("srad.toml");
    std::fs::write(&cfg, text).unwrap();
    (cfg, line)
}

/// Runs srad to completion (it must exit by itself within 30 s).
fn run_to_exit(cmd: &mut Command) -> std::process::Output {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!("srad kept running although its port is taken");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

#[test]
fn a_port_in_use_is_named_with_its_config_line() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    let (cfg, line) = suite_on_port(dir.path(), port);
    let out = run_to_exit(srad().arg("--config").arg(&cfg));
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("cannot listen on 127.0.0.1:{port}")),
        "{err}"
    );
    assert!(err.contains("already listens there"), "{err}");
    assert!(
        err.contains(&format!("[[listener]] at line {line} of {}", cfg.display())),
        "{err}"
    );
    assert!(out.stdout.is_empty(), "no summary on failure");
}

#[test]
fn a_port_in_use_is_named_with_its_flag() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    let out = run_to_exit(srad().arg("--data-dir").arg(dir.path()).args([
        "--tls-port",
        "0",
        "--tcp-port",
        &port.to_string(),
    ]));
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("cannot listen on 127.0.0.1:{port}")),
        "{err}"
    );
    assert!(
        err.contains(&format!("The port was set by --tcp-port {port}")),
        "{err}"
    );
}

#[test]
fn logs_go_to_stderr_and_the_summary_to_stdout() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let (cfg, _) = suite_on_port(dir.path(), port);
    let (out_path, err_path) = (dir.path().join("out"), dir.path().join("err"));
    let mut child = srad()
        .arg("--config")
        .arg(&cfg)
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while !std::fs::read_to_string(&out_path)
        .unwrap_or_default()
        .contains("Connect with:")
    {
        if start.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!("no summary");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let term = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let status = child.wait().unwrap();
    let out = std::fs::read_to_string(&out_path).unwrap();
    let err = std::fs::read_to_string(&err_path).unwrap();
    assert!(status.success(), "{status:?}\n{err}");
    assert!(out.starts_with("srad is running.\n"), "{out}");
    assert!(
        out.contains(&format!("sratunnel -s tcp:valid-user@127.0.0.1,{port}")),
        "{out}"
    );
    assert!(
        !out.contains("INFO") && !out.contains("listening on"),
        "{out}"
    );
    assert!(
        err.contains("INFO") && err.contains("listening on"),
        "{err}"
    );
    assert!(err.contains("shutting down"), "{err}");
}

#[test]
fn a_user_also_in_the_key_store_is_refused_with_its_line() {
    use sra_keys::{Account, KeyStore};
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys.toml");
    let mut store = KeyStore::new();
    store
        .add_plain_user(Account::new("valid-user", "221".parse().unwrap()))
        .unwrap();
    store.save(&keys).unwrap();
    let (cfg, _) = suite_on_port(dir.path(), 0);
    let mut text = std::fs::read_to_string(&cfg).unwrap();
    let line = text
        .lines()
        .position(|l| l.starts_with("[[user]]"))
        .unwrap()
        + 1;
    text.push_str(&format!("\n[server]\nkey_store = {:?}\n", keys));
    std::fs::write(&cfg, text).unwrap();
    for check in [true, false] {
        let mut cmd = srad();
        cmd.arg("--config").arg(&cfg);
        if check {
            cmd.arg("--check");
        }
        let out = run_to_exit(&mut cmd);
        assert!(!out.status.success(), "check={check}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&format!(
                "{}: line {line}: user \"valid-user\"",
                cfg.display()
            )),
            "check={check}: {err}"
        );
        assert!(
            err.contains(&format!(
                "[[plain_user]] of the key store {}",
                keys.display()
            )),
            "{err}"
        );
    }
    // Without the duplicate both pass.
    let mut store = KeyStore::new();
    store
        .add_plain_user(Account::new("other-user", "221".parse().unwrap()))
        .unwrap();
    std::fs::remove_file(&keys).unwrap();
    store.save(&keys).unwrap();
    let out = srad()
        .args(["--check", "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_channel_source_that_cannot_start_is_named_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let (cfg, _) = suite_on_port(dir.path(), 0);
    let mut text = std::fs::read_to_string(&cfg).unwrap();
    let line = text.lines().count() + 2;
    // 192.0.2.1 (TEST-NET-1) is not an address of this machine.
    text.push_str(
        "\n[[channel]]\nnumber = 204\nsource = { kind = \"udp\", addr = \"192.0.2.1\", ports = 8430 }\n",
    );
    std::fs::write(&cfg, text).unwrap();
    let out = run_to_exit(srad().arg("--config").arg(&cfg));
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!(
            "{}: channel 204 (the [[channel]] at line {line} of the configuration)",
            cfg.display()
        )),
        "{err}"
    );
    assert!(err.contains("192.0.2.1:8430"), "{err}");
}
