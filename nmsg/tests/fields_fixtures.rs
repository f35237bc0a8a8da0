//! Keys extracted from the shipped NMSG fixtures (`testdata/nmsg`).

mod fields_common;

use fields_common::{keys, payloads};

fn has(keys: &[String], k: &str) -> bool {
    keys.iter().any(|x| x == k)
}

#[test]
fn dnsqr_fixture() {
    let Some(ps) = payloads("test1-dnsqr.nmsg") else {
        return;
    };
    assert_eq!(ps.len(), 5);
    let qnames = [
        "icann.org.",
        "domaintools.com.",
        "fsi.io.",
        "does.not.exist.fsi.io.",
        "domaintools.com.",
    ];
    let servers = [
        "192.5.5.241",
        "192.35.51.30",
        "208.94.148.13",
        "208.94.148.13",
        "198.51.44.4",
    ];
    for (i, p) in ps.iter().enumerate() {
        assert_eq!((p.vid, p.msgtype), (1, 9));
        let k = keys(p);
        // query_ip (idx 1), response_ip (2), qname (7), then the response walk (23).
        assert_eq!(k[0], "1/0 ip 203.0.113.195", "payload {i}");
        assert_eq!(k[1], format!("2/0 ip {}", servers[i]));
        assert_eq!(k[2], format!("7/0 name {}", qnames[i]));
        assert_eq!(k[3], format!("23/0 name {}", qnames[i]));
        assert!(k[3..].iter().all(|x| x.starts_with("23/0 ")), "{k:?}");
        // No OPT owner (root) from the EDNS record.
        assert!(!has(&k, "23/0 name ."), "{k:?}");
    }
    // icann.org: the org. referral with glue addresses.
    let k0 = keys(&ps[0]);
    for want in [
        "23/0 name org.",
        "23/0 name a0.org.afilias-nst.info.",
        "23/0 name d0.org.afilias-nst.org.",
        "23/0 ip 199.19.56.1",
        "23/0 ip 2001:500:e::1",
        "23/0 ip 199.19.57.1",
        "23/0 ip 2001:500:f::1",
    ] {
        assert!(has(&k0, want), "{want} missing from {k0:?}");
    }
    // NXDOMAIN for does.not.exist.fsi.io: the SOA's owner and both SOA names.
    let k3 = keys(&ps[3]);
    for want in [
        "23/0 name fsi.io.",
        "23/0 name hostmaster.fsi.io.",
        "23/0 name autodiscover.exch.fsi.io.",
    ] {
        assert!(has(&k3, want), "{want} missing from {k3:?}");
    }
    let k1 = keys(&ps[1]);
    assert!(has(&k1, "23/0 name dns1.p04.nsone.net."));
    assert!(has(&k1, "23/0 name dns4.p04.nsone.net."));
}

#[test]
fn dedupe_fixture() {
    let Some(ps) = payloads("dedupe.nmsg") else {
        return;
    };
    let got: Vec<Vec<String>> = ps.iter().map(keys).collect();
    let want: Vec<Vec<&str>> = vec![
        // NS RRset: rrname (8), rdata names (12, one val_idx per rdata), bailiwick (7).
        vec![
            "8/0 name aboutrikki.com.",
            "12/0 name dns1.registrar-servers.com.",
            "12/1 name dns2.registrar-servers.com.",
            "7/0 name aboutrikki.com.",
        ],
        // A.
        vec![
            "8/0 name phytonext.nl.",
            "12/0 ip 85.214.230.233",
            "7/0 name phytonext.nl.",
        ],
        // SOA: mname and rname.
        vec![
            "8/0 name sudasuda.in.",
            "12/0 name ns-cloud-b1.googledomains.com.",
            "12/0 name cloud-dns-hostmaster.google.com.",
            "7/0 name sudasuda.in.",
        ],
        // PTR with response_ip (6).
        vec![
            "8/0 name 227.158.85.52.in-addr.arpa.",
            "12/0 name server-52-85-158-227.hkg50.r.cloudfront.net.",
            "6/0 ip 208.78.71.31",
            "7/0 name 85.52.in-addr.arpa.",
        ],
        // MX.
        vec![
            "8/0 name thejediorder.duckdns.org.",
            "12/0 name thejediorder.duckdns.org.",
            "7/0 name duckdns.org.",
        ],
    ];
    assert_eq!(got, want);
}

#[test]
fn dns_fixture() {
    let Some(ps) = payloads("test1-dns.nmsg") else {
        return;
    };
    let got: Vec<Vec<String>> = ps.iter().map(keys).collect();
    let want: Vec<Vec<&str>> = vec![
        vec!["4/0 name test1.example.net."],
        vec![
            "4/0 name test1.example.net.",
            "8/0 ip 10.11.12.13",
            "8/1 ip 10.12.13.14",
            "0/0 name test1.example.net.",
        ],
        vec![
            "4/0 name test1.example.net.",
            "8/0 ip 10.11.12.13",
            "8/1 ip 10.12.13.14",
        ],
        vec!["4/0 name test1.example.net."],
        vec![
            "4/0 name test1.example.net.",
            "8/0 ip 10.11.12.13",
            "0/0 name test1.example.net.",
        ],
        vec!["4/0 name test1.example.net.", "8/0 ip 10.11.12.13"],
    ];
    assert_eq!(got, want);
}

#[test]
fn packet_fixture_has_no_ip_datagrams() {
    // packet.nmsg holds stand-in strings, not IP packets: decodable, no keys.
    let Some(ps) = payloads("packet.nmsg") else {
        return;
    };
    assert_eq!(ps.len(), 5);
    for p in &ps {
        assert_eq!(
            nmsg::fields::check(p.vid, p.msgtype, p.payload_bytes()),
            Ok(())
        );
        assert!(keys(p).is_empty());
    }
}

#[test]
fn crc_fixture_root_referral() {
    let Some(ps) = payloads("test_crc32c_correct.nmsg") else {
        return;
    };
    let k = keys(&ps[0]);
    assert_eq!(
        k[..3],
        ["1/0 ip 69.94.222.154", "2/0 ip 198.41.0.4", "7/0 name ."]
    );
    assert!(has(&k, "23/0 name m.root-servers.net."));
    assert!(has(&k, "23/0 ip 2001:dc3::35"));
    assert!(has(&k, "23/0 ip 198.41.0.4"));
}

#[test]
fn every_fixture_payload_decodes() {
    for f in [
        "test1-dnsqr.nmsg",
        "dedupe.nmsg",
        "test1-dns.nmsg",
        "packet.nmsg",
        "test_crc32c_absent.nmsg",
    ] {
        let Some(ps) = payloads(f) else {
            return;
        };
        for p in &ps {
            assert_eq!(
                nmsg::fields::check(p.vid, p.msgtype, p.payload_bytes()),
                Ok(()),
                "{f}"
            );
        }
    }
}
