//! NMSG base:packet (vendor 1, type 12; nmsg-format §4.2): how IP hits travel on NMSG outputs
//! (as the C tunnel converts them) and how pcap outputs read packets out of NMSG hits.

use bytes::Bytes;
use nmsg::proto::{self, FieldIter};
use nmsg::Payload;

use super::IpPacket;

/// Vendor id of base.
pub const VID_BASE: u32 = 1;
/// Message type of base:packet.
pub const MSGTYPE_PACKET: u32 = 12;
/// `PacketType.IP`, the only payload type.
pub const PACKET_TYPE_IP: u64 = 1;

const F_PAYLOAD_TYPE: u32 = 1;
const F_PAYLOAD: u32 = 2;

/// The base:packet payload for an IP hit: payload_type IP, the packet bytes, and the capture
/// time (`time_nsec` = µs × 1000), as libaxa's sratunnel builds it. The caller skips
/// incomplete packets ([`IpPacket::is_complete`]) first.
pub fn packet_payload(ip: &IpPacket<'_>) -> Payload {
    let mut inner = Vec::with_capacity(ip.data.len() + 8);
    proto::put_varint_field(&mut inner, F_PAYLOAD_TYPE, PACKET_TYPE_IP);
    proto::put_bytes_field(&mut inner, F_PAYLOAD, ip.data);
    Payload {
        vid: VID_BASE,
        msgtype: MSGTYPE_PACKET,
        time_sec: i64::from(ip.tv_sec),
        time_nsec: ip.tv_usec.saturating_mul(1000).min(999_999_999),
        payload: Some(Bytes::from(inner)),
        ..Payload::default()
    }
}

/// The IP datagram inside a base:packet payload with payload_type IP, or `None` for any other
/// payload (another type, another payload_type, or an undecodable message).
pub fn packet_ip(payload: &Payload) -> Option<&[u8]> {
    if payload.vid != VID_BASE || payload.msgtype != MSGTYPE_PACKET {
        return None;
    }
    let (mut ptype, mut data) = (None, None);
    for field in FieldIter::new(payload.payload_bytes()) {
        let f = field.ok()?;
        match f.number {
            F_PAYLOAD_TYPE => ptype = Some(f.value.varint(f.number).ok()?),
            F_PAYLOAD => data = Some(f.value.bytes(f.number).ok()?),
            _ => {}
        }
    }
    match ptype {
        Some(PACKET_TYPE_IP) => data,
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip_hit_round_trips_through_base_packet() {
        let data = [
            0x45u8, 0, 0, 20, 1, 2, 3, 4, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
        ];
        let ip = IpPacket {
            tv_sec: 1_519_311_169,
            tv_usec: 250_000,
            ip_len: 20,
            data: &data,
        };
        let p = packet_payload(&ip);
        assert_eq!((p.vid, p.msgtype), (1, 12));
        assert_eq!((p.time_sec, p.time_nsec), (1_519_311_169, 250_000_000));
        // Exact protobuf: field 1 varint 1, field 2 length-delimited.
        let inner = p.payload_bytes();
        assert_eq!(&inner[..3], &[0x08, 0x01, 0x12]);
        assert_eq!(inner[3] as usize, data.len());
        assert_eq!(&inner[4..], &data);
        assert_eq!(packet_ip(&p), Some(&data[..]));

        // Survives the NmsgPayload envelope encoding.
        let mut enc = Vec::new();
        p.encode(&mut enc);
        let back = Payload::decode(&Bytes::from(enc)).unwrap();
        assert_eq!(packet_ip(&back), Some(&data[..]));
    }

    #[test]
    fn other_payloads_are_not_packets() {
        let mut p = packet_payload(&IpPacket {
            tv_sec: 0,
            tv_usec: 0,
            ip_len: 1,
            data: &[0x45],
        });
        p.msgtype = 8;
        assert_eq!(packet_ip(&p), None);
        let mut inner = Vec::new();
        proto::put_varint_field(&mut inner, F_PAYLOAD_TYPE, 2);
        proto::put_bytes_field(&mut inner, F_PAYLOAD, b"x");
        let q = Payload {
            vid: 1,
            msgtype: 12,
            payload: Some(Bytes::from(inner)),
            ..Payload::default()
        };
        assert_eq!(packet_ip(&q), None);
        let garbage = Payload {
            vid: 1,
            msgtype: 12,
            payload: Some(Bytes::from_static(b"\xff\xff\xff")),
            ..Payload::default()
        };
        assert_eq!(packet_ip(&garbage), None);
    }
}
