//! The output thread with real pcap files.

use std::time::Instant;

use axa_proto::{Whit, WhitIp, WhitNmsg};

use super::*;
use crate::output::pcap::PcapOutput;

fn pcap_opener(path: PathBuf) -> Opener {
    Box::new(move |p: Option<&Path>| {
        let target = p.map(Path::to_owned).unwrap_or_else(|| path.clone());
        Ok(Box::new(PcapOutput::create(&target, false)?) as Box<dyn Output>)
    })
}

fn ip_hit(n: u8) -> OwnedHit {
    let data = Bytes::from(vec![
        0x45, 0, 0, 20, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, n, 10, 0, 0, 2,
    ]);
    OwnedHit::Ip {
        channel: 1,
        tv_sec: u32::from(n),
        tv_usec: 0,
        ip_len: 20,
        data,
    }
}

/// Records in a pcap file written by this host (24-byte header, 16-byte record headers).
fn records(path: &Path) -> usize {
    let b = std::fs::read(path).unwrap();
    let mut o = 24;
    let mut n = 0;
    while o + 16 <= b.len() {
        let cap = u32::from_ne_bytes([b[o + 8], b[o + 9], b[o + 10], b[o + 11]]) as usize;
        o += 16 + cap;
        n += 1;
    }
    assert_eq!(o, b.len());
    n
}

#[test]
fn quiet_output_is_flushed_after_silence() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("o.pcap");
    let d = OutputDriver::start(pcap_opener(path.clone()), Limits::default(), None, 16).unwrap();
    assert!(d.offer(ip_hit(1)));
    let t0 = Instant::now();
    while records(&path) < 1 {
        assert!(
            t0.elapsed() < Duration::from_secs(5),
            "hit never reached the file"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(matches!(d.shutdown(), DriverExit::Closed));
}

#[test]
fn count_limit_without_kickfile_stops() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("o.pcap");
    let limits = Limits {
        count: Some(3),
        ..Limits::default()
    };
    let mut d = OutputDriver::start(pcap_opener(path.clone()), limits, None, 16).unwrap();
    let mut exit = d.take_exit_signal().unwrap();
    for n in 0..3 {
        d.offer(ip_hit(n));
    }
    // The thread ends on its own after the third hit.
    let t0 = Instant::now();
    while exit.try_recv().is_err() {
        assert!(t0.elapsed() < Duration::from_secs(5));
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(!d.offer(ip_hit(9)));
    assert!(matches!(
        d.shutdown(),
        DriverExit::LimitReached(Trigger::Count)
    ));
    assert_eq!(records(&path), 3);
}

#[test]
fn count_rotation_with_kickfile() {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().join("o.pcap");
    let k = Kickfile::new(&base, ".pcap", None).unwrap();
    let limits = Limits {
        count: Some(2),
        ..Limits::default()
    };
    let d = OutputDriver::start(pcap_opener(base.clone()), limits, Some(k), 64).unwrap();
    // Ignored hits count too.
    for h in [
        ip_hit(1),
        OwnedHit::Ignored,
        ip_hit(2),
        ip_hit(3),
        ip_hit(4),
    ] {
        assert!(d.offer(h));
        // Distinct kickfile names need distinct microseconds.
        std::thread::sleep(Duration::from_millis(2));
    }
    assert!(matches!(d.shutdown(), DriverExit::Closed));
    let mut finished: Vec<PathBuf> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    finished.sort();
    // Two full files and the last one finished at exit; no .part files left.
    assert_eq!(finished.len(), 3, "{finished:?}");
    let counts: Vec<usize> = finished.iter().map(|p| records(p)).collect();
    assert_eq!(counts.iter().sum::<usize>(), 4);
    for p in &finished {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.starts_with("o.pcap.") && name.ends_with(".pcap"),
            "{name}"
        );
    }
}

#[test]
fn size_rotation_and_kickfile_command() {
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("out");
    let done_dir = tmp.path().join("done");
    std::fs::create_dir_all(&out_dir).unwrap();
    std::fs::create_dir_all(&done_dir).unwrap();
    let base = out_dir.join("cap");
    let cmd = format!("mv -t {}", done_dir.display());
    let k = Kickfile::new(&base, ".pcap", Some(&cmd)).unwrap();
    // Header 24 + one record 36 = 60 bytes; limit 100 rotates after the second record.
    let limits = Limits {
        max_bytes: Some(100),
        ..Limits::default()
    };
    let d = OutputDriver::start(pcap_opener(base), limits, Some(k), 64).unwrap();
    for n in 0..4 {
        d.offer(ip_hit(n));
        std::thread::sleep(Duration::from_millis(2));
    }
    assert!(matches!(d.shutdown(), DriverExit::Closed));
    let moved: Vec<_> = std::fs::read_dir(&done_dir).unwrap().collect();
    assert_eq!(moved.len(), 2, "the command ran on both finished files");
    assert_eq!(std::fs::read_dir(&out_dir).unwrap().count(), 0);
}

#[test]
fn full_queue_drops_and_counts() {
    struct Slow;
    impl Output for Slow {
        fn write_hit(&mut self, _: &Hit<'_>) -> Result<super::super::Written, OutputError> {
            std::thread::sleep(Duration::from_millis(50));
            Ok(super::super::Written::Yes)
        }
        fn flush(&mut self) -> Result<(), OutputError> {
            Ok(())
        }
        fn bytes_written(&self) -> u64 {
            0
        }
    }
    let opener: Opener = Box::new(|_| Ok(Box::new(Slow) as Box<dyn Output>));
    let d = OutputDriver::start(opener, Limits::default(), None, 2).unwrap();
    let accepted = (0..20).filter(|&n| d.offer(ip_hit(n))).count();
    assert!(accepted < 20);
    assert_eq!(d.dropped(), (20 - accepted) as u64);
    drop(d);
}

#[test]
fn time_rotation_on_the_wall_clock() {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().join("t.pcap");
    let k = Kickfile::new(&base, ".pcap", None).unwrap();
    let limits = Limits {
        interval_secs: Some(1),
        ..Limits::default()
    };
    let d = OutputDriver::start(pcap_opener(base), limits, Some(k), 16).unwrap();
    d.offer(ip_hit(1));
    let t0 = Instant::now();
    while d.counters().rotations.load(Ordering::Relaxed) == 0 {
        assert!(
            t0.elapsed() < Duration::from_secs(5),
            "no rotation at the boundary"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(matches!(d.shutdown(), DriverExit::Closed));
    let files = std::fs::read_dir(tmp.path()).unwrap().count();
    assert!(files >= 2, "{files}");
}

#[tokio::test(flavor = "current_thread")]
async fn batches_wait_for_room_and_lose_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("o.pcap");
    // A one-message queue: most sends find it full and must wait for the thread.
    let d = OutputDriver::start(pcap_opener(path.clone()), Limits::default(), None, 1).unwrap();
    for b in 0..50u8 {
        let batch: Vec<OwnedHit> = (0..20).map(|n| ip_hit(b.wrapping_add(n))).collect();
        assert!(d.send_batch(batch).await);
    }
    assert_eq!(d.dropped(), 0);
    assert!(matches!(d.shutdown(), DriverExit::Closed));
    assert_eq!(records(&path), 1000);
}

#[tokio::test(flavor = "current_thread")]
async fn count_limit_inside_a_batch_stops_there() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("o.pcap");
    let limits = Limits {
        count: Some(5),
        ..Limits::default()
    };
    let d = OutputDriver::start(pcap_opener(path.clone()), limits, None, 4).unwrap();
    assert!(d.send_batch((0..10).map(ip_hit).collect()).await);
    assert!(matches!(
        d.shutdown(),
        DriverExit::LimitReached(Trigger::Count)
    ));
    assert_eq!(records(&path), 5);
}

/// Records what it is given: `(channel, payload time_nsec or IP tv_sec)`.
struct Recorder(Arc<Mutex<Vec<(u16, u32)>>>);

impl Output for Recorder {
    fn write_hit(&mut self, hit: &Hit<'_>) -> Result<super::super::Written, OutputError> {
        let r = match hit {
            Hit::Nmsg { channel, payload } => (*channel, payload.time_nsec),
            Hit::Ip { channel, packet } => (*channel, packet.tv_sec),
        };
        self.0.lock().unwrap().push(r);
        Ok(super::super::Written::Yes)
    }
    fn flush(&mut self) -> Result<(), OutputError> {
        Ok(())
    }
    fn bytes_written(&self) -> u64 {
        0
    }
}

fn nmsg_whit(ch: u16, nsec: u32) -> Whit {
    let p = nmsg::Payload {
        vid: 1,
        msgtype: 9,
        time_nsec: nsec,
        payload: Some(Bytes::from_static(b"\x08\x01")),
        ..nmsg::Payload::default()
    };
    let mut b = nmsg::ContainerBuilder::new();
    b.push(&p);
    let mut c = Vec::new();
    b.write(None, false, &mut c);
    Whit::Nmsg(WhitNmsg {
        ch,
        field_idx: 0,
        val_idx: 0,
        vid: 1,
        msgtype: 9,
        ts_sec: 0,
        ts_nsec: 0,
        container: Bytes::from(c),
    })
}

#[tokio::test(flavor = "current_thread")]
async fn whit_sink_batches_copy_hits_and_reuse_buffers() {
    use crate::session::hit_sink::HitSink;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let opener: Opener = {
        let seen = seen.clone();
        Box::new(move |_| Ok(Box::new(Recorder(seen.clone())) as Box<dyn Output>))
    };
    let d = OutputDriver::start(opener, Limits::default(), None, 4).unwrap();
    let mut sink = d.whit_sink(nmsg::Limits::default());
    let mut want = Vec::new();
    for batch in 0..3u32 {
        for n in 0..10u32 {
            let i = batch * 10 + n;
            if n == 3 {
                // Undecodable: logged and left out.
                let mut bad = nmsg_whit(7, i);
                if let Whit::Nmsg(w) = &mut bad {
                    w.container = Bytes::from_static(b"NMSG junk");
                }
                sink.push(1, bad);
            } else if n == 5 {
                let ip = WhitIp {
                    ch: 14,
                    tv_sec: i,
                    tv_usec: 0,
                    ip_len: 3,
                    packet: Bytes::from_static(b"\x45\x00\x00"),
                };
                sink.push(1, Whit::Ip(ip));
                want.push((14, i));
            } else {
                sink.push(1, nmsg_whit(204, i));
                want.push((204, i));
            }
        }
        sink.flush().await;
        // Once written, the batch comes back for the next one.
        let t0 = Instant::now();
        while seen.lock().unwrap().len() < want.len() {
            assert!(t0.elapsed() < Duration::from_secs(5));
            std::thread::sleep(Duration::from_millis(2));
        }
        let t0 = Instant::now();
        while d.shared.spares.lock().unwrap().is_empty() {
            assert!(
                t0.elapsed() < Duration::from_secs(5),
                "batch not given back"
            );
            std::thread::sleep(Duration::from_millis(2));
        }
        // Emptied, with its room kept.
        let spares = d.shared.spares.lock().unwrap();
        assert!(spares[0].buf.is_empty() && spares[0].hits.is_empty());
        assert!(spares[0].buf.capacity() >= 512 * 1024);
        drop(spares);
    }
    assert!(matches!(d.shutdown(), DriverExit::Closed));
    assert_eq!(*seen.lock().unwrap(), want);
}
