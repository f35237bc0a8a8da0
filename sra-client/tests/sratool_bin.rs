//! The sratool binary with the reference distribution's with-server scripts (spec §9.1,
//! 001000-001060) and some without-server checks (§9.2), against a small fake srad.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use axa_proto::{ChannelOnOff, Clist, Message, Op, Watch, WatchPattern, Whit, WhitIp};
use bytes::Bytes;
use common::{listener, Peer};

const BIN: &str = env!("CARGO_BIN_EXE_sratool");

/// A fake srad: user `valid-user`, channel 221 (sends IP hits while on), channel 999 unknown.
async fn srad(l: tokio::net::TcpListener) {
    loop {
        let Ok((tcp, _)) = l.accept().await else {
            return;
        };
        tokio::spawn(async move {
            let mut p = Peer::new(tcp);
            let Some(user) = p.try_recv().await else {
                return;
            };
            let name = match user.message() {
                Ok(Message::User(u)) => u.name,
                _ => return,
            };
            p.hello().await;
            if name == "valid-user" {
                p.ok(0, Op::User, "valid-user authorized").await;
            } else {
                p.error(0, Op::User, &format!("invalid user {name}")).await;
            }
            let mut on = false;
            let mut watch_tag = 0;
            loop {
                let next = tokio::time::timeout(Duration::from_millis(50), p.framed_next()).await;
                let f = match next {
                    Ok(Some(f)) => f,
                    Ok(None) => return,
                    Err(_) => {
                        if on && watch_tag != 0 {
                            p.send(
                                watch_tag,
                                Message::Whit(Whit::Ip(WhitIp {
                                    ch: 221,
                                    tv_sec: 1,
                                    tv_usec: 0,
                                    ip_len: 20,
                                    packet: Bytes::from_static(&[
                                        0x45, 0, 0, 20, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10,
                                        0, 0, 2,
                                    ]),
                                })),
                            )
                            .await;
                        }
                        continue;
                    }
                };
                let tag = f.tag();
                match f.message() {
                    Ok(Message::Hello(_)) => {}
                    Ok(Message::User(_)) => {}
                    _ if f.op() == Op::User => {}
                    Ok(Message::Cget) => {
                        p.send(
                            tag,
                            Message::Clist(Clist {
                                ch: 221,
                                on,
                                spec: "ch221 fake".into(),
                            }),
                        )
                        .await
                    }
                    Ok(Message::Watch(w)) => match w.pattern {
                        WatchPattern::Channel(221) => {
                            watch_tag = tag;
                            p.ok(tag, Op::Watch, "started").await
                        }
                        WatchPattern::Channel(n) => {
                            p.error(tag, Op::Watch, &format!("unknown channel ch{n}"))
                                .await
                        }
                        _ => {
                            watch_tag = tag;
                            p.ok(tag, Op::Watch, "started").await
                        }
                    },
                    Ok(Message::Channel(ChannelOnOff { ch, on: o })) => {
                        on = o;
                        let s = if o { "on" } else { "off" };
                        p.ok(tag, Op::Channel, &format!("channel ch{ch} {s}")).await
                    }
                    Ok(m) => p.ok(tag, m.op(), "ok").await,
                    Err(_) => return,
                }
                if name != "valid-user" {
                    return;
                }
            }
        });
    }
}

trait Next {
    async fn framed_next(&mut self) -> Option<axa_proto::Frame>;
}

impl<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin> Next for Peer<S> {
    async fn framed_next(&mut self) -> Option<axa_proto::Frame> {
        use futures::StreamExt;
        match self.framed.next().await {
            Some(Ok(f)) => Some(f),
            _ => None,
        }
    }
}

async fn script(lines: &[&str]) -> (String, String) {
    let (l, port) = listener().await;
    tokio::spawn(srad(l));
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("cmds");
    let text: Vec<String> = lines
        .iter()
        .map(|s| s.replace("PORT", &port.to_string()))
        .collect();
    std::fs::write(&file, text.join("\n") + "\n").unwrap();
    let run = tokio::process::Command::new(BIN)
        .args(["-N", "-c", &file.display().to_string()])
        .arg("-n")
        .arg(tmp.path().join("no-such-config"))
        .stdin(Stdio::null())
        .output();
    let r = tokio::time::timeout(Duration::from_secs(20), run)
        .await
        .expect("sratool hung")
        .unwrap();
    (
        String::from_utf8_lossy(&r.stdout).into_owned(),
        String::from_utf8_lossy(&r.stderr).into_owned(),
    )
}

const CONNECT: &str = "connect tcp:valid-user@127.0.0.1,PORT";

#[tokio::test]
async fn test_001000_valid_user() {
    let (out, err) = script(&[CONNECT, "sleep 1", "quit"]).await;
    assert!(out.contains("OK USER valid"), "{out}\n{err}");
    assert!(out.contains("* HELLO srad"), "{out}");
    assert!(out.contains("* Using AXA protocol 2"), "{out}");
}

#[tokio::test]
async fn test_001010_invalid_user() {
    let (out, err) = script(&[
        "connect tcp:inexistent-user@127.0.0.1,PORT",
        "sleep 1",
        "quit",
    ])
    .await;
    assert!(out.contains("ERROR USER invalid"), "{out}\n{err}");
}

#[tokio::test]
async fn test_001020_list_channels() {
    let (out, _) = script(&[CONNECT, "list", "sleep 1", "quit"]).await;
    assert!(
        out.lines()
            .any(|l| l.contains("ch221") && l.contains("off")),
        "{out}"
    );
}

#[tokio::test]
async fn test_001030_and_001040_watches() {
    let (out, _) = script(&[CONNECT, "1 watch ch=221", "sleep 1", "quit"]).await;
    assert!(out.contains("1 OK WATCH started"), "{out}");
    let (out, _) = script(&[CONNECT, "1 watch ch=999", "sleep 1", "quit"]).await;
    assert!(out.contains("ERROR WATCH unknown"), "{out}");
}

#[tokio::test]
async fn test_001050_count_limit() {
    let (out, _) = script(&[
        CONNECT,
        "1 watch ch=221",
        "1 count 3",
        "channel 221 on",
        "sleep 1",
        "channel 221 off",
        "quit",
    ])
    .await;
    assert!(out.contains("OK CHANNEL ON/OFF channel ch221 on"), "{out}");
    assert!(out.contains("packet count limit exceeded"), "{out}");
    assert_eq!(out.matches("1 ch221\n").count(), 3, "{out}");
}

#[test]
fn without_server() {
    let run = |args: &[&str], stdin: &str| {
        let mut c = Command::new(BIN)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        c.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
        let o = c.wait_with_output().unwrap();
        (
            o.status,
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let (_, out, _) = run(&["-N"], "count 72; count\n");
    assert!(
        out.contains("72 packets remaining to print of 72 total"),
        "{out}"
    );
    let (_, _, err) = run(&["-N"], "count 5 10\n");
    assert!(
        err.contains("Arguments provided seemed to be invalid for command"),
        "{err}"
    );
    let (_, _, err) = run(&["-N"], "bogus\n");
    assert!(err.contains("unrecognized command \"bogus\""), "{err}");
    let (_, _, err) = run(&["-N"], "1 watch ch=221\n");
    assert!(
        err.contains("\"watch\" requires a connection to a server"),
        "{err}"
    );
    let (st, out, _) = run(&["-N"], "ex\n");
    assert!(st.success(), "{out}");
    let (_, out, _) = run(&["-N"], "? statu\n");
    assert!(out.contains("status"), "{out}");
    let t0 = std::time::Instant::now();
    let _ = run(&["-N"], "sleep 2\n");
    assert!(t0.elapsed() >= Duration::from_secs(2));
    // -c stops at the first bad command.
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("c");
    std::fs::write(&f, "bogus\ncount 9; count\n").unwrap();
    let (st, out, err) = run(&["-N", "-c", &f.display().to_string()], "");
    assert!(!st.success());
    assert!(err.contains("unrecognized command"), "{err}");
    assert!(!out.contains("9 packets"), "{out}");
    let (st, _, err) = run(&["-N", "-c", "/nonexistent/file"], "");
    assert!(!st.success() && err.contains("initial"), "{err}");
    // A config readable by others is refused.
    let cfg = tmp.path().join("config");
    std::fs::write(&cfg, "alias:x=tcp:u@h,1\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&cfg, std::fs::Permissions::from_mode(0o640)).unwrap();
    let (st, _, err) = run(&["-N", "-n", &cfg.display().to_string()], "");
    assert!(!st.success() && err.contains("group/other"), "{err}");
}

#[allow(dead_code)]
fn unused(_: Watch) {}
