//! The payload envelope (`nmsg.NmsgPayload`): vendor, type, time and provenance around one
//! serialized message.

use bytes::{BufMut, Bytes};

use crate::proto::{self, FieldIter, ProtoError};
use crate::scan;

/// One NMSG payload: the envelope of spec §2 around the serialized inner message.
///
/// The inner message stays encoded in [`Payload::payload`] (a cheap, shared [`Bytes`] slice of
/// the input): it is decoded only on demand, and re-encoding the envelope writes it unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Payload {
    /// Vendor ID (1 = base, 2 = SIE, ...).
    pub vid: u32,
    /// Message type within the vendor.
    pub msgtype: u32,
    /// Timestamp, Unix seconds.
    pub time_sec: i64,
    /// Timestamp, nanoseconds (0 ..= 999 999 999).
    pub time_nsec: u32,
    /// The serialized inner message; `None` when the field is absent.
    pub payload: Option<Bytes>,
    /// Opaque id of whoever redistributed the payload.
    pub source: Option<u32>,
    /// Operator number.
    pub operator: Option<u32>,
    /// Group number.
    pub group: Option<u32>,
}

const F_VID: u32 = 1;
const F_MSGTYPE: u32 = 2;
const F_TIME_SEC: u32 = 3;
const F_TIME_NSEC: u32 = 4;
const F_PAYLOAD: u32 = 5;
const F_SOURCE: u32 = 7;
const F_OPERATOR: u32 = 8;
const F_GROUP: u32 = 9;

/// The fields `check_encoded` requires, as bits of their numbers.
const REQUIRED: u32 = 1 << F_VID | 1 << F_MSGTYPE | 1 << F_TIME_SEC | 1 << F_TIME_NSEC;

/// [`Payload::check_encoded`] for the layout [`Payload::encode`] (and protobuf-c) writes:
/// the fields in number order, each once, no unknown field. Straight-line code, no dispatch
/// per field; `None` for any other layout.
fn check_canonical(b: &[u8]) -> Option<&[u8]> {
    const fn key(number: u32, wire_type: u8) -> u8 {
        (number as u8) << 3 | wire_type
    }
    let b = scan::skip_varint(b.strip_prefix(&[key(F_VID, proto::WT_VARINT)])?)?;
    let b = scan::skip_varint(b.strip_prefix(&[key(F_MSGTYPE, proto::WT_VARINT)])?)?;
    let b = scan::skip_varint(b.strip_prefix(&[key(F_TIME_SEC, proto::WT_VARINT)])?)?;
    let mut b = b
        .strip_prefix(&[key(F_TIME_NSEC, proto::WT_FIXED32)])?
        .get(4..)?;
    let mut inner: &[u8] = &[];
    if let Some(rest) = b.strip_prefix(&[key(F_PAYLOAD, proto::WT_LEN)]) {
        (inner, b) = scan::take_len(rest)?;
    }
    for number in [F_SOURCE, F_OPERATOR, F_GROUP] {
        if let Some(rest) = b.strip_prefix(&[key(number, proto::WT_VARINT)]) {
            b = scan::skip_varint(rest)?;
        }
    }
    b.is_empty().then_some(inner)
}

/// [`Payload::check_encoded`] in one pass over the envelope's known fields with single-byte
/// keys, as libnmsg, go-nmsg and this crate write them. `None` for anything else (unknown
/// fields, wrong wire types, errors): the general parser decides then.
fn check_encoded_fast(mut b: &[u8]) -> Option<&[u8]> {
    let mut seen = 0u32;
    let mut inner: &[u8] = &[];
    while let [key, rest @ ..] = b {
        let number = u32::from(key >> 3);
        b = match (number, key & 7) {
            (
                F_VID | F_MSGTYPE | F_TIME_SEC | F_SOURCE | F_OPERATOR | F_GROUP,
                proto::WT_VARINT,
            ) => scan::skip_varint(rest)?,
            (F_TIME_NSEC, proto::WT_FIXED32) => rest.get(4..)?,
            (F_PAYLOAD, proto::WT_LEN) => {
                let (value, rest) = scan::take_len(rest)?;
                inner = value;
                rest
            }
            _ => return None,
        };
        seen |= 1 << number;
    }
    (seen & REQUIRED == REQUIRED).then_some(inner)
}

impl Payload {
    /// Decodes an encoded `NmsgPayload`. `buf` must be the exact encoding; the inner message
    /// becomes a slice of `buf` (no copy). Unknown fields are skipped.
    pub fn decode(buf: &Bytes) -> Result<Payload, ProtoError> {
        let mut p = Payload::default();
        let (mut vid, mut msgtype, mut sec, mut nsec) = (false, false, false, false);
        for field in FieldIter::new(buf) {
            let f = field?;
            match f.number {
                F_VID => {
                    p.vid = f.value.varint(f.number)? as u32;
                    vid = true;
                }
                F_MSGTYPE => {
                    p.msgtype = f.value.varint(f.number)? as u32;
                    msgtype = true;
                }
                F_TIME_SEC => {
                    p.time_sec = f.value.varint(f.number)? as i64;
                    sec = true;
                }
                F_TIME_NSEC => {
                    p.time_nsec = f.value.fixed32(f.number)?;
                    nsec = true;
                }
                F_PAYLOAD => p.payload = Some(buf.slice_ref(f.value.bytes(f.number)?)),
                F_SOURCE => p.source = Some(f.value.varint(f.number)? as u32),
                F_OPERATOR => p.operator = Some(f.value.varint(f.number)? as u32),
                F_GROUP => p.group = Some(f.value.varint(f.number)? as u32),
                _ => {}
            }
        }
        for (present, name) in [
            (vid, "vid"),
            (msgtype, "msgtype"),
            (sec, "time_sec"),
            (nsec, "time_nsec"),
        ] {
            if !present {
                return Err(ProtoError::MissingField(name));
            }
        }
        Ok(p)
    }

    /// Checks an encoded `NmsgPayload` as [`Payload::decode`] does (well-formed fields, the
    /// right wire types, the four required fields present) without building a [`Payload`],
    /// and returns its inner message (empty when absent): the bytes a container's CRC covers.
    /// For pass-through of envelopes that stay encoded
    /// ([`crate::writer::Writer::write_encoded`]).
    pub fn check_encoded(envelope: &[u8]) -> Result<&[u8], ProtoError> {
        if let Some(inner) = check_canonical(envelope) {
            return Ok(inner);
        }
        match check_encoded_fast(envelope) {
            Some(inner) => Ok(inner),
            None => Payload::check_encoded_general(envelope),
        }
    }

    /// [`Payload::check_encoded`] through the general parser (any encoding, exact errors).
    fn check_encoded_general(envelope: &[u8]) -> Result<&[u8], ProtoError> {
        let mut seen = 0u32;
        let mut inner: &[u8] = &[];
        for field in FieldIter::new(envelope) {
            let f = field?;
            match f.number {
                F_VID | F_MSGTYPE | F_TIME_SEC | F_SOURCE | F_OPERATOR | F_GROUP => {
                    f.value.varint(f.number)?;
                }
                F_TIME_NSEC => {
                    f.value.fixed32(f.number)?;
                }
                F_PAYLOAD => inner = f.value.bytes(f.number)?,
                _ => continue,
            }
            seen |= 1 << f.number;
        }
        for (number, name) in [
            (F_VID, "vid"),
            (F_MSGTYPE, "msgtype"),
            (F_TIME_SEC, "time_sec"),
            (F_TIME_NSEC, "time_nsec"),
        ] {
            if seen & (1 << number) == 0 {
                return Err(ProtoError::MissingField(name));
            }
        }
        Ok(inner)
    }

    /// The number of bytes [`Payload::encode`] writes.
    pub fn encoded_len(&self) -> usize {
        let mut n = proto::varint_field_len(F_VID, u64::from(self.vid))
            + proto::varint_field_len(F_MSGTYPE, u64::from(self.msgtype))
            + proto::varint_field_len(F_TIME_SEC, self.time_sec as u64)
            + proto::key_len(F_TIME_NSEC)
            + 4;
        if let Some(b) = &self.payload {
            n += proto::bytes_field_len(F_PAYLOAD, b.len());
        }
        for (num, v) in [
            (F_SOURCE, self.source),
            (F_OPERATOR, self.operator),
            (F_GROUP, self.group),
        ] {
            if let Some(v) = v {
                n += proto::varint_field_len(num, u64::from(v));
            }
        }
        n
    }

    /// Writes the envelope in field-number order, as protobuf-c (libnmsg) does.
    pub fn encode<B: BufMut>(&self, out: &mut B) {
        proto::put_varint_field(out, F_VID, u64::from(self.vid));
        proto::put_varint_field(out, F_MSGTYPE, u64::from(self.msgtype));
        proto::put_varint_field(out, F_TIME_SEC, self.time_sec as u64);
        proto::put_fixed32_field(out, F_TIME_NSEC, self.time_nsec);
        if let Some(b) = &self.payload {
            proto::put_bytes_field(out, F_PAYLOAD, b);
        }
        for (num, v) in [
            (F_SOURCE, self.source),
            (F_OPERATOR, self.operator),
            (F_GROUP, self.group),
        ] {
            if let Some(v) = v {
                proto::put_varint_field(out, num, u64::from(v));
            }
        }
    }

    /// The inner message bytes, or an empty slice when absent.
    pub fn payload_bytes(&self) -> &[u8] {
        self.payload.as_deref().unwrap_or(&[])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let p = Payload {
            vid: 2,
            msgtype: 1,
            time_sec: 1_519_311_169,
            time_nsec: 123_456_789,
            payload: Some(Bytes::from_static(b"\x08\x01")),
            source: Some(0xa1ba_02cf),
            operator: None,
            group: Some(3),
        };
        let mut out = Vec::new();
        p.encode(&mut out);
        assert_eq!(out.len(), p.encoded_len());
        assert_eq!(Payload::decode(&Bytes::from(out)).unwrap(), p);
    }

    #[test]
    fn check_encoded_agrees_with_decode() {
        let p = Payload {
            vid: 1,
            msgtype: 9,
            time_sec: 7,
            payload: Some(Bytes::from_static(b"inner")),
            ..Payload::default()
        };
        let mut out = Vec::new();
        p.encode(&mut out);
        assert_eq!(Payload::check_encoded(&out), Ok(&b"inner"[..]));
        let no_inner = Payload {
            payload: None,
            ..p.clone()
        };
        let mut out2 = Vec::new();
        no_inner.encode(&mut out2);
        assert_eq!(Payload::check_encoded(&out2), Ok(&b""[..]));
        // Every truncation fails in both, with the same error.
        for n in 0..out.len() {
            let cut = Bytes::copy_from_slice(&out[..n]);
            assert_eq!(
                Payload::check_encoded(&cut).err(),
                Payload::decode(&cut).err(),
                "{n}"
            );
        }
        // A wrong wire type on an optional field.
        let mut bad = out.clone();
        proto::put_bytes_field(&mut bad, F_GROUP, b"x");
        assert_eq!(
            Payload::check_encoded(&bad),
            Err(ProtoError::WrongWireType(F_GROUP))
        );
    }

    #[test]
    fn fast_check_agrees_with_the_general_parser() {
        let p = Payload {
            vid: 2,
            msgtype: 1,
            time_sec: 1_519_311_169,
            time_nsec: 123,
            payload: Some(Bytes::from(vec![9u8; 200])),
            source: Some(0xa1ba_02cf),
            operator: Some(1),
            group: Some(300),
        };
        let mut env = Vec::new();
        p.encode(&mut env);
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..20_000 {
            let mut m = env.clone();
            for _ in 0..1 + next() % 3 {
                let i = (next() as usize) % m.len();
                match next() % 3 {
                    0 => m[i] = next() as u8,
                    1 => m.truncate(i),
                    _ => m.insert(i, next() as u8),
                }
                if m.is_empty() {
                    break;
                }
            }
            let general = Payload::check_encoded_general(&m);
            if let Some(fast) = check_encoded_fast(&m) {
                assert_eq!(Ok(fast), general, "{m:02x?}");
            }
            if let Some(canonical) = check_canonical(&m) {
                assert_eq!(Ok(canonical), general, "{m:02x?}");
            }
            assert_eq!(Payload::check_encoded(&m), general);
        }
        assert_eq!(check_encoded_fast(&env), Some(&[9u8; 200][..]));
        assert_eq!(check_canonical(&env), Some(&[9u8; 200][..]));
    }

    #[test]
    fn missing_required_field() {
        let mut out = Vec::new();
        proto::put_varint_field(&mut out, F_VID, 1);
        assert_eq!(
            Payload::decode(&Bytes::from(out)),
            Err(ProtoError::MissingField("msgtype"))
        );
    }
}
