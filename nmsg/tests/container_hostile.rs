//! Hostile inputs: zlib bombs, lengths past the end, fragment abuse, endless fragment ids,
//! headerless and garbage datagrams, corrupt streams. Every one is a typed data error, within
//! bounds, and the input keeps working afterwards.

use std::io::Write;
use std::time::{Duration, Instant};

use bytes::{BufMut, Bytes};
use flate2::{write::ZlibEncoder, Compression};
use nmsg::fragment::Fragment;
use nmsg::header::{Header, FLAG_FRAGMENT, FLAG_ZLIB};
use nmsg::reader::StreamReader;
use nmsg::{container, Error, Input, Limits, Payload};

fn payload() -> Payload {
    Payload {
        vid: 1,
        msgtype: 9,
        time_sec: 1,
        time_nsec: 2,
        payload: Some(Bytes::from_static(b"hello")),
        ..Payload::default()
    }
}

fn good_container() -> Bytes {
    let mut out = Vec::new();
    container::encode(&[payload()], &mut out);
    Bytes::from(out)
}

fn zlib_container(declared: u32, inflated: &[u8]) -> Bytes {
    let mut z = declared.to_be_bytes().to_vec();
    let mut enc = ZlibEncoder::new(&mut z, Compression::default());
    enc.write_all(inflated).unwrap();
    enc.finish().unwrap();
    let mut out = Vec::new();
    Header::new(FLAG_ZLIB, z.len() as u32).write(&mut out);
    out.extend_from_slice(&z);
    Bytes::from(out)
}

fn fragment_datagram(f: &Fragment, flags: u8) -> Bytes {
    let mut out = Vec::new();
    Header::new(FLAG_FRAGMENT | flags, f.encoded_len() as u32).write(&mut out);
    f.encode(&mut out);
    Bytes::from(out)
}

/// Feeds `bad`, then a good container: the bad one is a data error, the good one still works.
fn still_works(input: &mut Input, bad: Bytes) -> Error {
    let e = input.push_datagram(bad, None, Instant::now()).unwrap_err();
    assert!(e.is_data_error(), "{e}");
    input
        .push_datagram(good_container(), None, Instant::now())
        .unwrap();
    assert_eq!(input.next_payload().unwrap().unwrap(), payload());
    e
}

#[test]
fn zlib_bombs() {
    let limits = Limits::default();
    let mut input = Input::new(limits.clone());
    // Declares 4 GiB.
    let e = still_works(&mut input, zlib_container(u32::MAX, b"x"));
    assert!(matches!(e, Error::InflateTooLarge { .. }), "{e}");
    // Declares 1 KiB but inflates to 8 MiB of zeros: stopped at the declared size + 1.
    let zeros = vec![0u8; 8 << 20];
    let bomb = zlib_container(1024, &zeros);
    assert!(bomb.len() < 20_000);
    let e = still_works(&mut input, bomb.clone());
    assert!(
        matches!(
            e,
            Error::InflateSizeMismatch {
                declared: 1024,
                actual: 1025
            }
        ),
        "{e}"
    );
    // Declares exactly the limit and inflates far beyond it.
    let e = still_works(
        &mut input,
        zlib_container(limits.max_inflated as u32, &zeros),
    );
    assert!(matches!(e, Error::InflateSizeMismatch { .. }), "{e}");
    // A smaller limit applies to declared sizes.
    let small = Limits {
        max_inflated: 512,
        ..Limits::default()
    };
    assert!(matches!(
        container::decode(&zlib_container(513, &[0; 513]), &small),
        Err(Error::InflateTooLarge { max: 512 })
    ));
    // Corrupt zlib stream.
    let mut corrupt = zlib_container(5, b"hello").to_vec();
    let n = corrupt.len();
    corrupt[n - 6] ^= 0xff;
    still_works(&mut input, Bytes::from(corrupt));
    assert_eq!(input.stats().data_errors, 4);
}

#[test]
fn lengths_past_the_end() {
    let mut input = Input::new(Limits::default());
    let good = good_container();
    // Header length larger than the datagram.
    let mut long = good.to_vec();
    long[9] += 1;
    assert!(matches!(
        still_works(&mut input, Bytes::from(long)),
        Error::Truncated { .. }
    ));
    // Header length above the limit.
    let mut huge = good.to_vec();
    huge[6..10].copy_from_slice(&u32::MAX.to_be_bytes());
    assert!(matches!(
        still_works(&mut input, Bytes::from(huge)),
        Error::TooLong { .. }
    ));
    // A payload field whose length runs past the body.
    let mut body = Vec::new();
    body.put_u8(0x0a);
    body.put_u8(0x7f);
    body.put_slice(b"short");
    let mut c = Vec::new();
    Header::new(0, body.len() as u32).write(&mut c);
    c.extend_from_slice(&body);
    assert!(matches!(
        still_works(&mut input, Bytes::from(c)),
        Error::Proto(_)
    ));
    // Short datagrams.
    for n in 0..10 {
        still_works(&mut input, good.slice(..n));
    }
    // Trailing bytes after the container.
    let mut trailing = good.to_vec();
    trailing.push(0);
    assert!(matches!(
        still_works(&mut input, Bytes::from(trailing)),
        Error::TrailingBytes { extra: 1 }
    ));
}

#[test]
fn fragment_abuse() {
    let limits = Limits {
        max_fragments: 16,
        ..Limits::default()
    };
    let mut input = Input::new(limits);
    let f = |current, last| Fragment {
        id: 1,
        current,
        last,
        data: Bytes::from_static(b"\xff\xff\xff"),
        crc: None,
    };
    assert!(matches!(
        still_works(&mut input, fragment_datagram(&f(5, 2), 0)),
        Error::FragmentPastLast {
            current: 5,
            last: 2
        }
    ));
    assert!(matches!(
        still_works(&mut input, fragment_datagram(&f(0, u32::MAX), 0)),
        Error::TooManyFragments { .. }
    ));
    input
        .push_datagram(fragment_datagram(&f(0, 2), 0), None, Instant::now())
        .unwrap();
    assert!(matches!(
        still_works(&mut input, fragment_datagram(&f(1, 3), 0)),
        Error::FragmentLastChanged { before: 2, now: 3 }
    ));
    // A complete set whose joined body is garbage.
    input
        .push_datagram(fragment_datagram(&f(1, 2), 0), None, Instant::now())
        .unwrap();
    still_works(&mut input, fragment_datagram(&f(2, 2), 0));
    // A complete zlib set whose joined body does not inflate.
    let g = Fragment {
        id: 9,
        last: 0,
        ..f(0, 0)
    };
    assert!(still_works(&mut input, fragment_datagram(&g, FLAG_ZLIB)).is_data_error());
}

#[test]
fn endless_fragment_ids_stay_bounded() {
    let limits = Limits {
        max_open_sets: 16,
        max_reassembly_bytes: 64 * 1024,
        ..Limits::default()
    };
    let mut input = Input::new(limits);
    let t = Instant::now();
    let data = Bytes::from(vec![0u8; 1000]);
    for id in 0..100_000u32 {
        let f = Fragment {
            id,
            current: 0,
            last: 1,
            data: data.clone(),
            crc: Some(id),
        };
        input
            .push_datagram(fragment_datagram(&f, 0), None, t)
            .unwrap();
    }
    let s = input.stats();
    assert_eq!(s.fragments, 100_000);
    assert_eq!(s.expired, 100_000 - 16);
    // Time passes: the rest expire.
    input.expire(t + Duration::from_secs(31));
    assert_eq!(input.stats().expired, 100_000);
    input.push_datagram(good_container(), None, t).unwrap();
    assert_eq!(input.next_payload().unwrap().unwrap(), payload());
}

#[test]
fn headerless_and_garbage_datagrams() {
    // A real headerless body (what libnmsg sends) is recovered by default.
    let mut body = Vec::new();
    let good = good_container();
    nmsg::zlib::compress(&good[10..], &mut body);
    let mut input = Input::new(Limits::default());
    input
        .push_datagram(Bytes::from(body.clone()), None, Instant::now())
        .unwrap();
    assert_eq!(input.next_payload().unwrap().unwrap(), payload());
    assert_eq!(input.stats().headerless, 1);
    // Strict inputs refuse it.
    let mut strict = Input::new(Limits::default()).recover_headerless(false);
    assert!(matches!(
        still_works(&mut strict, Bytes::from(body.clone())),
        Error::BadMagic
    ));
    // Lookalikes that do not inflate, or inflate to garbage, are plain bad-magic errors.
    let mut bad = body.clone();
    let n = bad.len();
    bad[n - 1] ^= 0xff;
    assert!(matches!(
        still_works(&mut input, Bytes::from(bad)),
        Error::BadMagic
    ));
    let mut junk = Vec::new();
    nmsg::zlib::compress(b"\xff\xff\xff", &mut junk);
    assert!(matches!(
        still_works(&mut input, Bytes::from(junk)),
        Error::BadMagic
    ));
    still_works(&mut input, Bytes::from_static(b"\x00\x00\x02\x9c\x78\x9c"));
    still_works(&mut input, Bytes::from_static(b"garbage garbage"));
    assert_eq!(input.stats().headerless, 1);
}

#[test]
fn stream_resyncs_after_garbage_and_reports_truncation() {
    let good = good_container();
    let mut stream = b"junk".to_vec();
    stream.extend_from_slice(&good);
    stream.extend_from_slice(b"NMSG\x00\x09garbage");
    stream.extend_from_slice(&good);
    stream.extend_from_slice(&good[..good.len() - 3]);
    let mut r = StreamReader::new(&stream[..], Limits::default());
    let results: Vec<_> = (&mut r).collect();
    let oks = results.iter().filter(|r| r.is_ok()).count();
    let errs: Vec<_> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert_eq!(oks, 2);
    assert!(matches!(errs[0], Error::BadMagic));
    assert!(matches!(errs[1], Error::BadVersion(9)));
    assert!(matches!(errs.last(), Some(Error::Truncated { .. })));
    assert!(errs.iter().all(|e| e.is_data_error()));
    assert_eq!(r.stats().payloads, 2);
}

#[test]
fn huge_declared_stream_length_is_refused_without_allocating() {
    let mut s = b"NMSG\x00\x02\xff\xff\xff\xff".to_vec();
    s.extend_from_slice(&good_container());
    let mut r = StreamReader::new(&s[..], Limits::default());
    assert!(matches!(r.next(), Some(Err(Error::TooLong { .. }))));
    assert_eq!(r.next().unwrap().unwrap(), payload());
    assert!(r.next().is_none());
}
