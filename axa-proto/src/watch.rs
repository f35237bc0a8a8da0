//! Watches on the wire (spec §1.6.6, §1.6.7, §1.7): the WATCH body and WATCH LIST.

use std::net::{Ipv4Addr, Ipv6Addr};

use bytes::{Buf, BufMut, Bytes};

use crate::error::{ProtoError, WatchWireError};
use crate::op::{Op, OpName};
use crate::validate::{check_body, check_body_len, CH_MAX};
use crate::wire::{byte, le_u16};

/// Watch type byte: IPv4 address or prefix.
pub const WATCH_IPV4: u8 = 1;
/// Watch type byte: IPv6 address or prefix.
pub const WATCH_IPV6: u8 = 2;
/// Watch type byte: domain name.
pub const WATCH_DNS: u8 = 3;
/// Watch type byte: whole channel.
pub const WATCH_CHANNEL: u8 = 4;
/// Watch type byte: undecodable messages.
pub const WATCH_ERRORS: u8 = 5;
/// Watch flag: IP prefix shorter than the address, or DNS `*.` wildcard.
pub const FLAG_WILD: u8 = 0x01;
/// Watch flag: RAD `(shared)`.
pub const FLAG_SHARED: u8 = 0x02;
/// Fixed part of a watch (type, prefix, flags, pad).
pub const WATCH_HDR_LEN: usize = 4;

/// What a watch matches. IP patterns keep the number of address bytes actually sent
/// (servers must accept short ones, spec §1.6.6), zero-padded to the full address.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum WatchPattern {
    /// IPv4: `len` (1..=4) bytes were on the wire.
    Ipv4 {
        /// Address bytes in network order, zero-padded.
        addr: [u8; 4],
        /// Pattern bytes on the wire.
        len: u8,
    },
    /// IPv6: `len` (1..=16) bytes were on the wire.
    Ipv6 {
        /// Address bytes in network order, zero-padded.
        addr: [u8; 16],
        /// Pattern bytes on the wire.
        len: u8,
    },
    /// A DNS wire-format name including its final 0 byte (case as sent; zero-copy slice of
    /// the frame when decoded).
    Dns(Bytes),
    /// A channel number (0..=4095).
    Channel(u16),
    /// Error watch: no pattern.
    Errors,
}

/// A watch as on the wire (WATCH body, or the tail of WATCH LIST).
///
/// Decoding accepts exactly what libaxa accepts: host bits beyond the prefix and upper-case
/// DNS names pass unchanged (spec §1.7, §16 item 4); the server decides what to do with
/// them (see [`Watch::normalized`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Watch {
    /// CIDR prefix length (IP watches; normally 0 otherwise, but kept as received).
    pub prefix: u8,
    /// [`FLAG_WILD`] | [`FLAG_SHARED`].
    pub flags: u8,
    /// The pattern.
    pub pattern: WatchPattern,
}

impl Watch {
    /// An IPv4 watch of `prefix` bits (1..=32), flagged WILD if shorter than 32, sending all
    /// 4 address bytes as the reference client does.
    pub fn ipv4(addr: Ipv4Addr, prefix: u8) -> Watch {
        Watch {
            prefix,
            flags: if prefix < 32 { FLAG_WILD } else { 0 },
            pattern: WatchPattern::Ipv4 {
                addr: addr.octets(),
                len: 4,
            },
        }
    }

    /// An IPv6 watch of `prefix` bits (1..=128), flagged WILD if shorter than 128.
    pub fn ipv6(addr: Ipv6Addr, prefix: u8) -> Watch {
        Watch {
            prefix,
            flags: if prefix < 128 { FLAG_WILD } else { 0 },
            pattern: WatchPattern::Ipv6 {
                addr: addr.octets(),
                len: 16,
            },
        }
    }

    /// A DNS watch on a wire-format name (must end with its 0 byte); `wild` = `*.` form.
    pub fn dns(wire_name: Bytes, wild: bool) -> Watch {
        Watch {
            prefix: 0,
            flags: if wild { FLAG_WILD } else { 0 },
            pattern: WatchPattern::Dns(wire_name),
        }
    }

    /// A channel watch.
    pub fn channel(ch: u16) -> Watch {
        Watch {
            prefix: 0,
            flags: 0,
            pattern: WatchPattern::Channel(ch),
        }
    }

    /// An error watch.
    pub fn errors() -> Watch {
        Watch {
            prefix: 0,
            flags: 0,
            pattern: WatchPattern::Errors,
        }
    }

    /// The type byte ([`WATCH_IPV4`] ...).
    pub fn watch_type(&self) -> u8 {
        match self.pattern {
            WatchPattern::Ipv4 { .. } => WATCH_IPV4,
            WatchPattern::Ipv6 { .. } => WATCH_IPV6,
            WatchPattern::Dns(_) => WATCH_DNS,
            WatchPattern::Channel(_) => WATCH_CHANNEL,
            WatchPattern::Errors => WATCH_ERRORS,
        }
    }

    /// The JSON `watch_type` word: `ipv4`, `ipv6`, `dns`, `channel`, `errors`.
    pub fn type_name(&self) -> &'static str {
        match self.pattern {
            WatchPattern::Ipv4 { .. } => "ipv4",
            WatchPattern::Ipv6 { .. } => "ipv6",
            WatchPattern::Dns(_) => "dns",
            WatchPattern::Channel(_) => "channel",
            WatchPattern::Errors => "errors",
        }
    }

    /// WILD flag set.
    pub fn is_wild(&self) -> bool {
        self.flags & FLAG_WILD != 0
    }

    /// SHARED flag set.
    pub fn is_shared(&self) -> bool {
        self.flags & FLAG_SHARED != 0
    }

    /// Check a watch's wire bytes (spec §1.7, libaxa `ck_watch`); `op` names the message
    /// (`WATCH` or `WATCH LIST`) in the error.
    pub fn check(op: Op, wire: &[u8]) -> Result<(), ProtoError> {
        check_watch(OpName(op.as_u8()), wire)
    }

    /// Decode a watch from its wire bytes (type, prefix, flags, pad, pattern), applying the
    /// WATCH rules. The DNS name is a zero-copy slice of `wire`.
    pub fn decode(wire: &Bytes) -> Result<Watch, ProtoError> {
        check_body_len(Op::Watch, wire.len())?;
        check_body(Op::Watch, wire)?;
        Ok(Watch::parse_checked(wire.clone()))
    }

    /// Build from bytes that passed [`check_watch`].
    pub(crate) fn parse_checked(wire: Bytes) -> Watch {
        let (kind, prefix, flags) = (byte(&wire, 0), byte(&wire, 1), byte(&wire, 2));
        let mut pat = wire;
        pat.advance(WATCH_HDR_LEN.min(pat.len()));
        let pattern = match kind {
            WATCH_IPV4 => {
                let mut addr = [0u8; 4];
                let n = pat.len().min(4);
                addr[..n].copy_from_slice(&pat[..n]);
                WatchPattern::Ipv4 { addr, len: n as u8 }
            }
            WATCH_IPV6 => {
                let mut addr = [0u8; 16];
                let n = pat.len().min(16);
                addr[..n].copy_from_slice(&pat[..n]);
                WatchPattern::Ipv6 { addr, len: n as u8 }
            }
            WATCH_DNS => WatchPattern::Dns(pat),
            WATCH_CHANNEL => WatchPattern::Channel(le_u16(&pat, 0)),
            _ => WatchPattern::Errors,
        };
        Watch {
            prefix,
            flags,
            pattern,
        }
    }

    /// Bytes [`Watch::encode`] writes.
    pub fn encoded_len(&self) -> usize {
        WATCH_HDR_LEN
            + match &self.pattern {
                WatchPattern::Ipv4 { len, .. } | WatchPattern::Ipv6 { len, .. } => *len as usize,
                WatchPattern::Dns(n) => n.len(),
                WatchPattern::Channel(_) => 2,
                WatchPattern::Errors => 0,
            }
    }

    /// Write the wire form: header 4 bytes + the used pattern length (spec §1.8).
    pub fn encode<B: BufMut>(&self, out: &mut B) {
        out.put_u8(self.watch_type());
        out.put_u8(self.prefix);
        out.put_u8(self.flags);
        out.put_u8(0);
        match &self.pattern {
            WatchPattern::Ipv4 { addr, len } => out.put_slice(&addr[..(*len as usize).min(4)]),
            WatchPattern::Ipv6 { addr, len } => out.put_slice(&addr[..(*len as usize).min(16)]),
            WatchPattern::Dns(n) => out.put_slice(n),
            WatchPattern::Channel(ch) => out.put_u16_le(*ch),
            WatchPattern::Errors => {}
        }
    }

    /// The form a server should index (spec §15 item 7, our choice): host bits beyond the
    /// prefix cleared, IP patterns padded to the full address, DNS names lower-cased
    /// (ASCII). Flags and prefix are unchanged.
    pub fn normalized(&self) -> Watch {
        let mut w = self.clone();
        match &mut w.pattern {
            WatchPattern::Ipv4 { addr, len } => {
                mask_bits(addr, self.prefix);
                *len = 4;
            }
            WatchPattern::Ipv6 { addr, len } => {
                mask_bits(addr, self.prefix);
                *len = 16;
            }
            WatchPattern::Dns(n) if n.iter().any(u8::is_ascii_uppercase) => {
                *n = Bytes::from(lower_wire_name(n));
            }
            _ => {}
        }
        w
    }
}

/// Lower-case the label bytes of a wire name (length bytes untouched).
fn lower_wire_name(n: &[u8]) -> Vec<u8> {
    let mut v = n.to_vec();
    let mut i = 0;
    while i < v.len() {
        let l = v[i] as usize;
        let end = (i + 1 + l).min(v.len());
        v[i + 1..end].make_ascii_lowercase();
        if l == 0 {
            break;
        }
        i = end;
    }
    v
}

/// Clear the bits of `addr` beyond `prefix`.
pub(crate) fn mask_bits(addr: &mut [u8], prefix: u8) {
    let bits = prefix as usize;
    for (i, b) in addr.iter_mut().enumerate() {
        let start = i * 8;
        if bits <= start {
            *b = 0;
        } else if bits < start + 8 {
            *b &= 0xFFu8 << (8 - (bits - start));
        }
    }
}

/// `ck_watch` of libaxa: the rules of spec §1.7 in order.
pub(crate) fn check_watch(op: OpName, w: &[u8]) -> Result<(), ProtoError> {
    let bad = |reason| Err(ProtoError::BadWatch { op, reason });
    let (kind, prefix, flags, pad) = (byte(w, 0), byte(w, 1), byte(w, 2), byte(w, 3));
    if w.len() < WATCH_HDR_LEN {
        // Cannot happen after the header check; report it like a bad type.
        return bad(WatchWireError::UnknownType(kind));
    }
    if pad != 0 {
        return bad(WatchWireError::BadPad(pad));
    }
    if flags & !(FLAG_WILD | FLAG_SHARED) != 0 {
        return bad(WatchWireError::BadFlags(flags));
    }
    let pat = &w[WATCH_HDR_LEN..];
    let plen = pat.len();
    let prefix_ok = |full| prefix != 0 && (prefix as usize).div_ceil(8) <= plen && plen <= full;
    match kind {
        WATCH_IPV4 | WATCH_IPV6 => {
            let full = if kind == WATCH_IPV4 { 4 } else { 16 };
            if plen == 0 || plen > full {
                return bad(if kind == WATCH_IPV4 {
                    WatchWireError::BadIpv4Length(w.len())
                } else {
                    WatchWireError::BadIpv6Length(w.len())
                });
            }
            if !prefix_ok(full) {
                return bad(WatchWireError::BadPrefix {
                    prefix,
                    addr_len: plen,
                });
            }
            Ok(())
        }
        WATCH_DNS => {
            if plen == 0 || plen > 255 {
                return bad(WatchWireError::BadDnsLength(w.len()));
            }
            let mut i = 0usize;
            while i < plen && pat[i] != 0 {
                i += 1 + pat[i] as usize;
            }
            if i + 1 != plen {
                return bad(WatchWireError::BadDnsLabels);
            }
            Ok(())
        }
        WATCH_CHANNEL => {
            if plen != 2 {
                return bad(WatchWireError::BadChannelLength(w.len()));
            }
            let ch = le_u16(pat, 0);
            if ch > CH_MAX {
                return bad(WatchWireError::InvalidChannel(ch));
            }
            Ok(())
        }
        WATCH_ERRORS => {
            if plen != 0 {
                return bad(WatchWireError::BadErrorsLength(w.len()));
            }
            Ok(())
        }
        _ => bad(WatchWireError::UnknownType(kind)),
    }
}

/// WATCH LIST (op 6): one watch of the session, with its tag.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Wlist {
    /// Tag of the listed watch.
    pub cur_tag: u16,
    /// The watch.
    pub watch: Watch,
}

impl Wlist {
    /// Decode a WATCH LIST body (length and watch rules checked).
    pub fn decode(body: &Bytes) -> Result<Wlist, ProtoError> {
        check_body_len(Op::Wlist, body.len())?;
        check_body(Op::Wlist, body)?;
        Ok(Wlist::parse_checked(body.clone()))
    }

    pub(crate) fn parse_checked(mut body: Bytes) -> Wlist {
        let cur_tag = le_u16(&body, 0);
        body.advance(4.min(body.len()));
        Wlist {
            cur_tag,
            watch: Watch::parse_checked(body),
        }
    }

    /// Bytes [`Wlist::encode`] writes (4 + watch).
    pub fn encoded_len(&self) -> usize {
        4 + self.watch.encoded_len()
    }

    /// Write the body.
    pub fn encode<B: BufMut>(&self, out: &mut B) {
        out.put_u16_le(self.cur_tag);
        out.put_u16_le(0);
        self.watch.encode(out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(w: &[u8]) -> String {
        Watch::check(Op::Watch, w).unwrap_err().to_string()
    }

    #[test]
    fn rule_texts() {
        assert_eq!(err(&[4, 0, 0, 1, 0xdd, 0]), "WATCH bad watch byte 0x1");
        assert_eq!(err(&[4, 0, 4, 0, 0xdd, 0]), "WATCH bad watch flags 0x4");
        assert_eq!(err(&[1, 24, 0, 0]), "WATCH bad IPv4 length 4");
        assert_eq!(
            err(&[1, 24, 0, 0, 1, 2, 3, 4, 5]),
            "WATCH bad IPv4 length 9"
        );
        assert_eq!(
            err(&[1, 0, 0, 0, 1, 2, 3, 4]),
            "WATCH bad prefix length 0 for address length 4"
        );
        assert_eq!(
            err(&[1, 16, 0, 0, 10]),
            "WATCH bad prefix length 16 for address length 1"
        );
        assert_eq!(
            err(&[1, 33, 0, 0, 1, 2, 3, 4]),
            "WATCH bad prefix length 33 for address length 4"
        );
        assert_eq!(err(&[2, 8, 0, 0]), "WATCH bad IPv6 length 4");
        assert_eq!(err(&[3, 0, 0, 0]), "WATCH bad dns length 4");
        assert_eq!(err(&[3, 0, 0, 0, 1, b'a']), "WATCH bad dns label lengths");
        assert_eq!(
            err(&[3, 0, 0, 0, 1, b'a', 0, 0]),
            "WATCH bad dns label lengths"
        );
        assert_eq!(err(&[4, 0, 0, 0, 1]), "WATCH bad channel watch length 5");
        assert_eq!(
            err(&[4, 0, 0, 0, 0xff, 0xff]),
            "WATCH ch65535 is an invalid channel"
        );
        assert_eq!(err(&[5, 0, 0, 0, 0]), "WATCH bad error watch length 5");
        assert_eq!(err(&[0, 0, 0, 0]), "WATCH unknown watch type 0");
        assert_eq!(
            Watch::check(Op::Wlist, &[6, 0, 0, 0])
                .unwrap_err()
                .to_string(),
            "WATCH LIST unknown watch type 6"
        );
    }

    #[test]
    fn normalize_masks_and_lowercases() {
        let w = Watch::decode(&Bytes::from_static(&[1, 8, 1, 0, 10, 1, 2, 3])).unwrap();
        assert_eq!(
            w.normalized().pattern,
            WatchPattern::Ipv4 {
                addr: [10, 0, 0, 0],
                len: 4
            }
        );
        let w = Watch::decode(&Bytes::from_static(&[2, 20, 1, 0, 0x20, 0x01, 0x0d, 0xbf])).unwrap();
        let WatchPattern::Ipv6 { addr, len } = w.normalized().pattern else {
            panic!()
        };
        assert_eq!((&addr[..4], len), (&[0x20, 0x01, 0x00, 0x00][..], 16));
        let w = Watch::decode(&Bytes::from_static(b"\x03\0\0\0\x03FSI\x02Io\0")).unwrap();
        assert_eq!(
            w.normalized().pattern,
            WatchPattern::Dns(Bytes::from_static(b"\x03fsi\x02io\0"))
        );
    }
}
