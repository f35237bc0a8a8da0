//! The keys of a whole DNS message, in one pass over its records.
//!
//! The walk is that of [`Records`](crate::dns::Records) (same leniency, same stopping points),
//! fused with the key rules: names are decompressed and lower-cased in one copy, and an owner
//! whose raw bytes repeat those of the previous record's owner (the `c0 0c` of every record of
//! an RRset) is neither decompressed nor compared again: identical bytes, whether labels or a
//! pointer to the same offset, decode to the identical name.

use std::ops::ControlFlow;

use super::{Key, KeyValue};
use crate::dns::{
    message::skip_name, name::read_name_lower, rdata::rdata_names_lower, rdata_address, NameBuf,
    RdataRef,
};

/// The OPT pseudo-rrtype (RFC 6891).
const TYPE_OPT: u16 = 41;

/// The DNS header length.
const HEADER_LEN: usize = 12;

/// Calls `f` with every question and record owner name, the names inside each record's rdata
/// and A/AAAA (class IN) addresses of `msg`, all under `field_idx` with val_idx 0 (see the
/// [module docs](super) of `fields`). Consecutive records with the same owner give it once;
/// OPT records are skipped; the walk stops quietly at the first malformed record. `name` holds
/// each name in turn.
pub(super) fn keys<F>(msg: &[u8], field_idx: u16, name: &mut NameBuf, f: &mut F) -> ControlFlow<()>
where
    F: FnMut(Key<'_>) -> ControlFlow<()>,
{
    let Some(h) = msg.get(..HEADER_LEN) else {
        return ControlFlow::Continue(());
    };
    let counts = [
        u16::from_be_bytes([h[4], h[5]]),
        u16::from_be_bytes([h[6], h[7]]),
        u16::from_be_bytes([h[8], h[9]]),
        u16::from_be_bytes([h[10], h[11]]),
    ];
    // The last owner read (lower-cased); each new owner is read into `name`.
    let mut last = NameBuf::new();
    // The raw bytes of the last owner read.
    let mut last_raw: &[u8] = &[];
    let mut pos = HEADER_LEN;
    for (section, &count) in counts.iter().enumerate() {
        let question = section == 0;
        for _ in 0..count {
            if pos >= msg.len() {
                return ControlFlow::Continue(());
            }
            let Ok(raw_len) = skip_name(msg, pos) else {
                return ControlFlow::Continue(());
            };
            let raw = &msg[pos..pos + raw_len];
            let p = pos + raw_len;
            let fixed_len = if question { 4 } else { 10 };
            let Some(fixed) = msg.get(p..p + fixed_len) else {
                return ControlFlow::Continue(());
            };
            let rtype = u16::from_be_bytes([fixed[0], fixed[1]]);
            let rclass = u16::from_be_bytes([fixed[2], fixed[3]]);
            let rdata_at = p + fixed_len;
            let rdata_len = if question {
                0
            } else {
                usize::from(u16::from_be_bytes([fixed[8], fixed[9]]))
            };
            let Some(rdata) = msg.get(rdata_at..rdata_at + rdata_len) else {
                return ControlFlow::Continue(());
            };
            let name_at = pos;
            pos = rdata_at + rdata_len;
            // The OPT pseudo-record (EDNS) names nothing.
            if rtype == TYPE_OPT && !question {
                continue;
            }
            if !same_bytes(raw, last_raw) {
                if read_name_lower(msg, name_at, name).is_err() {
                    return ControlFlow::Continue(());
                }
                last_raw = raw;
                // Records of one RRset repeat their owner: report it once per run.
                if *name != last {
                    if f(Key {
                        field_idx,
                        val_idx: 0,
                        value: KeyValue::Name(name.as_wire()),
                    })
                    .is_break()
                    {
                        return ControlFlow::Break(());
                    }
                    last.copy_from(name);
                }
            }
            if question {
                continue;
            }
            if let Some(ip) = rdata_address(rtype, rclass, rdata) {
                if f(Key {
                    field_idx,
                    val_idx: 0,
                    value: KeyValue::Ip(ip),
                })
                .is_break()
                {
                    return ControlFlow::Break(());
                }
            }
            let r = rdata_names_lower(
                rtype,
                RdataRef::in_message(msg, rdata_at, rdata_len),
                name,
                |n| {
                    f(Key {
                        field_idx,
                        val_idx: 0,
                        value: KeyValue::Name(n.as_wire()),
                    })
                },
            );
            match r {
                Ok(ControlFlow::Continue(())) => {}
                Ok(ControlFlow::Break(())) => return ControlFlow::Break(()),
                Err(_) => return ControlFlow::Continue(()),
            }
        }
    }
    ControlFlow::Continue(())
}

/// `a == b`, with the common case (two-byte pointers) compared inline.
#[inline(always)]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    match (a, b) {
        ([a0, a1], [b0, b1]) => a0 == b0 && a1 == b1,
        _ => a == b,
    }
}
