//! The built-in generator as a channel source: ch204 dnsdedupe traffic matches `dns=*.com`,
//! with the keys extracted by ingest from the payload bytes (not the generator's own keys).

mod ingest_common;

use ingest_common::*;
use sra_server::config::Source;
use sra_server::feed::RunningChannel;
use sra_server::generator::Kind;
use sra_server::hit::HitMeta;
use sra_server::index::name;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generator_ch204_matches_dot_com() {
    let (idx, id, sub) = one_subscriber(204);
    watch_dns(&idx, id, 5, "*.com");
    let src = Source::Generator {
        generator: Kind::Dnsdedupe,
        rate: 2000,
        seed: 204,
    };
    let ch = RunningChannel::start(&channel(204, src), &idx).unwrap();
    let hits = collect_until(&sub, 10, |h| h.len() >= 100).await;
    assert!(hits.len() >= 100, "{}", hits.len());
    let t = ch.stats().totals();
    assert!(t.payloads >= hits.len() as u64, "{t:?}");
    assert!(t.queued < t.payloads, "not everything is under .com: {t:?}");
    for h in &hits {
        let p = hit_payload(h);
        assert_eq!((p.vid, p.msgtype), (2, 1));
        assert!(matches!(
            h.meta,
            HitMeta::Nmsg {
                vid: 2,
                msgtype: 1,
                ..
            }
        ));
        // bailiwick (7), rrname (8) or a name inside rdata (12).
        assert!([7, 8, 12].contains(&h.field_idx), "{}", h.field_idx);
        assert_eq!(h.tag, 5);
        // The rrname (field 1) or some name in the payload is under .com.
        let inner = p.payload_bytes();
        let com = name::from_text("com").unwrap();
        assert!(
            inner
                .windows(com.len())
                .any(|w| w.eq_ignore_ascii_case(&com)),
            "a .com name is in the payload"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn darknet_generator_gives_ip_hits() {
    let (idx, id, sub) = one_subscriber(14);
    // The darknet generator sends to 198.18.0.0/15.
    watch_ip(&idx, id, 1, "198.18.0.0/15");
    let src = Source::Generator {
        generator: Kind::Darknet,
        rate: 1000,
        seed: 14,
    };
    let _ch = RunningChannel::start(&channel(14, src), &idx).unwrap();
    let hits = collect_until(&sub, 10, |h| h.len() >= 20).await;
    assert!(hits.len() >= 20);
    for h in &hits {
        let HitMeta::Ip { ip_len, .. } = h.meta else {
            panic!("IP hit expected")
        };
        assert_eq!(ip_len as usize, h.body.len());
        assert_eq!(h.body[0] >> 4, 4, "v4 packets to the v4 darknet");
    }
}
