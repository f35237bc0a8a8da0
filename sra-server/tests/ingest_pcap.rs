//! pcap replay (Ethernet with VLAN tags, RAW, Linux cooked; both byte orders, micro- and
//! nanosecond files) → ingest → subscriber with IPv4, IPv6 and DNS watches.

mod ingest_common;

use std::time::Duration;

use ingest_common::*;
use sra_server::config::Source;
use sra_server::feed::RunningChannel;
use sra_server::hit::HitMeta;
use sra_server::index::name;

fn udp4(src: [u8; 4], dst: [u8; 4], dport: u16, data: &[u8]) -> Vec<u8> {
    let total = (20 + 8 + data.len()) as u16;
    let mut p = vec![0x45, 0];
    p.extend_from_slice(&total.to_be_bytes());
    p.extend_from_slice(&[0, 1, 0, 0, 64, 17, 0, 0]);
    p.extend_from_slice(&src);
    p.extend_from_slice(&dst);
    p.extend_from_slice(&5353u16.to_be_bytes());
    p.extend_from_slice(&dport.to_be_bytes());
    p.extend_from_slice(&((8 + data.len()) as u16).to_be_bytes());
    p.extend_from_slice(&[0, 0]);
    p.extend_from_slice(data);
    p
}

fn udp6(src: [u8; 16], dst: [u8; 16]) -> Vec<u8> {
    let mut p = vec![0x60, 0, 0, 0, 0, 12, 17, 64];
    p.extend_from_slice(&src);
    p.extend_from_slice(&dst);
    p.extend_from_slice(&[0x30, 0x39, 0x30, 0x39, 0, 12, 0, 0, 1, 2, 3, 4]);
    p
}

fn v6(prefix: [u8; 4], last: u8) -> [u8; 16] {
    let mut a = [0u8; 16];
    a[..4].copy_from_slice(&prefix);
    a[15] = last;
    a
}

fn dns_query(qname: &str) -> Vec<u8> {
    let mut m = vec![0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
    m.extend_from_slice(&name::from_text(qname).unwrap());
    m.extend_from_slice(&[0, 1, 0, 1]);
    m
}

/// The IP packets of every file, in order, and which watch tag each should hit.
fn packets() -> Vec<(Vec<u8>, Option<u16>)> {
    vec![
        (udp4([192, 0, 2, 10], [203, 0, 113, 1], 9, b"abcd"), Some(1)),
        (
            udp6(
                v6([0x20, 0x01, 0x0d, 0xb8], 1),
                v6([0x20, 0x01, 0x0d, 0xb9], 2),
            ),
            Some(2),
        ),
        (udp4([10, 0, 0, 1], [10, 0, 0, 2], 9, b"none"), None),
        (
            udp4(
                [10, 9, 9, 9],
                [10, 0, 0, 53],
                53,
                &dns_query("www.Example.net"),
            ),
            Some(3),
        ),
        (
            udp6(
                v6([0x20, 0x01, 0x0d, 0xb9], 1),
                v6([0x20, 0x01, 0x0d, 0xb8], 7),
            ),
            Some(2),
        ),
    ]
}

struct Pcap {
    big_endian: bool,
    nanos: bool,
    out: Vec<u8>,
}

impl Pcap {
    fn new(link: u32, big_endian: bool, nanos: bool) -> Pcap {
        let mut p = Pcap {
            big_endian,
            nanos,
            out: Vec::new(),
        };
        let magic = if nanos { 0xa1b2_3c4d } else { 0xa1b2_c3d4 };
        p.u32(magic);
        p.u16(2);
        p.u16(4);
        p.u32(0);
        p.u32(0);
        p.u32(65535);
        p.u32(link);
        p
    }
    fn u32(&mut self, v: u32) {
        let b = if self.big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        };
        self.out.extend_from_slice(&b);
    }
    fn u16(&mut self, v: u16) {
        let b = if self.big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        };
        self.out.extend_from_slice(&b);
    }
    fn record(&mut self, i: usize, frame: &[u8]) {
        self.u32(1_700_000_000 + i as u32);
        self.u32(if self.nanos { 250_000_000 } else { 250_000 });
        self.u32(frame.len() as u32);
        self.u32(frame.len() as u32);
        self.out.extend_from_slice(frame);
    }
}

fn ethernet(ip: &[u8], vlan: bool) -> Vec<u8> {
    let mut f = vec![2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2];
    if vlan {
        f.extend_from_slice(&[0x81, 0x00, 0x00, 0x2a]);
    }
    let ty: u16 = if ip[0] >> 4 == 6 { 0x86dd } else { 0x0800 };
    f.extend_from_slice(&ty.to_be_bytes());
    f.extend_from_slice(ip);
    f
}

fn sll(ip: &[u8]) -> Vec<u8> {
    let mut f = vec![0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0];
    let ty: u16 = if ip[0] >> 4 == 6 { 0x86dd } else { 0x0800 };
    f.extend_from_slice(&ty.to_be_bytes());
    f.extend_from_slice(ip);
    f
}

async fn replay(file: Vec<u8>, non_ip: u64) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.pcap");
    std::fs::write(&path, file).unwrap();
    let (idx, id, sub) = one_subscriber(14);
    watch_ip(&idx, id, 1, "192.0.2.0/24");
    watch_ip(&idx, id, 2, "2001:db8::/32");
    watch_dns(&idx, id, 3, "*.example.net");
    let src = Source::Pcap {
        path,
        rate: None,
        repeat: false,
    };
    let mut ch = RunningChannel::start(&channel(14, src), &idx).unwrap();
    tokio::time::timeout(Duration::from_secs(10), ch.finished())
        .await
        .unwrap();
    let hits = drain(&sub);
    let want: Vec<_> = packets()
        .into_iter()
        .enumerate()
        .filter_map(|(i, (p, tag))| Some((i, p, tag?)))
        .collect();
    assert_eq!(hits.len(), want.len());
    for (h, (i, p, tag)) in hits.iter().zip(want) {
        assert_eq!(h.tag, tag);
        assert_eq!(
            &h.body[..],
            &p[..],
            "the body is the IP datagram, link layer stripped"
        );
        assert_eq!(
            h.meta,
            HitMeta::Ip {
                tv_sec: 1_700_000_000 + i as u32,
                tv_usec: 250_000,
                ip_len: p.len() as u32
            }
        );
    }
    let t = ch.stats().totals();
    assert_eq!((t.packets, t.data_errors), (5, non_ip), "{t:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ethernet_with_vlan_and_arp() {
    let mut f = Pcap::new(1, false, false);
    for (i, (p, _)) in packets().iter().enumerate() {
        f.record(i, &ethernet(p, i == 1));
        if i == 2 {
            // ARP: no IP, skipped and counted.
            let mut arp = vec![0xff; 12];
            arp.extend_from_slice(&[0x08, 0x06]);
            arp.extend_from_slice(&[0; 28]);
            f.record(99, &arp);
        }
    }
    replay(f.out, 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raw_big_endian_nanoseconds() {
    let mut f = Pcap::new(101, true, true);
    for (i, (p, _)) in packets().iter().enumerate() {
        f.record(i, p);
    }
    replay(f.out, 0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn linux_cooked() {
    let mut f = Pcap::new(113, false, false);
    for (i, (p, _)) in packets().iter().enumerate() {
        f.record(i, &sll(p));
    }
    replay(f.out, 0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn truncated_file_and_bad_header() {
    let mut f = Pcap::new(101, false, false);
    let ps = packets();
    f.record(0, &ps[0].0);
    f.record(1, &ps[1].0);
    let cut = f.out.len() - 10;
    f.out.truncate(cut);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.pcap");
    std::fs::write(&path, &f.out).unwrap();
    let (idx, id, sub) = one_subscriber(14);
    watch_ip(&idx, id, 1, "192.0.2.0/24");
    let src = Source::Pcap {
        path: path.clone(),
        rate: Some(1000),
        repeat: false,
    };
    let mut ch = RunningChannel::start(&channel(14, src), &idx).unwrap();
    tokio::time::timeout(Duration::from_secs(10), ch.finished())
        .await
        .unwrap();
    assert_eq!(drain(&sub).len(), 1);
    let t = ch.stats().totals();
    assert_eq!((t.packets, t.data_errors), (1, 1), "{t:?}");

    std::fs::write(&path, b"\x0a\x0d\x0d\x0a pcapng files are not read here").unwrap();
    let src = Source::Pcap {
        path,
        rate: None,
        repeat: true,
    };
    let e = RunningChannel::start(&channel(14, src), &idx).unwrap_err();
    assert!(e.to_string().contains("pcapng"), "{e}");
}
