//! A reader of classic pcap files (not pcapng): the global header in either byte order, micro-
//! or nanosecond timestamps, and the link layers that carry IP: RAW (101, and 12/14 as some
//! systems number DLT_RAW), Ethernet (1, with up to four 802.1Q/802.1ad VLAN tags), Linux
//! cooked capture v1 (113) and v2 (276), and BSD loopback (0).
//!
//! Records are bounded ([`MAX_RECORD`]); records that carry something other than IPv4/IPv6
//! (ARP, a truncated link header ...) are skipped and counted. Packet bytes are cut from one
//! reusable buffer, so reading allocates about once per 64 KiB of packets, not per packet.

use std::io::{self, ErrorKind, Read};

use bytes::BytesMut;

use super::Packet;

/// The largest record accepted (bytes captured per packet).
pub const MAX_RECORD: usize = 262_144;

const CHUNK: usize = 64 * 1024;

/// Why a pcap file cannot be read (further).
#[derive(Debug, thiserror::Error)]
pub enum PcapError {
    /// The file does not start with a pcap magic number.
    #[error("not a pcap file (magic {0:#010x}); pcapng is not supported")]
    BadMagic(u32),
    /// A link type this reader does not handle.
    #[error("unsupported link type {0}")]
    LinkType(u32),
    /// A record longer than [`MAX_RECORD`].
    #[error("pcap record of {0} bytes is too long")]
    RecordTooLong(usize),
    /// The file ends inside a header or record.
    #[error("truncated pcap file")]
    Truncated,
    /// Reading failed.
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// What one record became.
#[derive(Debug)]
pub enum Record {
    /// An IP datagram.
    Ip(Packet),
    /// A frame that carries no IP datagram (skipped).
    NotIp,
}

/// Reads records from a classic pcap stream.
#[derive(Debug)]
pub struct PcapReader<R> {
    inner: R,
    swapped: bool,
    nanos: bool,
    link: u32,
    buf: BytesMut,
}

fn read_full<R: Read>(r: &mut R, out: &mut [u8]) -> Result<bool, PcapError> {
    let mut got = 0;
    while got < out.len() {
        match r.read(&mut out[got..]) {
            Ok(0) if got == 0 => return Ok(false),
            Ok(0) => return Err(PcapError::Truncated),
            Ok(n) => got += n,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(true)
}

impl<R: Read> PcapReader<R> {
    /// Reads and checks the global header.
    pub fn new(mut inner: R) -> Result<PcapReader<R>, PcapError> {
        let mut h = [0u8; 24];
        if !read_full(&mut inner, &mut h)? {
            return Err(PcapError::Truncated);
        }
        let magic = u32::from_le_bytes([h[0], h[1], h[2], h[3]]);
        let (swapped, nanos) = match magic {
            0xa1b2_c3d4 => (false, false),
            0xa1b2_3c4d => (false, true),
            0xd4c3_b2a1 => (true, false),
            0x4d3c_b2a1 => (true, true),
            m => return Err(PcapError::BadMagic(m)),
        };
        let mut r = PcapReader {
            inner,
            swapped,
            nanos,
            link: 0,
            buf: BytesMut::new(),
        };
        // The link type's high 16 bits may hold FCS information (pcap-linktype(7)).
        r.link = r.u32(&h[20..24]) & 0xffff;
        if !matches!(r.link, 0 | 1 | 12 | 14 | 101 | 113 | 276) {
            return Err(PcapError::LinkType(r.link));
        }
        Ok(r)
    }

    /// The link type of the file.
    pub fn link_type(&self) -> u32 {
        self.link
    }

    fn u32(&self, b: &[u8]) -> u32 {
        let a = [b[0], b[1], b[2], b[3]];
        if self.swapped {
            u32::from_be_bytes(a)
        } else {
            u32::from_le_bytes(a)
        }
    }

    /// The next record, `None` at the end of the file. An error ends the file: a pcap stream
    /// has no way to resynchronise.
    pub fn next_record(&mut self) -> Option<Result<Record, PcapError>> {
        let mut h = [0u8; 16];
        match read_full(&mut self.inner, &mut h) {
            Ok(false) => return None,
            Ok(true) => {}
            Err(e) => return Some(Err(e)),
        }
        let (sec, frac) = (self.u32(&h[0..4]), self.u32(&h[4..8]));
        let (incl, orig) = (self.u32(&h[8..12]) as usize, self.u32(&h[12..16]));
        if incl > MAX_RECORD {
            return Some(Err(PcapError::RecordTooLong(incl)));
        }
        if self.buf.capacity() < incl {
            self.buf.reserve(incl.max(CHUNK));
        }
        self.buf.resize(incl, 0);
        match read_full(&mut self.inner, &mut self.buf) {
            Ok(true) => {}
            Ok(false) if incl == 0 => {}
            Ok(false) => return Some(Err(PcapError::Truncated)),
            Err(e) => return Some(Err(e)),
        }
        let frame = self.buf.split().freeze();
        let Some(off) = ip_offset(self.link, &frame) else {
            return Some(Ok(Record::NotIp));
        };
        Some(Ok(Record::Ip(Packet {
            data: frame.slice(off..),
            tv_sec: sec,
            tv_usec: if self.nanos { frac / 1000 } else { frac },
            orig_len: orig.saturating_sub(off as u32),
        })))
    }
}

fn is_ip_version(b: &[u8], off: usize) -> Option<usize> {
    matches!(b.get(off)? >> 4, 4 | 6).then_some(off)
}

/// Where the IP datagram starts in a frame of link type `link`, if it carries one.
pub fn ip_offset(link: u32, f: &[u8]) -> Option<usize> {
    let be16 = |o: usize| Some(u16::from_be_bytes([*f.get(o)?, *f.get(o + 1)?]));
    let ip_type = |t: u16| t == 0x0800 || t == 0x86dd;
    match link {
        12 | 14 | 101 => is_ip_version(f, 0),
        1 => {
            let mut off = 12;
            let mut ty = be16(off)?;
            for _ in 0..4 {
                if ty != 0x8100 && ty != 0x88a8 && ty != 0x9100 {
                    break;
                }
                off += 4;
                ty = be16(off)?;
            }
            ip_type(ty).then_some(())?;
            is_ip_version(f, off + 2)
        }
        113 => {
            ip_type(be16(14)?).then_some(())?;
            is_ip_version(f, 16)
        }
        276 => {
            ip_type(be16(0)?).then_some(())?;
            is_ip_version(f, 20)
        }
        0 => {
            // The address family in the capturing host's byte order: 2 = IPv4, 24/28/30 = IPv6.
            let fam = u32::from_le_bytes([*f.first()?, *f.get(1)?, *f.get(2)?, *f.get(3)?]);
            let fam = if fam > 0xffff { fam.swap_bytes() } else { fam };
            matches!(fam, 2 | 24 | 28 | 30).then_some(())?;
            is_ip_version(f, 4)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_layers() {
        let v4 = [0x45u8, 0, 0, 20];
        assert_eq!(ip_offset(101, &v4), Some(0));
        let mut eth = vec![0u8; 12];
        eth.extend_from_slice(&[0x81, 0x00, 0, 5, 0x86, 0xdd, 0x60, 0]);
        assert_eq!(ip_offset(1, &eth), Some(18));
        let mut arp = vec![0u8; 12];
        arp.extend_from_slice(&[0x08, 0x06, 0, 1]);
        assert_eq!(ip_offset(1, &arp), None);
        let mut sll = vec![0u8; 14];
        sll.extend_from_slice(&[0x08, 0x00, 0x45]);
        assert_eq!(ip_offset(113, &sll), Some(16));
        assert_eq!(ip_offset(0, &[2, 0, 0, 0, 0x45]), Some(4));
        assert_eq!(ip_offset(101, &[0x15]), None);
        assert_eq!(ip_offset(1, &[0; 5]), None);
    }

    #[test]
    fn bad_headers() {
        assert!(matches!(
            PcapReader::new(&b"\x0a\x0d\x0d\x0a"[..]),
            Err(PcapError::Truncated)
        ));
        let mut h = [0u8; 24];
        h[..4].copy_from_slice(&0x0a0d_0d0au32.to_le_bytes());
        assert!(matches!(
            PcapReader::new(&h[..]),
            Err(PcapError::BadMagic(_))
        ));
        h[..4].copy_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
        h[20..24].copy_from_slice(&105u32.to_le_bytes());
        assert!(matches!(
            PcapReader::new(&h[..]),
            Err(PcapError::LinkType(105))
        ));
        h[20..24].copy_from_slice(&101u32.to_le_bytes());
        let mut f = h.to_vec();
        f.extend_from_slice(&[0; 8]);
        f.extend_from_slice(&1_000_000u32.to_le_bytes());
        f.extend_from_slice(&[0; 4]);
        let mut r = PcapReader::new(&f[..]).unwrap();
        assert!(matches!(
            r.next_record(),
            Some(Err(PcapError::RecordTooLong(1_000_000)))
        ));
    }
}
