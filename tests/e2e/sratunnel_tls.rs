//! Scenarios b and c: the real `sratunnel` process over TLS (API key from an `sra-keys`
//! store, server certificate pinned or verified against it as a CA) into an NMSG file, an
//! NMSG UDP socket and a pcap file, each read back.

use std::process::Command;
use std::time::Duration;

use axa::nmsg::reader::{DatagramReader, StreamReader};
use axa::nmsg::{Limits, Payload};

use crate::common::{bin, has_name_under, keys, names, run, wait_for, Keys, Run, TestServer};

fn server(k: &Keys) -> TestServer {
    TestServer::start(&format!(
        r#"{}
[[listener]]
kind = "tls"
address = "127.0.0.1:0"
logins = ["apikey"]

[[channel]]
number = 204
description = "ch204 SIE:dnsdedupe (generated)"
source = {{ kind = "generator", generator = "dnsdedupe", rate = 400, seed = 204 }}

[[channel]]
number = 14
description = "ch14 darknet (generated)"
source = {{ kind = "generator", generator = "darknet", rate = 200, seed = 14 }}
"#,
        k.config_tables()
    ))
}

/// Runs sratunnel as `tester` with `args` and the TLS flags `tls`; expects exit 0.
fn sratunnel(k: &Keys, port: u16, tls: &[&str], args: &[&str]) -> Run {
    let mut cmd = Command::new(bin("sratunnel"));
    cmd.arg("-s")
        .arg(format!("apikey:{}@127.0.0.1,{port}", k.api_key("tester")))
        .args(tls)
        .args(args)
        .arg("-n")
        .arg(k.dir.path().join("no-config"));
    let r = run(cmd, Duration::from_secs(20));
    assert!(r.status.is_some_and(|s| s.success()), "sratunnel: {r:?}");
    r
}

fn read_file(path: &std::path::Path) -> Vec<Payload> {
    let data = std::fs::read(path).unwrap();
    StreamReader::new(&data[..], Limits::default())
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn tls_apikey_to_nmsg_file_pinned_and_ca_verified() {
    let k = keys(&[("tester", "14,204")]);
    let s = server(&k);
    let out = k.dir.path().join("out.nmsg");
    let o = format!("nmsg:file:{}", out.display());
    let args = ["-c", "ch204", "-w", "dns=*.com", "-o", &o, "-C", "20"];
    for tls in [
        vec!["--pin", k.pin.as_str()],
        vec!["--ca-file", k.cert.to_str().unwrap()],
    ] {
        let _ = std::fs::remove_file(&out);
        sratunnel(&k, s.port(0), &tls, &args);
        let payloads = read_file(&out);
        assert!(payloads.len() >= 20, "{tls:?}: {} payloads", payloads.len());
        for p in &payloads {
            assert_eq!((p.vid, p.msgtype), (2, 1), "SIE dnsdedupe");
            assert!(has_name_under(p, ".com."), "{:?}", names(p));
        }
    }
}

#[test]
fn tls_wrong_pin_is_refused() {
    let k = keys(&[("tester", "204")]);
    let s = server(&k);
    let mut cmd = Command::new(bin("sratunnel"));
    cmd.arg("-s")
        .arg(format!(
            "apikey:{}@127.0.0.1,{}",
            k.api_key("tester"),
            s.port(0)
        ))
        .args([
            "--pin",
            &"00".repeat(32),
            "-w",
            "ch=204",
            "-c",
            "204",
            "-C",
            "1",
        ])
        .arg("-o")
        .arg(format!("nmsg:file:{}", k.dir.path().join("x").display()))
        .arg("-n")
        .arg(k.dir.path().join("no-config"));
    let log = k.dir.path().join("log");
    let file = std::fs::File::create(&log).unwrap();
    let mut child = cmd
        .stdout(file.try_clone().unwrap())
        .stderr(file)
        .spawn()
        .unwrap();
    let refused = wait_for(Duration::from_secs(10), || {
        let text = std::fs::read_to_string(&log).ok()?.to_lowercase();
        (text.contains("pin") || text.contains("certificate")).then_some(text)
    });
    let exited = child.try_wait().unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(refused.is_some(), "no certificate error reported");
    assert!(exited.is_none(), "must keep retrying, not exit: {exited:?}");
}

#[test]
fn tls_to_nmsg_udp_socket() {
    let k = keys(&[("tester", "204")]);
    let s = server(&k);
    let sock = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let o = format!("nmsg:udp:127.0.0.1,{}", sock.local_addr().unwrap().port());
    let tls = ["--pin", k.pin.as_str()];
    sratunnel(
        &k,
        s.port(0),
        &tls,
        &["-c", "204", "-w", "dns=*.com", "-o", &o, "-C", "10"],
    );
    // The tunnel flushed its containers before exiting: they wait in the socket buffer.
    let mut got = Vec::new();
    let mut r = DatagramReader::new(&sock, Limits::default());
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while got.len() < 10 && std::time::Instant::now() < deadline {
        match r.next() {
            Some(Ok(p)) => got.push(p),
            Some(Err(e)) if e.is_data_error() => panic!("bad datagram: {e}"),
            _ => {}
        }
    }
    assert_eq!(got.len(), 10);
    for p in &got {
        assert!(has_name_under(p, ".com."), "{:?}", names(p));
    }
}

#[test]
fn tls_ip_watch_to_pcap() {
    let k = keys(&[("tester", "14")]);
    let s = server(&k);
    let out = k.dir.path().join("out.pcap");
    let o = format!("pcap:{}", out.display());
    let tls = ["--pin", k.pin.as_str()];
    let args = ["-c", "14", "-w", "ip=198.18.0.0/15", "-o", &o, "-C", "10"];
    sratunnel(&k, s.port(0), &tls, &args);
    let data = std::fs::read(&out).unwrap();
    let packets = pcap_packets(&data);
    assert_eq!(packets.len(), 10);
    for p in packets {
        assert_eq!(p[0] >> 4, 4, "IPv4");
        let (src, dst) = (&p[12..16], &p[16..20]);
        let dark = |a: &[u8]| a[0] == 198 && (a[1] & 0xfe) == 18;
        assert!(dark(src) || dark(dst), "{src:?} > {dst:?}");
    }
}

/// The packets of a little-endian (host order) pcap file of linktype RAW.
fn pcap_packets(data: &[u8]) -> Vec<&[u8]> {
    let u32_at = |i: usize| u32::from_le_bytes(data[i..i + 4].try_into().unwrap());
    assert_eq!(u32_at(0), 0xa1b2_c3d4, "pcap magic (µs)");
    assert!(matches!(u32_at(20), 101 | 12), "linktype RAW");
    let mut out = Vec::new();
    let mut at = 24;
    while at + 16 <= data.len() {
        let caplen = u32_at(at + 8) as usize;
        let len = u32_at(at + 12) as usize;
        assert!(
            caplen <= len && at + 16 + caplen <= data.len(),
            "record at {at}"
        );
        out.push(&data[at + 16..at + 16 + caplen]);
        at += 16 + caplen;
    }
    assert_eq!(at, data.len(), "trailing bytes");
    out
}

#[test]
fn sratool_over_tls_with_api_key() {
    let k = keys(&[("tester", "204")]);
    let s = server(&k);
    let cmds = k.dir.path().join("cmds");
    let lines = [
        format!(
            "connect apikey:{}@127.0.0.1,{}",
            k.api_key("tester"),
            s.port(0)
        ),
        "1 watch dns=*.com".into(),
        "status".into(),
        "1 count 2".into(),
        "channel 204 on".into(),
        "sleep 1".into(),
        "quit".into(),
    ];
    std::fs::write(&cmds, lines.join("\n") + "\n").unwrap();
    let mut cmd = Command::new(bin("sratool"));
    cmd.args(["--pin", &k.pin, "-N", "-c"])
        .arg(&cmds)
        .arg("-n")
        .arg(k.dir.path().join("no-config"));
    let r = run(cmd, Duration::from_secs(15));
    assert!(r.stdout.contains("OK USER tester authorized"), "{r:?}");
    assert!(
        !r.stdout.contains(k.api_key("tester")),
        "the key is never echoed"
    );
    assert_eq!(r.stdout.matches("1 ch204 ").count(), 2, "{r:?}");
    assert!(r.stdout.contains("packet count limit exceeded"), "{r:?}");
    // status names the negotiated TLS version and cipher as libaxa's tls_info line does.
    assert!(
        r.stdout
            .contains("    TLSv1.3 TLS_AES_256_GCM_SHA384  no compression"),
        "{r:?}"
    );
}
