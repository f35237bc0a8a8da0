//! Incremental, sans-IO frame decoding from a byte buffer.

use bytes::{Buf, BytesMut};

use crate::direction::Direction;
use crate::error::ProtoError;
use crate::header::{Header, HEADER_LEN, MAX_BODY_LEN};
use crate::message::Frame;

/// Splits frames off a growing receive buffer.
///
/// The header is checked (spec §1.4, for direction `recv`) as soon as its 8 bytes are
/// buffered, before the body is awaited, so a hostile length is refused without buffering
/// it; the buffer is never asked to reserve more than one whole frame
/// (≤ 8 + [`MAX_BODY_LEN`] bytes). Bodies are split off the buffer (zero copy). After an
/// error the connection must be closed (as libaxa does); the decoder state is then
/// meaningless.
#[derive(Debug, Clone)]
pub struct FrameDecoder {
    recv: Direction,
    header: Option<Header>,
}

impl FrameDecoder {
    /// A decoder for frames travelling in direction `recv` (server: [`Direction::ToSra`],
    /// client: [`Direction::FromSra`]).
    pub fn new(recv: Direction) -> FrameDecoder {
        FrameDecoder { recv, header: None }
    }

    /// The receive direction.
    pub fn direction(&self) -> Direction {
        self.recv
    }

    /// The next whole frame, `Ok(None)` if more bytes are needed, or the first check that
    /// failed.
    pub fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Frame>, ProtoError> {
        let header = match self.header {
            Some(h) => h,
            None => {
                let Some(h) = Header::peek(src) else {
                    src.reserve(HEADER_LEN - src.len());
                    return Ok(None);
                };
                h.check(self.recv)?;
                self.header = Some(h);
                h
            }
        };
        let total = header.len as usize;
        debug_assert!(total <= HEADER_LEN + MAX_BODY_LEN);
        if src.len() < total {
            src.reserve(total - src.len());
            return Ok(None);
        }
        self.header = None;
        let mut frame = src.split_to(total);
        frame.advance(HEADER_LEN);
        let body = frame.freeze();
        Ok(Some(Frame::from_parts(header, body)?))
    }
}
