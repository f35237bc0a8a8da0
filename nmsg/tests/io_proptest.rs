//! Property tests: whatever the payloads, sizes, zlib and buffering, writer → reader gives the
//! same payloads, over datagrams and over a stream.

use std::time::Instant;

use bytes::Bytes;
use nmsg::reader::StreamReader;
use nmsg::writer::{Writer, WriterConfig};
use nmsg::{Input, Limits, Payload};
use proptest::prelude::*;

fn arb_payload() -> impl Strategy<Value = Payload> {
    (
        any::<u32>(),
        any::<u32>(),
        any::<i64>(),
        0u32..1_000_000_000,
        proptest::option::of(proptest::collection::vec(any::<u8>(), 0..3000)),
        proptest::option::of(any::<u32>()),
        proptest::option::of(any::<u32>()),
        proptest::option::of(any::<u32>()),
    )
        .prop_map(
            |(vid, msgtype, time_sec, time_nsec, payload, source, operator, group)| Payload {
                vid,
                msgtype,
                time_sec,
                time_nsec,
                payload: payload.map(Bytes::from),
                source,
                operator,
                group,
            },
        )
}

fn arb_config() -> impl Strategy<Value = WriterConfig> {
    (
        prop_oneof![
            Just(1usize),
            Just(512),
            Just(700),
            Just(1280),
            Just(8192),
            Just(1 << 20)
        ],
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(size, zlib, buffered, sequenced)| WriterConfig {
            size,
            zlib,
            buffered,
            sequenced,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn datagrams_round_trip(ps in proptest::collection::vec(arb_payload(), 1..20), cfg in arb_config()) {
        let mut w = Writer::to_datagrams(Vec::new(), cfg);
        for p in &ps {
            w.write(p).unwrap();
        }
        let dgrams = w.into_inner().unwrap().0;
        let size = cfg.size.clamp(512, 1 << 20);
        prop_assert!(dgrams.iter().all(|d| d.len() <= size && d.starts_with(b"NMSG")));
        let mut input = Input::new(Limits::default()).recover_headerless(false);
        let now = Instant::now();
        let mut got = Vec::new();
        for d in dgrams {
            input.push_datagram(Bytes::from(d), None, now).unwrap();
            while let Some(p) = input.next_payload() {
                got.push(p.unwrap());
            }
        }
        prop_assert_eq!(got, ps);
        prop_assert_eq!(input.stats().lost, 0);
        prop_assert_eq!(input.stats().data_errors, 0);
    }

    #[test]
    fn stream_round_trip(ps in proptest::collection::vec(arb_payload(), 1..20), cfg in arb_config()) {
        let mut w = Writer::to_stream(Vec::new(), cfg);
        for p in &ps {
            w.write(p).unwrap();
        }
        let bytes = w.into_inner().unwrap().0;
        let got: Vec<_> = StreamReader::new(&bytes[..], Limits::default())
            .collect::<Result<_, _>>()
            .unwrap();
        prop_assert_eq!(got, ps);
    }
}
