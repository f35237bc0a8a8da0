//! The zlib body (flag 0x01, spec §1.4): a 4-byte big-endian uncompressed length, then a zlib
//! (RFC 1950) stream. Inflation is bounded by the declared and by the actual size.

use std::io::{self, Read};

use bytes::Bytes;
use flate2::{read::ZlibDecoder, Compress, Compression, FlushCompress, Status};

use crate::error::{Error, Result};

/// Compresses `body` into `out` (length prefix + zlib stream at the default level, as
/// `nmsgtool -z` writes). Makes a compressor for this call: writers keep a [`Compressor`].
pub fn compress(body: &[u8], out: &mut Vec<u8>) {
    // Compressing into a Vec with room to grow does not fail.
    let _ = Compressor::new().compress(body, out);
}

/// A zlib compressor kept across containers: its state (a few hundred KiB) is made once and
/// reset for each body, instead of being allocated and initialised per container.
#[derive(Debug)]
pub struct Compressor(Compress);

impl Default for Compressor {
    fn default() -> Self {
        Compressor::new()
    }
}

impl Compressor {
    /// A compressor at the default level with the zlib wrapper (what `nmsgtool -z` writes).
    pub fn new() -> Compressor {
        Compressor(Compress::new(Compression::default(), true))
    }

    /// A compressor at `level` (0 = store, 1 = fastest ..= 9 = smallest; above 9 is 9).
    pub fn with_level(level: u32) -> Compressor {
        Compressor(Compress::new(Compression::new(level.min(9)), true))
    }

    /// The level a [`Writer`](crate::writer::Writer) uses for containers of `size` bytes:
    /// the fastest level (1) for datagram-sized containers up to
    /// [`SIZE_JUMBO`](crate::writer::SIZE_JUMBO), the default (6, as libnmsg) above.
    ///
    /// Our choice, measured with `cargo run --release -p sra-client --example zlib_levels`:
    /// for a 1280-byte container, level 6 costs 12-22 µs (most of it building Huffman trees
    /// for a tiny stream) and level 1 4-5 µs, for 3-6 % more bytes. Any zlib reader inflates
    /// both.
    pub fn level_for(size: usize) -> u32 {
        if size <= crate::writer::SIZE_JUMBO {
            1
        } else {
            Compression::default().level()
        }
    }

    /// Appends the compressed form of `body` to `out`: the 4-byte big-endian length, then one
    /// complete zlib stream. The bytes equal [`compress`]'s.
    pub fn compress(&mut self, body: &[u8], out: &mut Vec<u8>) -> io::Result<()> {
        let len = u32::try_from(body.len())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "zlib: body over 4 GiB"))?;
        out.extend_from_slice(&len.to_be_bytes());
        self.0.reset();
        // Room for incompressible data (deflate's stored blocks) in one go, usually.
        out.reserve(body.len() + body.len() / 1000 + 64);
        loop {
            let done = usize::try_from(self.0.total_in()).unwrap_or(usize::MAX);
            let rest = body.get(done..).unwrap_or_default();
            match self.0.compress_vec(rest, out, FlushCompress::Finish) {
                Ok(Status::StreamEnd) => return Ok(()),
                Ok(Status::Ok | Status::BufError) => out.reserve(out.capacity().max(4096)),
                Err(e) => return Err(io::Error::other(e)),
            }
        }
    }
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

    #[test]
    fn reused_compressor_writes_the_same_bytes() {
        let mut c = Compressor::new();
        let bodies: [Vec<u8>; 4] = [
            vec![7u8; 5000],
            (0..200_000u32)
                .flat_map(|i| i.wrapping_mul(2_654_435_761).to_le_bytes())
                .collect(),
            Vec::new(),
            b"NMSG NMSG NMSG".repeat(100),
        ];
        for body in &bodies {
            let mut fresh = Vec::new();
            let mut enc = flate2::write::ZlibEncoder::new(&mut fresh, Compression::default());
            std::io::Write::write_all(&mut enc, body).unwrap();
            enc.finish().unwrap();
            let mut reused = vec![0xAA];
            c.compress(body, &mut reused).unwrap();
            assert_eq!(reused[0], 0xAA);
            assert_eq!(&reused[1..5], &(body.len() as u32).to_be_bytes());
            assert!(reused[5..] == fresh[..], "{}", body.len());
            assert_eq!(&inflate(&reused[1..], 1 << 24).unwrap()[..], &body[..]);
        }
    }
}
