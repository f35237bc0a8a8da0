//! End to end over real UDP sockets on 127.0.0.1: an nmsg writer (with a fragmented payload
//! and one deliberately lost datagram) → UDP source → ingest → a subscriber with an IP and a
//! DNS watch.

mod ingest_common;

use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};

use ingest_common::*;
use nmsg::writer::{DatagramSink, Writer, WriterConfig};
use sra_server::config::{PortRange, Source};
use sra_server::feed::RunningChannel;
use sra_server::hit::HitMeta;

/// Sends to a real socket, but swallows datagrams while `dropping` is set.
struct Lossy {
    sock: UdpSocket,
    dropping: bool,
    sent: usize,
}

impl DatagramSink for Lossy {
    fn send_datagram(&mut self, d: &[u8]) -> io::Result<()> {
        if self.dropping {
            return Ok(());
        }
        self.sent += 1;
        self.sock.send(d).map(|_| ())
    }
}

fn free_ports(n: u16) -> u16 {
    for _ in 0..100 {
        let base = UdpSocket::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        if base > 65000 {
            continue;
        }
        let ok: Vec<_> = (base..base + n)
            .map_while(|p| UdpSocket::bind(("127.0.0.1", p)).ok())
            .collect();
        if ok.len() == usize::from(n) {
            return base;
        }
    }
    panic!("no free ports");
}

fn udp_source(first: u16, last: u16) -> Source {
    Source::Udp {
        addr: IpAddr::V4(Ipv4Addr::LOCALHOST),
        ports: PortRange { first, last },
    }
}

fn sender(port: u16) -> UdpSocket {
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    s.connect(("127.0.0.1", port)).unwrap();
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fragments_gap_and_watches() {
    let (idx, id, sub) = one_subscriber(204);
    watch_ip(&idx, id, 1, "198.51.100.0/24");
    watch_dns(&idx, id, 2, "*.example.com");
    let port = free_ports(1);
    let ch = RunningChannel::start(&channel(204, udp_source(port, port)), &idx).unwrap();

    let payloads = [
        // 0: IP watch on response_ip (field 6) and DNS watch on rrname: lowest tag wins.
        dnsdedupe(0, "www.example.com", [198, 51, 100, 7], &[], 0),
        // 1: IP watch on the second A rdata (field 12, val_idx 1).
        dnsdedupe(
            1,
            "other.org",
            [203, 0, 113, 5],
            &[[192, 0, 2, 1], [198, 51, 100, 9]],
            0,
        ),
        // 2: too big for one 512-byte datagram: fragments; DNS watch on rrname (field 8).
        dnsdedupe(2, "big.example.com", [203, 0, 113, 5], &[], 1200),
        // 3: lost on the way.
        dnsdedupe(3, "lost.example.com", [198, 51, 100, 8], &[], 0),
        // 4: matches nothing.
        dnsdedupe(4, "nomatch.org", [203, 0, 113, 6], &[], 0),
        // 5: DNS watch.
        dnsdedupe(5, "a.b.EXAMPLE.com", [203, 0, 113, 7], &[], 0),
    ];
    let cfg = WriterConfig {
        buffered: false,
        ..WriterConfig::datagram(512)
    };
    let mut w = Writer::to_datagrams(
        Lossy {
            sock: sender(port),
            dropping: false,
            sent: 0,
        },
        cfg,
    );
    for (i, p) in payloads.iter().enumerate() {
        w.get_mut().0.dropping = i == 3;
        w.write(p).unwrap();
        // Loopback does not lose, but do not outrun the reader either.
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    w.flush().unwrap();
    let sent = w.get_ref().0.sent;
    assert!(
        sent >= 4 + 3,
        "payload 2 went out in fragments ({sent} datagrams)"
    );
    // A datagram that is no NMSG at all is counted and skipped; the input goes on.
    sender(port).send(b"not an nmsg datagram").unwrap();

    let hits = collect_until(&sub, 10, |h| h.len() >= 4).await;
    assert!(
        wait_for(5, || ch.stats().totals().data_errors >= 1).await,
        "garbage counted"
    );
    let got: Vec<(u16, u16, u16, i64)> = hits
        .iter()
        .map(|h| {
            (
                h.tag,
                h.field_idx,
                h.val_idx,
                hit_payload(h).time_sec - 1_700_000_000,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![(1, 6, 0, 0), (1, 12, 1, 1), (2, 8, 0, 2), (2, 8, 0, 5)]
    );
    for (h, i) in hits.iter().zip([0usize, 1, 2, 5]) {
        assert_eq!(h.channel, 204);
        assert_eq!(
            hit_payload(h),
            payloads[i],
            "the hit carries the payload unchanged"
        );
        assert_eq!(
            h.meta,
            HitMeta::Nmsg {
                vid: 2,
                msgtype: 1,
                time_sec: 1_700_000_000 + i as u32,
                time_nsec: 7
            }
        );
    }
    let t = ch.stats().totals();
    assert_eq!(t.missed, 1, "{t:?}");
    assert_eq!((t.containers, t.payloads), (5, 5), "{t:?}");
    assert_eq!((t.considered, t.queued), (4, 4), "{t:?}");
    assert_eq!(
        sub.counters.totals().missed,
        1,
        "loss charged to the session"
    );
    assert_eq!(sub.counters.totals().filtered, 4);
    drop(ch);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn port_range_one_socket_per_port() {
    let (idx, id, sub) = one_subscriber(202);
    watch_dns(&idx, id, 9, "*.example.com");
    let base = free_ports(2);
    let ch = RunningChannel::start(&channel(202, udp_source(base, base + 1)), &idx).unwrap();
    for (i, port) in [base, base + 1].into_iter().enumerate() {
        // Each port is its own output with its own sequence_id (nmsgtool -s a/p0..p1).
        let mut w = Writer::to_datagrams(sender(port), WriterConfig::datagram(1280));
        for k in 0..3 {
            w.write(&dnsdedupe(
                i as i64 * 10 + k,
                "x.example.com",
                [1, 2, 3, 4],
                &[],
                0,
            ))
            .unwrap();
        }
        w.flush().unwrap();
    }
    let hits = collect_until(&sub, 10, |h| h.len() >= 6).await;
    assert_eq!(hits.len(), 6);
    let t = ch.stats().totals();
    assert_eq!((t.containers, t.payloads, t.missed), (2, 6, 0), "{t:?}");
}

#[tokio::test]
async fn bind_errors_are_reported() {
    let (idx, _, _) = one_subscriber(1);
    // 192.0.2.1 (TEST-NET-1) is not a local address.
    let src = Source::Udp {
        addr: "192.0.2.1".parse().unwrap(),
        ports: PortRange {
            first: 8430,
            last: 8430,
        },
    };
    let e = RunningChannel::start(&channel(1, src), &idx).unwrap_err();
    assert!(e.to_string().contains("192.0.2.1:8430"), "{e}");
    let _ = SocketAddr::from(([127, 0, 0, 1], 0));
}

/// SIE channels are IPv4 broadcast: bind the loopback broadcast address (the packets never
/// leave `lo`). Two inputs share the port (SO_REUSEADDR/SO_REUSEPORT, as nmsgtool sets them)
/// and both get every broadcast datagram.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broadcast_address_shared_by_two_inputs() {
    let bcast = Ipv4Addr::new(127, 255, 255, 255);
    let port = free_ports(1);
    let src = Source::Udp {
        addr: IpAddr::V4(bcast),
        ports: PortRange {
            first: port,
            last: port,
        },
    };
    let (idx, id, sub) = one_subscriber(204);
    watch_dns(&idx, id, 1, "*.example.com");
    sub.channels.set(205, true);
    let a = RunningChannel::start(&channel(204, src.clone()), &idx).unwrap();
    let b = RunningChannel::start(&channel(205, src), &idx).unwrap();
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    s.set_broadcast(true).unwrap();
    s.connect((bcast, port)).unwrap();
    let mut w = Writer::to_datagrams(s, WriterConfig::datagram(1280));
    w.write(&dnsdedupe(0, "b.example.com", [1, 2, 3, 4], &[], 0))
        .unwrap();
    w.flush().unwrap();
    let hits = collect_until(&sub, 10, |h| h.len() >= 2).await;
    let mut chans: Vec<u16> = hits.iter().map(|h| h.channel).collect();
    chans.sort_unstable();
    assert_eq!(chans, vec![204, 205]);
    assert_eq!(a.stats().totals().payloads, 1);
    assert_eq!(b.stats().totals().payloads, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ipv6_loopback() {
    let Ok(probe) = UdpSocket::bind("[::1]:0") else {
        eprintln!("no IPv6 loopback here: test skipped");
        return;
    };
    let port = probe.local_addr().unwrap().port();
    drop(probe);
    let (idx, id, sub) = one_subscriber(204);
    watch_ip(&idx, id, 1, "2001:db8::/32");
    let src = Source::Udp {
        addr: "::1".parse().unwrap(),
        ports: PortRange {
            first: port,
            last: port,
        },
    };
    let _ch = RunningChannel::start(&channel(204, src), &idx).unwrap();
    let s = UdpSocket::bind("[::1]:0").unwrap();
    s.connect(("::1", port)).unwrap();
    // An SIE:dnsdedupe with an IPv6 response_ip (field 14) only.
    let v6: std::net::Ipv6Addr = "2001:db8::53".parse().unwrap();
    let mut m = Vec::new();
    nmsg::proto::put_bytes_field(&mut m, 14, &v6.octets());
    let p = nmsg::Payload {
        payload: Some(m.into()),
        ..dnsdedupe(0, "v6.example.com", [0; 4], &[], 0)
    };
    let mut w = Writer::to_datagrams(s, WriterConfig::datagram(1280));
    w.write(&p).unwrap();
    w.flush().unwrap();
    let hits = collect_until(&sub, 10, |h| !h.is_empty()).await;
    assert_eq!(hits.len(), 1);
    assert_eq!((hits[0].tag, hits[0].field_idx), (1, 6));
}
