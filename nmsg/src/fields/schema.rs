//! Wire-level schema tables: for each known (vid, msgtype), the protobuf fields, their wire
//! types and which are required. Enough to tell whether a payload decodes (what libnmsg's
//! protobuf-c decoder would refuse) without building typed messages.

use crate::proto::{FieldIter, ProtoError, Value};

/// How a field may be encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Varint (enum, bool, int32/64, uint32/64).
    V,
    /// Length-delimited (bytes, string, embedded message).
    L,
    /// 32-bit (fixed32, sfixed32).
    F32,
    /// 64-bit (double, fixed64).
    F64,
    /// Repeated varint scalar: unpacked, or packed (length-delimited).
    RV,
    /// Repeated 32-bit scalar: unpacked, or packed.
    RF32,
}

/// One protobuf field of a schema.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Field {
    pub num: u32,
    pub kind: Kind,
    /// The field name when the field is `required`.
    pub required: Option<&'static str>,
}

const fn o(num: u32, kind: Kind) -> Field {
    Field {
        num,
        kind,
        required: None,
    }
}

const fn r(num: u32, kind: Kind, name: &'static str) -> Field {
    Field {
        num,
        kind,
        required: Some(name),
    }
}

use Kind::{F32, F64, L, RF32, RV, V};

// nmsg-format.md §4, field by field.
const NCAP: &[Field] = &[
    r(1, V, "type"),
    o(3, V),
    o(4, L),
    o(5, L),
    o(6, V),
    o(7, V),
    r(2, L, "payload"),
];
const EMAIL: &[Field] = &[
    o(8, V),
    o(2, L),
    o(3, L),
    o(4, L),
    o(5, L),
    o(6, L),
    o(7, L),
    o(9, L),
    o(10, L),
];
const LINKPAIR: &[Field] = &[r(1, V, "type"), r(2, L, "src"), r(3, L, "dst"), o(5, L)];
const HTTP: &[Field] = &[
    r(1, V, "type"),
    o(2, L),
    o(3, L),
    o(4, V),
    o(5, L),
    o(6, V),
    o(7, L),
    o(65, L),
    o(66, L),
    o(67, V),
    o(68, L),
    o(69, L),
    o(70, V),
    o(71, V),
    o(72, V),
    o(73, V),
    o(74, V),
    o(75, V),
];
const IPCONN: &[Field] = &[o(1, V), o(2, L), o(3, V), o(4, L), o(5, V)];
const LOGLINE: &[Field] = &[o(1, L), o(2, L)];
const DNS: &[Field] = &[
    o(7, L),
    o(9, V),
    o(8, V),
    o(6, V),
    o(1, L),
    o(3, V),
    o(2, V),
    o(4, V),
    o(5, L),
];
const PKT: &[Field] = &[o(2, V), r(1, L, "payload")];
const DNSQR: &[Field] = &[
    r(1, V, "type"),
    r(2, L, "query_ip"),
    r(3, L, "response_ip"),
    r(4, V, "proto"),
    r(5, V, "query_port"),
    r(6, V, "response_port"),
    r(7, V, "id"),
    o(8, L),
    o(10, V),
    o(9, V),
    o(11, V),
    o(12, L),
    o(13, RV),
    o(14, RF32),
    o(15, L),
    o(16, RV),
    o(17, RF32),
    o(20, F64),
    o(21, V),
    o(22, V),
    o(18, L),
    o(19, L),
];
const XML: &[Field] = &[r(1, L, "xmltype"), r(2, L, "xmlpayload")];
const ENCODE: &[Field] = &[r(1, V, "type"), r(2, L, "payload")];
const PACKET: &[Field] = &[r(1, V, "payload_type"), r(2, L, "payload")];
const DNSTAP: &[Field] = &[o(1, L), o(2, L), o(3, L), o(14, L), r(15, V, "type")];
/// `dnstap.Message`, the embedded message in dnstap field 14.
pub(crate) const DNSTAP_MESSAGE: &[Field] = &[
    r(1, V, "message.type"),
    o(2, V),
    o(3, V),
    o(4, L),
    o(5, L),
    o(6, V),
    o(7, V),
    o(8, V),
    o(9, F32),
    o(10, L),
    o(11, L),
    o(12, V),
    o(13, F32),
    o(14, L),
];
const DNSOBS: &[Field] = &[
    r(1, V, "time"),
    r(2, L, "response_ip"),
    r(3, L, "qname"),
    r(4, V, "qtype"),
    r(5, V, "qclass"),
    r(6, V, "rcode"),
    o(7, L),
    o(8, L),
    o(9, L),
    o(10, F32),
];
const DNSDEDUPE: &[Field] = &[
    o(13, V),
    o(10, V),
    o(11, V),
    o(12, V),
    o(17, V),
    o(18, V),
    o(14, L),
    o(16, L),
    o(1, L),
    o(3, V),
    o(2, V),
    o(4, V),
    o(5, L),
    o(15, L),
];
const REPUTATION: &[Field] = &[
    r(1, V, "type"),
    r(2, L, "tag"),
    o(3, L),
    o(4, L),
    o(5, L),
    o(6, L),
    o(7, L),
    o(8, L),
    o(9, L),
    o(10, V),
];
const QR: &[Field] = &[r(1, V, "type"), o(2, L), o(3, V), o(4, V)];
const DELAY: &[Field] = &[
    r(1, L, "query_ip"),
    r(2, L, "response_ip"),
    r(3, F64, "delay"),
    r(4, V, "response_time_sec"),
];
const NEWDOMAIN: &[Field] = &[
    o(1, L),
    o(2, V),
    o(13, V),
    o(10, V),
    o(11, V),
    o(12, V),
    o(17, V),
    o(18, V),
    o(14, L),
    o(16, L),
    o(3, L),
    o(5, V),
    o(4, V),
    o(6, V),
    o(7, L),
    o(15, L),
    o(9, L),
    o(19, V),
    o(20, V),
    o(21, V),
    o(22, RV),
    o(23, V),
];
const DNSNX: &[Field] = &[
    r(1, L, "qname"),
    r(3, V, "qclass"),
    r(2, V, "qtype"),
    r(4, L, "response_ip"),
    o(5, L),
    o(6, V),
    o(7, F32),
];

/// The protobuf fields of message type `vid`:`msgtype`, or `None` for a type this crate does
/// not know.
pub(crate) fn lookup(vid: u32, msgtype: u32) -> Option<&'static [Field]> {
    Some(match (vid, msgtype) {
        (1, 1) => NCAP,
        (1, 2) => EMAIL,
        (1, 3) => LINKPAIR,
        (1, 4) => HTTP,
        (1, 5) => IPCONN,
        (1, 6) => LOGLINE,
        (1, 7) => DNS,
        (1, 8) => PKT,
        (1, 9) => DNSQR,
        (1, 10) => XML,
        (1, 11) => ENCODE,
        (1, 12) => PACKET,
        (1, 13) => DNSTAP,
        (1, 14) => DNSOBS,
        (2, 1) => DNSDEDUPE,
        (2, 2) => REPUTATION,
        (2, 3) => QR,
        (2, 4) => DELAY,
        (2, 5) => NEWDOMAIN,
        (2, 6) => DNSNX,
        _ => return None,
    })
}

/// Checks `payload` against `fields`: well-formed protobuf, each known field with a wire type
/// its type allows, every required field present. Unknown field numbers are skipped, as
/// protobuf-c does. Returns, on the way, the last value of the varint fields numbered
/// `want[0]` and `want[1]` (0 = none wanted), so that callers need no extra pass.
pub(crate) fn check(
    fields: &[Field],
    payload: &[u8],
    want: [u32; 2],
) -> Result<[Option<u64>; 2], ProtoError> {
    let mut caps = [None; 2];
    // Required fields are few and come first in no particular order: a bitmask over the
    // table positions (tables are shorter than 64 entries).
    let mut seen: u64 = 0;
    for field in FieldIter::new(payload) {
        let field = field?;
        let Some(pos) = fields.iter().position(|f| f.num == field.number) else {
            continue;
        };
        let ok = matches!(
            (fields[pos].kind, field.value),
            (Kind::V | Kind::RV, Value::Varint(_))
                | (Kind::L | Kind::RV | Kind::RF32, Value::Len(_))
                | (Kind::F32 | Kind::RF32, Value::Fixed32(_))
                | (Kind::F64, Value::Fixed64(_))
        );
        if !ok {
            return Err(ProtoError::WrongWireType(field.number));
        }
        if let Value::Varint(v) = field.value {
            if field.number == want[0] {
                caps[0] = Some(v);
            } else if field.number == want[1] {
                caps[1] = Some(v);
            }
        }
        if fields[pos].kind == Kind::RV {
            if let Value::Len(b) = field.value {
                for v in crate::proto::packed_varints(b) {
                    v?;
                }
            }
        }
        if fields[pos].kind == Kind::RF32 {
            if let Value::Len(b) = field.value {
                if b.len() % 4 != 0 {
                    return Err(ProtoError::Truncated);
                }
            }
        }
        seen |= 1 << pos;
    }
    for (pos, f) in fields.iter().enumerate() {
        if let Some(name) = f.required {
            if seen & (1 << pos) == 0 {
                return Err(ProtoError::MissingField(name));
            }
        }
    }
    Ok(caps)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_consistent() {
        for vid in 1..=2 {
            for t in 0..=20 {
                if let Some(fields) = lookup(vid, t) {
                    assert!(fields.len() < 64);
                    for (i, f) in fields.iter().enumerate() {
                        assert!(
                            fields[..i].iter().all(|g| g.num != f.num),
                            "{vid}:{t} field {} twice",
                            f.num
                        );
                    }
                }
            }
        }
    }
}
