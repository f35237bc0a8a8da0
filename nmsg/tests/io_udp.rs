//! Files to UDP datagrams over real sockets on 127.0.0.1 and back: fragments, zlib, sequence
//! numbers, and a listener that keeps going after malformed datagrams.

mod io_common;

use std::net::UdpSocket;
use std::time::Duration;

use io_common::{fixture, read_all, testdata, FIXTURES};
use nmsg::reader::DatagramReader;
use nmsg::writer::{Writer, WriterConfig, SIZE_ETHER, SIZE_JUMBO, SIZE_MIN};
use nmsg::{Limits, Payload};

fn all_fixture_payloads() -> Option<Vec<Payload>> {
    let dir = testdata()?;
    Some(
        FIXTURES
            .iter()
            .flat_map(|n| read_all(&fixture(&dir, n)).0)
            .collect(),
    )
}

fn pair() -> (UdpSocket, UdpSocket) {
    let rx = UdpSocket::bind("127.0.0.1:0").unwrap();
    rx.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
    tx.connect(rx.local_addr().unwrap()).unwrap();
    (tx, rx)
}

fn receive(reader: &mut DatagramReader<UdpSocket>, n: usize) -> Vec<Payload> {
    let mut got = Vec::new();
    while got.len() < n {
        match reader.next().unwrap() {
            Ok(p) => got.push(p),
            Err(e) if e.is_data_error() => continue,
            Err(e) => panic!("after {} payloads: {e}", got.len()),
        }
    }
    got
}

#[test]
fn file_to_udp_and_back() {
    let Some(ps) = all_fixture_payloads() else {
        return;
    };
    for size in [SIZE_MIN, SIZE_ETHER, SIZE_JUMBO] {
        for zlib in [false, true] {
            for buffered in [true, false] {
                let (tx, rx) = pair();
                let cfg = WriterConfig {
                    zlib,
                    buffered,
                    ..WriterConfig::datagram(size)
                };
                let mut w = Writer::to_datagrams(tx, cfg);
                let mut reader = DatagramReader::new(rx, Limits::default());
                // Send and receive in slices so the socket buffer never overflows.
                let mut got = Vec::new();
                for chunk in ps.chunks(8) {
                    for p in chunk {
                        w.write(p).unwrap();
                    }
                    w.flush().unwrap();
                    got.extend(receive(&mut reader, chunk.len()));
                }
                assert_eq!(got, ps, "size {size} zlib {zlib} buffered {buffered}");
                let s = reader.stats();
                assert_eq!((s.lost, s.data_errors, s.expired), (0, 0, 0));
                assert_eq!(s.containers, w.stats().containers);
                assert_eq!(s.fragments, w.stats().fragments);
                if size == SIZE_MIN && !zlib {
                    assert!(s.fragments > 0);
                }
            }
        }
    }
}

#[test]
fn listener_survives_malformed_datagrams() {
    let Some(ps) = all_fixture_payloads() else {
        return;
    };
    let (tx, rx) = pair();
    let mut reader = DatagramReader::new(rx, Limits::default());
    tx.send(b"garbage").unwrap();
    tx.send(b"\x00\x00\x02\x9cx\x9cnot zlib at all").unwrap();
    tx.send(b"NMSG\x00\x02\x00\x00\x00\xff").unwrap();
    let mut w = Writer::to_datagrams(&tx, WriterConfig::datagram(SIZE_JUMBO));
    w.write(&ps[0]).unwrap();
    w.flush().unwrap();
    let mut errors = 0;
    let got = loop {
        match reader.next().unwrap() {
            Ok(p) => break p,
            Err(e) => {
                assert!(e.is_data_error(), "{e}");
                errors += 1;
            }
        }
    };
    assert_eq!(got, ps[0]);
    assert_eq!(errors, 3);
    assert_eq!(reader.stats().data_errors, 3);
}

#[test]
fn loss_is_counted_per_sender() {
    let Some(ps) = all_fixture_payloads() else {
        return;
    };
    let rx = UdpSocket::bind("127.0.0.1:0").unwrap();
    rx.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    // Writer into memory; replay over two sockets with gaps.
    let mut w = Writer::to_datagrams(
        Vec::new(),
        WriterConfig {
            buffered: false,
            ..WriterConfig::datagram(SIZE_JUMBO)
        },
    );
    for p in &ps[..10] {
        w.write(p).unwrap();
    }
    let dgrams = w.into_inner().unwrap().0;
    assert_eq!(dgrams.len(), 10);
    let (a, b) = (
        UdpSocket::bind("127.0.0.1:0").unwrap(),
        UdpSocket::bind("127.0.0.1:0").unwrap(),
    );
    let to = rx.local_addr().unwrap();
    // Sender a: all but 3 and 4; sender b (same sequence_id!): only 0 and 9.
    for (i, d) in dgrams.iter().enumerate() {
        if i != 3 && i != 4 {
            a.send_to(d, to).unwrap();
        }
    }
    b.send_to(&dgrams[0], to).unwrap();
    b.send_to(&dgrams[9], to).unwrap();
    let mut reader = DatagramReader::new(rx, Limits::default());
    let got = receive(&mut reader, 10);
    assert_eq!(got.len(), 10);
    // a lost 2; b lost 8 (0 then 9).
    assert_eq!(reader.stats().lost, 10);
}

#[test]
fn read_timeout_is_an_io_error_and_reading_goes_on() {
    let Some(ps) = all_fixture_payloads() else {
        return;
    };
    let (tx, rx) = pair();
    rx.set_read_timeout(Some(Duration::from_millis(50)))
        .unwrap();
    let mut reader = DatagramReader::new(rx, Limits::default());
    let e = reader.next().unwrap().unwrap_err();
    assert!(!e.is_data_error());
    let mut w = Writer::to_datagrams(tx, WriterConfig::datagram(SIZE_ETHER));
    w.write(&ps[1]).unwrap();
    w.flush().unwrap();
    reader
        .get_mut()
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    assert_eq!(reader.next().unwrap().unwrap(), ps[1]);
}
