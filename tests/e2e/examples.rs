//! The examples, run as processes against a real server with a bounded `--count`.

use std::process::Command;
use std::time::Duration;

use axa::nmsg::reader::DatagramReader;
use axa::nmsg::Limits;

use crate::common::{example, has_name_under, keys, run, TestServer};

fn server(k: &crate::common::Keys) -> TestServer {
    TestServer::start(&format!(
        r#"{}
[[listener]]
kind = "tls"
address = "127.0.0.1:0"
logins = ["apikey"]

[[channel]]
number = 204
description = "ch204 generated"
source = {{ kind = "generator", generator = "dnsdedupe", rate = 400, seed = 7 }}
"#,
        k.config_tables()
    ))
}

#[test]
fn watch_example_com_prints_json_hits() {
    let k = keys(&[("ex", "204")]);
    let s = server(&k);
    let mut cmd = Command::new(example("watch_example_com"));
    cmd.arg("-")
        .arg("204")
        .args(["--ca", k.cert.to_str().unwrap(), "--count", "5"])
        .env(
            "AXA_SERVER",
            format!("apikey:{}@127.0.0.1,{}", k.api_key("ex"), s.port(0)),
        );
    let r = run(cmd, Duration::from_secs(20));
    assert!(r.status.is_some_and(|s| s.success()), "{r:?}");
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 5, "{r:?}");
    for l in lines {
        let p = axa::nmsg::json::parse_payload(l).unwrap();
        assert!(has_name_under(&p, ".example.com."), "{l}");
    }
}

#[test]
fn forward_to_udp_sends_the_channel() {
    let k = keys(&[("ex", "204")]);
    let s = server(&k);
    let sock = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut cmd = Command::new(example("forward_to_udp"));
    cmd.arg(format!(
        "apikey:{}@127.0.0.1,{}",
        k.api_key("ex"),
        s.port(0)
    ))
    .arg("204")
    .arg(format!("127.0.0.1,{}", sock.local_addr().unwrap().port()))
    .args(["--pin", &k.pin, "--count", "30"]);
    let r = run(cmd, Duration::from_secs(20));
    assert!(r.status.is_some_and(|s| s.success()), "{r:?}");
    let mut reader = DatagramReader::new(&sock, Limits::default());
    let mut got = 0;
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while got < 30 && std::time::Instant::now() < deadline {
        if let Some(Ok(p)) = reader.next() {
            assert_eq!((p.vid, p.msgtype), (2, 1));
            got += 1;
        }
    }
    assert_eq!(got, 30);
}
