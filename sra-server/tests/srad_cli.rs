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
