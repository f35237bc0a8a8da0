//! From a watch hit (WHIT) to what outputs consume.
//!
//! NMSG hits carry one container; a container that holds no payload or several (a fragment,
//! or a server that batched) is ignored, as libaxa does (it still counts for `-C`). A container
//! that cannot be decoded is reported to the caller, which logs it and goes on (libaxa exits).

use axa_proto::Whit;

use crate::output::driver::OwnedHit;

/// Why a hit could not be turned into a record.
#[derive(Debug, thiserror::Error)]
#[error("undecodable NMSG watch hit from ch{ch}: {source}")]
pub struct HitError {
    /// Channel of the hit.
    pub ch: u16,
    /// The NMSG error.
    pub source: nmsg::Error,
}

/// The record for a hit.
pub fn owned_hit(whit: &Whit, limits: &nmsg::Limits) -> Result<OwnedHit, HitError> {
    match whit {
        Whit::Ip(ip) => Ok(OwnedHit::Ip {
            channel: ip.ch,
            tv_sec: ip.tv_sec,
            tv_usec: ip.tv_usec,
            ip_len: ip.ip_len,
            data: ip.packet.clone(),
        }),
        Whit::Nmsg(n) => match single_with_crc(&n.container, limits) {
            Ok((payload, crc)) => Ok(OwnedHit::Nmsg {
                channel: n.ch,
                payload,
                crc,
            }),
            Err(nmsg::Error::Fragmented | nmsg::Error::PayloadCount(_)) => {
                tracing::debug!("ignoring NMSG fragment from ch{}", n.ch);
                Ok(OwnedHit::Ignored)
            }
            Err(source) => Err(HitError { ch: n.ch, source }),
        },
    }
}

/// The record for a hit, with an NMSG payload left encoded ([`OwnedHit::NmsgEncoded`]: the
/// `NmsgPayload` bytes of the container, a zero-copy slice, checked as [`owned_hit`] checks it
/// and its CRC verified: [`nmsg::container::single_encoded`]): what NMSG outputs copy through without decoding
/// ([`crate::output::Output::write_encoded_nmsg`]). Fragments and multi-payload containers
/// are [`OwnedHit::Ignored`], errors as in [`owned_hit`].
pub fn encoded_hit(whit: &Whit, limits: &nmsg::Limits) -> Result<OwnedHit, HitError> {
    match whit {
        Whit::Nmsg(n) => encoded_nmsg_hit(n.ch, &n.container, limits),
        _ => owned_hit(whit, limits),
    }
}

/// [`encoded_hit`] for an NMSG hit of channel `ch` carrying `container`.
pub fn encoded_nmsg_hit(
    ch: u16,
    container: &bytes::Bytes,
    limits: &nmsg::Limits,
) -> Result<OwnedHit, HitError> {
    match nmsg::container::single_encoded(container, limits) {
        Ok(envelope) => Ok(OwnedHit::NmsgEncoded {
            channel: ch,
            envelope,
        }),
        Err(nmsg::Error::Fragmented | nmsg::Error::PayloadCount(_)) => {
            tracing::debug!("ignoring NMSG fragment from ch{ch}");
            Ok(OwnedHit::Ignored)
        }
        Err(source) => Err(HitError { ch, source }),
    }
}

/// The single payload of a container and its CRC when the container carried one (checked
/// here, so an NMSG output re-uses it instead of computing it again).
fn single_with_crc(
    buf: &bytes::Bytes,
    limits: &nmsg::Limits,
) -> nmsg::Result<(nmsg::Payload, Option<u32>)> {
    let c = nmsg::container::decode(buf, limits)?;
    if c.len() != 1 {
        return Err(nmsg::Error::PayloadCount(c.len()));
    }
    c.payloads()
        .next_with_crc()
        .ok_or(nmsg::Error::PayloadCount(0))?
}

#[cfg(test)]
mod tests {
    use super::*;
    use axa_proto::{WhitIp, WhitNmsg};
    use bytes::{Bytes, BytesMut};
    use nmsg::{ContainerBuilder, Payload};

    fn container(payloads: &[Payload]) -> Bytes {
        let mut b = ContainerBuilder::new();
        for p in payloads {
            b.push(p);
        }
        let mut body = BytesMut::new();
        b.write_body(None, &mut body);
        let mut out = BytesMut::new();
        out.extend_from_slice(b"NMSG");
        out.extend_from_slice(&[0, 2]);
        out.extend_from_slice(&(body.len() as u32).to_be_bytes());
        out.extend_from_slice(&body);
        out.freeze()
    }

    fn nmsg_whit(c: Bytes) -> Whit {
        Whit::Nmsg(WhitNmsg {
            ch: 204,
            field_idx: 0,
            val_idx: 0,
            vid: 2,
            msgtype: 1,
            ts_sec: 0,
            ts_nsec: 0,
            container: c,
        })
    }

    fn payload(n: u32) -> Payload {
        Payload {
            vid: 2,
            msgtype: 1,
            time_sec: 1_500_000_000,
            time_nsec: n,
            payload: Some(Bytes::from_static(b"\x08\x01")),
            ..Payload::default()
        }
    }

    #[test]
    fn nmsg_hit_with_one_payload() {
        let limits = nmsg::Limits::default();
        match owned_hit(&nmsg_whit(container(&[payload(1)])), &limits).unwrap() {
            OwnedHit::Nmsg {
                channel,
                payload: p,
                crc,
            } => {
                assert_eq!(channel, 204);
                assert_eq!(p, payload(1));
                assert_eq!(crc, Some(nmsg::crc::payload_crc(b"\x08\x01")));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn zero_or_several_payloads_are_ignored() {
        let limits = nmsg::Limits::default();
        let two = container(&[payload(1), payload(2)]);
        assert_eq!(
            owned_hit(&nmsg_whit(two), &limits).unwrap(),
            OwnedHit::Ignored
        );
        assert_eq!(
            owned_hit(&nmsg_whit(container(&[])), &limits).unwrap(),
            OwnedHit::Ignored
        );
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        let limits = nmsg::Limits::default();
        let e = owned_hit(&nmsg_whit(Bytes::from_static(b"\x08\x01junk")), &limits).unwrap_err();
        assert_eq!(e.ch, 204);
        assert!(e.to_string().contains("ch204"));
    }

    #[test]
    fn encoded_hit_keeps_the_envelope_and_checks_it() {
        let limits = nmsg::Limits::default();
        let c = container(&[payload(1)]);
        match encoded_hit(&nmsg_whit(c.clone()), &limits).unwrap() {
            OwnedHit::NmsgEncoded { channel, envelope } => {
                assert_eq!(channel, 204);
                assert_eq!(Payload::decode(envelope.envelope()).unwrap(), payload(1));
                assert_eq!(
                    envelope.wire_crc(),
                    Some(nmsg::crc::payload_crc(b"\x08\x01"))
                );
            }
            other => panic!("{other:?}"),
        }
        let two = container(&[payload(1), payload(2)]);
        assert_eq!(
            encoded_hit(&nmsg_whit(two), &limits).unwrap(),
            OwnedHit::Ignored
        );
        // A flipped bit in the inner message fails the CRC: an error, as with owned_hit.
        let mut bad = c.to_vec();
        let at = bad.windows(2).position(|w| w == b"\x08\x01").unwrap();
        bad[at + 1] ^= 0x02;
        let bad = Bytes::from(bad);
        assert!(encoded_hit(&nmsg_whit(bad.clone()), &limits).is_err());
        assert!(owned_hit(&nmsg_whit(bad), &limits).is_err());
        assert!(encoded_hit(&nmsg_whit(Bytes::from_static(b"junk")), &limits).is_err());
    }

    #[test]
    fn ip_hits_pass_through() {
        let w = Whit::Ip(WhitIp {
            ch: 14,
            tv_sec: 1,
            tv_usec: 2,
            ip_len: 3,
            packet: Bytes::from_static(b"\x45\x00\x00"),
        });
        assert_eq!(
            owned_hit(&w, &nmsg::Limits::default()).unwrap(),
            OwnedHit::Ip {
                channel: 14,
                tv_sec: 1,
                tv_usec: 2,
                ip_len: 3,
                data: Bytes::from_static(b"\x45\x00\x00"),
            }
        );
    }
}
