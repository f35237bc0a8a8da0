//! JSON output and input against the shipped nmsgtool fixtures (`testdata/nmsg`).

use std::path::PathBuf;

use bytes::Bytes;
use nmsg::json::{parse_payload, write_payload};
use nmsg::proto::{FieldIter, Value};
use nmsg::Payload;

fn testdata() -> Option<PathBuf> {
    let dir = std::env::var_os("AXA_TESTDATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/testdata"));
    let dir = dir.join("nmsg");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("testdata not found at {}: skipping", dir.display());
        None
    }
}

/// The payloads of a file that is one uncompressed container (parsed here with FieldIter).
fn payloads(file: &str) -> Option<Vec<(Bytes, Payload)>> {
    let data = Bytes::from(std::fs::read(testdata()?.join(file)).unwrap());
    assert_eq!(&data[..4], b"NMSG");
    assert_eq!(data[4], 0, "flags");
    let len = u32::from_be_bytes([data[6], data[7], data[8], data[9]]) as usize;
    assert_eq!(len + 10, data.len());
    let body = data.slice(10..);
    let mut out = Vec::new();
    for f in FieldIter::new(&body) {
        let f = f.unwrap();
        if let (1, Value::Len(b)) = (f.number, f.value) {
            let raw = body.slice_ref(b);
            let p = Payload::decode(&raw).unwrap();
            out.push((raw, p));
        }
    }
    Some(out)
}

fn lines(file: &str) -> Option<Vec<String>> {
    let text = std::fs::read_to_string(testdata()?.join(file)).unwrap();
    Some(text.lines().map(str::to_owned).collect())
}

fn render(p: &Payload) -> String {
    let mut s = String::new();
    write_payload(&mut s, p).unwrap();
    s
}

fn check_rendering(nmsg: &str, json: &str) {
    let (Some(ps), Some(ls)) = (payloads(nmsg), lines(json)) else {
        return;
    };
    assert_eq!(ps.len(), ls.len());
    for (i, ((_, p), l)) in ps.iter().zip(&ls).enumerate() {
        assert_eq!(&render(p), l, "{nmsg} payload {i}");
    }
}

fn check_parse(nmsg: &str, json: &str) {
    let (Some(ps), Some(ls)) = (payloads(nmsg), lines(json)) else {
        return;
    };
    assert_eq!(ps.len(), ls.len());
    for (i, ((raw, _), l)) in ps.iter().zip(&ls).enumerate() {
        let p = parse_payload(l).unwrap_or_else(|e| panic!("{json} line {i}: {e}"));
        let mut enc = Vec::new();
        p.encode(&mut enc);
        assert_eq!(&enc[..], &raw[..], "{json} line {i}");
    }
}

#[test]
fn dnsqr_renders_exactly() {
    check_rendering("test1-dnsqr.nmsg", "test1-dnsqr.json");
}

#[test]
fn dns_renders_exactly() {
    check_rendering("test1-dns.nmsg", "test1-dns.json");
}

#[test]
fn dnsqr_json_converts_back() {
    check_parse("test1-dnsqr.nmsg", "test1-dnsqr.json");
}

#[test]
fn dns_json_converts_back() {
    check_parse("test1-dns.nmsg", "test1-dns.json");
}

#[test]
fn packet_json_converts_back_leniently() {
    check_parse("packet.nmsg", "packet.json");
    let Some(ps) = payloads("packet.nmsg") else {
        return;
    };
    let first = render(&ps[0].1);
    assert_eq!(
        first,
        "{\"time\":\"2018-02-22 17:47:42.017523047\",\"vname\":\"base\",\"mname\":\"packet\",\"source\":\"a1ba02cf\",\"message\":{\"payload_type\":\"IP\",\"payload\":\"testing12w==\"}}"
    );
}

#[test]
fn dedupe_renders_as_spec() {
    let Some(ps) = payloads("dedupe.nmsg") else {
        return;
    };
    assert_eq!(ps.len(), 5);
    assert_eq!(
        render(&ps[0].1),
        "{\"time\":\"2018-02-22 14:52:49.508140580\",\"vname\":\"SIE\",\"mname\":\"dnsdedupe\",\"source\":\"a1ba02cf\",\"message\":{\"type\":\"EXPIRATION\",\"count\":1,\"time_first\":\"2018-02-22 12:58:38\",\"time_last\":\"2018-02-22 12:58:38\",\"bailiwick\":\"aboutrikki.com.\",\"rrname\":\"aboutrikki.com.\",\"rrclass\":\"IN\",\"rrtype\":\"NS\",\"rrttl\":1800,\"rdata\":[\"dns1.registrar-servers.com.\",\"dns2.registrar-servers.com.\"]}}"
    );
    let all: Vec<String> = ps.iter().map(|(_, p)| render(p)).collect();
    for (i, want) in [
        "\"rrtype\":\"NS\"",
        "\"rrtype\":\"A\",\"rrttl\":86400,\"rdata\":[\"85.214.230.233\"]",
        "\"rdata\":[\"ns-cloud-b1.googledomains.com. cloud-dns-hostmaster.google.com. 1 21600 3600 259200 300\"]",
        "\"type\":\"INSERTION\",\"count\":1,\"time_first\":\"2018-02-22 14:51:28\",\"time_last\":\"2018-02-22 14:51:28\",\"response_ip\":\"208.78.71.31\"",
        "\"rrtype\":\"MX\",\"rrttl\":600,\"rdata\":[\"50 thejediorder.duckdns.org.\"]",
    ]
    .iter()
    .enumerate()
    {
        assert!(all[i].contains(want), "{}", all[i]);
        assert!(all[i].contains("\"source\":\"a1ba02cf\""));
        assert!(all[i].starts_with("{\"time\":\"2018-02-22 14:52:49."));
    }
}

#[test]
fn dedupe_json_reads_and_renders_back() {
    let Some(ls) = lines("dedupe.json") else {
        return;
    };
    assert_eq!(ls.len(), 5);
    for l in &ls {
        let p = parse_payload(l).unwrap();
        assert_eq!((p.vid, p.msgtype, p.source), (2, 1, Some(0xa1ba_02cf)));
        assert_eq!(&render(&p), l);
    }
    assert!(ls[1].contains("\"response_ip\":\"2400:cb00:2049:1::c629:de1f\""));
}

#[test]
fn zero_copy_payload_decoding() {
    let Some(ps) = payloads("test1-dnsqr.nmsg") else {
        return;
    };
    let (_, p) = &ps[0];
    let bytes = p.payload.clone().unwrap();
    let m = nmsg::schema::Message::decode_type(p.vid, p.msgtype, &bytes).unwrap();
    let qp = m.get("query_packet").and_then(|v| v.as_bytes()).unwrap();
    // The value is a slice of the payload buffer, not a copy.
    let range = bytes.as_ptr() as usize..bytes.as_ptr() as usize + bytes.len();
    assert!(range.contains(&(qp.as_ptr() as usize)));
    assert_eq!(m.to_bytes(), bytes);
    for (_, p) in &ps {
        let b = p.payload.clone().unwrap();
        let m = nmsg::schema::Message::decode_type(p.vid, p.msgtype, &b).unwrap();
        assert_eq!(m.to_bytes(), b, "byte-identical re-encoding");
    }
}

#[test]
fn crc_fixtures_render_the_same() {
    let (Some(a), Some(c)) = (
        payloads("test_crc32c_absent.nmsg"),
        payloads("test_crc32c_correct.nmsg"),
    ) else {
        return;
    };
    assert_eq!(render(&a[0].1), render(&c[0].1));
    assert!(render(&a[0].1).contains("\"mname\":\"dnsqr\""));
}
