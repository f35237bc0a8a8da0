//! Pass-through of encoded payloads (`StreamReader::next_encoded` → `Writer::write_encoded`)
//! against the decode/re-encode path, the datagram reader's `next_with_crc`/`next_encoded`,
//! and what a dropped writer does with pending payloads.

mod io_common;

use std::io;
use std::net::SocketAddr;

use io_common::{fixture, testdata, FIXTURES};
use nmsg::reader::{DatagramReader, DatagramSource, StreamReader};
use nmsg::writer::{FrameSink, Writer, WriterConfig, SIZE_ETHER, SIZE_MIN};
use nmsg::{Limits, Payload};

/// Every config a pass-through must match the decoding path in.
fn configs() -> Vec<WriterConfig> {
    let mut v = Vec::new();
    for zlib in [false, true] {
        for base in [
            WriterConfig::file(),
            WriterConfig::datagram(SIZE_ETHER),
            WriterConfig::datagram(SIZE_MIN),
        ] {
            for buffered in [true, false] {
                v.push(WriterConfig {
                    zlib,
                    buffered,
                    // Random sequence ids would differ between the two writers.
                    sequenced: false,
                    ..base
                });
            }
        }
    }
    v
}

/// A sink collecting frames, for comparing outputs frame by frame.
struct Frames(Vec<Vec<u8>>);

impl FrameSink for Frames {
    fn send_frame(&mut self, frame: &[u8]) -> io::Result<()> {
        self.0.push(frame.to_vec());
        Ok(())
    }
}

#[test]
fn pass_through_equals_decode_and_write() {
    let Some(dir) = testdata() else { return };
    for name in FIXTURES {
        // Several copies: containers fill across input containers.
        let input = fixture(&dir, name).repeat(12);
        for cfg in configs() {
            // The decoding path.
            let mut decoded = Writer::new(Frames(Vec::new()), cfg);
            let (mut ok, mut errs) = (0, 0);
            let mut r = StreamReader::new(&input[..], Limits::default());
            while let Some(p) = r.next_with_crc() {
                match p {
                    Ok((p, crc)) => {
                        decoded.write_with_crc(&p, crc).unwrap();
                        ok += 1;
                    }
                    Err(e) => {
                        assert!(e.is_data_error());
                        errs += 1;
                    }
                }
            }
            let stats_decoded = r.stats();
            decoded.flush().unwrap();
            // The pass-through path, with and without the CRC handed over.
            for handover in [true, false] {
                let mut raw = Writer::new(Frames(Vec::new()), cfg);
                let (mut ok2, mut errs2) = (0, 0);
                let mut r = StreamReader::new(&input[..], Limits::default());
                while let Some(p) = r.next_encoded() {
                    match p {
                        Ok((env, crc)) => {
                            if handover {
                                raw.write_encoded_with_crc(&env, crc).unwrap();
                            } else {
                                raw.write_encoded(&env).unwrap();
                            }
                            ok2 += 1;
                        }
                        Err(e) => {
                            assert!(e.is_data_error());
                            errs2 += 1;
                        }
                    }
                }
                assert_eq!((ok, errs), (ok2, errs2), "{name} {cfg:?}");
                assert_eq!(stats_decoded, r.stats(), "{name} {cfg:?}");
                raw.flush().unwrap();
                let (mut sa, mut sb) = (decoded.stats(), raw.stats());
                let a = &decoded.get_ref().0;
                let b = raw.into_inner().unwrap().0;
                if sa.fragments > 0 {
                    // Fragment ids are random (and so their encoded sizes): compare the rest.
                    (sa.bytes, sb.bytes) = (0, 0);
                    assert_eq!(a.len(), b.len(), "{name} {cfg:?}");
                } else {
                    assert!(*a == b, "{name} {cfg:?}");
                }
                assert_eq!(sa, sb, "{name} {cfg:?}");
            }
            if name.contains("incorrect") {
                assert!(errs > 0);
            }
        }
    }
}

#[test]
fn bad_envelopes_are_refused_and_write_nothing() {
    let p = Payload {
        vid: 1,
        msgtype: 9,
        time_sec: 1,
        payload: Some(bytes::Bytes::from_static(b"x")),
        ..Payload::default()
    };
    let mut env = Vec::new();
    p.encode(&mut env);
    let mut w = Writer::to_stream(Vec::new(), WriterConfig::file());
    for bad in [&env[..env.len() - 1], &b""[..], &b"\xff\xff"[..], &env[2..]] {
        let e = w.write_encoded(bad).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData, "{bad:?}");
    }
    assert_eq!(w.pending(), 0);
    assert_eq!(w.stats().payloads, 0);
    w.write_encoded(&env).unwrap();
    let out = w.into_inner().unwrap().0;
    let back: Vec<Payload> = StreamReader::new(&out[..], Limits::default())
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(back, [p]);
}

fn one_payload() -> Payload {
    Payload {
        vid: 2,
        msgtype: 1,
        time_sec: 1_700_000_000,
        payload: Some(bytes::Bytes::from_static(b"\x08\x01")),
        ..Payload::default()
    }
}

#[test]
fn drop_sends_pending_payloads() {
    let mut out = Vec::new();
    {
        let mut w = Writer::to_stream(&mut out, WriterConfig::file());
        w.write(&one_payload()).unwrap();
        w.write(&one_payload()).unwrap();
        assert_eq!(w.pending(), 2);
    }
    let back: Vec<Payload> = StreamReader::new(&out[..], Limits::default())
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(back, [one_payload(), one_payload()]);

    // After into_inner, dropping sends nothing more.
    let mut w = Writer::to_stream(Vec::new(), WriterConfig::file());
    w.write(&one_payload()).unwrap();
    let once = w.into_inner().unwrap().0;
    let n: usize = StreamReader::new(&once[..], Limits::default()).count();
    assert_eq!(n, 1);
}

/// A sink that fails every send and counts the attempts.
struct Failing<'a>(&'a mut u32);

impl FrameSink for Failing<'_> {
    fn send_frame(&mut self, _: &[u8]) -> io::Result<()> {
        *self.0 += 1;
        Err(io::Error::other("disk full"))
    }
}

#[test]
fn drop_with_a_failing_sink_logs_and_does_not_panic() {
    let mut attempts = 0;
    {
        let mut w = Writer::new(Failing(&mut attempts), WriterConfig::file());
        w.write(&one_payload()).unwrap();
    }
    // The drop tried once; its error went to the log.
    assert_eq!(attempts, 1);
    // An empty writer sends nothing on drop.
    let mut attempts = 0;
    drop(Writer::new(Failing(&mut attempts), WriterConfig::file()));
    assert_eq!(attempts, 0);
}

/// Datagrams replayed from memory; ends with `WouldBlock` as a socket with a timeout would.
struct Replay(std::collections::VecDeque<Vec<u8>>);

impl DatagramSource for Replay {
    fn recv_datagram(&mut self, buf: &mut [u8]) -> io::Result<(usize, Option<SocketAddr>)> {
        let d = self.0.pop_front().ok_or(io::ErrorKind::WouldBlock)?;
        buf[..d.len()].copy_from_slice(&d);
        Ok((d.len(), None))
    }
}

#[test]
fn datagram_reader_gives_crcs_and_encoded_payloads_like_the_stream_reader() {
    let Some(dir) = testdata() else { return };
    let input = fixture(&dir, "test1-dnsqr.nmsg").repeat(4);
    let ps: Vec<Payload> = StreamReader::new(&input[..], Limits::default())
        .collect::<Result<_, _>>()
        .unwrap();
    for zlib in [false, true] {
        let cfg = WriterConfig {
            zlib,
            ..WriterConfig::datagram(SIZE_MIN)
        };
        let mut w = Writer::to_datagrams(Vec::new(), cfg);
        ps.iter().for_each(|p| w.write(p).unwrap());
        let dgrams = w.into_inner().unwrap().0;
        let replay = || Replay(dgrams.iter().cloned().collect());

        let mut r = DatagramReader::new(replay(), Limits::default());
        let mut with_crc = Vec::new();
        while let Some(Ok((p, crc))) = r.next_with_crc() {
            assert_eq!(crc, Some(nmsg::crc::payload_crc(p.payload_bytes())));
            with_crc.push(p);
        }
        assert_eq!(with_crc, ps, "zlib {zlib}");

        let mut r = DatagramReader::new(replay(), Limits::default());
        let mut out = Writer::to_stream(Vec::new(), WriterConfig::file());
        let mut n = 0;
        while let Some(Ok((envelope, crc))) = r.next_encoded() {
            out.write_encoded_with_crc(&envelope, crc).unwrap();
            n += 1;
        }
        assert_eq!(n, ps.len());
        assert_eq!(r.stats().payloads, ps.len() as u64);
        let file = out.into_inner().unwrap().0;
        let back: Vec<Payload> = StreamReader::new(&file[..], Limits::default())
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(back, ps, "zlib {zlib}");
    }
}
