//! pcap output tests: files are read back with an independent classic-pcap parser.

use std::os::unix::fs::PermissionsExt;

use super::*;
use crate::output::packet::packet_payload;
use crate::output::IpPacket;

/// A parsed classic pcap file.
#[derive(Debug)]
struct Parsed {
    snaplen: u32,
    linktype: u32,
    records: Vec<(u32, u32, u32, Vec<u8>)>,
}

/// A strict reader: either byte order, microsecond magic, version 2.4, whole records.
fn parse(b: &[u8]) -> Parsed {
    assert!(b.len() >= 24, "short file");
    let le = match &b[0..4] {
        [0xd4, 0xc3, 0xb2, 0xa1] => true,
        [0xa1, 0xb2, 0xc3, 0xd4] => false,
        m => panic!("bad magic {m:?}"),
    };
    let u16_at = |o: usize| {
        let a = [b[o], b[o + 1]];
        if le {
            u16::from_le_bytes(a)
        } else {
            u16::from_be_bytes(a)
        }
    };
    let u32_at = |o: usize| {
        let a = [b[o], b[o + 1], b[o + 2], b[o + 3]];
        if le {
            u32::from_le_bytes(a)
        } else {
            u32::from_be_bytes(a)
        }
    };
    assert_eq!((u16_at(4), u16_at(6)), (2, 4));
    let mut records = Vec::new();
    let mut o = 24;
    while o < b.len() {
        assert!(o + 16 <= b.len(), "truncated record header");
        let (sec, usec, cap, len) = (u32_at(o), u32_at(o + 4), u32_at(o + 8), u32_at(o + 12));
        o += 16;
        assert!(o + cap as usize <= b.len(), "truncated record");
        assert!(cap <= len || len == 0);
        records.push((sec, usec, len, b[o..o + cap as usize].to_vec()));
        o += cap as usize;
    }
    Parsed {
        snaplen: u32_at(16),
        linktype: u32_at(20),
        records,
    }
}

fn ip(n: u8) -> Vec<u8> {
    let mut p = vec![
        0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, n, 10, 0, 0, 2,
    ];
    p.extend_from_slice(&[0x30, 0x39, 0x00, 0x35, 0, 8, 0, 0]);
    p
}

#[test]
fn file_round_trip() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("out.pcap");
    let mut out = PcapOutput::create(&path, false).unwrap();
    let a = ip(1);
    let b = ip(2);
    let ip_hit = Hit::Ip {
        channel: 14,
        packet: IpPacket {
            tv_sec: 100,
            tv_usec: 7,
            ip_len: 28,
            data: &a,
        },
    };
    assert_eq!(out.write_hit(&ip_hit).unwrap(), Written::Yes);
    // An NMSG base:packet hit becomes a record too, timed by its payload.
    let p = packet_payload(&IpPacket {
        tv_sec: 200,
        tv_usec: 300_000,
        ip_len: 28,
        data: &b,
    });
    let nmsg_hit = Hit::Nmsg {
        channel: 14,
        payload: &p,
    };
    assert_eq!(out.write_hit(&nmsg_hit).unwrap(), Written::Yes);
    // A truncated capture keeps its original length.
    let trunc = Hit::Ip {
        channel: 14,
        packet: IpPacket {
            tv_sec: 300,
            tv_usec: 0,
            ip_len: 1500,
            data: &a[..20],
        },
    };
    out.write_hit(&trunc).unwrap();
    out.finish().unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(out.bytes_written(), bytes.len() as u64);
    let parsed = parse(&bytes);
    assert_eq!(parsed.linktype, 101);
    assert_eq!(parsed.snaplen, 131_072);
    assert_eq!(
        parsed.records,
        vec![
            (100, 7, 28, a.clone()),
            (200, 300_000, 28, b.clone()),
            (300, 0, 1500, a[..20].to_vec())
        ]
    );
}

#[test]
fn other_nmsg_types_are_refused_per_hit() {
    let tmp = tempfile::tempdir().unwrap();
    let mut out = PcapOutput::create(&tmp.path().join("x.pcap"), false).unwrap();
    let p = nmsg::Payload {
        vid: 2,
        msgtype: 1,
        ..nmsg::Payload::default()
    };
    let err = out
        .write_hit(&Hit::Nmsg {
            channel: 204,
            payload: &p,
        })
        .unwrap_err();
    assert!(!err.is_fatal());
    assert_eq!(err.to_string(), "cannot forward nmsg 2 1 messages via pcap");
}

#[test]
fn append_keeps_one_header() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("a.pcap");
    let a = ip(1);
    for _ in 0..2 {
        let mut out = PcapOutput::create(&path, true).unwrap();
        out.write_hit(&Hit::Ip {
            channel: 1,
            packet: IpPacket {
                tv_sec: 1,
                tv_usec: 2,
                ip_len: 28,
                data: &a,
            },
        })
        .unwrap();
        out.finish().unwrap();
    }
    assert_eq!(parse(&std::fs::read(&path).unwrap()).records.len(), 2);
    // Without append, the file starts over.
    let mut out = PcapOutput::create(&path, false).unwrap();
    out.finish().unwrap();
    assert_eq!(parse(&std::fs::read(&path).unwrap()).records.len(), 0);
}

#[test]
fn fifo_is_created_drained_and_readable() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("p.fifo");
    // A first output creates the FIFO and leaves stale bytes in it when nobody reads.
    let mut stale = PcapOutput::fifo(&path).unwrap();
    let meta = std::fs::metadata(&path).unwrap();
    assert!(meta.file_type().is_fifo());
    assert_eq!(meta.permissions().mode() & 0o077, 0, "FIFO must be private");
    // Keep the stale writer open so its bytes stay in the pipe.
    let mut second = PcapOutput::fifo(&path).unwrap();
    let a = ip(9);
    second
        .write_hit(&Hit::Ip {
            channel: 1,
            packet: IpPacket {
                tv_sec: 5,
                tv_usec: 6,
                ip_len: 28,
                data: &a,
            },
        })
        .unwrap();
    second.finish().unwrap();
    // Read what is in the pipe now: one header + one record; the stale header was drained.
    let mut reader = OpenOptions::new()
        .read(true)
        .custom_flags(OFlags::NONBLOCK.bits() as i32)
        .open(&path)
        .unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) => panic!("{e}"),
        }
    }
    let parsed = parse(&got);
    assert_eq!(parsed.records, vec![(5, 6, 28, a)]);
    stale.finish().unwrap();
}

#[test]
fn fifo_refuses_a_regular_file() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("regular");
    std::fs::write(&path, b"x").unwrap();
    let err = PcapOutput::fifo(&path).unwrap_err();
    assert!(err.to_string().contains("not a FIFO"), "{err}");
}
