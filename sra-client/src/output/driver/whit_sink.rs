//! [`WhitSink`]: the connection task's hits, one batch per read, to the output thread.
//!
//! Each hit's bytes (an NMSG hit's container, an IP hit's packet) are copied into one buffer
//! per batch, and the hits handed on are slices of it: the hit frames are dropped at once, so
//! the connection reads into the same buffer again instead of a fresh one per read (fresh
//! memory costs page faults), and written batches come back to be filled again
//! ([`super::Shared::give_back`]). The copy (a few hundred bytes per hit) costs less than what
//! it saves.

use std::ops::Range;
use std::sync::Arc;

use axa_proto::Whit;
use bytes::BytesMut;
use futures::future::BoxFuture;

use super::{Msg, OwnedHit, PooledBatch, Shared};
use crate::session::connection::FRAME_BATCH;
use crate::session::hit::encoded_nmsg_hit;
use crate::session::hit_sink::HitSink;

/// A new batch buffer's size: a read's worth of hits (the connection reads up to 256 KiB,
/// and a batch may take a second read's first frames).
const BATCH_BYTES: usize = 512 * 1024;

/// A hit whose bytes are in the batch buffer at `at`.
#[derive(Debug)]
enum Pending {
    Nmsg {
        ch: u16,
        at: Range<usize>,
    },
    Ip {
        ch: u16,
        tv_sec: u32,
        tv_usec: u32,
        ip_len: u32,
        at: Range<usize>,
    },
}

/// A [`HitSink`] feeding an [`super::OutputDriver`]; see [`super::OutputDriver::whit_sink`].
pub struct WhitSink {
    shared: Arc<Shared>,
    limits: nmsg::Limits,
    /// The hits pushed since the last flush.
    pending: Vec<Pending>,
    /// Their bytes.
    buf: BytesMut,
    /// The `Vec` the next batch's hits go into.
    hits: Vec<OwnedHit>,
}

impl std::fmt::Debug for WhitSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WhitSink")
            .field("pending", &self.pending.len())
            .finish()
    }
}

impl WhitSink {
    pub(super) fn new(shared: Arc<Shared>, limits: nmsg::Limits) -> WhitSink {
        WhitSink {
            shared,
            limits,
            pending: Vec::new(),
            buf: BytesMut::new(),
            hits: Vec::new(),
        }
    }

    /// Copies `bytes` into the batch buffer; where they are.
    fn keep(&mut self, bytes: &[u8]) -> Range<usize> {
        if self.buf.capacity() == 0 {
            self.buf.reserve(BATCH_BYTES);
        }
        let start = self.buf.len();
        self.buf.extend_from_slice(bytes);
        start..self.buf.len()
    }

    /// The hits of this batch, slices of `data` (the frozen batch buffer); undecodable ones
    /// are logged and left out.
    fn build(&mut self, data: &bytes::Bytes) {
        self.hits.reserve(self.pending.len());
        for p in self.pending.drain(..) {
            let hit = match p {
                Pending::Nmsg { ch, at } => encoded_nmsg_hit(ch, &data.slice(at), &self.limits),
                Pending::Ip {
                    ch,
                    tv_sec,
                    tv_usec,
                    ip_len,
                    at,
                } => Ok(OwnedHit::Ip {
                    channel: ch,
                    tv_sec,
                    tv_usec,
                    ip_len,
                    data: data.slice(at),
                }),
            };
            match hit {
                Ok(h) => self.hits.push(h),
                Err(e) => tracing::warn!("{e}"),
            }
        }
    }
}

impl HitSink for WhitSink {
    fn push(&mut self, _tag: u16, whit: Whit) {
        let p = match &whit {
            Whit::Nmsg(n) => Pending::Nmsg {
                ch: n.ch,
                at: self.keep(&n.container),
            },
            Whit::Ip(ip) => Pending::Ip {
                ch: ip.ch,
                tv_sec: ip.tv_sec,
                tv_usec: ip.tv_usec,
                ip_len: ip.ip_len,
                at: self.keep(&ip.packet),
            },
        };
        if self.pending.capacity() == 0 {
            // A batch holds up to one read's frames: no growing (and copying) on the way.
            self.pending.reserve(FRAME_BATCH);
        }
        self.pending.push(p);
    }

    fn flush(&mut self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            if self.pending.is_empty() {
                return;
            }
            let spare = self.shared.take_spare().unwrap_or_default();
            let data = std::mem::replace(&mut self.buf, spare.buf).freeze();
            self.build(&data);
            let hits = std::mem::replace(&mut self.hits, spare.hits);
            if hits.is_empty() {
                return;
            }
            let batch = PooledBatch { hits, buf: data };
            if !self.shared.send(Msg::Pooled(batch)).await {
                tracing::trace!("output ended; hits dropped");
            }
        })
    }
}
