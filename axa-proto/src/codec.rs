//! A `tokio-util` [`Decoder`]/[`Encoder`] for AXA frames (feature `codec`).
//!
//! A thin adapter over [`FrameDecoder`]: the header is checked as soon as its 8 bytes are
//! buffered, before waiting for (or reserving room for) the body, so a hostile length is
//! refused without buffering it; it never reserves more than one whole frame
//! (≤ 8 + [`crate::MAX_BODY_LEN`] bytes). Frames are yielded with their body split off the
//! read buffer (zero copy).

use bytes::BytesMut;
use tokio_util::codec::{Decoder, Encoder};

use crate::decoder::FrameDecoder;
use crate::direction::Direction;
use crate::error::ProtoError;
use crate::header::PVERS;
use crate::message::{Frame, Message};

/// Errors of [`AxaCodec`]: I/O from the transport, or a protocol violation (fatal for the
/// connection, as in libaxa).
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    /// Transport error.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The peer sent a frame that fails the checks.
    #[error(transparent)]
    Proto(#[from] ProtoError),
}

/// Frame codec for one side of a connection.
///
/// `recv` is the direction of frames this side receives: a server uses
/// [`Direction::ToSra`], a client [`Direction::FromSra`]. Outgoing frames are checked
/// with the reverse direction before they are written.
#[derive(Debug, Clone)]
pub struct AxaCodec {
    dec: FrameDecoder,
    pvers: u8,
}

impl AxaCodec {
    /// A codec receiving in direction `recv`, sending protocol version [`PVERS`].
    pub fn new(recv: Direction) -> AxaCodec {
        AxaCodec {
            dec: FrameDecoder::new(recv),
            pvers: PVERS,
        }
    }

    /// The protocol version written in headers of `(tag, Message)` items.
    pub fn set_pvers(&mut self, pvers: u8) {
        self.pvers = pvers;
    }

    /// The receive direction.
    pub fn direction(&self) -> Direction {
        self.dec.direction()
    }
}

impl Decoder for AxaCodec {
    type Item = Frame;
    type Error = CodecError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Frame>, CodecError> {
        Ok(self.dec.decode(src)?)
    }
}

impl Encoder<&Frame> for AxaCodec {
    type Error = CodecError;

    fn encode(&mut self, frame: &Frame, dst: &mut BytesMut) -> Result<(), CodecError> {
        frame.header().check(self.direction().reverse())?;
        dst.reserve(frame.len());
        frame.encode(dst);
        Ok(())
    }
}

impl Encoder<Frame> for AxaCodec {
    type Error = CodecError;

    fn encode(&mut self, frame: Frame, dst: &mut BytesMut) -> Result<(), CodecError> {
        self.encode(&frame, dst)
    }
}

impl Encoder<(u16, &Message)> for AxaCodec {
    type Error = CodecError;

    /// Encode `(tag, message)` with the codec's protocol version.
    fn encode(
        &mut self,
        (tag, msg): (u16, &Message),
        dst: &mut BytesMut,
    ) -> Result<(), CodecError> {
        let header = msg.header(tag, self.pvers);
        header.check(self.direction().reverse())?;
        dst.reserve(header.len as usize);
        header.write(dst);
        msg.encode_body(dst);
        Ok(())
    }
}

impl Encoder<(u16, Message)> for AxaCodec {
    type Error = CodecError;

    fn encode(&mut self, (tag, msg): (u16, Message), dst: &mut BytesMut) -> Result<(), CodecError> {
        self.encode((tag, &msg), dst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channel::ChannelOnOff;
    use crate::header::{HEADER_LEN, MAX_BODY_LEN};
    use crate::op::Op;
    use bytes::BufMut;

    #[test]
    fn rejects_bad_header_before_body() {
        let mut c = AxaCodec::new(Direction::ToSra);
        // WATCH HIT is illegal to a server; only the 8 header bytes are present.
        let mut b = BytesMut::from(&[0xff, 0xff, 0xff, 0x00, 1, 0, 2, 5][..]);
        let e = c.decode(&mut b).unwrap_err();
        assert!(matches!(
            e,
            CodecError::Proto(ProtoError::ImpossibleBodyLength { .. })
        ));
        assert!(b.capacity() < 1024);
        let mut b = BytesMut::from(&[0x10, 0, 0, 0, 1, 0, 2, 5][..]);
        assert!(matches!(
            c.decode(&mut b).unwrap_err(),
            CodecError::Proto(ProtoError::IllegalDirection { .. })
        ));
    }

    #[test]
    fn byte_by_byte_and_zero_copy() {
        let mut wire = BytesMut::new();
        let mut enc = AxaCodec::new(Direction::FromSra); // client side sends to SRA
        let m = Message::Channel(ChannelOnOff { ch: 221, on: true });
        enc.encode((0, &m), &mut wire).unwrap();
        enc.encode((7, Message::Stop), &mut wire).unwrap();
        assert!(enc
            .encode((0, Message::Stop), &mut BytesMut::new())
            .is_err());
        let mut dec = AxaCodec::new(Direction::ToSra);
        let mut buf = BytesMut::new();
        let mut got = Vec::new();
        for &b in wire.iter() {
            buf.put_u8(b);
            while let Some(f) = dec.decode(&mut buf).unwrap() {
                got.push(f);
            }
        }
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].message().unwrap(), m);
        assert_eq!((got[1].op(), got[1].tag()), (Op::Stop, 7));
        // zero copy: the body points into the buffer it was read into
        let mut buf = BytesMut::with_capacity(64);
        buf.extend_from_slice(&wire);
        let start = buf.as_ptr() as usize;
        let f = dec.decode(&mut buf).unwrap().unwrap();
        assert_eq!(f.body().as_ptr() as usize, start + HEADER_LEN);
    }

    #[test]
    fn reserve_is_bounded_by_the_frame() {
        let mut dec = AxaCodec::new(Direction::FromSra);
        let mut buf = BytesMut::new();
        // WHIT announcing the maximum body, tag 1
        let len = (HEADER_LEN + MAX_BODY_LEN) as u32;
        buf.extend_from_slice(&len.to_le_bytes());
        buf.extend_from_slice(&[1, 0, 2, 5]);
        assert!(dec.decode(&mut buf).unwrap().is_none());
        assert!(buf.capacity() <= 2 * (HEADER_LEN + MAX_BODY_LEN));
        // body check failure surfaces when the body is complete
        buf.resize(HEADER_LEN + MAX_BODY_LEN, 0);
        buf[8] = 0xff;
        buf[9] = 0xff;
        assert!(matches!(
            dec.decode(&mut buf).unwrap_err(),
            CodecError::Proto(ProtoError::InvalidChannel { .. })
        ));
    }
}
