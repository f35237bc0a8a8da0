//! `srad` as a real process stops cleanly on SIGTERM: it closes its sessions and exits 0.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A child process killed (SIGKILL) on drop if the test fails early.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn sigterm_closes_sessions_and_exits_zero() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/axa-test-suite.toml");
    let text = std::fs::read_to_string(example)
        .unwrap()
        .replace("127.0.0.1:9999", &format!("127.0.0.1:{port}"));
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("srad.toml");
    std::fs::write(&cfg, text).unwrap();
    let mut child = Child(
        Command::new(env!("CARGO_BIN_EXE_srad"))
            .arg("--config")
            .arg(&cfg)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let start = Instant::now();
    let mut s = loop {
        match std::net::TcpStream::connect(("127.0.0.1", port)) {
            Ok(s) => break s,
            Err(e) if start.elapsed() > Duration::from_secs(20) => {
                panic!("srad did not listen: {e}")
            }
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
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

    let term = Command::new("kill")
        .args(["-TERM", &child.0.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    // The session is closed by the server (EOF), not left hanging (read timeout).
    loop {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => panic!("the session was not closed: {e}"),
        }
    }
    let start = Instant::now();
    let status = loop {
        if let Some(st) = child.0.try_wait().unwrap() {
            break st;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "srad did not exit"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(0), "{status:?}");
    // The listener is gone.
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
}
