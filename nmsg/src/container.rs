//! Containers (spec §1.1–§1.5): decoding one container or fragment, iterating its payloads
//! with CRC checks, and building containers.
//!
//! Decoding keeps the body as one shared [`Bytes`] and hands out payloads whose inner messages
//! are slices of it: iterating a container allocates nothing per payload.

use bytes::{BufMut, Bytes};

use crate::crc::payload_crc;
use crate::error::{Error, Result};
use crate::fragment::Fragment;
use crate::header::{Header, FLAG_ZLIB, HEADER_LEN};
use crate::limits::Limits;
use crate::payload::Payload;
use crate::proto::{self, read_varint, FieldIter, ProtoError, Value};
use crate::scan;
use crate::zlib;

const F_PAYLOADS: u32 = 1;
const F_CRCS: u32 = 2;
const F_SEQUENCE: u32 = 3;
const F_SEQUENCE_ID: u32 = 4;
/// The single-byte keys of the fields above, as written (fast scans, see [`crate::scan`]).
const KEY_PAYLOADS: u8 = (F_PAYLOADS as u8) << 3 | proto::WT_LEN;
const KEY_CRCS: u8 = (F_CRCS as u8) << 3 | proto::WT_VARINT;
const KEY_SEQUENCE: u8 = (F_SEQUENCE as u8) << 3 | proto::WT_VARINT;
const KEY_SEQUENCE_ID: u8 = (F_SEQUENCE_ID as u8) << 3 | proto::WT_VARINT;

/// The sequence fields of a container sent on a datagram socket (spec §1.9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sequence {
    /// Per-container counter, wrapping at 2^32.
    pub sequence: u32,
    /// Random id of the output stream.
    pub sequence_id: u64,
}

/// A decoded (and, if it was compressed, inflated) container.
#[derive(Debug, Clone)]
pub struct Container {
    flags: u8,
    body: Bytes,
    payloads: usize,
    crcs: usize,
    /// Where the first `payload_crcs` field starts (the body's length when there is none), so
    /// that iterating does not scan the payloads a second time to find the CRCs.
    crc_start: usize,
    sequence: Option<u32>,
    sequence_id: Option<u64>,
}

/// One unit of the wire: a whole container or one fragment of one.
#[derive(Debug, Clone)]
pub enum Frame {
    /// A complete container.
    Container(Container),
    /// A fragment; `zlib` tells whether the joined body is compressed.
    Fragment {
        /// The fragment.
        fragment: Fragment,
        /// The ZLIB flag of its header.
        zlib: bool,
    },
}

/// Decodes exactly one container, with its 10-byte header, filling `buf` exactly (as inside an
/// AXA watch hit). A fragment is refused with [`Error::Fragmented`].
pub fn decode(buf: &Bytes, limits: &Limits) -> Result<Container> {
    match decode_frame(buf, limits)? {
        Frame::Container(c) => Ok(c),
        Frame::Fragment { .. } => Err(Error::Fragmented),
    }
}

/// Decodes a single container that must hold exactly one payload, and returns that payload
/// (CRC checked when present).
pub fn decode_single(buf: &Bytes, limits: &Limits) -> Result<Payload> {
    let c = decode(buf, limits)?;
    if c.len() != 1 {
        return Err(Error::PayloadCount(c.len()));
    }
    c.payloads().next().ok_or(Error::PayloadCount(0))?
}

/// An encoded `NmsgPayload` taken from a container, already checked (well-formed, required
/// fields present: [`Payload::check_encoded`]) and with its CRC verified when the container
/// carried one: what [`crate::writer::Writer::write_checked`] copies into a container without
/// checking it again. Only this crate builds one ([`single_encoded`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedEnvelope {
    envelope: Bytes,
    /// Where the inner message is in `envelope` (empty when absent): what the CRC covers.
    inner: std::ops::Range<usize>,
    crc: Option<u32>,
}

impl CheckedEnvelope {
    /// The encoded `NmsgPayload`, as the container held it (a slice of it, no copy).
    pub fn envelope(&self) -> &Bytes {
        &self.envelope
    }

    /// The CRC the container carried for it (verified), if any.
    pub fn wire_crc(&self) -> Option<u32> {
        self.crc
    }

    /// The inner message (the payload's `payload` field, empty when absent).
    pub fn inner(&self) -> &[u8] {
        &self.envelope[self.inner.clone()]
    }

    /// Checks `envelope` ([`Payload::check_encoded`]) and its wire CRC (payload `index` of
    /// its container).
    fn check(envelope: Bytes, index: usize, crc: Option<u32>) -> Result<CheckedEnvelope> {
        let inner = Payload::check_encoded(&envelope)?;
        check_crc(index, inner, crc)?;
        // `inner` is a subslice of `envelope`.
        let start = (inner.as_ptr() as usize).saturating_sub(envelope.as_ptr() as usize);
        let inner = start..start + inner.len();
        Ok(CheckedEnvelope {
            envelope,
            inner,
            crc,
        })
    }
}

/// [`decode`] for a container that must hold exactly one payload, left encoded: that payload
/// as [`Payloads::next_encoded`] gives it (checked, CRC verified), as a [`CheckedEnvelope`].
/// Errors are those of [`decode`] then [`Payloads::next_encoded`], and
/// [`Error::PayloadCount`] when the container does not hold exactly one payload (what an AXA
/// watch hit carries). Uncompressed bodies of one `payloads` field, its CRC and the
/// sequence fields, with single-byte keys (as writers write them), take a single pass; any
/// other body goes through [`decode`].
pub fn single_encoded(buf: &Bytes, limits: &Limits) -> Result<CheckedEnvelope> {
    if let Some((range, crc)) = single_encoded_fast(buf, limits) {
        // A failed check is reported by the general path below, with its exact error.
        if let Ok(e) = CheckedEnvelope::check(buf.slice(range), 0, crc) {
            return Ok(e);
        }
    }
    let c = decode(buf, limits)?;
    if c.len() != 1 {
        return Err(Error::PayloadCount(c.len()));
    }
    let (index, envelope, crc) = c.payloads().next_envelope().ok_or(Error::PayloadCount(0))?;
    CheckedEnvelope::check(envelope, index, crc)
}

/// Where the only payload of an uncompressed whole container filling `buf` is, and its wire
/// CRC, for bodies [`single_encoded`] takes in one pass; `None` for anything else.
fn single_encoded_fast(
    buf: &[u8],
    limits: &Limits,
) -> Option<(std::ops::Range<usize>, Option<u32>)> {
    let h = Header::parse(buf, false, limits.max_container).ok()?;
    if h.flags & (FLAG_ZLIB | crate::header::FLAG_FRAGMENT) != 0 || h.frame_len() != buf.len() {
        return None;
    }
    let body = buf.get(HEADER_LEN..)?;
    let (envelope, mut rest) = scan::take_len(body.strip_prefix(&[KEY_PAYLOADS])?)?;
    let end = buf.len() - rest.len();
    let range = end - envelope.len()..end;
    let mut crc = None;
    if let Some(r) = rest.strip_prefix(&[KEY_CRCS]) {
        let (v, r) = scan::varint(r)?;
        crc = Some(v as u32);
        rest = r;
    }
    while let [key, r @ ..] = rest {
        rest = match *key {
            KEY_SEQUENCE | KEY_SEQUENCE_ID => scan::varint(r)?.1,
            _ => return None,
        };
    }
    Some((range, crc))
}

/// Decodes one version-2 container or fragment that fills `buf` exactly (one datagram).
pub fn decode_frame(buf: &Bytes, limits: &Limits) -> Result<Frame> {
    decode_frame_with(buf, limits, false)
}

/// As [`decode_frame`]; `allow_v1` also accepts a legacy version-1 header (files only).
pub(crate) fn decode_frame_with(buf: &Bytes, limits: &Limits, allow_v1: bool) -> Result<Frame> {
    let h = Header::parse(buf, allow_v1, limits.max_container)?;
    let end = h.frame_len();
    if buf.len() < end {
        return Err(Error::Truncated {
            need: end,
            have: buf.len(),
        });
    }
    if buf.len() > end {
        return Err(Error::TrailingBytes {
            extra: buf.len() - end,
        });
    }
    let body = buf.slice(h.header_len()..);
    if h.is_fragment() {
        Ok(Frame::Fragment {
            fragment: Fragment::decode(&body)?,
            zlib: h.is_zlib(),
        })
    } else {
        Ok(Frame::Container(Container::from_body(
            body, h.flags, limits,
        )?))
    }
}

impl Container {
    /// Builds a container from its body as it follows the header (or as a fragment set joins
    /// it). When `flags` has [`FLAG_ZLIB`] the body is inflated within
    /// [`Limits::max_inflated`]. The top level of the body is validated here; each payload is
    /// decoded (and its CRC checked) while iterating.
    pub fn from_body(body: Bytes, flags: u8, limits: &Limits) -> Result<Container> {
        let body = if flags & FLAG_ZLIB != 0 {
            zlib::inflate(&body, limits.max_inflated)?
        } else {
            body
        };
        let body_len = body.len();
        let mut c = Container {
            flags,
            body,
            payloads: 0,
            crcs: 0,
            crc_start: body_len,
            sequence: None,
            sequence_id: None,
        };
        if !c.scan_fast() {
            c.scan_general()?;
        }
        Ok(c)
    }

    /// The top-level scan of [`Container::from_body`] through the general parser (any
    /// encoding, exact errors).
    fn scan_general(&mut self) -> Result<()> {
        let body_len = self.body.len();
        self.payloads = 0;
        self.crcs = 0;
        self.crc_start = body_len;
        self.sequence = None;
        self.sequence_id = None;
        let mut fields = FieldIter::new(&self.body);
        loop {
            let at = body_len - fields.rest().len();
            let Some(field) = fields.next() else { break };
            let f = field?;
            if f.number == F_CRCS && self.crc_start == body_len {
                self.crc_start = at;
            }
            match (f.number, f.value) {
                (F_PAYLOADS, Value::Len(_)) => self.payloads += 1,
                (F_CRCS, Value::Varint(_)) => self.crcs += 1,
                (F_CRCS, Value::Len(packed)) => {
                    for v in proto::packed_varints(packed) {
                        v?;
                        self.crcs += 1;
                    }
                }
                (F_SEQUENCE, v) => self.sequence = Some(v.varint(F_SEQUENCE)? as u32),
                (F_SEQUENCE_ID, v) => self.sequence_id = Some(v.varint(F_SEQUENCE_ID)?),
                (F_PAYLOADS | F_CRCS, _) => return Err(ProtoError::WrongWireType(f.number).into()),
                _ => {}
            }
        }
        Ok(())
    }

    /// The top-level scan of [`Container::from_body`] for bodies of single-byte keys and
    /// short varints (as writers write them); false for anything else, and the general parser
    /// decides then.
    fn scan_fast(&mut self) -> bool {
        let len = self.body.len();
        let mut b = &self.body[..];
        while let [key, rest @ ..] = b {
            let at = len - b.len();
            let next = match *key {
                KEY_PAYLOADS => {
                    self.payloads += 1;
                    scan::take_len(rest).map(|(_, r)| r)
                }
                KEY_CRCS => {
                    if self.crcs == 0 {
                        self.crc_start = at;
                    }
                    self.crcs += 1;
                    scan::skip_varint(rest)
                }
                KEY_SEQUENCE => scan::varint(rest).map(|(v, r)| {
                    self.sequence = Some(v as u32);
                    r
                }),
                KEY_SEQUENCE_ID => scan::varint(rest).map(|(v, r)| {
                    self.sequence_id = Some(v);
                    r
                }),
                _ => None,
            };
            match next {
                Some(r) => b = r,
                None => return false,
            }
        }
        true
    }

    /// The number of payloads.
    pub fn len(&self) -> usize {
        self.payloads
    }

    /// True when the container holds no payload.
    pub fn is_empty(&self) -> bool {
        self.payloads == 0
    }

    /// The number of `payload_crcs` entries (0 when the producer wrote none).
    pub fn crc_count(&self) -> usize {
        self.crcs
    }

    /// The header flags the container arrived with.
    pub fn flags(&self) -> u8 {
        self.flags
    }

    /// The `sequence` field, set by datagram writers.
    pub fn sequence(&self) -> Option<u32> {
        self.sequence
    }

    /// The `sequence_id` field, set by datagram writers.
    pub fn sequence_id(&self) -> Option<u64> {
        self.sequence_id
    }

    /// The uncompressed body (the serialized `nmsg.Nmsg`).
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// Iterates over the payloads in order. A payload whose CRC does not match yields
    /// [`Error::CrcMismatch`] and iteration goes on with the next one; an undecodable payload
    /// yields [`Error::Proto`] likewise.
    pub fn payloads(&self) -> Payloads {
        Payloads {
            body: self.body.clone(),
            pos: 0,
            crc_pos: self.crc_start,
            packed: 0..0,
            index: 0,
        }
    }
}

impl IntoIterator for &Container {
    type Item = Result<Payload>;
    type IntoIter = Payloads;
    fn into_iter(self) -> Payloads {
        self.payloads()
    }
}

/// Iterator over the payloads of a [`Container`], with CRC checks; see [`Container::payloads`].
#[derive(Debug, Clone)]
pub struct Payloads {
    body: Bytes,
    pos: usize,
    crc_pos: usize,
    packed: std::ops::Range<usize>,
    index: usize,
}

impl Payloads {
    /// The next payload CRC on the wire, if any is left.
    fn next_crc(&mut self) -> Option<u32> {
        if !self.packed.is_empty() {
            let mut s = &self.body[self.packed.clone()];
            let v = read_varint(&mut s).ok()?;
            self.packed.start = self.packed.end - s.len();
            return Some(v as u32);
        }
        if let [KEY_CRCS, rest @ ..] = &self.body[self.crc_pos..] {
            if let Some((v, after)) = scan::varint(rest) {
                self.crc_pos = self.body.len() - after.len();
                return Some(v as u32);
            }
        }
        loop {
            let mut it = FieldIter::new(&self.body[self.crc_pos..]);
            let found = loop {
                match it.next() {
                    Some(Ok(f)) if f.number == F_CRCS => break Some(f.value),
                    Some(Ok(_)) => continue,
                    _ => break None,
                }
            };
            let end = self.body.len() - it.rest().len();
            match found {
                Some(Value::Varint(v)) => {
                    self.crc_pos = end;
                    return Some(v as u32);
                }
                Some(Value::Len(p)) => {
                    self.crc_pos = end;
                    self.packed = end - p.len()..end;
                    if !self.packed.is_empty() {
                        return self.next_crc();
                    }
                }
                _ => {
                    self.crc_pos = self.body.len();
                    return None;
                }
            }
        }
    }
}

impl Iterator for Payloads {
    type Item = Result<Payload>;

    fn next(&mut self) -> Option<Result<Payload>> {
        self.next_with_crc().map(|r| r.map(|(p, _)| p))
    }
}

impl Payloads {
    /// As [`Iterator::next`], also giving the payload's CRC when the container carried one
    /// (it was checked: it equals [`crate::crc::payload_crc`] of the inner message), for a
    /// writer to reuse ([`crate::writer::Writer::write_with_crc`]) instead of recomputing it.
    pub fn next_with_crc(&mut self) -> Option<Result<(Payload, Option<u32>)>> {
        let (index, raw, wire_crc) = self.next_envelope()?;
        let p = match Payload::decode(&raw) {
            Ok(p) => p,
            Err(e) => return Some(Err(e.into())),
        };
        Some(check_crc(index, p.payload_bytes(), wire_crc).map(|()| (p, wire_crc)))
    }

    /// The next payload left encoded: the bytes of the container's `payloads` field (an
    /// encoded `NmsgPayload`, a slice of the body, no copy) and its CRC when the container
    /// carried one. The envelope is checked as [`Payload::check_encoded`] does and the CRC is
    /// verified, so errors are those of [`Payloads::next_with_crc`]; nothing is decoded. For
    /// pass-through ([`crate::writer::Writer::write_encoded_with_crc`]).
    pub fn next_encoded(&mut self) -> Option<Result<(Bytes, Option<u32>)>> {
        let (index, raw, wire_crc) = self.next_envelope()?;
        let checked = match Payload::check_encoded(&raw) {
            Ok(inner) => check_crc(index, inner, wire_crc),
            Err(e) => Err(e.into()),
        };
        Some(checked.map(|()| (raw, wire_crc)))
    }

    /// The next `payloads` field with its index and wire CRC, unchecked.
    fn next_envelope(&mut self) -> Option<(usize, Bytes, Option<u32>)> {
        let range = self.next_payload_range()?;
        self.pos = range.end;
        let raw = self.body.slice(range);
        let index = self.index;
        self.index += 1;
        Some((index, raw, self.next_crc()))
    }
}

impl Payloads {
    /// Where the next `payloads` field's value is in the body.
    fn next_payload_range(&mut self) -> Option<std::ops::Range<usize>> {
        let len = self.body.len();
        if let [KEY_PAYLOADS, rest @ ..] = &self.body[self.pos..] {
            if let Some((value, after)) = scan::take_len(rest) {
                let end = len - after.len();
                return Some(end - value.len()..end);
            }
        }
        let mut it = FieldIter::new(&self.body[self.pos..]);
        loop {
            match it.next() {
                Some(Ok(f)) if f.number == F_PAYLOADS => {
                    let value = f.value.bytes(F_PAYLOADS).ok()?.len();
                    let end = len - it.rest().len();
                    return Some(end - value..end);
                }
                Some(Ok(_)) => continue,
                _ => {
                    self.pos = len;
                    return None;
                }
            }
        }
    }
}

/// Checks the inner message of payload `index` against its wire CRC, when there is one.
fn check_crc(index: usize, inner: &[u8], wire: Option<u32>) -> Result<()> {
    match wire {
        Some(wire) => {
            let computed = payload_crc(inner);
            if computed == wire {
                Ok(())
            } else {
                Err(Error::CrcMismatch {
                    index,
                    wire,
                    computed,
                })
            }
        }
        None => Ok(()),
    }
}

/// Accumulates payloads into a container body (payloads, then their CRCs, then the sequence
/// fields: protobuf-c's field order, so the bytes match libnmsg's), tracking libnmsg's size
/// estimate (spec §1.7).
#[derive(Debug, Clone, Default)]
pub struct ContainerBuilder {
    payloads: Vec<u8>,
    crcs: Vec<u32>,
    estimate: usize,
}

/// What libnmsg adds to its estimate for the sequence fields.
const SEQUENCE_ESTIMATE: usize = 18;

/// libnmsg's estimate for one payload of `np_len` encoded bytes: field tag and length, CRC.
fn payload_estimate(np_len: usize) -> usize {
    np_len
        + 2
        + usize::from(np_len >= 1 << 7)
        + usize::from(np_len >= 1 << 14)
        + usize::from(np_len >= 1 << 21)
        + 6
}

impl ContainerBuilder {
    /// An empty builder.
    pub fn new() -> ContainerBuilder {
        ContainerBuilder::default()
    }

    /// The number of payloads added.
    pub fn len(&self) -> usize {
        self.crcs.len()
    }

    /// True when no payload was added.
    pub fn is_empty(&self) -> bool {
        self.crcs.is_empty()
    }

    /// libnmsg's running size estimate, header included.
    pub fn estimate(&self) -> usize {
        HEADER_LEN + self.estimate
    }

    /// True when adding `p` would make a container of `size` bytes *full* in libnmsg's sense
    /// (the caller should write this container out first). Always false when empty.
    pub fn is_full_for(&self, p: &Payload, size: usize) -> bool {
        self.is_full_for_len(p.encoded_len(), size)
    }

    /// As [`ContainerBuilder::is_full_for`], for a payload of `np_len` encoded bytes.
    pub fn is_full_for_len(&self, np_len: usize, size: usize) -> bool {
        !self.is_empty() && self.estimate() + np_len + 32 >= size
    }

    /// True when the estimate, sequence fields included, is above `size`: the container needs
    /// fragments unless compression shrinks it enough.
    pub fn is_overfull(&self, size: usize) -> bool {
        self.estimate() + SEQUENCE_ESTIMATE > size
    }

    /// Adds a payload (encoded now; its CRC is computed now).
    pub fn push(&mut self, p: &Payload) {
        self.push_with_crc(p, None);
    }

    /// As [`ContainerBuilder::push`], with the payload's CRC when the caller already has it
    /// (e.g. checked by a reader: [`Payloads::next_with_crc`]); `None` computes it. A `Some`
    /// must equal [`crate::crc::payload_crc`] of `p.payload_bytes()`.
    pub fn push_with_crc(&mut self, p: &Payload, crc: Option<u32>) {
        debug_assert!(crc.is_none_or(|c| c == payload_crc(p.payload_bytes())));
        let np_len = p.encoded_len();
        proto::put_key(&mut self.payloads, F_PAYLOADS, proto::WT_LEN);
        proto::put_varint(&mut self.payloads, np_len as u64);
        p.encode(&mut self.payloads);
        self.crcs
            .push(crc.unwrap_or_else(|| payload_crc(p.payload_bytes())));
        self.estimate += payload_estimate(np_len);
    }

    /// Adds an already encoded payload envelope with its CRC, copied as it is. The caller
    /// checked the envelope ([`Payload::check_encoded`]) and the CRC.
    pub(crate) fn push_encoded(&mut self, envelope: &[u8], crc: u32) {
        proto::put_key(&mut self.payloads, F_PAYLOADS, proto::WT_LEN);
        proto::put_varint(&mut self.payloads, envelope.len() as u64);
        self.payloads.extend_from_slice(envelope);
        self.crcs.push(crc);
        self.estimate += payload_estimate(envelope.len());
    }

    /// Removes every payload.
    pub fn clear(&mut self) {
        self.payloads.clear();
        self.crcs.clear();
        self.estimate = 0;
    }

    /// The exact size of the uncompressed body [`ContainerBuilder::write_body`] writes.
    pub fn body_len(&self, seq: Option<Sequence>) -> usize {
        self.payloads.len()
            + self
                .crcs
                .iter()
                .map(|&c| proto::varint_field_len(F_CRCS, u64::from(c)))
                .sum::<usize>()
            + seq.map_or(0, |s| {
                proto::varint_field_len(F_SEQUENCE, u64::from(s.sequence))
                    + proto::varint_field_len(F_SEQUENCE_ID, s.sequence_id)
            })
    }

    /// Writes the uncompressed body (no header).
    pub fn write_body<B: BufMut>(&self, seq: Option<Sequence>, out: &mut B) {
        out.put_slice(&self.payloads);
        self.write_tail(seq, out);
    }

    /// The encoded `payloads` fields: the start of the body.
    pub(crate) fn encoded_payloads(&self) -> &[u8] {
        &self.payloads
    }

    /// Writes the rest of the body after [`ContainerBuilder::encoded_payloads`]: the CRCs and
    /// the sequence fields.
    pub(crate) fn write_tail<B: BufMut>(&self, seq: Option<Sequence>, out: &mut B) {
        for &c in &self.crcs {
            proto::put_varint_field(out, F_CRCS, u64::from(c));
        }
        if let Some(s) = seq {
            proto::put_varint_field(out, F_SEQUENCE, u64::from(s.sequence));
            proto::put_varint_field(out, F_SEQUENCE_ID, s.sequence_id);
        }
    }

    /// Writes one whole container, header included, compressed when `zlib` is set. The size is
    /// not checked: a writer that must respect a datagram size fragments instead
    /// (see [`crate::writer::Writer`]).
    pub fn write<B: BufMut>(&self, seq: Option<Sequence>, zlib: bool, out: &mut B) {
        if zlib {
            let mut body = Vec::with_capacity(self.body_len(seq));
            self.write_body(seq, &mut body);
            let mut z = Vec::with_capacity(body.len() / 2 + 16);
            zlib::compress(&body, &mut z);
            Header::new(FLAG_ZLIB, z.len() as u32).write(out);
            out.put_slice(&z);
        } else {
            Header::new(0, self.body_len(seq) as u32).write(out);
            self.write_body(seq, out);
        }
    }
}

/// The size of the container [`encode`] writes for `payloads`.
pub fn encoded_len(payloads: &[Payload]) -> usize {
    HEADER_LEN + body_len(payloads)
}

fn body_len(payloads: &[Payload]) -> usize {
    payloads
        .iter()
        .map(|p| {
            proto::bytes_field_len(F_PAYLOADS, p.encoded_len())
                + proto::varint_field_len(F_CRCS, u64::from(payload_crc(p.payload_bytes())))
        })
        .sum()
}

/// Writes one uncompressed container holding `payloads`, each with its CRC, without sequence
/// fields: what an AXA server puts in a watch hit. No buffer is allocated.
pub fn encode<B: BufMut>(payloads: &[Payload], out: &mut B) {
    Header::new(0, body_len(payloads) as u32).write(out);
    for p in payloads {
        proto::put_key(out, F_PAYLOADS, proto::WT_LEN);
        proto::put_varint(out, p.encoded_len() as u64);
        p.encode(out);
    }
    for p in payloads {
        proto::put_varint_field(out, F_CRCS, u64::from(payload_crc(p.payload_bytes())));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payload(n: u8) -> Payload {
        Payload {
            vid: 1,
            msgtype: 9,
            time_sec: 1_700_000_000 + i64::from(n),
            time_nsec: 5,
            payload: Some(Bytes::from(vec![n; 40 + usize::from(n)])),
            source: Some(0x1972_1976),
            ..Payload::default()
        }
    }

    #[test]
    fn encode_decode_round_trip() {
        let ps: Vec<_> = (0..3).map(payload).collect();
        let mut out = Vec::new();
        encode(&ps, &mut out);
        assert_eq!(out.len(), encoded_len(&ps));
        let c = decode(&Bytes::from(out.clone()), &Limits::default()).unwrap();
        assert_eq!((c.len(), c.crc_count(), c.sequence()), (3, 3, None));
        let got: Vec<_> = c.payloads().collect::<Result<_>>().unwrap();
        assert_eq!(got, ps);
        // The builder writes the same bytes.
        let mut b = ContainerBuilder::new();
        ps.iter().for_each(|p| b.push(p));
        let mut out2 = Vec::new();
        b.write(None, false, &mut out2);
        assert_eq!(out, out2);
    }

    #[test]
    fn checked_crcs_are_handed_over() {
        let ps: Vec<_> = (0..3).map(payload).collect();
        let mut out = Vec::new();
        encode(&ps, &mut out);
        let c = decode(&Bytes::from(out.clone()), &Limits::default()).unwrap();
        let mut it = c.payloads();
        let mut b = ContainerBuilder::new();
        while let Some(r) = it.next_with_crc() {
            let (p, crc) = r.unwrap();
            assert_eq!(crc, Some(payload_crc(p.payload_bytes())));
            b.push_with_crc(&p, crc);
        }
        let mut out2 = Vec::new();
        b.write(None, false, &mut out2);
        assert_eq!(out, out2);
        // A container without CRCs hands over none.
        let mut body = Vec::new();
        proto::put_key(&mut body, F_PAYLOADS, proto::WT_LEN);
        proto::put_varint(&mut body, ps[0].encoded_len() as u64);
        ps[0].encode(&mut body);
        let c = Container::from_body(Bytes::from(body), 0, &Limits::default()).unwrap();
        let (p, crc) = c.payloads().next_with_crc().unwrap().unwrap();
        assert_eq!((p, crc), (ps[0].clone(), None));
    }

    #[test]
    fn encoded_envelopes_pass_through() {
        let ps: Vec<_> = (0..3).map(payload).collect();
        let mut out = Vec::new();
        encode(&ps, &mut out);
        let c = decode(&Bytes::from(out.clone()), &Limits::default()).unwrap();
        let mut it = c.payloads();
        let mut b = ContainerBuilder::new();
        let mut n = 0;
        while let Some(r) = it.next_encoded() {
            let (env, crc) = r.unwrap();
            assert_eq!(Payload::decode(&env).unwrap(), ps[n]);
            b.push_encoded(&env, crc.unwrap());
            n += 1;
        }
        assert_eq!(n, 3);
        let mut out2 = Vec::new();
        b.write(None, false, &mut out2);
        assert_eq!(out, out2);
        // A bad CRC is reported as by next_with_crc, and the next payload still comes.
        let pos = out.windows(41).position(|w| w == [1u8; 41]).unwrap();
        out[pos + 20] ^= 0xff;
        let c = decode(&Bytes::from(out), &Limits::default()).unwrap();
        let mut it = c.payloads();
        assert!(it.next_encoded().unwrap().is_ok());
        assert!(matches!(
            it.next_encoded(),
            Some(Err(Error::CrcMismatch { index: 1, .. }))
        ));
        assert!(it.next_encoded().unwrap().is_ok());
        assert!(it.next_encoded().is_none());
    }

    /// [`single_encoded`] as written before it had a fast path.
    fn single_encoded_reference(buf: &Bytes) -> Result<(Bytes, Option<u32>)> {
        let c = decode(buf, &Limits::default())?;
        if c.len() != 1 {
            return Err(Error::PayloadCount(c.len()));
        }
        c.payloads().next_encoded().ok_or(Error::PayloadCount(0))?
    }

    fn framed(body: &[u8], flags: u8) -> Bytes {
        let mut out = Vec::new();
        Header::new(flags, body.len() as u32).write(&mut out);
        out.extend_from_slice(body);
        Bytes::from(out)
    }

    #[test]
    fn single_encoded_agrees_with_decoding() {
        let p = payload(7);
        let seq = Some(Sequence {
            sequence: 300,
            sequence_id: 1 << 40,
        });
        let mut cases = Vec::new();
        for (n, seq, zlib) in [
            (1, None, false),
            (1, seq, false),
            (1, None, true),
            (2, None, false),
            (0, None, false),
        ] {
            let mut b = ContainerBuilder::new();
            (0..n).for_each(|i| b.push(&payload(i + 7)));
            let mut out = Vec::new();
            b.write(seq, zlib, &mut out);
            cases.push(Bytes::from(out));
        }
        // Without a CRC; with an empty inner message; with an unknown field.
        let mut body = Vec::new();
        proto::put_bytes_field(&mut body, F_PAYLOADS, &{
            let mut e = Vec::new();
            p.encode(&mut e);
            e
        });
        cases.push(framed(&body, 0));
        let empty = Payload {
            payload: None,
            ..p.clone()
        };
        let mut b = ContainerBuilder::new();
        b.push(&empty);
        let mut out = Vec::new();
        b.write(None, false, &mut out);
        cases.push(Bytes::from(out));
        let mut odd = body.clone();
        proto::put_varint_field(&mut odd, 9, 1);
        cases.push(framed(&odd, 0));
        cases.push(framed(&body, crate::header::FLAG_FRAGMENT));
        // Every single-byte corruption and truncation of the plain one.
        let base = cases[0].to_vec();
        for i in 0..base.len() {
            for x in [0x01u8, 0x80, 0xff] {
                let mut m = base.clone();
                m[i] ^= x;
                cases.push(Bytes::from(m));
            }
            cases.push(Bytes::copy_from_slice(&base[..i]));
        }
        let mut fast = 0;
        for c in &cases {
            let got = single_encoded(c, &Limits::default());
            match (got, single_encoded_reference(c)) {
                (Ok(e), Ok((env, crc))) => {
                    assert_eq!((e.envelope(), e.wire_crc()), (&env, crc));
                    assert_eq!(e.inner(), Payload::check_encoded(&env).unwrap());
                    fast += 1;
                }
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
                (a, b) => panic!("{c:?}: {a:?} vs {b:?}"),
            }
        }
        assert!(fast >= 6, "{fast}");
        // The writer copies a checked envelope through as it copies an unchecked one.
        let mut a =
            crate::writer::Writer::to_stream(Vec::new(), crate::writer::WriterConfig::file());
        let mut b =
            crate::writer::Writer::to_stream(Vec::new(), crate::writer::WriterConfig::file());
        for c in &cases[..2] {
            let e = single_encoded(c, &Limits::default()).unwrap();
            a.write_checked(&e).unwrap();
            b.write(&Payload::decode(e.envelope()).unwrap()).unwrap();
        }
        let e = single_encoded(&framed(&body, 0), &Limits::default()).unwrap();
        a.write_checked(&e).unwrap();
        b.write(&p).unwrap();
        assert_eq!(a.into_inner().unwrap().0, b.into_inner().unwrap().0);
    }

    #[test]
    fn fast_scan_agrees_with_the_general_parser() {
        let ps: Vec<_> = (0..4).map(payload).collect();
        let mut b = ContainerBuilder::new();
        ps.iter().for_each(|p| b.push(p));
        let mut body = Vec::new();
        b.write_body(
            Some(Sequence {
                sequence: 300,
                sequence_id: 1 << 40,
            }),
            &mut body,
        );
        let mut seed = 0x1234_5678_9abc_def1u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let summary = |c: &Container| (c.payloads, c.crcs, c.crc_start, c.sequence, c.sequence_id);
        for round in 0..20_000 {
            let mut m = body.clone();
            if round > 0 {
                for _ in 0..1 + next() % 3 {
                    let i = (next() as usize) % m.len().max(1);
                    match next() % 3 {
                        0 if i < m.len() => m[i] = next() as u8,
                        1 => m.truncate(i),
                        _ => m.insert(i.min(m.len()), next() as u8),
                    }
                }
            }
            let fresh = || Container {
                flags: 0,
                body: Bytes::from(m.clone()),
                payloads: 0,
                crcs: 0,
                crc_start: m.len(),
                sequence: None,
                sequence_id: None,
            };
            let (mut fast, mut general) = (fresh(), fresh());
            let general_ok = general.scan_general().is_ok();
            if fast.scan_fast() {
                assert!(general_ok, "{m:02x?}");
                assert_eq!(summary(&fast), summary(&general), "{m:02x?}");
                // Iterating finds the same payloads and CRCs either way.
                let a: Vec<_> = fast.payloads().map(|r| r.is_ok()).collect();
                let b: Vec<_> = general.payloads().map(|r| r.is_ok()).collect();
                assert_eq!(a, b);
            }
        }
    }

    #[test]
    fn zlib_and_sequence() {
        let mut b = ContainerBuilder::new();
        b.push(&payload(1));
        let seq = Sequence {
            sequence: 7,
            sequence_id: u64::MAX,
        };
        let mut out = Vec::new();
        b.write(Some(seq), true, &mut out);
        assert_eq!(out[4], FLAG_ZLIB);
        let c = decode(&Bytes::from(out), &Limits::default()).unwrap();
        assert_eq!((c.sequence(), c.sequence_id()), (Some(7), Some(u64::MAX)));
        assert_eq!(c.payloads().next().unwrap().unwrap(), payload(1));
    }

    #[test]
    fn crc_mismatch_skips_one_payload_only() {
        let ps: Vec<_> = (0..3).map(payload).collect();
        let mut out = Vec::new();
        encode(&ps, &mut out);
        // Corrupt one byte of the second payload's inner message.
        let pos = out.windows(41).position(|w| w == [1u8; 41]).unwrap();
        out[pos + 20] ^= 0xff;
        let c = decode(&Bytes::from(out), &Limits::default()).unwrap();
        let got: Vec<_> = c.payloads().collect();
        assert_eq!(got.len(), 3);
        assert!(got[0].is_ok() && got[2].is_ok());
        assert!(matches!(got[1], Err(Error::CrcMismatch { index: 1, .. })));
    }

    #[test]
    fn packed_crcs_accepted() {
        let p = payload(4);
        let mut body = Vec::new();
        proto::put_bytes_field(&mut body, F_PAYLOADS, &{
            let mut v = Vec::new();
            p.encode(&mut v);
            v
        });
        let mut packed = Vec::new();
        proto::put_varint(&mut packed, u64::from(payload_crc(p.payload_bytes())));
        proto::put_bytes_field(&mut body, F_CRCS, &packed);
        let c = Container::from_body(Bytes::from(body), 0, &Limits::default()).unwrap();
        assert_eq!(c.crc_count(), 1);
        assert_eq!(c.payloads().next().unwrap().unwrap(), p);
    }

    #[test]
    fn single_payload_rules() {
        let mut one = Vec::new();
        encode(&[payload(2)], &mut one);
        assert_eq!(
            decode_single(&Bytes::from(one.clone()), &Limits::default()).unwrap(),
            payload(2)
        );
        let mut two = Vec::new();
        encode(&[payload(2), payload(3)], &mut two);
        assert!(matches!(
            decode_single(&Bytes::from(two), &Limits::default()),
            Err(Error::PayloadCount(2))
        ));
        one.push(0);
        assert!(matches!(
            decode(&Bytes::from(one), &Limits::default()),
            Err(Error::TrailingBytes { extra: 1 })
        ));
    }
}
