//! A watch hit as queued in a session's outbox, and its per-session frame header.
//!
//! The body (an NMSG container with one payload, or an IP datagram) is built once per
//! observation and shared by every session it goes to (`Bytes`); only the 8-byte AXA header
//! and the 20-byte (NMSG) or 16-byte (IP) WHIT header are written per session
//! (architecture step 4).

use bytes::Bytes;

/// WHIT `field_idx`/`val_idx` value for "no field" (channel watches).
pub const IDX_NONE: u16 = 0xFFF1;
/// WHIT `field_idx`/`val_idx` value for "SIE packet made no sense" (error watches).
pub const IDX_ERROR: u16 = 0xFFF2;
/// WHIT `field_idx`/`val_idx` value for a dark-channel packet.
pub const IDX_DARK: u16 = 0xFFF3;

/// AXA opcode of a watch hit.
const OP_WHIT: u8 = 5;

/// What kind of body a hit carries, with the metadata its WHIT header needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HitMeta {
    /// WHIT type 0: the body is an NMSG container holding exactly one payload.
    Nmsg {
        /// NMSG vendor id.
        vid: u16,
        /// NMSG message type.
        msgtype: u16,
        /// Payload time, seconds.
        time_sec: u32,
        /// Payload time, nanoseconds.
        time_nsec: u32,
    },
    /// WHIT type 1: the body is a raw IP datagram.
    Ip {
        /// Capture time, seconds.
        tv_sec: u32,
        /// Capture time, microseconds.
        tv_usec: u32,
        /// Original length on the wire.
        ip_len: u32,
    },
}

/// One hit for one session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// Tag of the matching watch (the lowest one, spec §15 item 4).
    pub tag: u16,
    /// SIE channel.
    pub channel: u16,
    /// NMSG field index that matched, or [`IDX_NONE`] / [`IDX_ERROR`].
    pub field_idx: u16,
    /// Which value of a repeated field matched, or a reserved value.
    pub val_idx: u16,
    /// Body kind and header metadata.
    pub meta: HitMeta,
    /// The shared body.
    pub body: Bytes,
}

/// The longest per-session header: 8 (AXA) + 20 (NMSG WHIT).
pub const MAX_HIT_HEADER: usize = 28;

impl Hit {
    /// Writes the AXA header and WHIT header for this hit (protocol version `pvers`) into
    /// `out` and returns how many bytes of `out` were used; the frame is those bytes followed
    /// by [`Hit::body`].
    pub fn header(&self, pvers: u8, out: &mut [u8; MAX_HIT_HEADER]) -> usize {
        let hlen = match self.meta {
            HitMeta::Nmsg { .. } => 20,
            HitMeta::Ip { .. } => 16,
        };
        let total = (8 + hlen + self.body.len()) as u32;
        out[0..4].copy_from_slice(&total.to_le_bytes());
        out[4..6].copy_from_slice(&self.tag.to_le_bytes());
        out[6] = pvers;
        out[7] = OP_WHIT;
        out[8..10].copy_from_slice(&self.channel.to_le_bytes());
        out[11] = 0;
        match self.meta {
            HitMeta::Nmsg {
                vid,
                msgtype,
                time_sec,
                time_nsec,
            } => {
                out[10] = 0;
                out[12..14].copy_from_slice(&self.field_idx.to_le_bytes());
                out[14..16].copy_from_slice(&self.val_idx.to_le_bytes());
                out[16..18].copy_from_slice(&vid.to_le_bytes());
                out[18..20].copy_from_slice(&msgtype.to_le_bytes());
                out[20..24].copy_from_slice(&time_sec.to_le_bytes());
                out[24..28].copy_from_slice(&time_nsec.to_le_bytes());
            }
            HitMeta::Ip {
                tv_sec,
                tv_usec,
                ip_len,
            } => {
                out[10] = 1;
                out[12..16].copy_from_slice(&tv_sec.to_le_bytes());
                out[16..20].copy_from_slice(&tv_usec.to_le_bytes());
                out[20..24].copy_from_slice(&ip_len.to_le_bytes());
            }
        }
        8 + hlen
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip_header_matches_spec_vector() {
        // Spec §12 `extra_whit_ip_tag1_ch123_iplen32`.
        let hit = Hit {
            tag: 1,
            channel: 123,
            field_idx: IDX_NONE,
            val_idx: IDX_NONE,
            meta: HitMeta::Ip {
                tv_sec: 1,
                tv_usec: 2,
                ip_len: 32,
            },
            body: Bytes::from(vec![0u8; 32]),
        };
        let mut h = [0u8; MAX_HIT_HEADER];
        let n = hit.header(2, &mut h);
        assert_eq!(
            &h[..n],
            &[0x38, 0, 0, 0, 1, 0, 2, 5, 0x7b, 0, 1, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0x20, 0, 0, 0]
        );
    }

    #[test]
    fn nmsg_header_and_container() {
        let body = Bytes::from_static(b"NMSG\x00\x02\x00\x00\x00\x04\x0a\x02\x08\x02");
        let hit = Hit {
            tag: 7,
            channel: 204,
            field_idx: 8,
            val_idx: 0,
            meta: HitMeta::Nmsg {
                vid: 2,
                msgtype: 1,
                time_sec: 0x0102_0304,
                time_nsec: 5,
            },
            body,
        };
        let mut h = [0u8; MAX_HIT_HEADER];
        assert_eq!(hit.header(1, &mut h), 28);
        assert_eq!(u32::from_le_bytes([h[0], h[1], h[2], h[3]]), 28 + 14);
        assert_eq!(&h[4..12], &[7, 0, 1, 5, 204, 0, 0, 0]);
        assert_eq!(&h[12..20], &[8, 0, 0, 0, 2, 0, 1, 0]);
        assert_eq!(&h[20..28], &[4, 3, 2, 1, 5, 0, 0, 0]);
    }
}
