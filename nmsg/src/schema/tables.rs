//! The field arrays of every known message type (`nmsg-format.md` §4), in idx order.

use super::{FieldDef, FieldType, Format, Label, Schema, Wire};
use FieldType::{
    Bool, Bytes, Double, Enum, Ip, MlString, String as Str, I16, I32, I64, U16, U32, U64,
};

const fn default_wire(ty: FieldType) -> Wire {
    match ty {
        Bytes | Str | MlString | Ip => Wire::Len,
        Double => Wire::Fixed64,
        _ => Wire::Varint,
    }
}

const fn field(name: &'static str, number: u32, label: Label, ty: FieldType) -> FieldDef {
    FieldDef {
        name,
        number,
        label,
        wire: default_wire(ty),
        ty,
        format: Format::None,
    }
}

const fn req(name: &'static str, number: u32, ty: FieldType) -> FieldDef {
    field(name, number, Label::Required, ty)
}

const fn opt(name: &'static str, number: u32, ty: FieldType) -> FieldDef {
    field(name, number, Label::Optional, ty)
}

const fn rep(name: &'static str, number: u32, ty: FieldType) -> FieldDef {
    field(name, number, Label::Repeated, ty)
}

const fn virt(name: &'static str, ty: FieldType) -> FieldDef {
    FieldDef {
        name,
        number: 0,
        label: Label::Virtual,
        wire: Wire::None,
        ty,
        format: Format::None,
    }
}

/// With a custom formatter.
const fn fmt(mut f: FieldDef, format: Format) -> FieldDef {
    f.format = format;
    f
}

/// Encoded as fixed32 / sfixed32.
const fn f32w(mut f: FieldDef) -> FieldDef {
    f.wire = Wire::Fixed32;
    f
}

const DNSQR_TYPE: &[(u32, &str)] = &[
    (0, "UDP_INVALID"),
    (1, "UDP_QUERY_RESPONSE"),
    (2, "UDP_UNANSWERED_QUERY"),
    (3, "UDP_UNSOLICITED_RESPONSE"),
    (4, "TCP"),
    (5, "ICMP"),
    (6, "UDP_QUERY_ONLY"),
    (7, "UDP_RESPONSE_ONLY"),
];
const UDP_CHECKSUM: &[(u32, &str)] = &[
    (0, "ERROR"),
    (1, "ABSENT"),
    (2, "INCORRECT"),
    (3, "CORRECT"),
];
const PACKET_TYPE: &[(u32, &str)] = &[(1, "IP")];
const ENCODE_TYPE: &[(u32, &str)] = &[
    (0, "TEXT"),
    (1, "JSON"),
    (2, "YAML"),
    (3, "MSGPACK"),
    (4, "XML"),
];
const DEDUPE_TYPE: &[(u32, &str)] = &[
    (0, "INSERTION"),
    (1, "EXPIRATION"),
    (2, "CHAFF"),
    (3, "AUTHORITATIVE"),
    (4, "MERGED"),
    (5, "MERGED_AUTHORITATIVE"),
    (6, "MERGED_INSERTION"),
];
const NCAP_TYPE: &[(u32, &str)] = &[(0, "IPV4"), (1, "IPV6"), (2, "Legacy")];
const NCAP_LTYPE: &[(u32, &str)] = &[(0, "UDP"), (1, "TCP"), (2, "ICMP")];
const EMAIL_TYPE: &[(u32, &str)] = &[
    (0, "unknown"),
    (1, "spamtrap"),
    (2, "rej_network"),
    (3, "rej_content"),
    (4, "rej_user"),
];
const LINKTYPE: &[(u32, &str)] = &[(0, "anchor"), (1, "redirect")];
const HTTP_TYPE: &[(u32, &str)] = &[(0, "unknown"), (1, "sinkhole")];
const DNSTAP_TYPE: &[(u32, &str)] = &[(1, "MESSAGE")];
/// dnstap `Message.type` names (1–12).
pub(crate) const DNSTAP_MESSAGE_TYPE: &[(u32, &str)] = &[
    (1, "AUTH_QUERY"),
    (2, "AUTH_RESPONSE"),
    (3, "RESOLVER_QUERY"),
    (4, "RESOLVER_RESPONSE"),
    (5, "CLIENT_QUERY"),
    (6, "CLIENT_RESPONSE"),
    (7, "FORWARDER_QUERY"),
    (8, "FORWARDER_RESPONSE"),
    (9, "STUB_QUERY"),
    (10, "STUB_RESPONSE"),
    (11, "TOOL_QUERY"),
    (12, "TOOL_RESPONSE"),
];
/// dnstap `SocketFamily` names.
pub(crate) const SOCKET_FAMILY: &[(u32, &str)] = &[(1, "INET"), (2, "INET6")];
/// dnstap `SocketProtocol` names.
pub(crate) const SOCKET_PROTOCOL: &[(u32, &str)] = &[(1, "UDP"), (2, "TCP")];
const REPUTATION_TYPE: &[(u32, &str)] = &[
    (0, "ADDRESS"),
    (1, "HOST"),
    (2, "DOMAIN"),
    (3, "NAMESERVER"),
    (4, "URI"),
];
const QR_TYPE: &[(u32, &str)] = &[
    (0, "QUERY"),
    (1, "RESPONSE"),
    (2, "RESPONSE_END"),
    (3, "ERROR"),
];

use Format::{ClassBase, ClassSie, DnsJson, DnsText, Name, Rcode, Rdata, SieTime, Type};

const NCAP: &[FieldDef] = &[
    req("type", 1, Enum(NCAP_TYPE)),
    opt("ltype", 3, Enum(NCAP_LTYPE)),
    opt("srcip", 4, Ip),
    opt("dstip", 5, Ip),
    opt("lint0", 6, U32),
    opt("lint1", 7, U32),
    virt("srcport", U16),
    virt("dstport", U16),
    virt("proto", U16),
    req("payload", 2, Bytes),
    virt("dns", Bytes),
];

const EMAIL: &[FieldDef] = &[
    opt("type", 8, Enum(EMAIL_TYPE)),
    opt("headers", 2, MlString),
    opt("srcip", 3, Ip),
    opt("srchost", 4, Str),
    opt("helo", 5, Str),
    opt("from", 6, Str),
    rep("rcpt", 7, Str),
    rep("bodyurl", 9, Str),
    opt("body", 10, MlString),
];

const LINKPAIR: &[FieldDef] = &[
    req("type", 1, Enum(LINKTYPE)),
    req("src", 2, Str),
    req("dst", 3, Str),
    opt("headers", 5, MlString),
];

const HTTP: &[FieldDef] = &[
    req("type", 1, Enum(HTTP_TYPE)),
    opt("srcip", 2, Ip),
    opt("srchost", 3, Str),
    opt("srcport", 4, U16),
    opt("dstip", 5, Ip),
    opt("dstport", 6, U16),
    opt("request", 7, MlString),
    opt("p0f_genre", 65, Str),
    opt("p0f_detail", 66, Str),
    opt("p0f_dist", 67, I16),
    opt("p0f_link", 68, Str),
    opt("p0f_tos", 69, Str),
    opt("p0f_fw", 70, U16),
    opt("p0f_nat", 71, U16),
    opt("p0f_real", 72, U16),
    opt("p0f_score", 73, I16),
    opt("p0f_mflags", 74, U16),
    opt("p0f_uptime", 75, I32),
];

const IPCONN: &[FieldDef] = &[
    opt("proto", 1, U16),
    opt("srcip", 2, Ip),
    opt("srcport", 3, U16),
    opt("dstip", 4, Ip),
    opt("dstport", 5, U16),
];

const LOGLINE: &[FieldDef] = &[opt("category", 1, Str), opt("message", 2, Str)];

const DNS: &[FieldDef] = &[
    fmt(opt("qname", 7, Bytes), Name),
    fmt(opt("qclass", 9, U16), ClassBase),
    fmt(opt("qtype", 8, U16), Type),
    opt("section", 6, U16),
    fmt(opt("rrname", 1, Bytes), Name),
    fmt(opt("rrclass", 3, U16), ClassBase),
    fmt(opt("rrtype", 2, U16), Type),
    opt("rrttl", 4, U32),
    fmt(rep("rdata", 5, Bytes), Rdata),
];

const PKT: &[FieldDef] = &[opt("len_frame", 2, U32), req("payload", 1, Bytes)];

const DNSQR: &[FieldDef] = &[
    req("type", 1, Enum(DNSQR_TYPE)),
    req("query_ip", 2, Ip),
    req("response_ip", 3, Ip),
    fmt(req("proto", 4, U16), Format::IpProto),
    req("query_port", 5, U16),
    req("response_port", 6, U16),
    req("id", 7, U16),
    fmt(opt("qname", 8, Bytes), Name),
    fmt(opt("qclass", 10, U16), ClassBase),
    fmt(opt("qtype", 9, U16), Type),
    fmt(opt("rcode", 11, U16), Rcode),
    rep("query_packet", 12, Bytes),
    rep("query_time_sec", 13, I64),
    f32w(rep("query_time_nsec", 14, I32)),
    rep("response_packet", 15, Bytes),
    rep("response_time_sec", 16, I64),
    f32w(rep("response_time_nsec", 17, I32)),
    opt("timeout", 20, Double),
    virt("delay", Double),
    opt("udp_checksum", 21, Enum(UDP_CHECKSUM)),
    opt("resolver_address_zeroed", 22, Bool),
    virt("query", Bytes),
    fmt(virt("query_json", Bytes), DnsJson),
    virt("response", Bytes),
    fmt(virt("response_json", Bytes), DnsJson),
    virt("dns", Bytes),
    opt("tcp", 18, Bytes),
    opt("icmp", 19, Bytes),
];

const XML: &[FieldDef] = &[req("xmltype", 1, Str), req("xmlpayload", 2, Bytes)];

const ENCODE: &[FieldDef] = &[
    req("type", 1, Enum(ENCODE_TYPE)),
    fmt(req("payload", 2, Bytes), Format::EncodePayload),
];

const PACKET: &[FieldDef] = &[
    req("payload_type", 1, Enum(PACKET_TYPE)),
    req("payload", 2, Bytes),
];

const DNSTAP: &[FieldDef] = &[
    opt("identity", 1, Bytes),
    opt("version", 2, Bytes),
    opt("extra", 3, Bytes),
    req("type", 15, Enum(DNSTAP_TYPE)),
    fmt(
        virt("message_type", U32),
        Format::DnstapEnum(DNSTAP_MESSAGE_TYPE),
    ),
    fmt(
        virt("socket_family", U32),
        Format::DnstapEnum(SOCKET_FAMILY),
    ),
    fmt(
        virt("socket_protocol", U32),
        Format::DnstapEnum(SOCKET_PROTOCOL),
    ),
    virt("query_address", Ip),
    virt("query_port", U32),
    virt("query_time_sec", U64),
    virt("query_time_nsec", U32),
    virt("query_message", Bytes),
    fmt(virt("query_json", Bytes), DnsJson),
    virt("response_address", Ip),
    virt("response_port", U32),
    virt("response_time_sec", U64),
    virt("response_time_nsec", U32),
    fmt(virt("query_zone", Bytes), Name),
    virt("response_message", Bytes),
    fmt(virt("response_json", Bytes), DnsJson),
    virt("id", U16),
    fmt(virt("qname", Bytes), Name),
    fmt(virt("qclass", U16), ClassBase),
    fmt(virt("qtype", U16), Type),
    fmt(virt("rcode", U16), Rcode),
];

const DNSOBS: &[FieldDef] = &[
    req("time", 1, U64),
    req("response_ip", 2, Ip),
    fmt(req("qname", 3, Bytes), Name),
    fmt(req("qtype", 4, U16), Type),
    fmt(req("qclass", 5, U16), ClassBase),
    fmt(req("rcode", 6, U16), Rcode),
    opt("response", 7, Bytes),
    fmt(virt("response_json", Bytes), DnsJson),
    fmt(opt("query_zone", 8, Bytes), Name),
    opt("geoid", 9, Bytes),
    fmt(f32w(opt("sensor_id", 10, U32)), Format::SensorId),
];

const DNSDEDUPE: &[FieldDef] = &[
    opt("type", 13, Enum(DEDUPE_TYPE)),
    opt("count", 10, U32),
    fmt(opt("time_first", 11, U32), SieTime),
    fmt(opt("time_last", 12, U32), SieTime),
    fmt(opt("zone_time_first", 17, U32), SieTime),
    fmt(opt("zone_time_last", 18, U32), SieTime),
    opt("response_ip", 14, Ip),
    fmt(opt("bailiwick", 16, Bytes), Name),
    fmt(opt("rrname", 1, Bytes), Name),
    fmt(opt("rrclass", 3, U16), ClassSie),
    fmt(opt("rrtype", 2, U16), Type),
    opt("rrttl", 4, U32),
    fmt(rep("rdata", 5, Bytes), Rdata),
    fmt(opt("response", 15, Bytes), DnsText),
];

const REPUTATION: &[FieldDef] = &[
    req("type", 1, Enum(REPUTATION_TYPE)),
    req("tag", 2, Str),
    opt("value", 3, Str),
    opt("address", 4, Ip),
    opt("netmask", 5, Ip),
    opt("host", 6, Str),
    opt("domain", 7, Str),
    opt("nameserver", 8, Str),
    opt("uri", 9, Str),
    opt("port", 10, U32),
];

const QR: &[FieldDef] = &[
    req("type", 1, Enum(QR_TYPE)),
    opt("text", 2, Str),
    opt("num_response", 3, U32),
    opt("more_available", 4, U32),
];

const DELAY: &[FieldDef] = &[
    req("query_ip", 1, Ip),
    req("response_ip", 2, Ip),
    req("delay", 3, Double),
    req("response_time_sec", 4, I64),
];

const NEWDOMAIN: &[FieldDef] = &[
    fmt(opt("domain", 1, Bytes), Name),
    fmt(opt("time_seen", 2, U32), SieTime),
    opt("type", 13, Enum(DEDUPE_TYPE)),
    opt("count", 10, U32),
    fmt(opt("time_first", 11, U32), SieTime),
    fmt(opt("time_last", 12, U32), SieTime),
    fmt(opt("zone_time_first", 17, U32), SieTime),
    fmt(opt("zone_time_last", 18, U32), SieTime),
    opt("response_ip", 14, Ip),
    fmt(opt("bailiwick", 16, Bytes), Name),
    fmt(opt("rrname", 3, Bytes), Name),
    fmt(opt("rrclass", 5, U16), ClassSie),
    fmt(opt("rrtype", 4, U16), Type),
    opt("rrttl", 6, U32),
    fmt(rep("rdata", 7, Bytes), Rdata),
    fmt(opt("response", 15, Bytes), DnsText),
    rep("keys", 9, Str),
    opt("new_domain", 19, Bool),
    opt("new_rrname", 20, Bool),
    opt("new_rrtype", 21, Bool),
    rep("new_rr", 22, Bool),
    opt("new_rrset", 23, Bool),
];

const DNSNX: &[FieldDef] = &[
    fmt(req("qname", 1, Bytes), Name),
    fmt(req("qclass", 3, U16), ClassSie),
    fmt(req("qtype", 2, U16), Type),
    req("response_ip", 4, Ip),
    fmt(opt("soa_rrname", 5, Bytes), Name),
    opt("response_time_sec", 6, I64),
    f32w(opt("response_time_nsec", 7, I32)),
];

const fn s(
    vid: u32,
    msgtype: u32,
    vname: &'static str,
    mname: &'static str,
    fields: &'static [FieldDef],
) -> Schema {
    Schema {
        vid,
        msgtype,
        vname,
        mname,
        fields,
        extra: &[],
    }
}

/// Every known schema: base 1–14, SIE 1–6.
pub static SCHEMAS: &[Schema] = &[
    s(1, 1, "base", "ncap", NCAP),
    s(1, 2, "base", "email", EMAIL),
    s(1, 3, "base", "linkpair", LINKPAIR),
    s(1, 4, "base", "http", HTTP),
    s(1, 5, "base", "ipconn", IPCONN),
    s(1, 6, "base", "logline", LOGLINE),
    s(1, 7, "base", "dns", DNS),
    s(1, 8, "base", "pkt", PKT),
    s(1, 9, "base", "dnsqr", DNSQR),
    s(1, 10, "base", "xml", XML),
    s(1, 11, "base", "encode", ENCODE),
    s(1, 12, "base", "packet", PACKET),
    Schema {
        vid: 1,
        msgtype: 13,
        vname: "base",
        mname: "dnstap",
        fields: DNSTAP,
        extra: &[(14, Wire::Len)],
    },
    s(1, 14, "base", "dnsobs", DNSOBS),
    s(2, 1, "SIE", "dnsdedupe", DNSDEDUPE),
    s(2, 2, "SIE", "reputation", REPUTATION),
    s(2, 3, "SIE", "qr", QR),
    s(2, 4, "SIE", "delay", DELAY),
    s(2, 5, "SIE", "newdomain", NEWDOMAIN),
    s(2, 6, "SIE", "dnsnx", DNSNX),
];
