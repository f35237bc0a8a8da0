//! NMSG outputs read back with the nmsg crate's readers, over real files and sockets.

use std::io::Read;
use std::time::Duration;

use bytes::Bytes;
use nmsg::reader::StreamReader;
use nmsg::{Limits, Payload};

use super::*;
use crate::output::packet::packet_ip;
use crate::output::IpPacket;

fn payload(n: u32) -> Payload {
    Payload {
        vid: 2,
        msgtype: 1,
        time_sec: 1_600_000_000,
        time_nsec: n,
        payload: Some(Bytes::from(vec![0x42; 200])),
        ..Payload::default()
    }
}

fn read_file(path: &Path) -> Vec<Payload> {
    let f = File::open(path).unwrap();
    StreamReader::new(f, Limits::default())
        .map(|r| r.unwrap())
        .collect()
}

const IP: [u8; 20] = [
    0x45, 0, 0, 20, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
];

#[test]
fn file_round_trip_with_ip_conversion() {
    for zlib in [false, true] {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("o.nmsg");
        let mut out = NmsgOutput::file(
            &path,
            false,
            NmsgOptions {
                zlib,
                unbuffered: false,
            },
        )
        .unwrap();
        for n in 0..10 {
            let p = payload(n);
            out.write_hit(&Hit::Nmsg {
                channel: 204,
                payload: &p,
            })
            .unwrap();
        }
        let ip = IpPacket {
            tv_sec: 5,
            tv_usec: 6,
            ip_len: 20,
            data: &IP,
        };
        assert_eq!(
            out.write_hit(&Hit::Ip {
                channel: 14,
                packet: ip
            })
            .unwrap(),
            Written::Yes
        );
        let partial = IpPacket { ip_len: 1500, ..ip };
        assert_eq!(
            out.write_hit(&Hit::Ip {
                channel: 14,
                packet: partial
            })
            .unwrap(),
            Written::Skipped
        );
        out.finish().unwrap();
        let got = read_file(&path);
        assert_eq!(got.len(), 11);
        assert_eq!(got[3], payload(3));
        assert_eq!(packet_ip(&got[10]), Some(&IP[..]));
        assert_eq!((got[10].time_sec, got[10].time_nsec), (5, 6000));
        assert_eq!(out.bytes_written(), std::fs::metadata(&path).unwrap().len());
        let mut head = [0u8; 4];
        File::open(&path).unwrap().read_exact(&mut head).unwrap();
        assert_eq!(&head, b"NMSG");
    }
}

#[test]
fn append_mode_keeps_earlier_containers() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("a.nmsg");
    for n in 0..2 {
        let mut out = NmsgOutput::file(&path, true, NmsgOptions::default()).unwrap();
        let p = payload(n);
        out.write_hit(&Hit::Nmsg {
            channel: 1,
            payload: &p,
        })
        .unwrap();
        out.finish().unwrap();
    }
    assert_eq!(read_file(&path), vec![payload(0), payload(1)]);
}

#[test]
fn udp_datagrams_fit_1280_bytes() {
    let rx = UdpSocket::bind("127.0.0.1:0").unwrap();
    rx.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let port = rx.local_addr().unwrap().port();
    let mut out = NmsgOutput::udp("127.0.0.1", port, NmsgOptions::default()).unwrap();
    for n in 0..20 {
        let p = payload(n);
        out.write_hit(&Hit::Nmsg {
            channel: 1,
            payload: &p,
        })
        .unwrap();
    }
    out.flush().unwrap();
    let mut got = Vec::new();
    let mut buf = vec![0u8; 65536];
    while got.len() < 20 {
        let n = rx.recv(&mut buf).unwrap();
        assert!(n <= 1280, "datagram of {n} bytes");
        let c = nmsg::container::decode(&Bytes::copy_from_slice(&buf[..n]), &Limits::default())
            .unwrap();
        assert!(
            c.sequence().is_some(),
            "UDP containers carry sequence numbers"
        );
        for p in c.payloads() {
            got.push(p.unwrap());
        }
    }
    assert_eq!(got[19], payload(19));
}

#[test]
fn unbuffered_sends_one_container_per_hit() {
    let rx = UdpSocket::bind("127.0.0.1:0").unwrap();
    rx.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let port = rx.local_addr().unwrap().port();
    let mut out = NmsgOutput::udp(
        "127.0.0.1",
        port,
        NmsgOptions {
            zlib: true,
            unbuffered: true,
        },
    )
    .unwrap();
    let p = payload(1);
    out.write_hit(&Hit::Nmsg {
        channel: 1,
        payload: &p,
    })
    .unwrap();
    // No flush: unbuffered output is sent at once.
    let mut buf = vec![0u8; 2048];
    let n = rx.recv(&mut buf).unwrap();
    let c =
        nmsg::container::decode(&Bytes::copy_from_slice(&buf[..n]), &Limits::default()).unwrap();
    assert_eq!(c.len(), 1);
    assert_eq!(c.flags() & 1, 1, "zlib flag");
}

#[test]
fn udp_without_a_receiver_is_not_an_error() {
    let rx = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = rx.local_addr().unwrap().port();
    drop(rx);
    let mut out = NmsgOutput::udp(
        "127.0.0.1",
        port,
        NmsgOptions {
            zlib: false,
            unbuffered: true,
        },
    )
    .unwrap();
    for n in 0..5 {
        let p = payload(n);
        out.write_hit(&Hit::Nmsg {
            channel: 1,
            payload: &p,
        })
        .unwrap();
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn tcp_stream() {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let reader = std::thread::spawn(move || {
        let (s, _) = l.accept().unwrap();
        StreamReader::new(s, Limits::default())
            .map(|r| r.unwrap())
            .collect::<Vec<_>>()
    });
    let mut out = NmsgOutput::tcp("127.0.0.1", port, NmsgOptions::default()).unwrap();
    for n in 0..3 {
        let p = payload(n);
        out.write_hit(&Hit::Nmsg {
            channel: 1,
            payload: &p,
        })
        .unwrap();
    }
    out.finish().unwrap();
    drop(out);
    assert_eq!(
        reader.join().unwrap(),
        vec![payload(0), payload(1), payload(2)]
    );
}

#[test]
fn known_crc_writes_the_same_bytes_and_counts_them() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a.nmsg"), tmp.path().join("b.nmsg"));
    let mut plain = NmsgOutput::file(&a, false, NmsgOptions::default()).unwrap();
    let mut known = NmsgOutput::file(&b, false, NmsgOptions::default()).unwrap();
    for n in 0..10 {
        let p = payload(n);
        plain
            .write_hit(&Hit::Nmsg {
                channel: 204,
                payload: &p,
            })
            .unwrap();
        let crc = nmsg::crc::payload_crc(p.payload_bytes());
        known.write_nmsg(204, &p, Some(crc)).unwrap();
    }
    plain.finish().unwrap();
    known.finish().unwrap();
    let (ba, bb) = (std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    assert_eq!(ba, bb);
    assert_eq!(known.bytes_written(), bb.len() as u64);
    assert_eq!(read_file(&b).len(), 10);
}
