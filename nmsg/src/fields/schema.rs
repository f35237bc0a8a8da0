//! Wire rules for the decodability check, derived at compile time from the schemas of
//! [`crate::schema`] (the one source of truth for field numbers, wire types and labels): for
//! each known (vid, msgtype), a table indexed by protobuf field number giving the wire types the
//! field allows and whether it is required. Enough to tell whether a payload decodes (what
//! libnmsg's protobuf-c decoder would refuse) without building typed messages, at one table
//! lookup per field.
//!
//! Only dnstap's embedded `dnstap.Message` has its own table here ([`DNSTAP_MESSAGE`]): the
//! schema module renders that message through virtual fields and lists no field array for it.

use crate::proto::{read_varint, ProtoError, WT_FIXED32, WT_FIXED64, WT_LEN, WT_VARINT};
use crate::schema::{FieldDef, Label, Schema, Wire, SCHEMAS};

/// How a field may be encoded (`Unknown`: a number the schema does not know, skipped).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rule {
    Unknown,
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

/// Field numbers a table covers; every schema's numbers are below (checked at compile time).
const MAX_NUMBER: usize = 128;

/// The check rules of one message type.
#[derive(Debug)]
pub(crate) struct Rules {
    /// By field number: the rule, and the bit of a required field (the i-th required field of
    /// the array has bit i; 0 for the others). One load per field.
    by_number: [(Rule, u16); MAX_NUMBER],
    /// All the required bits.
    required: u16,
    /// The field array, in order (the first required field missing names the error).
    names: &'static [FieldDef],
}

const fn rule(f: &FieldDef) -> Rule {
    match (f.wire, f.label) {
        (Wire::Varint, Label::Repeated) => Rule::RV,
        (Wire::Fixed32, Label::Repeated) => Rule::RF32,
        (Wire::Varint, _) => Rule::V,
        (Wire::Len, _) => Rule::L,
        (Wire::Fixed32, _) => Rule::F32,
        (Wire::Fixed64, _) => Rule::F64,
        (Wire::None, _) => Rule::Unknown,
    }
}

const fn wire_rule(w: Wire) -> Rule {
    match w {
        Wire::Varint => Rule::V,
        Wire::Len => Rule::L,
        Wire::Fixed32 => Rule::F32,
        Wire::Fixed64 => Rule::F64,
        Wire::None => Rule::Unknown,
    }
}

const fn rules(fields: &'static [FieldDef], extra: &'static [(u32, Wire)]) -> Rules {
    let mut r = Rules {
        by_number: [(Rule::Unknown, 0); MAX_NUMBER],
        required: 0,
        names: fields,
    };
    let mut i = 0;
    let mut nreq = 0;
    while i < fields.len() {
        let f = &fields[i];
        let n = f.number as usize;
        assert!(n < MAX_NUMBER, "field number beyond the check table");
        if n != 0 {
            r.by_number[n].0 = rule(f);
            if matches!(f.label, Label::Required) {
                assert!(nreq < 16, "more required fields than the check tracks");
                r.by_number[n].1 = 1 << nreq;
                r.required |= 1 << nreq;
                nreq += 1;
            }
        }
        i += 1;
    }
    let mut i = 0;
    while i < extra.len() {
        let n = extra[i].0 as usize;
        assert!(n < MAX_NUMBER, "field number beyond the check table");
        r.by_number[n].0 = wire_rule(extra[i].1);
        i += 1;
    }
    r
}

const N_SCHEMAS: usize = SCHEMAS.len();

const fn all_rules() -> [Rules; N_SCHEMAS] {
    let mut out = [const {
        Rules {
            by_number: [(Rule::Unknown, 0); MAX_NUMBER],
            required: 0,
            names: &[],
        }
    }; N_SCHEMAS];
    let mut i = 0;
    while i < N_SCHEMAS {
        let s: &Schema = &SCHEMAS[i];
        out[i] = rules(s.fields, s.extra);
        i += 1;
    }
    out
}

/// The rules of every schema, in [`SCHEMAS`] order.
static RULES: [Rules; N_SCHEMAS] = all_rules();

/// `dnstap.Message`, the embedded message in dnstap field 14 (not a schema of its own).
const DNSTAP_MESSAGE_FIELDS: &[FieldDef] = {
    use crate::schema::{FieldType, Format};
    const fn f(name: &'static str, number: u32, label: Label, wire: Wire) -> FieldDef {
        FieldDef {
            name,
            number,
            label,
            wire,
            ty: FieldType::Bytes,
            format: Format::None,
        }
    }
    use Label::{Optional as O, Required as R};
    use Wire::{Fixed32 as F32, Len as L, Varint as V};
    &[
        f("message.type", 1, R, V),
        f("socket_family", 2, O, V),
        f("socket_protocol", 3, O, V),
        f("query_address", 4, O, L),
        f("response_address", 5, O, L),
        f("query_port", 6, O, V),
        f("response_port", 7, O, V),
        f("query_time_sec", 8, O, V),
        f("query_time_nsec", 9, O, F32),
        f("query_message", 10, O, L),
        f("query_zone", 11, O, L),
        f("response_time_sec", 12, O, V),
        f("response_time_nsec", 13, O, F32),
        f("response_message", 14, O, L),
    ]
};

/// The rules of `dnstap.Message`.
pub(crate) static DNSTAP_MESSAGE: Rules = rules(DNSTAP_MESSAGE_FIELDS, &[]);

/// The rules of message type `vid`:`msgtype`, or `None` for a type this crate does not know.
#[inline]
pub(crate) fn lookup(vid: u32, msgtype: u32) -> Option<&'static Rules> {
    // SCHEMAS lists base 1..=14, then SIE 1..=6 (checked by a test).
    let i = match (vid, msgtype) {
        (1, 1..=14) => msgtype - 1,
        (2, 1..=6) => msgtype + 13,
        _ => return None,
    };
    RULES.get(i as usize)
}

/// Checks `payload` against `rules`: well-formed protobuf, each known field with a wire type
/// its type allows, every required field present. Unknown field numbers are skipped, as
/// protobuf-c does. On the way, returns the last value of the varint fields numbered `want[0]`
/// and `want[1]` (0 = none wanted), and hands `pick` every length-delimited field whose number
/// has its bit set in `picked`, in wire order: callers need no second pass.
///
/// The errors are those of a [`FieldIter`](crate::proto::FieldIter) walk that checks each field
/// as it comes: the first malformed or mistyped field, else the first missing required field.
#[inline]
pub(crate) fn check<'a, P>(
    rules: &Rules,
    payload: &'a [u8],
    want: [u32; 2],
    picked: u128,
    mut pick: P,
) -> Result<[Option<u64>; 2], ProtoError>
where
    P: FnMut(u32, &'a [u8]),
{
    let mut caps = [None; 2];
    let mut seen: u16 = 0;
    // A position rather than a shrinking slice: it stays in a register.
    let mut i = 0;
    while i < payload.len() {
        let (key, n) = varint_at(payload, i)?;
        i += n;
        let number = key >> 3;
        if number == 0 || number > (1 << 29) - 1 {
            return Err(ProtoError::BadFieldNumber(number));
        }
        let (rule, req) = rules
            .by_number
            .get(number as usize)
            .copied()
            .unwrap_or((Rule::Unknown, 0));
        let number = number as u32;
        let wt = (key & 7) as u8;
        if wt == WT_LEN {
            let (len, n) = varint_at(payload, i)?;
            i += n;
            let b = usize::try_from(len)
                .ok()
                .and_then(|len| payload.get(i..i.checked_add(len)?))
                .ok_or(ProtoError::Truncated)?;
            i += b.len();
            match rule {
                Rule::L | Rule::Unknown => {}
                Rule::RV => {
                    for v in crate::proto::packed_varints(b) {
                        v?;
                    }
                }
                Rule::RF32 => {
                    if b.len() % 4 != 0 {
                        return Err(ProtoError::Truncated);
                    }
                }
                _ => return Err(ProtoError::WrongWireType(number)),
            }
            if number < 128 && (picked >> number) & 1 != 0 {
                pick(number, b);
            }
        } else if wt == WT_VARINT {
            // Only the captured values are decoded; the others are only measured.
            let at = i;
            i += varint_len_at(payload, i)?;
            if !matches!(rule, Rule::V | Rule::RV | Rule::Unknown) {
                return Err(ProtoError::WrongWireType(number));
            }
            if number == want[0] {
                caps[0] = Some(varint_at(payload, at)?.0);
            } else if number == want[1] {
                caps[1] = Some(varint_at(payload, at)?.0);
            }
        } else if wt == WT_FIXED32 {
            i += 4;
            if i > payload.len() {
                return Err(ProtoError::Truncated);
            }
            if !matches!(rule, Rule::F32 | Rule::RF32 | Rule::Unknown) {
                return Err(ProtoError::WrongWireType(number));
            }
        } else if wt == WT_FIXED64 {
            i += 8;
            if i > payload.len() {
                return Err(ProtoError::Truncated);
            }
            if !matches!(rule, Rule::F64 | Rule::Unknown) {
                return Err(ProtoError::WrongWireType(number));
            }
        } else {
            return Err(ProtoError::BadWireType(wt));
        }
        seen |= req;
    }
    if seen != rules.required {
        let mut bit = 1u16;
        for f in rules.names {
            if matches!(f.label, Label::Required) {
                if seen & bit == 0 {
                    return Err(ProtoError::MissingField(f.name));
                }
                bit <<= 1;
            }
        }
    }
    Ok(caps)
}

/// The length of the varint at `i` of `buf`, checked as [`varint_at`] checks it.
#[inline(always)]
fn varint_len_at(buf: &[u8], i: usize) -> Result<usize, ProtoError> {
    let rest = buf.get(i..).unwrap_or_default();
    if let Some(head) = rest.first_chunk::<8>() {
        let stop = !u64::from_le_bytes(*head) & 0x8080_8080_8080_8080;
        if stop != 0 {
            return Ok((stop.trailing_zeros() / 8 + 1) as usize);
        }
    }
    varint_at(buf, i).map(|(_, n)| n)
}

/// The varint at `i` of `buf` and its length: [`read_varint`] (same values, same errors), with
/// the multi-byte varints that NMSG payloads hold (times, counts, two-byte keys) read in one
/// 8-byte load when 8 bytes remain.
#[inline(always)]
fn varint_at(buf: &[u8], i: usize) -> Result<(u64, usize), ProtoError> {
    let rest = buf.get(i..).unwrap_or_default();
    match *rest {
        [b, ..] if b < 0x80 => return Ok((u64::from(b), 1)),
        // Two-byte keys (fields 16 to 2047) and lengths (128 to 16383).
        [b, c, ..] if c < 0x80 => return Ok((u64::from(b & 0x7f) | u64::from(c) << 7, 2)),
        _ => {}
    }
    if let Some(head) = rest.first_chunk::<8>() {
        let x = u64::from_le_bytes(*head);
        // The high bit of the last byte of the varint is the lowest clear high bit.
        let stop = !x & 0x8080_8080_8080_8080;
        if stop != 0 {
            let n = (stop.trailing_zeros() / 8 + 1) as usize;
            // Keep the varint's bytes (up to the stop bit), then pack their 7-bit groups.
            let x = x & (stop ^ (stop - 1));
            let mut v = 0u64;
            let mut k = 0;
            while k < 8 {
                v |= ((x >> (8 * k)) & 0x7f) << (7 * k);
                k += 1;
            }
            return Ok((v, n));
        }
    }
    let mut r = rest;
    let v = read_varint(&mut r)?;
    Ok((v, rest.len() - r.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_varint_matches_read_varint() {
        let mut cases: Vec<Vec<u8>> = vec![vec![], vec![0x80], vec![0xff; 10], vec![0xff; 12]];
        for v in [
            0u64,
            1,
            127,
            128,
            300,
            1 << 21,
            1_689_270_069,
            1 << 49,
            1 << 55,
            u64::MAX,
        ] {
            let mut b = Vec::new();
            crate::proto::put_varint(&mut b, v);
            cases.push(b.clone());
            b.extend_from_slice(&[0x85; 9]);
            cases.push(b);
        }
        let mut ten = vec![0xffu8; 9];
        ten.push(0x02);
        cases.push(ten);
        for c in &cases {
            for cut in 0..=c.len() {
                let mut b = &c[..cut];
                let want = read_varint(&mut b).map(|v| (v, cut - b.len()));
                assert_eq!(varint_at(&c[..cut], 0), want, "{c:02x?}");
                assert_eq!(varint_len_at(&c[..cut], 0), want.map(|w| w.1), "{c:02x?}");
                let mut shifted = vec![0u8; 3];
                shifted.extend_from_slice(&c[..cut]);
                assert_eq!(varint_at(&shifted, 3), want, "{c:02x?}");
            }
        }
    }

    #[test]
    fn lookup_follows_schemas() {
        for s in SCHEMAS {
            let r = lookup(s.vid, s.msgtype).unwrap();
            let names = |f: &[FieldDef]| f.iter().map(|f| f.name).collect::<Vec<_>>();
            assert_eq!(names(r.names), names(s.fields), "{}", s.mname);
        }
        assert!(lookup(1, 0).is_none() && lookup(1, 15).is_none() && lookup(2, 7).is_none());
        assert!(lookup(3, 1).is_none());
    }
}
