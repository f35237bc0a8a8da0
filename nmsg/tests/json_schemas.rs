//! JSON rendering of every schema by the rules of `nmsg-format.md` §4–§5, using the examples
//! the spec gives, plus the payloads nmsgtool cannot render.

use bytes::Bytes;
use nmsg::json::{parse_payload, write_payload, JsonError};
use nmsg::schema::{schema, FieldValue, Message};
use nmsg::Payload;

fn b(x: &[u8]) -> FieldValue {
    FieldValue::Bytes(Bytes::copy_from_slice(x))
}

fn v(x: u64) -> FieldValue {
    FieldValue::Varint(x)
}

fn payload(vid: u32, msgtype: u32, fields: &[(&str, FieldValue)]) -> Payload {
    let mut m = Message::new(schema(vid, msgtype).unwrap());
    for (n, val) in fields {
        assert!(m.push(n, val.clone()), "{n}");
    }
    Payload {
        vid,
        msgtype,
        time_sec: 1_700_000_000,
        time_nsec: 5,
        payload: Some(m.to_bytes()),
        ..Payload::default()
    }
}

/// The `message` object of the rendering.
fn message(p: &Payload) -> Result<String, JsonError> {
    let mut s = String::new();
    write_payload(&mut s, p)?;
    let i = s.find(",\"message\":").unwrap();
    Ok(s[i + 11..s.len() - 1].to_owned())
}

#[test]
fn envelope() {
    let mut p = payload(1, 6, &[]);
    p.source = Some(0xab);
    p.operator = Some(3);
    p.group = Some(0);
    let mut s = String::new();
    write_payload(&mut s, &p).unwrap();
    assert_eq!(
        s,
        "{\"time\":\"2023-11-14 22:13:20.000000005\",\"vname\":\"base\",\"mname\":\"logline\",\"source\":\"000000ab\",\"operator\":3,\"message\":{}}"
    );
    let back = parse_payload(&s).unwrap();
    assert_eq!(
        (back.source, back.operator, back.time_sec, back.time_nsec),
        (Some(0xab), Some(3), 1_700_000_000, 5)
    );
}

#[test]
fn delay() {
    let p = payload(
        2,
        4,
        &[
            ("query_ip", b(&[10, 0, 0, 1])),
            (
                "response_ip",
                b(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4]),
            ),
            ("delay", FieldValue::Fixed64(0.00571f64.to_bits())),
            ("response_time_sec", v(u64::MAX)),
        ],
    );
    assert_eq!(
        message(&p).unwrap(),
        "{\"query_ip\":\"10.0.0.1\",\"response_ip\":\"::ffff:1.2.3.4\",\"delay\":0.00571,\"response_time_sec\":18446744073709551615}"
    );
}

#[test]
fn dnsnx() {
    let p = payload(
        2,
        6,
        &[
            ("qname", b(b"\x02nx\x07example\x00")),
            ("qclass", v(1)),
            ("qtype", v(1)),
            ("response_ip", b(&[192, 0, 2, 53])),
            ("soa_rrname", b(b"\x07example\x00")),
            ("response_time_sec", v(1_700_000_000)),
            ("response_time_nsec", FieldValue::Fixed32((-5i32) as u32)),
        ],
    );
    assert_eq!(
        message(&p).unwrap(),
        "{\"qname\":\"nx.example.\",\"qclass\":\"IN\",\"qtype\":\"A\",\"response_ip\":\"192.0.2.53\",\"soa_rrname\":\"example.\",\"response_time_sec\":1700000000,\"response_time_nsec\":18446744073709551611}"
    );
    // SIE class formatter, unknown type, empty name.
    let p = payload(
        2,
        6,
        &[
            ("qname", b(b"")),
            ("qclass", v(300)),
            ("qtype", v(65280)),
            ("response_ip", b(&[1, 2, 3])),
        ],
    );
    assert_eq!(
        message(&p).unwrap(),
        "{\"qname\":\"\",\"qclass\":\"<UNKNOWN>\",\"qtype\":\"TYPE65280\",\"response_ip\":null}"
    );
}

#[test]
fn email_and_logline() {
    assert_eq!(
        message(&payload(1, 2, &[])).unwrap(),
        "{\"rcpt\":[],\"bodyurl\":[]}"
    );
    let p = payload(
        1,
        2,
        &[
            ("type", v(2)),
            ("rcpt", b(b"a@b")),
            ("rcpt", b(b"c@d\x00")),
            ("headers", b(b"X: y\nZ: w")),
        ],
    );
    assert_eq!(
        message(&p).unwrap(),
        "{\"type\":\"rej_network\",\"headers\":\"X: y\\nZ: w\",\"rcpt\":[\"a@b\",\"c@d\"],\"bodyurl\":[]}"
    );
    let p = payload(
        1,
        6,
        &[
            ("category", b(b"syslog")),
            ("message", b(b"a line\twith tab")),
        ],
    );
    assert_eq!(
        message(&p).unwrap(),
        "{\"category\":\"syslog\",\"message\":\"a line\\twith tab\"}"
    );
    let p = payload(1, 6, &[("message", b(b"bad \xff utf8"))]);
    assert_eq!(message(&p).unwrap(), "{\"message\":\"bad \u{fffd} utf8\"}");
}

#[test]
fn http_16_bit_and_signed() {
    let p = payload(
        1,
        4,
        &[
            ("type", v(1)),
            ("srcport", v(70000)),
            ("request", b(b" \x00")),
            ("p0f_dist", v((-5i64) as u64)),
            ("p0f_score", v(40000)),
            ("p0f_uptime", v((-100i64) as u64)),
        ],
    );
    assert_eq!(
        message(&p).unwrap(),
        "{\"type\":\"sinkhole\",\"srcport\":4464,\"request\":\" \",\"p0f_dist\":18446744073709551611,\"p0f_score\":18446744073709526080,\"p0f_uptime\":18446744073709551516}"
    );
}

#[test]
fn encode_payloads() {
    let enc = |t: u64, data: &[u8]| {
        message(&payload(1, 11, &[("type", v(t)), ("payload", b(data))])).unwrap()
    };
    assert_eq!(
        enc(0, b"a\x00b"),
        "{\"type\":\"TEXT\",\"payload\":{\"val\":\"a\\u0000b\",\"b64\":\"YQBi\"}}"
    );
    assert_eq!(
        enc(1, b"{\"a\":1} trailing"),
        "{\"type\":\"JSON\",\"payload\":{\"val\":{\"a\":1} trailing,\"b64\":\"eyJhIjoxfSB0cmFpbGluZw==\"}}"
    );
    assert_eq!(
        enc(1, b"not json"),
        "{\"type\":\"JSON\",\"payload\":{\"b64\":\"bm90IGpzb24=\"}}"
    );
    assert_eq!(
        enc(3, b"\x81"),
        "{\"type\":\"MSGPACK\",\"payload\":{\"b64\":\"gQ==\"}}"
    );
    assert_eq!(
        enc(1, b""),
        "{\"type\":\"JSON\",\"payload\":{\"b64\":\"\"}}"
    );
}

#[test]
fn ncap_legacy_and_ipv4() {
    let dns = [0x12, 0x34, 1, 0];
    let p = payload(
        1,
        1,
        &[
            ("type", v(2)),
            ("ltype", v(0)),
            ("srcip", b(&[10, 1, 1, 1])),
            ("dstip", b(&[10, 2, 2, 2])),
            ("lint0", v(5353)),
            ("lint1", v(53)),
            ("payload", b(&dns)),
        ],
    );
    assert_eq!(
        message(&p).unwrap(),
        "{\"type\":\"Legacy\",\"ltype\":\"UDP\",\"srcip\":\"10.1.1.1\",\"dstip\":\"10.2.2.2\",\"lint0\":5353,\"lint1\":53,\"srcport\":5353,\"dstport\":53,\"proto\":17,\"payload\":\"EjQBAA==\",\"dns\":\"EjQBAA==\"}"
    );
    // IPv4/UDP 40000 -> 53.
    let mut pkt = vec![
        0x45, 0, 0, 32, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
    ];
    pkt.extend_from_slice(&[0x9c, 0x40, 0, 53, 0, 12, 0, 0, 0x12, 0x34, 1, 0]);
    let p = payload(1, 1, &[("type", v(0)), ("payload", b(&pkt))]);
    let m = message(&p).unwrap();
    assert!(
        m.starts_with(
            "{\"type\":\"IPV4\",\"srcport\":40000,\"dstport\":53,\"proto\":17,\"payload\":\""
        ),
        "{m}"
    );
    assert!(m.ends_with(",\"dns\":\"EjQBAA==\"}"), "{m}");
}

#[test]
fn dnsobs() {
    let p = payload(
        1,
        14,
        &[
            ("time", v(1_689_270_069)),
            ("response_ip", b(&[192, 5, 5, 241])),
            ("qname", b(b"\x05icann\x03org\x00")),
            ("qtype", v(65537)),
            ("qclass", v(300)),
            ("rcode", v(12)),
            ("response", b(b"")),
            ("query_zone", b(b"")),
            ("sensor_id", FieldValue::Fixed32(0xabc1)),
        ],
    );
    assert_eq!(
        message(&p).unwrap(),
        "{\"time\":1689270069,\"response_ip\":\"192.5.5.241\",\"qname\":\"icann.org.\",\"qtype\":\"A\",\"qclass\":\"CLASS300\",\"rcode\":\"12\",\"response\":null,\"response_json\":null,\"query_zone\":\"\",\"sensor_id\":\"abc1\"}"
    );
}

#[test]
fn reputation_and_qr() {
    let p = payload(
        2,
        2,
        &[
            ("type", v(2)),
            ("tag", b(b"t")),
            ("netmask", b(&[255, 255, 255, 0])),
            ("port", v(70000)),
        ],
    );
    assert_eq!(
        message(&p).unwrap(),
        "{\"type\":\"DOMAIN\",\"tag\":\"t\",\"netmask\":\"255.255.255.0\",\"port\":70000}"
    );
    let p = payload(
        2,
        3,
        &[
            ("type", v(1)),
            ("more_available", v(0)),
            ("num_response", v(9)),
        ],
    );
    assert_eq!(
        message(&p).unwrap(),
        "{\"type\":\"RESPONSE\",\"num_response\":9,\"more_available\":0}"
    );
    // An enum value without a name prints as an unsigned number.
    let p = payload(2, 3, &[("type", v(u64::MAX))]);
    assert_eq!(message(&p).unwrap(), "{\"type\":4294967295}");
}

#[test]
fn dnstap_virtuals() {
    // A RESOLVER_RESPONSE with a response message for www.example. A, id 3682, NOERROR.
    let mut dns = vec![0x0e, 0x62, 0x80, 0x10, 0, 1, 0, 0, 0, 0, 0, 0];
    dns.extend_from_slice(b"\x03www\x07example\x00\x00\x01\x00\x01");
    let mut inner = Vec::new();
    nmsg::proto::put_varint_field(&mut inner, 1, 4);
    nmsg::proto::put_bytes_field(&mut inner, 5, &[192, 31, 80, 30]);
    nmsg::proto::put_varint_field(&mut inner, 7, 53);
    nmsg::proto::put_bytes_field(&mut inner, 11, b"\x03com\x00");
    nmsg::proto::put_bytes_field(&mut inner, 14, &dns);
    let mut outer = Vec::new();
    nmsg::proto::put_bytes_field(&mut outer, 2, b"unbound 1.5.10");
    nmsg::proto::put_bytes_field(&mut outer, 14, &inner);
    nmsg::proto::put_varint_field(&mut outer, 15, 1);
    let mut p = payload(1, 13, &[("type", v(1))]);
    p.payload = Some(Bytes::from(outer.clone()));
    let m = message(&p).unwrap();
    assert!(m.starts_with("{\"version\":\"dW5ib3VuZCAxLjUuMTA=\",\"type\":\"MESSAGE\",\"message_type\":\"RESOLVER_RESPONSE\",\"socket_family\":\"INET\",\"socket_protocol\":\"UDP\",\"response_address\":\"192.31.80.30\",\"response_port\":53,\"query_zone\":\"com.\",\"response_message\":\""), "{m}");
    assert!(m.ends_with("\"id\":3682,\"qname\":\"www.example.\",\"qclass\":\"IN\",\"qtype\":\"A\",\"rcode\":\"NOERROR\"}"), "{m}");
    assert!(m.contains("\"response_json\":{\"header\":{\"opcode\":\"QUERY\",\"rcode\":\"NOERROR\",\"id\":3682,\"flags\":[\"qr\",\"cd\"]}"), "{m}");
    // Round trip of the raw bytes through the schema (field 14 kept in place).
    let s = schema(1, 13).unwrap();
    let d = Message::decode(s, &Bytes::from(outer.clone())).unwrap();
    assert_eq!(&d.to_bytes()[..], &outer[..]);
    // message_type 13 is not renderable.
    let mut bad_inner = Vec::new();
    nmsg::proto::put_varint_field(&mut bad_inner, 1, 13);
    let mut bad = Vec::new();
    nmsg::proto::put_bytes_field(&mut bad, 14, &bad_inner);
    nmsg::proto::put_varint_field(&mut bad, 15, 1);
    p.payload = Some(Bytes::from(bad));
    assert_eq!(message(&p), Err(JsonError::Format("message_type")));
}

#[test]
fn dns_rdata_and_failures() {
    let p = payload(
        1,
        7,
        &[
            ("rrname", b(b"\x01x\x00")),
            ("rrclass", v(3)),
            ("rrtype", v(999)),
            ("rrttl", v(60)),
            ("rdata", b(b"abc")),
            ("rdata", b(b"")),
        ],
    );
    assert_eq!(
        message(&p).unwrap(),
        "{\"rrname\":\"x.\",\"rrclass\":\"CH\",\"rrtype\":\"TYPE999\",\"rrttl\":60,\"rdata\":[\"\\\\# 3 61 62 63 \",\"\"]}"
    );
    // rdata without rrclass: the formatter fails.
    let p = payload(1, 7, &[("rrtype", v(1)), ("rdata", b(&[1, 2, 3, 4]))]);
    assert_eq!(message(&p), Err(JsonError::Format("rdata")));
    // Unknown type, undecodable bytes, missing required field.
    let mut p = payload(1, 12, &[("payload_type", v(1)), ("payload", b(b"x"))]);
    p.msgtype = 99;
    assert_eq!(message(&p), Err(JsonError::UnknownType(1, 99)));
    p.msgtype = 12;
    p.payload = Some(Bytes::from_static(b"\x08"));
    assert!(matches!(message(&p), Err(JsonError::Decode(_))));
    p.payload = Some(Bytes::from_static(b"\x08\x01"));
    assert!(matches!(message(&p), Err(JsonError::Decode(_))));
    // A failed rendering leaves the output untouched.
    let mut s = String::from("keep");
    assert!(write_payload(&mut s, &p).is_err());
    assert_eq!(s, "keep");
}

#[test]
fn dedupe_response_text() {
    let mut m = vec![0, 5, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0];
    m.extend_from_slice(b"\x01a\x00\x00\x01\x00\x01");
    let p = payload(2, 1, &[("response", b(&m))]);
    assert_eq!(
        message(&p).unwrap(),
        "{\"rdata\":[],\"response\":\";; ->>HEADER<<- opcode: QUERY, rcode: NOERROR, id: 5\\n;; flags: qr rd ra; QUERY: 1, ANSWER: 0, AUTHORITY: 0, ADDITIONAL: 0\\n\\n;; QUESTION SECTION:\\n;a. IN A\\n\\n;; ANSWER SECTION:\\n\\n;; AUTHORITY SECTION:\\n\\n;; ADDITIONAL SECTION:\\n\"}"
    );
    let p = payload(2, 1, &[("response", b(b"\x00"))]);
    assert_eq!(
        message(&p).unwrap(),
        "{\"rdata\":[],\"response\":\"<PARSE ERROR>\"}"
    );
}
