//! The two UDP captures of nmsgtool 1.3.3 (`-m 512`, plain and zlib): fragments, sequence
//! numbers and the headerless-datagram defect, with the results testdata/README.md expects.

mod io_common;

use std::net::SocketAddr;
use std::time::Instant;

use io_common::{capture, fixture, read_all, testdata};
use nmsg::{Error, Input, Limits, Payload, Stats};

fn run(input: &mut Input, datagrams: &[bytes::Bytes]) -> (Vec<Payload>, Vec<Error>) {
    let sender: SocketAddr = "127.0.0.1:8430".parse().unwrap();
    let now = Instant::now();
    let (mut ok, mut bad) = (Vec::new(), Vec::new());
    for d in datagrams {
        if let Err(e) = input.push_datagram(d.clone(), Some(sender), now) {
            bad.push(e);
        }
        while let Some(p) = input.next_payload() {
            match p {
                Ok(p) => ok.push(p),
                Err(e) => bad.push(e),
            }
        }
    }
    (ok, bad)
}

#[test]
fn plain_capture_reassembles_to_the_file() {
    let Some(dir) = testdata() else { return };
    let dgrams = capture(&fixture(&dir, "test1-dnsqr.udp-m512.bin"));
    assert_eq!(dgrams.len(), 10);
    let mut input = Input::new(Limits::default());
    let (ps, errs) = run(&mut input, &dgrams);
    assert!(errs.is_empty(), "{errs:?}");
    let (expected, _, _) = read_all(&fixture(&dir, "test1-dnsqr.nmsg"));
    assert_eq!(ps, expected);
    assert_eq!(
        input.stats(),
        Stats {
            containers: 5,
            payloads: 5,
            bytes: 3739 - 4 * 10,
            lost: 0,
            fragments: 9,
            expired: 0,
            data_errors: 0,
            headerless: 0,
        }
    );
}

#[test]
fn plain_capture_datagrams_back_to_back_in_a_file() {
    let Some(dir) = testdata() else { return };
    let file: Vec<u8> = capture(&fixture(&dir, "test1-dnsqr.udp-m512.bin")).concat();
    let (ps, errs, stats) = read_all(&file);
    assert!(errs.is_empty());
    let (expected, _, _) = read_all(&fixture(&dir, "test1-dnsqr.nmsg"));
    assert_eq!(ps, expected);
    assert_eq!(stats.fragments, 9);
}

#[test]
fn zlib_capture_strict() {
    let Some(dir) = testdata() else { return };
    let dgrams = capture(&fixture(&dir, "test1-dnsqr.udp-m512-zlib.bin"));
    assert_eq!(dgrams.len(), 7);
    let mut input = Input::new(Limits::default()).recover_headerless(false);
    let (ps, errs) = run(&mut input, &dgrams);
    let (expected, _, _) = read_all(&fixture(&dir, "test1-dnsqr.nmsg"));
    // Sequences 1, 3 and 4 are delivered; the two headerless datagrams are counted and
    // skipped (the input keeps going); the gap before sequence 3 is one lost container.
    assert_eq!(
        ps,
        [
            expected[1].clone(),
            expected[3].clone(),
            expected[4].clone()
        ]
    );
    assert_eq!(errs.len(), 2);
    assert!(errs.iter().all(|e| matches!(e, Error::BadMagic)));
    let s = input.stats();
    assert_eq!((s.containers, s.payloads, s.data_errors), (3, 3, 2));
    assert_eq!((s.lost, s.fragments, s.headerless), (1, 4, 0));
}

#[test]
fn zlib_capture_recovers_headerless_datagrams() {
    let Some(dir) = testdata() else { return };
    let dgrams = capture(&fixture(&dir, "test1-dnsqr.udp-m512-zlib.bin"));
    let mut input = Input::new(Limits::default());
    let (ps, errs) = run(&mut input, &dgrams);
    assert!(errs.is_empty(), "{errs:?}");
    let (expected, _, _) = read_all(&fixture(&dir, "test1-dnsqr.nmsg"));
    assert_eq!(ps, expected);
    let s = input.stats();
    assert_eq!((s.containers, s.payloads, s.data_errors), (5, 5, 0));
    assert_eq!((s.lost, s.fragments, s.headerless), (0, 4, 2));
}

#[test]
fn capture_sequence_fields() {
    let Some(dir) = testdata() else { return };
    let limits = Limits::default();
    let dgrams = capture(&fixture(&dir, "test1-dnsqr.udp-m512.bin"));
    let last = nmsg::container::decode(&dgrams[9], &limits).unwrap();
    assert_eq!(last.sequence(), Some(4));
    assert_eq!(last.sequence_id(), Some(0xcbcd_9bcd_c802_f046));
    match nmsg::container::decode_frame(&dgrams[6], &limits).unwrap() {
        nmsg::Frame::Fragment { fragment, zlib } => {
            assert!(!zlib);
            assert_eq!(
                (
                    fragment.id,
                    fragment.current,
                    fragment.last,
                    fragment.data.len()
                ),
                (0x868a_0aef, 0, 2, 480)
            );
        }
        other => panic!("{other:?}"),
    }
    // A fragment is not a whole container.
    assert!(matches!(
        nmsg::container::decode(&dgrams[0], &limits),
        Err(Error::Fragmented)
    ));
}

#[test]
fn reordered_and_lost_datagrams() {
    let Some(dir) = testdata() else { return };
    let dgrams = capture(&fixture(&dir, "test1-dnsqr.udp-m512.bin"));
    // Drop the second fragment set entirely (datagrams 2, 3) and swap the fragments of the
    // fourth set: one container lost, the rest delivered.
    let order = [0usize, 1, 4, 5, 8, 7, 6, 9];
    let picked: Vec<_> = order.iter().map(|&i| dgrams[i].clone()).collect();
    let mut input = Input::new(Limits::default());
    let (ps, errs) = run(&mut input, &picked);
    assert!(errs.is_empty());
    assert_eq!(ps.len(), 4);
    assert_eq!(input.stats().lost, 1);
}
