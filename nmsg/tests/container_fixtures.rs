//! Every shipped .nmsg fixture: decode, round trip through our writer, byte-exact re-emission
//! where libnmsg's layout is deterministic, CRC cases, legacy version 1.

mod io_common;

use bytes::Bytes;
use io_common::{fixture, read_all, testdata, FIXTURES};
use nmsg::writer::{Writer, WriterConfig};
use nmsg::{container, Error, Limits, Payload};

fn write_file(ps: &[Payload], zlib: bool) -> Vec<u8> {
    let mut w = Writer::to_stream(
        Vec::new(),
        WriterConfig {
            zlib,
            ..WriterConfig::file()
        },
    );
    for p in ps {
        w.write(p).unwrap();
    }
    w.into_inner().unwrap().0
}

#[test]
fn payload_counts_and_types() {
    let Some(dir) = testdata() else { return };
    for (name, count, vid, msgtype) in [
        ("test1-dnsqr.nmsg", 5, 1, 9),
        ("dedupe.nmsg", 5, 2, 1),
        ("dedupe.zlib.nmsg", 5, 2, 1),
        ("test_crc32c_absent.nmsg", 1, 1, 9),
        ("test_crc32c_correct.nmsg", 1, 1, 9),
        ("packet.nmsg", 5, 1, 12),
        ("test1-dns.nmsg", 6, 1, 7),
    ] {
        let (ps, errs, stats) = read_all(&fixture(&dir, name));
        assert!(errs.is_empty(), "{name}: {errs:?}");
        assert_eq!(ps.len(), count, "{name}");
        assert!(
            ps.iter().all(|p| p.vid == vid && p.msgtype == msgtype),
            "{name}"
        );
        assert_eq!(
            (stats.containers, stats.payloads),
            (1, count as u64),
            "{name}"
        );
    }
    let (ps, _, _) = read_all(&fixture(&dir, "test1-dnsqr.nmsg"));
    let sizes: Vec<_> = ps.iter().map(|p| p.payload_bytes().len()).collect();
    assert_eq!(sizes, [623, 877, 472, 939, 291]);
    assert_eq!(ps[0].source, Some(0x1972_1976));
    assert_eq!(
        (ps[0].time_sec, ps[0].time_nsec),
        (1_689_270_069, 408_162_000)
    );
}

#[test]
fn round_trip_every_fixture() {
    let Some(dir) = testdata() else { return };
    for name in FIXTURES {
        let (ps, _, _) = read_all(&fixture(&dir, name));
        for zlib in [false, true] {
            let (back, errs, _) = read_all(&write_file(&ps, zlib));
            assert!(errs.is_empty(), "{name}");
            assert_eq!(back, ps, "{name} zlib={zlib}");
        }
    }
}

#[test]
fn byte_exact_reemission() {
    let Some(dir) = testdata() else { return };
    // Single uncompressed containers with a CRC per payload: libnmsg's layout is
    // deterministic (protobuf-c field order), and ours matches it byte for byte.
    for name in [
        "test1-dnsqr.nmsg",
        "dedupe.nmsg",
        "test_crc32c_correct.nmsg",
        "packet.nmsg",
        "test1-dns.nmsg",
    ] {
        let raw = fixture(&dir, name);
        let (ps, _, _) = read_all(&raw);
        assert_eq!(write_file(&ps, false), raw, "{name}");
        // The allocation-free single-container encoder too.
        let mut out = Vec::new();
        container::encode(&ps, &mut out);
        assert_eq!(out, raw, "{name}");
    }
    // Re-emitting the CRC-less file adds the CRC, as libnmsg does: the result is the
    // correct-CRC file.
    let (ps, _, _) = read_all(&fixture(&dir, "test_crc32c_absent.nmsg"));
    assert_eq!(
        write_file(&ps, false),
        fixture(&dir, "test_crc32c_correct.nmsg")
    );
}

#[test]
fn zlib_fixture_matches_plain_one() {
    let Some(dir) = testdata() else { return };
    let zraw = fixture(&dir, "dedupe.zlib.nmsg");
    let c = container::decode(&Bytes::from(zraw.clone()), &Limits::default()).unwrap();
    assert_eq!(c.flags(), 1);
    assert_eq!(c.body().len(), 710);
    let plain = fixture(&dir, "dedupe.nmsg");
    assert_eq!(&c.body()[..], &plain[10..]);
    let (zps, _, _) = read_all(&zraw);
    let (ps, _, _) = read_all(&plain);
    assert_eq!(zps, ps);
    // Our zlib container has the same header flags, uncompressed length and zlib header.
    let ours = write_file(&ps, true);
    assert_eq!(&ours[..6], &zraw[..6]);
    assert_eq!(&ours[10..16], &zraw[10..16]);
}

#[test]
fn crc_absent_correct_incorrect() {
    let Some(dir) = testdata() else { return };
    let limits = Limits::default();
    let absent = container::decode(
        &Bytes::from(fixture(&dir, "test_crc32c_absent.nmsg")),
        &limits,
    )
    .unwrap();
    let correct = container::decode(
        &Bytes::from(fixture(&dir, "test_crc32c_correct.nmsg")),
        &limits,
    )
    .unwrap();
    assert_eq!((absent.crc_count(), correct.crc_count()), (0, 1));
    let a = absent.payloads().next().unwrap().unwrap();
    let b = correct.payloads().next().unwrap().unwrap();
    assert_eq!(a, b);

    let incorrect = fixture(&dir, "test_crc32c_incorrect.nmsg");
    let (ps, errs, stats) = read_all(&incorrect);
    assert!(ps.is_empty());
    assert_eq!(errs.len(), 1);
    assert!(
        matches!(errs[0], Error::CrcMismatch { index: 0, .. }),
        "{:?}",
        errs[0]
    );
    assert!(errs[0].is_data_error());
    assert_eq!(
        (stats.containers, stats.payloads, stats.data_errors),
        (1, 0, 1)
    );
    assert!(matches!(
        container::decode_single(&Bytes::from(incorrect), &limits),
        Err(Error::CrcMismatch { .. })
    ));
}

#[test]
fn single_container_api() {
    let Some(dir) = testdata() else { return };
    let limits = Limits::default();
    let one = Bytes::from(fixture(&dir, "test_crc32c_correct.nmsg"));
    assert_eq!(container::decode_single(&one, &limits).unwrap().msgtype, 9);
    let five = Bytes::from(fixture(&dir, "dedupe.nmsg"));
    assert!(matches!(
        container::decode_single(&five, &limits),
        Err(Error::PayloadCount(5))
    ));
}

#[test]
fn legacy_version_1_file() {
    let Some(dir) = testdata() else { return };
    let raw = fixture(&dir, "test1-dns.nmsg");
    let body = &raw[10..];
    let mut v1 = b"NMSG\x00\x01".to_vec();
    v1.extend_from_slice(&(body.len() as u16).to_be_bytes());
    v1.extend_from_slice(body);
    // Twice, back to back.
    let both = [v1.clone(), v1.clone()].concat();
    let (ps, errs, _) = read_all(&both);
    assert!(errs.is_empty(), "{errs:?}");
    let (orig, _, _) = read_all(&raw);
    assert_eq!(ps, [orig.clone(), orig].concat());
    // Version 1 is for files only: a datagram or single container refuses it.
    assert!(matches!(
        container::decode(&Bytes::from(v1), &Limits::default()),
        Err(Error::BadVersion(1))
    ));
}

#[test]
fn many_fixtures_back_to_back_in_one_stream() {
    let Some(dir) = testdata() else { return };
    let mut all = Vec::new();
    let mut expected = Vec::new();
    for name in FIXTURES.iter().filter(|n| !n.contains("incorrect")) {
        let raw = fixture(&dir, name);
        expected.extend(read_all(&raw).0);
        all.extend(raw);
    }
    let (ps, errs, stats) = read_all(&all);
    assert!(errs.is_empty());
    assert_eq!(ps, expected);
    assert_eq!(stats.bytes, all.len() as u64);
}
