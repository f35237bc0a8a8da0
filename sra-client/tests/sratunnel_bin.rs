//! The sratunnel binary as the reference distribution's with-server tests run it (spec §9.1,
//! 002000-002080), against the fake server.

mod common;

use std::process::{Command, Stdio};
use std::time::Duration;

use axa_proto::{Message, Op, Whit, WhitNmsg};
use bytes::{Bytes, BytesMut};
use common::{listener, Peer};
use nmsg::{ContainerBuilder, Payload};

const BIN: &str = env!("CARGO_BIN_EXE_sratunnel");

fn hit(n: u32) -> Message {
    let mut b = ContainerBuilder::new();
    b.push(&Payload {
        vid: 2,
        msgtype: 1,
        time_sec: 1_600_000_000,
        time_nsec: n,
        payload: Some(Bytes::from_static(b"\x08\x01")),
        ..Payload::default()
    });
    let mut body = BytesMut::new();
    b.write_body(None, &mut body);
    let mut c = BytesMut::from(&b"NMSG\x00\x02"[..]);
    c.extend_from_slice(&(body.len() as u32).to_be_bytes());
    c.extend_from_slice(&body);
    Message::Whit(Whit::Nmsg(WhitNmsg {
        ch: 221,
        field_idx: 0xFFF1,
        val_idx: 0xFFF1,
        vid: 2,
        msgtype: 1,
        ts_sec: 0,
        ts_nsec: 0,
        container: c.freeze(),
    }))
}

/// Serves one tunnel: start-up sequence, then `hits` hits, then waits for it to leave.
async fn serve(l: tokio::net::TcpListener, hits: u32) {
    let (tcp, _) = l.accept().await.unwrap();
    let mut p = Peer::new(tcp);
    p.login().await;
    loop {
        let f = p.recv().await;
        let op = f.op();
        p.ok(f.tag(), op, "ok").await;
        if op == Op::Go {
            break;
        }
    }
    for n in 0..hits {
        p.send(1, hit(n)).await;
    }
    while p.try_recv().await.is_some() {}
}

#[tokio::test]
async fn test_002000_and_002010_count_exit_with_nmsg_file() {
    let (l, port) = listener().await;
    let server = tokio::spawn(serve(l, 3));
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("sratunnel-test-nmsg.out");
    let child = tokio::process::Command::new(BIN)
        .args(["-s", &format!("tcp:valid-user@127.0.0.1,{port}")])
        .args(["-w", "ch=221", "-c", "221", "-C", "3", "-ddd"])
        .args(["-o", &format!("nmsg:file:{}", out.display())])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output();
    let res = tokio::time::timeout(Duration::from_secs(20), child)
        .await
        .expect("sratunnel did not exit")
        .unwrap();
    let stdout = String::from_utf8_lossy(&res.stdout);
    assert!(
        res.status.success(),
        "{:?}\n{stdout}\n{}",
        res.status,
        String::from_utf8_lossy(&res.stderr)
    );
    assert!(stdout.contains("OK USER valid"), "{stdout}");
    assert!(stdout.contains("connected"), "{stdout}");
    let bytes = std::fs::read(&out).unwrap();
    assert!(bytes.windows(4).any(|w| w == b"NMSG"));
    server.await.unwrap();
}

#[tokio::test]
async fn test_002080_kickfile_runs_at_exit_and_pidfile() {
    let (l, port) = listener().await;
    tokio::spawn(serve(l, 2));
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("sratunnel-test-nmsg.out");
    let pid = tmp.path().join("sratunnel-test.pid");
    let done = tmp.path().join("done");
    std::fs::create_dir(&done).unwrap();
    let mut child = Command::new(BIN)
        .args(["-s", &format!("tcp:valid-user@127.0.0.1,{port}")])
        .args(["-w", "ch=221", "-c", "221", "-dd", "-C", "1000"])
        .args(["-o", &format!("nmsg:file:{}", out.display())])
        .args(["-P", &pid.display().to_string()])
        .args(["-k", &format!("cp -t {}", done.display())])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let written = std::fs::read_to_string(&pid).unwrap();
    assert_eq!(written.trim(), child.id().to_string());
    // SIGTERM, as the reference test's kill does.
    let _ = Command::new("kill").arg(child.id().to_string()).status();
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    assert!(!pid.exists(), "pid file removed at exit");
    let copied: Vec<_> = std::fs::read_dir(&done).unwrap().collect();
    assert_eq!(
        copied.len(),
        1,
        "the kickfile command ran on the last file at exit"
    );
}

#[test]
fn usage_exits_64() {
    let r = Command::new(BIN).arg("-h").output().unwrap();
    assert_eq!(r.status.code(), Some(64));
    assert!(String::from_utf8_lossy(&r.stdout).contains("Usage: sratunnel"));
    let r = Command::new(BIN)
        .args(["-s", "tcp:u@h,1", "-o", "nmsg:h,1"])
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(64));
    assert!(String::from_utf8_lossy(&r.stderr).contains("no watches specified with -w"));
    let r = Command::new(BIN)
        .args(["-s", "tcp:u@h,1", "-o", "nmsg:h,1", "-w", "ch=all"])
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(64));
    let r = Command::new(BIN).arg("-V").output().unwrap();
    assert!(r.status.success());
    assert!(String::from_utf8_lossy(&r.stdout).contains("sratunnel built using"));
}
