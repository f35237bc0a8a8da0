//! The zlib body (flag 0x01, spec §1.4): a 4-byte big-endian uncompressed length, then a zlib
//! (RFC 1950) stream. Inflation is bounded by the declared and by the actual size.

use std::io::{Read, Write};

use bytes::Bytes;
use flate2::{read::ZlibDecoder, write::ZlibEncoder, Compression};

use crate::error::{Error, Result};

/// Compresses `body` into `out` (length prefix + zlib stream at the default level, as
/// `nmsgtool -z` writes).
pub fn compress(body: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(&(body.len() as u32).to_be_bytes());
    let mut enc = ZlibEncoder::new(out, Compression::default());
    // Writing into a Vec cannot fail.
    let _ = enc.write_all(body);
    let _ = enc.finish();
}

/// Inflates a compressed body. Refuses a declared length above `max`, stops inflating past
/// `max` bytes, and requires the inflated size to equal the declared one (as libnmsg does).
pub fn inflate(data: &[u8], max: usize) -> Result<Bytes> {
    let Some((prefix, stream)) = data.split_first_chunk::<4>() else {
        return Err(Error::Truncated {
            need: 4,
            have: data.len(),
        });
    };
    let declared = u32::from_be_bytes(*prefix) as usize;
    if declared > max {
        return Err(Error::InflateTooLarge { max });
    }
    let mut out = Vec::with_capacity(declared);
    ZlibDecoder::new(stream)
        .take(declared as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| Error::Zlib(e.to_string()))?;
    if out.len() != declared {
        return Err(Error::InflateSizeMismatch {
            declared,
            actual: out.len(),
        });
    }
    Ok(Bytes::from(out))
}

/// True when `data` looks like a compressed body without its NMSG header (libnmsg's
/// headerless-datagram defect, spec §1.8): a length prefix within `max`, then a valid zlib
/// header (deflate method, window ≤ 32 KiB, header checksum).
pub fn looks_compressed(data: &[u8], max: usize) -> bool {
    match data {
        [a, b, c, d, cmf, flg, ..] => {
            u32::from_be_bytes([*a, *b, *c, *d]) as usize <= max
                && cmf & 0x0f == 8
                && cmf >> 4 <= 7
                && (u16::from(*cmf) << 8 | u16::from(*flg)) % 31 == 0
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_bounds() {
        let body = vec![7u8; 5000];
        let mut z = Vec::new();
        compress(&body, &mut z);
        assert_eq!(&z[..6], &[0, 0, 0x13, 0x88, 0x78, 0x9c]);
        assert!(looks_compressed(&z, 1 << 20));
        assert_eq!(&inflate(&z, 1 << 20).unwrap()[..], &body[..]);
        assert!(matches!(
            inflate(&z, 4999),
            Err(Error::InflateTooLarge { max: 4999 })
        ));
        // Declared smaller than the stream: the cap stops inflation.
        let mut lie = z.clone();
        lie[..4].copy_from_slice(&100u32.to_be_bytes());
        assert!(matches!(
            inflate(&lie, 1 << 20),
            Err(Error::InflateSizeMismatch {
                declared: 100,
                actual: 101
            })
        ));
        // Declared larger than the stream.
        lie[..4].copy_from_slice(&6000u32.to_be_bytes());
        assert!(matches!(
            inflate(&lie, 1 << 20),
            Err(Error::InflateSizeMismatch {
                declared: 6000,
                actual: 5000
            })
        ));
        // Corrupt and truncated streams.
        assert!(inflate(&z[..20], 1 << 20).is_err());
        assert!(inflate(&[0, 0], 10).is_err());
        assert!(!looks_compressed(b"NMSG\x00\x02", 1 << 20));
    }
}
