//! WATCH HIT bodies (spec §1.6.5): NMSG and IP forms.

use bytes::{Buf, BufMut, Bytes};

use crate::error::ProtoError;
use crate::header::{Header, HEADER_LEN};
use crate::op::{Op, OpName};
use crate::validate::{check_body_len, check_whit};
use crate::wire::{byte, le_u16, le_u32};

/// WATCH HIT type byte: NMSG container.
pub const WHIT_NMSG: u8 = 0;
/// WATCH HIT type byte: raw IP datagram.
pub const WHIT_IP: u8 = 1;
/// Fixed header of the NMSG form (before the container).
pub const WHIT_NMSG_HDR_LEN: usize = 20;
/// Fixed header of the IP form (before the packet).
pub const WHIT_IP_HDR_LEN: usize = 16;
/// Reserved index values start here; `field_idx`/`val_idx` ≥ this are flags.
pub const IDX_RSVD: u16 = 0xFFF0;
/// Reserved index: no field (channel watches).
pub const IDX_NONE: u16 = 0xFFF1;
/// Reserved index: "SIE packet made no sense" (error watches).
pub const IDX_ERROR: u16 = 0xFFF2;
/// Reserved index: dark channel packet.
pub const IDX_DARK: u16 = 0xFFF3;

/// A WATCH HIT (op 5), or the hit inside an ANOMALY HIT.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Whit {
    /// NMSG form (type 0).
    Nmsg(WhitNmsg),
    /// IP form (type 1).
    Ip(WhitIp),
}

/// The NMSG form of a hit. The container is kept as [`Bytes`] and never copied: decoding
/// slices it out of the frame, and a server shares one container among many sessions
/// (see [`WhitNmsg::encode_header`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct WhitNmsg {
    /// SIE channel (0..=4095).
    pub ch: u16,
    /// NMSG field index that triggered the hit, or a reserved value ([`IDX_NONE`] ...).
    pub field_idx: u16,
    /// Which value of a repeated field, or a reserved value.
    pub val_idx: u16,
    /// NMSG vendor id of the payload.
    pub vid: u16,
    /// NMSG message type of the payload.
    pub msgtype: u16,
    /// Seconds of the payload time.
    pub ts_sec: u32,
    /// Nanoseconds of the payload time.
    pub ts_nsec: u32,
    /// A complete serialized NMSG container, including its 10-byte `NMSG` header.
    pub container: Bytes,
}

/// The IP form of a hit.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct WhitIp {
    /// SIE channel (0..=4095).
    pub ch: u16,
    /// Capture time, seconds.
    pub tv_sec: u32,
    /// Capture time, microseconds.
    pub tv_usec: u32,
    /// Original length of the packet on the wire.
    pub ip_len: u32,
    /// The captured bytes, starting at the IP header (zero-copy slice of the frame).
    pub packet: Bytes,
}

impl Whit {
    /// Decode a WATCH HIT body (length and body checks of libaxa applied).
    pub fn decode(body: &Bytes) -> Result<Whit, ProtoError> {
        check_body_len(Op::Whit, body.len())?;
        check_whit(OpName(Op::Whit.as_u8()), body)?;
        Ok(Whit::parse_checked(body.clone()))
    }

    /// Build from a body that passed `check_whit`: no allocation and no reference-count
    /// traffic (the body is advanced past the fixed header, not sliced).
    pub(crate) fn parse_checked(mut b: Bytes) -> Whit {
        let ch = le_u16(&b, 0);
        if byte(&b, 2) == WHIT_IP {
            let (tv_sec, tv_usec, ip_len) = (le_u32(&b, 4), le_u32(&b, 8), le_u32(&b, 12));
            b.advance(WHIT_IP_HDR_LEN.min(b.len()));
            Whit::Ip(WhitIp {
                ch,
                tv_sec,
                tv_usec,
                ip_len,
                packet: b,
            })
        } else {
            let h = WhitNmsg {
                ch,
                field_idx: le_u16(&b, 4),
                val_idx: le_u16(&b, 6),
                vid: le_u16(&b, 8),
                msgtype: le_u16(&b, 10),
                ts_sec: le_u32(&b, 12),
                ts_nsec: le_u32(&b, 16),
                container: Bytes::new(),
            };
            b.advance(WHIT_NMSG_HDR_LEN.min(b.len()));
            Whit::Nmsg(WhitNmsg { container: b, ..h })
        }
    }

    /// The channel.
    pub fn ch(&self) -> u16 {
        match self {
            Whit::Nmsg(w) => w.ch,
            Whit::Ip(w) => w.ch,
        }
    }

    /// Bytes [`Whit::encode`] writes.
    pub fn encoded_len(&self) -> usize {
        match self {
            Whit::Nmsg(w) => WHIT_NMSG_HDR_LEN + w.container.len(),
            Whit::Ip(w) => WHIT_IP_HDR_LEN + w.packet.len(),
        }
    }

    /// Write the body (header + container/packet).
    pub fn encode<B: BufMut>(&self, out: &mut B) {
        match self {
            Whit::Nmsg(w) => {
                w.encode_whit_header(out);
                out.put_slice(&w.container);
            }
            Whit::Ip(w) => {
                out.put_u16_le(w.ch);
                out.put_u8(WHIT_IP);
                out.put_u8(0);
                out.put_u32_le(w.tv_sec);
                out.put_u32_le(w.tv_usec);
                out.put_u32_le(w.ip_len);
                out.put_slice(&w.packet);
            }
        }
    }
}

/// Length of the per-session part of an NMSG hit frame: AXA header + WHIT header.
pub const WHIT_NMSG_FRAME_HDR_LEN: usize = HEADER_LEN + WHIT_NMSG_HDR_LEN;

impl WhitNmsg {
    /// The 20-byte WHIT header (no container).
    #[inline]
    pub fn whit_header(&self) -> [u8; WHIT_NMSG_HDR_LEN] {
        let mut b = [0u8; WHIT_NMSG_HDR_LEN];
        b[0..2].copy_from_slice(&self.ch.to_le_bytes());
        b[2] = WHIT_NMSG;
        b[4..6].copy_from_slice(&self.field_idx.to_le_bytes());
        b[6..8].copy_from_slice(&self.val_idx.to_le_bytes());
        b[8..10].copy_from_slice(&self.vid.to_le_bytes());
        b[10..12].copy_from_slice(&self.msgtype.to_le_bytes());
        b[12..16].copy_from_slice(&self.ts_sec.to_le_bytes());
        b[16..20].copy_from_slice(&self.ts_nsec.to_le_bytes());
        b
    }

    /// Write only the 20-byte WHIT header (no container).
    pub fn encode_whit_header<B: BufMut>(&self, out: &mut B) {
        out.put_slice(&self.whit_header());
    }

    /// The 28 bytes that precede the shared container in a WATCH HIT frame: the 8-byte AXA
    /// header (`len` covers the container) and the 20-byte WHIT header.
    ///
    /// This is the fan-out path of a server: build the container once, then for each
    /// session write these 28 bytes and send `self.container` after them (e.g. as a
    /// second `IoSlice` of a vectored write, or `Bytes` chained in an outbox); the
    /// container is never copied. `tag` must be the (non-zero) watch tag.
    ///
    /// ```
    /// # use axa_proto::{WhitNmsg, Frame, Direction, Message, Whit};
    /// # use bytes::{Bytes, BytesMut, BufMut};
    /// let hit = WhitNmsg { ch: 213, field_idx: 0, val_idx: 0, vid: 2, msgtype: 5,
    ///     ts_sec: 1, ts_nsec: 2, container: Bytes::from_static(b"NMSG\x00\x02\0\0\0\0") };
    /// let mut out = BytesMut::new();
    /// out.put_slice(&hit.frame_header(7, 2));
    /// out.put_slice(&hit.container);
    /// let frame = Frame::decode(out.freeze(), Direction::FromSra).unwrap();
    /// assert_eq!(frame.message().unwrap(), Message::Whit(Whit::Nmsg(hit)));
    /// ```
    #[inline]
    pub fn frame_header(&self, tag: u16, pvers: u8) -> [u8; WHIT_NMSG_FRAME_HDR_LEN] {
        let mut b = [0u8; WHIT_NMSG_FRAME_HDR_LEN];
        let h = Header::new(
            tag,
            pvers,
            Op::Whit,
            WHIT_NMSG_HDR_LEN + self.container.len(),
        );
        b[..HEADER_LEN].copy_from_slice(&h.to_bytes());
        b[HEADER_LEN..].copy_from_slice(&self.whit_header());
        b
    }

    /// Append the 28-byte frame header of [`WhitNmsg::frame_header`] to `out`.
    pub fn encode_header<B: BufMut>(&self, tag: u16, pvers: u8, out: &mut B) {
        Header::new(
            tag,
            pvers,
            Op::Whit,
            WHIT_NMSG_HDR_LEN + self.container.len(),
        )
        .write(out);
        self.encode_whit_header(out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip_and_nmsg_round_trip_zero_copy() {
        let body = Bytes::from_static(&[
            123, 0, 1, 0, 1, 0, 0, 0, 2, 0, 0, 0, 33, 0, 0, 0, 0x45, 0, 0, 32,
        ]);
        let w = Whit::decode(&body).unwrap();
        let Whit::Ip(ip) = &w else { panic!() };
        assert_eq!((ip.ch, ip.tv_sec, ip.tv_usec, ip.ip_len), (123, 1, 2, 33));
        assert_eq!(ip.packet.as_ptr(), body[16..].as_ptr());
        let mut out = Vec::new();
        w.encode(&mut out);
        assert_eq!(out, &body[..]);
    }
}
