//! Domain names and addresses inside rdata.
//!
//! The rrtypes whose rdata holds domain names, and where (the set libaxa's `dns_walk.c` walks,
//! plus MD, MF, KX and NAPTR):
//!
//! | rrtype | layout (names in **bold**) |
//! |---|---|
//! | NS 2, MD 3, MF 4, CNAME 5, MB 7, MG 8, MR 9, PTR 12, DNAME 39 | **name** |
//! | SOA 6 | **mname** **rname**, 5 × u32 |
//! | MINFO 14, RP 17 | **name** **name** |
//! | MX 15, AFSDB 18, RT 21, KX 36 | u16, **name** |
//! | PX 26 | u16, **name** **name** |
//! | SRV 33 | 3 × u16, **target** |
//! | NAPTR 35 | 2 × u16, 3 character-strings, **replacement** |
//!
//! Deliberately not walked (a choice; libaxa does not walk them either): the RRSIG signer name
//! and the NSEC next-owner name. The signer is the zone apex, so an exact watch on a zone would
//! hit every signed RRset of that zone; the NSEC next name is a neighbour that was not asked
//! for. SVCB/HTTPS targets are not walked either.
//!
//! Inside a whole DNS message, rdata names may be compressed and point anywhere before them in
//! the message ([`RdataRef::in_message`]). In NMSG `rdata` fields they are uncompressed
//! ([`RdataRef::standalone`]) and a pointer is an error.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::ops::ControlFlow;

use super::{
    name::{read_name, read_name_lower, read_uncompressed, read_uncompressed_lower},
    DnsError, NameBuf, CLASS_IN, TYPE_A, TYPE_AAAA,
};

/// Where an rdata lives: inside a DNS message (names may be compressed) or on its own.
#[derive(Debug, Clone, Copy)]
pub struct RdataRef<'a> {
    buf: &'a [u8],
    start: usize,
    end: usize,
    compressed: bool,
}

impl<'a> RdataRef<'a> {
    /// The `len` bytes at `offset` of the DNS message `msg`; names in them are decompressed
    /// against `msg`. An out-of-range span is clamped to the message (and then reads as
    /// truncated).
    pub fn in_message(msg: &'a [u8], offset: usize, len: usize) -> Self {
        let start = offset.min(msg.len());
        let end = offset.saturating_add(len).min(msg.len());
        RdataRef {
            buf: msg,
            start,
            end,
            compressed: true,
        }
    }

    /// Standalone rdata with uncompressed names, as NMSG `rdata` fields hold.
    pub fn standalone(rdata: &'a [u8]) -> Self {
        RdataRef {
            buf: rdata,
            start: 0,
            end: rdata.len(),
            compressed: false,
        }
    }

    /// The rdata bytes.
    pub fn bytes(&self) -> &'a [u8] {
        &self.buf[self.start..self.end]
    }
}

#[derive(Clone, Copy)]
enum Step {
    Skip(usize),
    Name,
    CharString,
}

use Step::{CharString as S, Name as N, Skip};

/// The layout of the rdata of `rtype` up to its last name, or `None` for rrtypes without names.
fn layout(rtype: u16) -> Option<&'static [Step]> {
    Some(match rtype {
        2 | 3 | 4 | 5 | 7 | 8 | 9 | 12 | 39 => &[N],
        6 | 14 | 17 => &[N, N],
        15 | 18 | 21 | 36 => &[Skip(2), N],
        26 => &[Skip(2), N, N],
        33 => &[Skip(6), N],
        35 => &[Skip(4), S, S, S, N],
        _ => return None,
    })
}

/// Whether rdata of `rtype` holds domain names that [`rdata_names`] extracts.
pub fn rtype_has_names(rtype: u16) -> bool {
    layout(rtype).is_some()
}

/// Calls `f` with each domain name inside the rdata of type `rtype` (see the module table), in
/// rdata order, decompressed into `buf` (case kept). Returns `Ok(ControlFlow::Break(()))` when
/// `f` asked to stop, `Ok(ControlFlow::Continue(()))` when every name was visited (or the type
/// holds none), and an error when the rdata is malformed; names before the error have been
/// visited. Bytes after the last name are not checked.
pub fn rdata_names<F>(
    rtype: u16,
    rdata: RdataRef<'_>,
    buf: &mut NameBuf,
    f: F,
) -> Result<ControlFlow<()>, DnsError>
where
    F: FnMut(&mut NameBuf) -> ControlFlow<()>,
{
    names::<F, false>(rtype, rdata, buf, f)
}

/// [`rdata_names`], each name lower-cased as it is copied.
pub(crate) fn rdata_names_lower<F>(
    rtype: u16,
    rdata: RdataRef<'_>,
    buf: &mut NameBuf,
    f: F,
) -> Result<ControlFlow<()>, DnsError>
where
    F: FnMut(&mut NameBuf) -> ControlFlow<()>,
{
    names::<F, true>(rtype, rdata, buf, f)
}

fn names<F, const LOWER: bool>(
    rtype: u16,
    rdata: RdataRef<'_>,
    buf: &mut NameBuf,
    mut f: F,
) -> Result<ControlFlow<()>, DnsError>
where
    F: FnMut(&mut NameBuf) -> ControlFlow<()>,
{
    let Some(steps) = layout(rtype) else {
        return Ok(ControlFlow::Continue(()));
    };
    let mut pos = rdata.start;
    for step in steps {
        match *step {
            Skip(n) => pos += n,
            S => {
                if pos >= rdata.end {
                    return Err(DnsError::RdataOverrun);
                }
                pos += 1 + usize::from(rdata.buf[pos]);
            }
            N => {
                if pos >= rdata.end {
                    return Err(DnsError::RdataOverrun);
                }
                let n = match (rdata.compressed, LOWER) {
                    (true, false) => read_name(rdata.buf, pos, buf)?,
                    (true, true) => read_name_lower(rdata.buf, pos, buf)?,
                    (false, false) => read_uncompressed(rdata.buf, pos, buf)?,
                    (false, true) => read_uncompressed_lower(rdata.buf, pos, buf)?,
                };
                pos += n;
                if pos > rdata.end {
                    buf.clear();
                    return Err(DnsError::RdataOverrun);
                }
                if f(buf).is_break() {
                    return Ok(ControlFlow::Break(()));
                }
            }
        }
        if pos > rdata.end {
            return Err(DnsError::RdataOverrun);
        }
    }
    Ok(ControlFlow::Continue(()))
}

/// The address in an A (4 bytes) or AAAA (16 bytes) rdata of class IN; `None` for other types
/// and classes, or when the length is wrong.
pub fn rdata_address(rtype: u16, rclass: u16, rdata: &[u8]) -> Option<IpAddr> {
    if rclass != CLASS_IN {
        return None;
    }
    match rtype {
        TYPE_A => {
            let b: [u8; 4] = rdata.try_into().ok()?;
            Some(IpAddr::V4(Ipv4Addr::from(b)))
        }
        TYPE_AAAA => {
            let b: [u8; 16] = rdata.try_into().ok()?;
            Some(IpAddr::V6(Ipv6Addr::from(b)))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(rtype: u16, r: RdataRef<'_>) -> Result<Vec<Vec<u8>>, DnsError> {
        let mut v = Vec::new();
        let mut buf = NameBuf::new();
        let flow = rdata_names(rtype, r, &mut buf, |n| {
            v.push(n.as_wire().to_vec());
            ControlFlow::Continue(())
        })?;
        assert!(flow.is_continue());
        Ok(v)
    }

    #[test]
    fn standalone() {
        let ns = b"\x04dns1\x03com\x00";
        assert_eq!(
            names(2, RdataRef::standalone(ns)).unwrap(),
            vec![ns.to_vec()]
        );
        let mut mx = vec![0, 10];
        mx.extend_from_slice(ns);
        assert_eq!(
            names(15, RdataRef::standalone(&mx)).unwrap(),
            vec![ns.to_vec()]
        );
        let mut soa = ns.to_vec();
        soa.extend_from_slice(b"\x01h\x00");
        soa.extend_from_slice(&[0; 20]);
        assert_eq!(names(6, RdataRef::standalone(&soa)).unwrap().len(), 2);
        let mut naptr = vec![0, 1, 0, 2, 1, b'u', 0, 2, b'a', b'b'];
        naptr.extend_from_slice(ns);
        assert_eq!(
            names(35, RdataRef::standalone(&naptr)).unwrap(),
            vec![ns.to_vec()]
        );
        assert_eq!(
            names(2, RdataRef::standalone(b"\xc0\x00")),
            Err(DnsError::Compressed)
        );
        assert_eq!(
            names(15, RdataRef::standalone(&[0, 1])),
            Err(DnsError::RdataOverrun)
        );
        assert!(names(1, RdataRef::standalone(&[1, 2, 3, 4]))
            .unwrap()
            .is_empty());
    }

    #[test]
    fn in_message_pointer_outside_rdata() {
        // "\x03com\x00" at 0; rdata at 5 = "\x02ns" + pointer to 0.
        let msg = b"\x03com\x00\x02ns\xc0\x00";
        let got = names(2, RdataRef::in_message(msg, 5, 5)).unwrap();
        assert_eq!(got, vec![b"\x02ns\x03com\x00".to_vec()]);
        // rdlength too short for the name.
        assert_eq!(
            names(2, RdataRef::in_message(msg, 5, 4)),
            Err(DnsError::RdataOverrun)
        );
    }

    #[test]
    fn addresses() {
        assert_eq!(
            rdata_address(1, 1, &[1, 2, 3, 4]),
            Some(IpAddr::V4(Ipv4Addr::new(1, 2, 3, 4)))
        );
        assert_eq!(rdata_address(1, 3, &[1, 2, 3, 4]), None);
        assert_eq!(rdata_address(1, 1, &[1, 2, 3]), None);
        assert!(rdata_address(28, 1, &[0; 16]).is_some());
    }
}
