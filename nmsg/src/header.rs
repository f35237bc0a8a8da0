//! The fixed container header (spec §1.1): magic `NMSG`, flags, version, big-endian length.

use bytes::BufMut;

use crate::error::{Error, Result};

/// The four magic bytes every container starts with.
pub const MAGIC: [u8; 4] = *b"NMSG";
/// The size of a version-2 header (`NMSG_HDRLSZ_V2`).
pub const HEADER_LEN: usize = 10;
/// The size of a legacy version-1 header (magic, version word, 2-byte length).
pub const V1_HEADER_LEN: usize = 8;
/// Flag bit: the body is zlib-compressed (4-byte big-endian length + zlib stream).
pub const FLAG_ZLIB: u8 = 0x01;
/// Flag bit: the body is an `NmsgFragment`.
pub const FLAG_FRAGMENT: u8 = 0x02;
/// The protocol version written (`NMSG_PROTOCOL_VERSION`).
pub const VERSION: u8 = 2;

/// A parsed container header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// [`FLAG_ZLIB`] and/or [`FLAG_FRAGMENT`]; other bits are ignored, as libnmsg does.
    pub flags: u8,
    /// 2, or 1 for a legacy file header.
    pub version: u8,
    /// The number of body bytes after the header.
    pub len: u32,
}

impl Header {
    /// A version-2 header.
    pub fn new(flags: u8, len: u32) -> Header {
        Header {
            flags,
            version: VERSION,
            len,
        }
    }

    /// Parses the header at the front of `buf`. Version 1 (legacy files: no flags, 2-byte
    /// length) is accepted only when `allow_v1` is set. Returns [`Error::Truncated`] when `buf`
    /// is shorter than the header, and [`Error::TooLong`] when the length is above `max_len`.
    pub fn parse(buf: &[u8], allow_v1: bool, max_len: usize) -> Result<Header> {
        if buf.len() < 6 {
            return Err(Error::Truncated {
                need: HEADER_LEN,
                have: buf.len(),
            });
        }
        if buf[..4] != MAGIC {
            return Err(Error::BadMagic);
        }
        let (flags, version) = (buf[4], buf[5]);
        let h = match version {
            VERSION => {
                let Some(l) = buf.get(6..10) else {
                    return Err(Error::Truncated {
                        need: HEADER_LEN,
                        have: buf.len(),
                    });
                };
                Header::new(flags, u32::from_be_bytes([l[0], l[1], l[2], l[3]]))
            }
            1 if allow_v1 && flags == 0 => {
                let Some(l) = buf.get(6..8) else {
                    return Err(Error::Truncated {
                        need: V1_HEADER_LEN,
                        have: buf.len(),
                    });
                };
                Header {
                    flags: 0,
                    version: 1,
                    len: u32::from(u16::from_be_bytes([l[0], l[1]])),
                }
            }
            v => return Err(Error::BadVersion(v)),
        };
        if h.len as usize > max_len {
            return Err(Error::TooLong {
                len: h.len as usize,
                max: max_len,
            });
        }
        Ok(h)
    }

    /// The size of this header on the wire (10, or 8 for version 1).
    pub fn header_len(&self) -> usize {
        if self.version == 1 {
            V1_HEADER_LEN
        } else {
            HEADER_LEN
        }
    }

    /// Header plus body size.
    pub fn frame_len(&self) -> usize {
        self.header_len() + self.len as usize
    }

    /// True when the body is zlib-compressed.
    pub fn is_zlib(&self) -> bool {
        self.flags & FLAG_ZLIB != 0
    }

    /// True when the body is a fragment.
    pub fn is_fragment(&self) -> bool {
        self.flags & FLAG_FRAGMENT != 0
    }

    /// Writes a version-2 header (always version 2: this crate never emits version 1).
    pub fn write<B: BufMut>(&self, out: &mut B) {
        out.put_slice(&MAGIC);
        out.put_u8(self.flags);
        out.put_u8(VERSION);
        out.put_u32(self.len);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_write() {
        let raw = [0x4e, 0x4d, 0x53, 0x47, 0x01, 0x02, 0x00, 0x00, 0x01, 0xe5];
        let h = Header::parse(&raw, false, 1 << 20).unwrap();
        assert_eq!(h, Header::new(FLAG_ZLIB, 485));
        assert!(h.is_zlib() && !h.is_fragment());
        let mut out = Vec::new();
        h.write(&mut out);
        assert_eq!(out, raw);
    }

    #[test]
    fn errors() {
        assert!(matches!(
            Header::parse(b"NMSG\x00\x02\x00", false, 10),
            Err(Error::Truncated { .. })
        ));
        assert!(matches!(
            Header::parse(b"\x00\x00\x02\x9cx\x9c....", false, 10),
            Err(Error::BadMagic)
        ));
        assert!(matches!(
            Header::parse(b"NMSG\x00\x03\x00\x00\x00\x01", false, 10),
            Err(Error::BadVersion(3))
        ));
        assert!(matches!(
            Header::parse(b"NMSG\x00\x02\x00\x00\x00\x0b", false, 10),
            Err(Error::TooLong { len: 11, max: 10 })
        ));
        assert!(matches!(
            Header::parse(b"NMSG\x00\x01\x00\x05", false, 10),
            Err(Error::BadVersion(1))
        ));
        let v1 = Header::parse(b"NMSG\x00\x01\x00\x05", true, 10).unwrap();
        assert_eq!((v1.version, v1.len, v1.frame_len()), (1, 5, 13));
    }
}
