//! `NmsgFragment` (flag 0x02, spec §1.8): one slice of a container body too big for one
//! datagram, and how a writer cuts a body into fragments.

use bytes::{BufMut, Bytes};

use crate::error::Result;
use crate::proto::{self, FieldIter, ProtoError};

const F_ID: u32 = 1;
const F_CURRENT: u32 = 2;
const F_LAST: u32 = 3;
const F_FRAGMENT: u32 = 4;
const F_CRC: u32 = 5;

/// One fragment of a container body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fragment {
    /// Random id shared by the fragments of one container.
    pub id: u32,
    /// 0-based index of this fragment.
    pub current: u32,
    /// Index of the final fragment (count − 1).
    pub last: u32,
    /// The slice of the (possibly compressed) body; never the header.
    pub data: Bytes,
    /// Byte-swapped CRC-32C of the whole joined body, when the sender wrote it.
    pub crc: Option<u32>,
}

impl Fragment {
    /// Decodes an encoded `NmsgFragment`; `data` becomes a slice of `buf`.
    pub fn decode(buf: &Bytes) -> Result<Fragment> {
        let (mut id, mut current, mut last, mut data) = (None, None, None, None);
        let mut crc = None;
        for field in FieldIter::new(buf) {
            let f = field?;
            match f.number {
                F_ID => id = Some(f.value.varint(f.number)? as u32),
                F_CURRENT => current = Some(f.value.varint(f.number)? as u32),
                F_LAST => last = Some(f.value.varint(f.number)? as u32),
                F_FRAGMENT => data = Some(buf.slice_ref(f.value.bytes(f.number)?)),
                F_CRC => crc = Some(f.value.varint(f.number)? as u32),
                _ => {}
            }
        }
        Ok(Fragment {
            id: id.ok_or(ProtoError::MissingField("id"))?,
            current: current.ok_or(ProtoError::MissingField("current"))?,
            last: last.ok_or(ProtoError::MissingField("last"))?,
            data: data.ok_or(ProtoError::MissingField("fragment"))?,
            crc,
        })
    }

    /// The number of bytes [`Fragment::encode`] writes.
    pub fn encoded_len(&self) -> usize {
        proto::varint_field_len(F_ID, u64::from(self.id))
            + proto::varint_field_len(F_CURRENT, u64::from(self.current))
            + proto::varint_field_len(F_LAST, u64::from(self.last))
            + proto::bytes_field_len(F_FRAGMENT, self.data.len())
            + self
                .crc
                .map_or(0, |c| proto::varint_field_len(F_CRC, u64::from(c)))
    }

    /// Writes the fragment in field-number order.
    pub fn encode<B: BufMut>(&self, out: &mut B) {
        proto::put_varint_field(out, F_ID, u64::from(self.id));
        proto::put_varint_field(out, F_CURRENT, u64::from(self.current));
        proto::put_varint_field(out, F_LAST, u64::from(self.last));
        proto::put_bytes_field(out, F_FRAGMENT, &self.data);
        if let Some(c) = self.crc {
            proto::put_varint_field(out, F_CRC, u64::from(c));
        }
    }
}

/// The most fragment data that fits a datagram of `size` bytes whatever the id, index and CRC
/// values: header (10) + worst-case fields (25) + the data length varint.
pub fn max_fragment_data(size: usize) -> usize {
    let mut n = size.saturating_sub(35 + proto::varint_len(size as u64));
    n = n.max(1);
    n
}

/// Cuts `body` into fragments of at most `max_data` bytes with a correct `last`
/// (`ceil(len / max_data) − 1`: libnmsg's exact-multiple defect is not copied).
pub fn split(body: &Bytes, max_data: usize, id: u32) -> impl Iterator<Item = Fragment> + '_ {
    let max_data = max_data.max(1);
    let count = body.len().div_ceil(max_data).max(1);
    let crc = crate::crc::payload_crc(body);
    (0..count).map(move |i| Fragment {
        id,
        current: i as u32,
        last: (count - 1) as u32,
        data: body.slice(i * max_data..((i + 1) * max_data).min(body.len())),
        crc: Some(crc),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_exact_multiple_and_round_trip() {
        let body = Bytes::from(vec![1u8; 960]);
        let frags: Vec<_> = split(&body, 480, 9).collect();
        assert_eq!(frags.len(), 2);
        assert!(frags.iter().all(|f| f.last == 1 && f.data.len() == 480));
        let mut enc = Vec::new();
        frags[1].encode(&mut enc);
        assert_eq!(enc.len(), frags[1].encoded_len());
        assert_eq!(Fragment::decode(&Bytes::from(enc)).unwrap(), frags[1]);
        assert_eq!(split(&Bytes::from(vec![0u8; 961]), 480, 1).count(), 3);
    }

    #[test]
    fn worst_case_fits() {
        for size in [512usize, 1280, 8192, 1 << 20] {
            let data = max_fragment_data(size);
            let f = Fragment {
                id: u32::MAX,
                current: u32::MAX,
                last: u32::MAX,
                data: Bytes::from(vec![0; data]),
                crc: Some(u32::MAX),
            };
            assert!(
                crate::header::HEADER_LEN + f.encoded_len() <= size,
                "{size}"
            );
        }
    }

    #[test]
    fn missing_fields() {
        let mut enc = Vec::new();
        proto::put_varint_field(&mut enc, F_ID, 1);
        assert!(Fragment::decode(&Bytes::from(enc)).is_err());
    }
}
