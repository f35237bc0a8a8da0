//! The real `srad` process (not the library) with the acceptance configuration on an
//! ephemeral port, and the reference tests that run sratunnel until it is killed (§9.1 002020
//! `-P` pid file and `connected`, 002080 `-k` kickfile command at exit).

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::common::{bin, run, wait_for};

/// A running `srad`, killed on drop.
struct Srad {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Drop for Srad {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `srad --config` on `sra-server/examples/axa-test-suite.toml` with port 0 and reads
/// the bound port from its log.
fn srad() -> Srad {
    let dir = tempfile::tempdir().unwrap();
    let shipped = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/sra-server/examples/axa-test-suite.toml"
    );
    let text = std::fs::read_to_string(shipped).unwrap();
    assert!(
        text.contains("127.0.0.1:9999"),
        "the shipped example changed"
    );
    let config = dir.path().join("srad.toml");
    std::fs::write(&config, text.replace("127.0.0.1:9999", "127.0.0.1:0")).unwrap();
    let log = dir.path().join("srad.log");
    let child = Command::new(bin("srad"))
        .arg("--config")
        .arg(&config)
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        // srad logs to standard error (standard output has only the start-up summary).
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let mut srad = Srad {
        child,
        port: 0,
        _dir: dir,
    };
    srad.port = wait_for(Duration::from_secs(20), || {
        let text = std::fs::read_to_string(&log).ok()?;
        let rest = &text[text.find("listening on Tcp ")? + "listening on Tcp ".len()..];
        let addr: String = rest
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ':')
            .collect();
        addr.parse::<std::net::SocketAddr>().ok().map(|a| a.port())
    })
    .unwrap_or_else(|| {
        panic!(
            "srad did not report its port: {}",
            std::fs::read_to_string(&log).unwrap_or_default()
        )
    });
    srad
}

#[test]
fn srad_process_with_sratool_and_sratunnel() {
    let srad = srad();
    let s = format!("tcp:valid-user@127.0.0.1,{}", srad.port);
    let dir = tempfile::tempdir().unwrap();

    // 001000 against the process.
    let cmds = dir.path().join("cmds");
    std::fs::write(&cmds, format!("connect {s}\nsleep 1\nquit\n")).unwrap();
    let mut cmd = Command::new(bin("sratool"));
    cmd.arg("-N")
        .arg("-c")
        .arg(&cmds)
        .arg("-n")
        .arg(dir.path().join("none"));
    let r = run(cmd, Duration::from_secs(15));
    assert!(r.stdout.contains("OK USER valid"), "{r:?}");

    // 002020: connected within 3 s; the pid file exists while it runs.
    let pid = dir.path().join("sratunnel-test.pid");
    let mut cmd = Command::new(bin("sratunnel"));
    cmd.args(["-s", &s, "-w", "ch=221", "-c", "221", "-dd"])
        .args(["-o", "nmsg:udp:127.0.0.1,9"])
        .arg("-P")
        .arg(&pid)
        .arg("-n")
        .arg(dir.path().join("none"));
    let mut child = cmd
        .stdout(std::fs::File::create(dir.path().join("out")).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let connected = wait_for(Duration::from_secs(3), || {
        let out = std::fs::read_to_string(dir.path().join("out")).ok()?;
        out.contains("connected").then_some(())
    });
    let pid_text = std::fs::read_to_string(&pid).unwrap_or_default();
    let _ = child.kill();
    let _ = child.wait();
    assert!(connected.is_some(), "no 'connected' within 3 s");
    assert_eq!(pid_text.trim(), child.id().to_string());

    // 002080: the kickfile command runs on the finished file when sratunnel is stopped.
    let tar = dir.path().join("sratunnel-test.tar");
    let out = dir.path().join("sratunnel-test.nmsg");
    let mut child = Command::new(bin("sratunnel"))
        .args(["-s", &s, "-w", "ch=221", "-c", "221", "-dd", "-C", "1000"])
        .arg("-o")
        .arg(format!("nmsg:file:{}", out.display()))
        .arg("-k")
        .arg(format!("tar uvf {} --remove-files -P", tar.display()))
        .arg("-n")
        .arg(dir.path().join("none"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(1));
    // SIGTERM (not SIGKILL), as the reference script's `kill`.
    let _ = Command::new("kill")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    let _ = child.wait();
    assert!(
        wait_for(Duration::from_secs(10), || tar.is_file().then_some(())).is_some(),
        "the kickfile command did not run"
    );
}
