//! Scenario a: the reference with-server acceptance set (AXA spec §9.1, 001000-001060 and
//! 002000/002010) with the real `sratool`/`sratunnel` processes against the real server,
//! configured like `sra-server/examples/axa-test-suite.toml` but on an ephemeral port.

use std::process::Command;
use std::time::Duration;

use crate::common::{bin, run, Run, TestServer};

/// `sra-server/examples/axa-test-suite.toml` with the port left to the OS.
const SUITE: &str = r#"
[[listener]]
kind = "tcp"
address = "127.0.0.1:0"
logins = ["user"]

[[channel]]
number = 221
description = "ch221 test channel (generated SIE:dnsdedupe)"
source = { kind = "generator", generator = "dnsdedupe", rate = 100, seed = 221 }

[[user]]
name = "valid-user"
channels = [221]
"#;

/// Runs sratool on a command file (`PORT` replaced), as the reference script does.
fn sratool(port: u16, lines: &[&str]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cmds");
    let text = lines.join("\n").replace("PORT", &port.to_string()) + "\n";
    std::fs::write(&file, text).unwrap();
    let mut cmd = Command::new(bin("sratool"));
    cmd.arg("-N")
        .arg("-c")
        .arg(&file)
        .arg("-n")
        .arg(dir.path().join("no-config"));
    let r = run(cmd, Duration::from_secs(15));
    assert!(r.status.is_some(), "sratool hung: {r:?}");
    assert!(!r.stderr.contains("unrecognized"), "{}", r.stderr);
    r
}

const CONNECT: &str = "connect tcp:valid-user@127.0.0.1,PORT";

#[test]
fn sratool_reference_script() {
    let server = TestServer::start(SUITE);
    let port = server.port(0);

    // 001000
    let r = sratool(port, &[CONNECT, "sleep 1", "quit"]);
    assert!(r.stdout.contains("OK USER valid-user"), "{r:?}");
    assert!(r.stdout.contains("* HELLO srad"), "{r:?}");
    // 001020
    let r = sratool(port, &[CONNECT, "list", "sleep 1", "quit"]);
    assert!(
        r.stdout
            .lines()
            .any(|l| l.contains("ch221") && l.contains("off")),
        "{r:?}"
    );
    // 001030 and 001040
    let r = sratool(port, &[CONNECT, "1 watch ch=221", "sleep 1", "quit"]);
    assert!(r.stdout.contains("1 OK WATCH"), "{r:?}");
    let r = sratool(port, &[CONNECT, "1 watch ch=999", "sleep 1", "quit"]);
    assert!(r.stdout.contains("ERROR WATCH unknown"), "{r:?}");
    // 001050 and 001060: ≥ 4 hits within 1 s, the 4th stops the display.
    for watch in ["1 watch ch=221", "1 watch dns=*.google.com"] {
        let r = sratool(
            port,
            &[
                CONNECT,
                watch,
                "1 count 3",
                "channel 221 on",
                "sleep 1",
                "channel 221 off",
                "quit",
            ],
        );
        assert!(r.stdout.contains("OK CHANNEL ON"), "{watch}: {r:?}");
        assert!(
            r.stdout.contains("packet count limit exceeded"),
            "{watch}: {r:?}"
        );
        let hits: Vec<&str> = r
            .stdout
            .lines()
            .filter(|l| l.starts_with("1 ch221 "))
            .collect();
        assert_eq!(hits.len(), 3, "{watch}: {r:?}");
        if watch.contains("google") {
            assert!(hits.iter().all(|l| l.contains("google.com.")), "{hits:?}");
        }
    }
}

/// Reference test 001010. The server answers ERROR and closes the connection at once; the
/// USER reply must be printed even when the end of the stream is seen first.
#[test]
fn sratool_invalid_user() {
    let server = TestServer::start(SUITE);
    // Was a race (about one run in three lost the line): try ten times.
    for _ in 0..10 {
        let r = sratool(
            server.port(0),
            &[
                "connect tcp:inexistent-user@127.0.0.1,PORT",
                "sleep 0.2",
                "quit",
            ],
        );
        assert!(r.stdout.contains("ERROR USER invalid"), "{r:?}");
    }
}

#[test]
fn sratunnel_reference_runs() {
    let server = TestServer::start(SUITE);
    let s = format!("tcp:valid-user@127.0.0.1,{}", server.port(0));
    let dir = tempfile::tempdir().unwrap();
    let udp = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let udp_port = udp.local_addr().unwrap().port();
    // 002000
    let mut cmd = Command::new(bin("sratunnel"));
    cmd.args(["-s", &s, "-w", "ch=221", "-c", "221", "-C", "3", "-ddd"])
        .args(["-o", &format!("nmsg:udp:127.0.0.1,{udp_port}")])
        .arg("-n")
        .arg(dir.path().join("no-config"));
    let r = run(cmd, Duration::from_secs(15));
    assert!(r.status.is_some_and(|s| s.success()), "{r:?}");
    assert!(r.stdout.contains("OK USER valid"), "{r:?}");
    // 002010
    let out = dir.path().join("sratunnel-test-nmsg.out");
    let mut cmd = Command::new(bin("sratunnel"));
    cmd.args(["-s", &s, "-w", "ch=221", "-c", "221", "-C", "3", "-ddd"])
        .arg("-o")
        .arg(format!("nmsg:file:{}", out.display()))
        .arg("-n")
        .arg(dir.path().join("no-config"));
    let r = run(cmd, Duration::from_secs(15));
    assert!(r.status.is_some_and(|s| s.success()), "{r:?}");
    let data = std::fs::read(&out).unwrap();
    assert!(data.starts_with(b"NMSG"), "{} bytes", data.len());
    let n = axa::nmsg::reader::StreamReader::new(&data[..], axa::nmsg::Limits::default())
        .collect::<Result<Vec<_>, _>>()
        .unwrap()
        .len();
    assert_eq!(n, 3);
}
