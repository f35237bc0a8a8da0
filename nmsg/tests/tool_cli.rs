//! `nmsgtool-rs` as a real process: file to file, file to UDP to a listening process, counts,
//! compression, bad input.

mod io_common;

use std::net::UdpSocket;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use io_common::{fixture, read_all, testdata};

const TOOL: &str = env!("CARGO_BIN_EXE_nmsgtool-rs");

fn tool(args: &[&str]) -> Output {
    Command::new(TOOL).args(args).output().unwrap()
}

/// Kills the child process if the test fails while it runs.
struct KillOnDrop(Option<std::process::Child>);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Some(c) = &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn file_to_file_is_byte_exact() {
    let Some(dir) = testdata() else { return };
    let tmp = tempfile::tempdir().unwrap();
    for name in [
        "test1-dnsqr.nmsg",
        "dedupe.nmsg",
        "test1-dns.nmsg",
        "packet.nmsg",
    ] {
        let out = tmp.path().join(name);
        let o = tool(&["-r", s(&dir.join(name)), "-w", s(&out)]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert_eq!(std::fs::read(&out).unwrap(), fixture(&dir, name), "{name}");
    }
}

#[test]
fn zlib_unbuffered_and_count() {
    let Some(dir) = testdata() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let input = dir.join("test1-dnsqr.nmsg");
    let z = tmp.path().join("z.nmsg");
    let o = tool(&["-r", s(&input), "-z", "--unbuffered", "-w", s(&z)]);
    assert!(o.status.success());
    let zbytes = std::fs::read(&z).unwrap();
    assert_eq!(zbytes[4], 1, "zlib flag");
    let (ps, errs, stats) = read_all(&zbytes);
    assert!(errs.is_empty());
    assert_eq!(stats.containers, 5, "unbuffered: one container per payload");
    assert_eq!(ps, read_all(&fixture(&dir, "test1-dnsqr.nmsg")).0);

    // -c 2 from stdin.
    let c = tmp.path().join("c.nmsg");
    let o = Command::new(TOOL)
        .args(["-r", "-", "-c", "2", "-w", s(&c)])
        .stdin(std::fs::File::open(&input).unwrap())
        .output()
        .unwrap();
    assert!(o.status.success());
    assert_eq!(read_all(&std::fs::read(&c).unwrap()).0, ps[..2]);
}

/// Whether a UDP socket of this machine is bound to `port` (Linux `/proc/net/udp`; without
/// it, after a pause). Read, not probed with a bind, so the listener's own bind cannot race.
fn udp_port_bound(port: u16) -> bool {
    match std::fs::read_to_string("/proc/net/udp") {
        Ok(table) => table.lines().skip(1).any(|l| {
            l.split_whitespace()
                .nth(1)
                .is_some_and(|local| local.ends_with(&format!(":{port:04X}")))
        }),
        Err(_) => {
            std::thread::sleep(Duration::from_millis(500));
            true
        }
    }
}

#[test]
fn file_to_udp_to_listener_process() {
    let Some(dir) = testdata() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let port = UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let spec = format!("127.0.0.1/{port}");
    let out = tmp.path().join("from-udp.nmsg");
    let mut guard = KillOnDrop(Some(
        Command::new(TOOL)
            .args(["-l", &spec, "-c", "5", "-w", s(&out), "-d"])
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    ));
    let listener = guard.0.as_mut().unwrap();
    let input = dir.join("test1-dnsqr.nmsg");
    // Send only once the listener holds the port (a send that starts before it is bound
    // could deliver the later payloads of one run and the first ones of the next).
    let deadline = Instant::now() + Duration::from_secs(20);
    while !udp_port_bound(port) {
        assert!(listener.try_wait().unwrap().is_none(), "listener exited");
        assert!(Instant::now() < deadline, "listener did not bind");
        std::thread::sleep(Duration::from_millis(20));
    }
    let o = tool(&["-r", s(&input), "-s", &spec, "-m", "512"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    while listener.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "listener did not finish");
        std::thread::sleep(Duration::from_millis(20));
    }
    let o = guard.0.take().unwrap().wait_with_output().unwrap();
    assert!(o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("fragments"), "{err}");
    // 5 payloads of 623..939 bytes sent with -m 512 were fragmented, reassembled, and
    // rewritten into exactly the original file.
    assert_eq!(
        std::fs::read(&out).unwrap(),
        fixture(&dir, "test1-dnsqr.nmsg")
    );
}

#[test]
fn bad_input_and_usage() {
    let Some(dir) = testdata() else { return };
    let tmp = tempfile::tempdir().unwrap();
    // A CRC mismatch is reported and skipped; the run succeeds with no payload.
    let out = tmp.path().join("crc.nmsg");
    let o = tool(&[
        "-r",
        s(&dir.join("test_crc32c_incorrect.nmsg")),
        "-w",
        s(&out),
    ]);
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("crc mismatch"));
    assert!(std::fs::read(&out).unwrap().is_empty());
    // Garbage between containers is skipped.
    let mixed = tmp.path().join("mixed.nmsg");
    let mut bytes = b"garbage".to_vec();
    bytes.extend(fixture(&dir, "dedupe.nmsg"));
    std::fs::write(&mixed, bytes).unwrap();
    let o = tool(&["-r", s(&mixed), "-w", s(&out)]);
    assert!(o.status.success());
    assert_eq!(std::fs::read(&out).unwrap(), fixture(&dir, "dedupe.nmsg"));
    // Usage errors.
    assert!(!tool(&["-w", s(&out)]).status.success());
    assert!(!tool(&["-r", s(&mixed)]).status.success());
    assert!(!tool(&["-r", "/nonexistent", "-w", s(&out)])
        .status
        .success());
    assert!(!tool(&["-l", "localhost:1", "-w", s(&out)]).status.success());
}

#[test]
fn json_out_and_in() {
    let Some(dir) = testdata() else { return };
    let tmp = tempfile::tempdir().unwrap();
    for base in ["test1-dnsqr", "test1-dns"] {
        // -J - gives nmsgtool's lines byte for byte.
        let o = tool(&["-r", s(&dir.join(format!("{base}.nmsg"))), "-J", "-"]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert_eq!(
            String::from_utf8(o.stdout).unwrap(),
            String::from_utf8(fixture(&dir, &format!("{base}.json"))).unwrap(),
            "{base}"
        );
        // -j back to a file reproduces the .nmsg byte for byte.
        let out = tmp.path().join(format!("{base}.nmsg"));
        let o = tool(&["-j", s(&dir.join(format!("{base}.json"))), "-w", s(&out)]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert_eq!(
            std::fs::read(&out).unwrap(),
            fixture(&dir, &format!("{base}.nmsg"))
        );
    }
    // A bad JSON line is reported and skipped.
    let bad = tmp.path().join("bad.json");
    let mut lines = b"{not json\n".to_vec();
    lines.extend(fixture(&dir, "test1-dns.json"));
    std::fs::write(&bad, lines).unwrap();
    let out = tmp.path().join("bad.nmsg");
    let o = tool(&["-j", s(&bad), "-w", s(&out)]);
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("line 1"));
    assert_eq!(
        std::fs::read(&out).unwrap(),
        fixture(&dir, "test1-dns.nmsg")
    );
}
