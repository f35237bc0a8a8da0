//! Scenario d: the library tunnel (`sra_client::tunnel`, what `sratunnel` runs) survives a
//! server restart on the same port: it reconnects, its watch and channel are restored, hits
//! flow again, and none is delivered twice.

use std::collections::HashSet;
use std::sync::mpsc;
use std::time::Duration;

use axa::client::output::driver::OutputDriver;
use axa::client::output::{Hit, Output, OutputError, Written};
use axa::client::rotation::Limits;
use axa::client::session::startup::{plan, StartupOptions};
use axa::client::tunnel::{run, TunnelConfig, TunnelExit};
use axa::client::ClientOptions;
use axa::nmsg::Payload;
use axa::proto::ConnSpec;

use crate::common::TestServer;

fn config(port: u16, seed: u64) -> String {
    format!(
        r#"
[[listener]]
kind = "tcp"
address = "127.0.0.1:{port}"
logins = ["user"]

[[channel]]
number = 204
description = "ch204 generated"
source = {{ kind = "generator", generator = "dnsdedupe", rate = 100, seed = {seed} }}

[[user]]
name = "tunnel"
channels = [204]
"#
    )
}

/// An output that hands every NMSG payload to the test.
struct Recorder(mpsc::Sender<Payload>);

impl Output for Recorder {
    fn write_hit(&mut self, hit: &Hit<'_>) -> Result<Written, OutputError> {
        if let Hit::Nmsg { payload, .. } = hit {
            let _ = self.0.send((*payload).clone());
        }
        Ok(Written::Yes)
    }
    fn flush(&mut self) -> Result<(), OutputError> {
        Ok(())
    }
    fn bytes_written(&self) -> u64 {
        0
    }
}

/// Receives payloads until `n` more arrived (or panics after `limit`).
fn take(rx: &mpsc::Receiver<Payload>, n: usize, limit: Duration, into: &mut Vec<Payload>) {
    let deadline = std::time::Instant::now() + limit;
    for _ in 0..n {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        into.push(rx.recv_timeout(left).expect("no hit in time"));
    }
}

fn watches(s: &TestServer) -> usize {
    s.ctx.index.inspect(|m| m.total_watches())
}

#[test]
fn tunnel_reconnects_and_restores_its_watches() {
    let first = TestServer::start(&config(0, 1));
    let port = first.port(0);
    let (tx, rx) = mpsc::channel();
    let steps = plan(&StartupOptions {
        watches: vec!["ch=204".into()],
        channels: vec!["204".into()],
        ..StartupOptions::default()
    })
    .unwrap();
    let cfg = TunnelConfig {
        spec: ConnSpec::parse(&format!("tcp:tunnel@127.0.0.1,{port}")).unwrap(),
        client: ClientOptions {
            origin: "e2e".into(),
            ..ClientOptions::default()
        },
        steps,
        acct_interval: None,
        nmsg_limits: axa::nmsg::Limits::default(),
    };
    let driver = OutputDriver::start(
        Box::new(move |_| Ok(Box::new(Recorder(tx.clone())) as Box<dyn Output>)),
        Limits::default(),
        None,
        1024,
    )
    .unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let tunnel = rt.spawn(run(cfg, driver, async {
        let _ = stop_rx.await;
    }));

    let mut before = Vec::new();
    take(&rx, 20, Duration::from_secs(10), &mut before);
    assert_eq!(watches(&first), 1);
    first.stop();
    // Whatever was already on its way is still delivered; then silence.
    while let Ok(p) = rx.recv_timeout(Duration::from_millis(300)) {
        before.push(p);
    }

    let second = TestServer::start(&config(port, 2));
    assert!(
        crate::common::wait_for(Duration::from_secs(10), || (watches(&second) == 1)
            .then_some(()))
        .is_some(),
        "the tunnel did not restore its watch"
    );
    let mut after = Vec::new();
    take(&rx, 20, Duration::from_secs(10), &mut after);

    let _ = stop_tx.send(());
    let exit = rt.block_on(tunnel).unwrap();
    assert!(matches!(exit, TunnelExit::Shutdown), "{exit:?}");
    while let Ok(p) = rx.try_recv() {
        after.push(p);
    }
    // Different seeds: the restarted server generates other names, so any equal pair would
    // be a hit delivered twice.
    let mut seen = HashSet::new();
    for p in before.iter().chain(&after) {
        let key = (p.time_sec, p.time_nsec, p.payload.clone());
        assert!(seen.insert(key), "hit delivered twice: {p:?}");
    }
    let names: HashSet<_> = before.iter().filter_map(crate::common::rrname).collect();
    assert!(
        after
            .iter()
            .filter_map(crate::common::rrname)
            .any(|n| !names.contains(&n)),
        "no new traffic after the restart"
    );
    drop(second);
}

/// The same through the `sratunnel` process: it outlives a server restart and completes its
/// `-C` count with hits from both servers.
#[test]
fn sratunnel_process_reconnects() {
    use std::process::{Command, Stdio};

    use crate::common::{bin, wait_for};

    let first = TestServer::start(&config(0, 3));
    let port = first.port(0);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.nmsg");
    let log = dir.path().join("log");
    let mut child = Command::new(bin("sratunnel"))
        .args(["-s", &format!("tcp:tunnel@127.0.0.1,{port}")])
        .args(["-w", "ch=204", "-c", "204", "-C", "60", "-u", "-d"])
        .arg("-o")
        .arg(format!("nmsg:file:{}", out.display()))
        .arg("-n")
        .arg(dir.path().join("none"))
        .stdout(std::fs::File::create(&log).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let size = || std::fs::metadata(&out).map_or(0, |m| m.len());
    let started = wait_for(Duration::from_secs(10), || (size() > 0).then_some(()));
    first.stop();
    let second = TestServer::start(&config(port, 4));
    let done = wait_for(Duration::from_secs(15), || child.try_wait().unwrap());
    if done.is_none() {
        let _ = child.kill();
        let _ = child.wait();
    }
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(started.is_some(), "no hit before the restart: {text}");
    assert!(done.is_some_and(|s| s.success()), "did not finish: {text}");
    assert!(text.contains("re-connect"), "{text}");
    assert_eq!(text.matches("connected to").count(), 2, "{text}");
    let data = std::fs::read(&out).unwrap();
    let n = axa::nmsg::reader::StreamReader::new(&data[..], axa::nmsg::Limits::default())
        .collect::<Result<Vec<_>, _>>()
        .unwrap()
        .len();
    assert_eq!(n, 60);
    drop(second);
}
