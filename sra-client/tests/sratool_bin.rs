//! The sratool binary with the reference distribution's with-server scripts (spec §9.1,
//! 001000-001060) and some without-server checks (§9.2), against a small fake srad.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use axa_proto::{
    ChannelOnOff, Clist, Kill, Message, Op, StatsReq, StatsRsp, Watch, WatchPattern, Whit, WhitIp,
};
use bytes::Bytes;
use common::{listener, Peer};

const BIN: &str = env!("CARGO_BIN_EXE_sratool");

/// A fake srad: user `valid-user`, channel 221 (sends IP hits while on), channel 999 unknown.
async fn srad(l: tokio::net::TcpListener) {
    while let Ok((tcp, _)) = l.accept().await {
        tokio::spawn(session(tcp));
    }
}

/// The same fake on a UNIX socket.
async fn srad_unix(l: tokio::net::UnixListener) {
    while let Ok((unix, _)) = l.accept().await {
        tokio::spawn(session(unix));
    }
}

/// One connection of the fake srad.
async fn session<S>(stream: S)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let mut p = Peer::new(stream);
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
                                0x45, 0, 0, 20, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
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
            Ok(Message::StatsReq(r)) => p.send(tag, stats_rsp(&r)).await,
            // Options are echoed, as srad answers them.
            Ok(Message::Opt(o)) => p.send(tag, Message::Opt(o)).await,
            Ok(Message::KillReq(k)) => {
                let result = if k.user == "nobody" { 2 } else { 1 };
                p.send(tag, Message::KillRsp(Kill { result, ..k })).await
            }
            Ok(m) => p.ok(tag, m.op(), "ok").await,
            Err(_) => return,
        }
        if name != "valid-user" {
            return;
        }
    }
}

/// The fake's STATS RSP, laid out by hand from spec §1.6.12: a system object (SRA, 3 users,
/// ch221 configured) and, unless the summary was asked for, one user object `valid-user`
/// (admin, 127.0.0.1, serial number 7, tcp); user `nobody` is not found.
fn stats_rsp(r: &StatsReq) -> Message {
    if r.user == "nobody" {
        return Message::StatsRsp(StatsRsp {
            version: 1,
            sys_objs_cnt: 0,
            user_objs_cnt: 0,
            result: 2,
            objects: Bytes::new(),
        });
    }
    let mut mask = [0u8; 128];
    mask[3 * 8..3 * 8 + 8].copy_from_slice(&(1u64 << (63 - 221 % 64)).to_le_bytes());
    let mut o = Vec::new();
    o.extend_from_slice(&[1, 1]);
    o.extend_from_slice(&[0; 76]);
    o.extend_from_slice(&3u16.to_le_bytes());
    o.extend_from_slice(&[0; 20]);
    o.extend_from_slice(&mask);
    assert_eq!(o.len(), 228);
    let users = u16::from(r.stats_type != 1);
    if users == 1 {
        let start = o.len();
        o.extend_from_slice(&[2, 1]);
        let mut name = [0u8; 64];
        name[..10].copy_from_slice(b"valid-user");
        o.extend_from_slice(&name);
        o.extend_from_slice(&[1, 2, 0, 0, 0, 0, 0, 0, 0]);
        o.extend_from_slice(&[127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        o.extend_from_slice(&7u32.to_le_bytes());
        o.resize(start + 211, 0);
        o.extend_from_slice(&mask);
        o.push(0);
        assert_eq!(o.len() - start, 340);
    }
    Message::StatsRsp(StatsRsp {
        version: 1,
        sys_objs_cnt: 1,
        user_objs_cnt: users,
        result: 1,
        objects: Bytes::from(o),
    })
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

/// `stats`, `stats all`, `stats <user>` and `kill` print sratool 3.0.2's layout.
#[tokio::test]
async fn stats_and_kill_replies_are_printed() {
    let (out, err) = script(&[
        CONNECT,
        "stats",
        "sleep 0.3",
        "stats valid-user",
        "sleep 0.3",
        "stats nobody",
        "kill nobody",
        "kill 7",
        "sleep 0.5",
        "quit",
    ])
    .await;
    // The summary: the result line and the system object, no user object.
    let summary = out
        .split("    success\n")
        .nth(1)
        .expect("no stats success line");
    let first_block = summary.split("\n\n").next().unwrap();
    for line in [
        "    server uptime   : <1 second",
        "    sra sys",
        "      CPU usage     : 0.00%",
        "    open file descriptors",
        "    users           : 3",
        "      total watches : 0",
        "    channels        : 221",
    ] {
        assert!(first_block.contains(line), "{line:?} in\n{out}\n{err}");
    }
    assert!(!first_block.contains("    user            :"), "{out}");
    // By user name: the user object follows the system object.
    assert!(
        out.contains("\n\n    user            : valid-user (admin)\n      from          : 127.0.0.1\n      serial number : 7\n"),
        "{out}"
    );
    assert!(
        out.contains("      transport     : tcp\n      channels      : 221\n"),
        "{out}"
    );
    assert!(out.contains("      packet counters\n"), "{out}");
    assert!(out.contains("    failed, user/sn not found\n"), "{out}");
    assert!(out.contains("    failed, user not found\n"), "{out}");
    assert_eq!(out.matches("    success\n").count(), 3, "{out}");
    assert!(
        !out.contains("STATS RSP") && !out.contains("KILL RSP"),
        "{out}"
    );
}

/// The real server (`srad` from this workspace) for the admin commands, when its binary was
/// built next to sratool (`cargo build -p sra-server --bin srad` with the same target
/// directory); skipped with a notice otherwise. Asserts the layout, not the numbers (the
/// server decides those).
#[test]
fn stats_and_kill_against_srad() {
    use std::io::{BufRead, BufReader};
    let Some(srad) = std::path::Path::new(BIN)
        .parent()
        .map(|d| d.join("srad"))
        .filter(|p| p.exists())
    else {
        eprintln!("skipped: no srad binary next to {BIN} (cargo build -p sra-server --bin srad)");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("srad.toml");
    std::fs::write(
        &config,
        r#"
[[listener]]
kind = "tcp"
address = "127.0.0.1:0"
logins = ["user"]

[[channel]]
number = 221
description = "ch221"
source = { kind = "generator", generator = "dnsdedupe", rate = 10, seed = 221 }

[[user]]
name = "root"
channels = [221]
admin = true

[[user]]
name = "valid-user"
channels = [221]
"#,
    )
    .unwrap();
    let mut server = Command::new(srad)
        .arg("--config")
        .arg(&config)
        .arg("--data-dir")
        .arg(tmp.path().join("data"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let stdout = server.stdout.take().unwrap();
    let _server = Kill(server);
    // The start-up summary names the listener's address ("plain-TCP listener: 127.0.0.1:N").
    // Its output is read to the end on a thread: srad must not write into a closed pipe.
    let (port_tx, port_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let Some(at) = line.find("127.0.0.1:") else {
                continue;
            };
            let digits: String = line[at + "127.0.0.1:".len()..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            if let Ok(port) = digits.parse::<u16>() {
                let _ = port_tx.send(port);
            }
        }
    });
    let port = port_rx
        .recv_timeout(Duration::from_secs(30))
        .expect("srad printed no plain-TCP listener");
    let tool = |lines: &[&str]| {
        let file = tmp.path().join(format!("cmds{}", lines.len()));
        std::fs::write(
            &file,
            lines.join("\n").replace("PORT", &port.to_string()) + "\n",
        )
        .unwrap();
        Command::new(BIN)
            .arg("-N")
            .arg("-c")
            .arg(&file)
            .arg("-n")
            .arg(tmp.path().join("no-config"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    // A session for `kill` to end.
    let victim = tool(&[
        "connect tcp:valid-user@127.0.0.1,PORT",
        "stats",
        "sleep 4",
        "quit",
    ]);
    std::thread::sleep(Duration::from_millis(500));
    let admin = tool(&[
        "connect tcp:root@127.0.0.1,PORT",
        "1 watch ch=221",
        "sleep 0.3",
        "stats",
        "sleep 0.3",
        "stats all",
        "sleep 0.3",
        "stats nobody",
        "kill nobody",
        "kill valid-user",
        "sleep 0.5",
        "quit",
    ])
    .wait_with_output()
    .unwrap();
    let victim = victim.wait_with_output().unwrap();
    let out = String::from_utf8_lossy(&admin.stdout);
    let err = String::from_utf8_lossy(&admin.stderr);
    assert!(out.contains("OK USER"), "{out}\n{err}");
    for label in [
        "    server uptime   : ",
        "    server load     : ",
        "    sra sys\n",
        "      VM RSS        : ",
        "      thread cnt    : ",
        "    users           : ",
        "    watches\n",
        "      ch watches    : ",
        "      total watches : ",
        "    channels        : 221\n",
        "    user            : root (admin)\n",
        "    user            : valid-user (non-admin)\n",
        "      from          : 127.0.0.1\n",
        "      serial number : ",
        "      since         : ",
        "      transport     : tcp\n",
        "      rate-limiting : ",
        "      sampling      : ",
        "      packet counters\n",
        "        congested   : ",
        "    failed, user/sn not found\n",
        "    failed, user not found\n",
    ] {
        assert!(out.contains(label), "{label:?} missing from\n{out}\n{err}");
    }
    // Summary, all users, and the kill of valid-user.
    assert_eq!(out.matches("    success\n").count(), 3, "{out}");
    // Not an admin: the server refuses.
    let victim_out = String::from_utf8_lossy(&victim.stdout);
    assert!(
        victim_out.contains("* ERROR STATS REQ admin users only"),
        "{victim_out}"
    );
    let victim_err = String::from_utf8_lossy(&victim.stderr);
    assert!(victim_err.contains("connection closed"), "{victim_err}");
}

/// `status` (and `connect` with no argument): the server, the spec, the time connected and
/// the count report; `count` with no argument after the limit ran out.
#[tokio::test]
async fn status_and_count_reports() {
    let (out, err) = script(&[
        "status",
        CONNECT,
        "sleep 0.3",
        "status",
        "1 watch ch=221",
        "count 2",
        "channel 221 on",
        "sleep 1",
        "channel 221 off",
        "connect",
        "count",
        "count off",
        "count",
        "quit",
    ])
    .await;
    assert!(
        out.starts_with("not connected to a server\n"),
        "{out}\n{err}"
    );
    let first = out
        .split("connected to \"srad v3.0.1 fake")
        .nth(1)
        .expect("no status");
    assert!(first.contains("\n    tcp:valid-user@127.0.0.1,"), "{first}");
    // Time connected in sratool's words ("<1 second", "1 second", "2 seconds"...).
    let connected_for = |text: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix("    connected for: "))
            .is_some_and(|d| d.ends_with(" second") || d.ends_with(" seconds"))
    };
    assert!(connected_for(first), "{first}");
    assert!(
        first.contains(
            "\n    packet printing not limited by count\n        0 packets recently printed\n"
        ),
        "{first}"
    );
    let second = out
        .split("connected to \"srad v3.0.1 fake")
        .nth(2)
        .expect("no second status");
    assert!(connected_for(second), "{second}");
    // 2 printed, at least 2 more suppressed (the fake sends a hit every 50 ms).
    let stopped = |text: &str| {
        text.lines()
            .filter_map(|l| l.strip_prefix("    packet printing stopped by count "))
            .filter_map(|l| l.strip_suffix(" packets ago"))
            .filter_map(|n| n.parse::<u64>().ok())
            .collect::<Vec<_>>()
    };
    let ago = stopped(second);
    assert_eq!(ago.len(), 2, "status and count: {second}");
    assert!(ago[0] >= 2 && ago[1] >= ago[0], "{ago:?}\n{second}");
    assert_eq!(out.matches("1 ch221\n").count(), 2, "{out}");
    assert!(
        out.ends_with(
            "    packet printing not limited by count\n        0 packets recently printed\n"
        ),
        "{out}"
    );
}

/// `window` sends OPT SNDBUF on a tcp: connection and prints the answer; it needs a connection.
#[tokio::test]
async fn window_on_a_tcp_connection() {
    let (out, err) = script(&[CONNECT, "window 65536", "window", "sleep 0.5", "quit"]).await;
    assert!(out.contains("* OPTION bufsize=65536\n"), "{out}\n{err}");
    assert!(out.contains("* OPTION request bufsize\n"), "{out}\n{err}");
    // Only on tcp: connections, as libaxa.
    let tmp = tempfile::tempdir().unwrap();
    let sock = tmp.path().join("srad.sock");
    tokio::spawn(srad_unix(tokio::net::UnixListener::bind(&sock).unwrap()));
    let spec = format!("connect unix:valid-user@{}", sock.display());
    let (out, err) = script(&[&spec, "sleep 0.3", "window 65536", "quit"]).await;
    assert!(out.contains("OK USER valid-user"), "{out}\n{err}");
    assert!(
        err.contains("cannot change the buffer size on unix connections"),
        "{err}"
    );
    let (_, err) = script(&["window 65536"]).await;
    assert!(
        err.contains("\"window\" requires a connection to a server"),
        "{err}"
    );
}

/// sratool stays connected after its input ends (spec §8.1), still printing what the server
/// sends, until a signal (or the server) ends it; SIGTERM exits cleanly.
#[tokio::test]
async fn stays_connected_after_input_ends() {
    let (l, port) = listener().await;
    tokio::spawn(srad(l));
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("cmds");
    let lines = [
        CONNECT.replace("PORT", &port.to_string()),
        "1 watch ch=221".into(),
        "channel 221 on".into(),
    ];
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    let child = tokio::process::Command::new(BIN)
        .arg("-N")
        .arg("-c")
        .arg(&file)
        .arg("-n")
        .arg(tmp.path().join("no-config"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id().unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let term = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let o = tokio::time::timeout(Duration::from_secs(10), child.wait_with_output())
        .await
        .expect("sratool did not stop on SIGTERM")
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{:?}\n{out}", o.status);
    // Hits kept coming after the last command (the fake sends one every 50 ms).
    assert!(out.matches("1 ch221\n").count() >= 5, "{out}");
}

/// `-c` files, `source` and their errors (spec §8.1, §9.2).
#[test]
fn command_files_and_source() {
    let tmp = tempfile::tempdir().unwrap();
    let path = |name: &str| tmp.path().join(name).display().to_string();
    let run = |args: &[&str]| {
        let o = Command::new(BIN)
            .arg("-N")
            .arg("-n")
            .arg(tmp.path().join("no-config"))
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        (
            o.status.success(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    // -c runs first, then the command-line commands.
    std::fs::write(path("first"), "count 1\ncount\n").unwrap();
    let (ok, out, err) = run(&["-c", &path("first"), "count 2; count"]);
    assert!(ok, "{err}");
    assert_eq!(
        out,
        "    1 packets remaining to print of 1 total\n    2 packets remaining to print of 2 total\n"
    );
    // A failing -c file stops there: neither its later lines nor the command line run.
    std::fs::write(path("bad"), "count 3\n1 watch ch=221\ncount\n").unwrap();
    let (ok, out, err) = run(&["-c", &path("bad"), "count"]);
    assert!(!ok);
    assert!(
        err.contains("\"watch\" requires a connection to a server"),
        "{err}"
    );
    assert_eq!(out, "", "{err}");
    // `source` runs a file in place; an error inside stops the outer file too.
    std::fs::write(path("inner"), "count 4\nbogus\ncount\n").unwrap();
    std::fs::write(
        path("outer"),
        format!("count 5\ncount\nsource {}\ncount\n", path("inner")),
    )
    .unwrap();
    let (ok, out, err) = run(&["-c", &path("outer")]);
    assert!(!ok);
    assert_eq!(
        out, "    5 packets remaining to print of 5 total\n",
        "{err}"
    );
    assert!(err.contains("unrecognized command \"bogus\""), "{err}");
    // A missing file.
    let (ok, _, err) = run(&["source /nonexistent/cmds"]);
    assert!(!ok);
    assert!(err.contains("fopen(/nonexistent/cmds): "), "{err}");
    // Nesting is limited: a file that sources itself stops at the limit.
    std::fs::write(path("loop"), format!("count\nsource {}\n", path("loop"))).unwrap();
    let (ok, out, err) = run(&["-c", &path("loop")]);
    assert!(!ok);
    assert!(err.contains("\"source\" nesting too deep"), "{err}");
    assert_eq!(
        out.matches("not limited by count").count(),
        11,
        "the -c file and 10 nested sources\n{out}"
    );
    // `sleep` without an argument or out of range shows its help.
    for bad in ["sleep", "sleep 0", "sleep 1001"] {
        let (ok, _, err) = run(&[bad]);
        assert!(!ok, "{bad}");
        assert!(err.contains("sleep"), "{bad}: {err}");
        assert!(
            err.contains("Arguments provided seemed to be invalid") || err.contains("usage"),
            "{bad}: {err}"
        );
    }
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
    assert_eq!(out, "    72 packets remaining to print of 72 total\n");
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
