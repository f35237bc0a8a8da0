//! [`WhitSink`]: the connection task's hits, one batch per read, to the output thread.

use std::sync::Arc;

use axa_proto::Whit;
use futures::future::BoxFuture;

use super::{OwnedHit, Shared};
use crate::session::hit::encoded_hit;
use crate::session::hit_sink::HitSink;

/// A [`HitSink`] feeding an [`super::OutputDriver`]; see [`super::OutputDriver::whit_sink`].
pub struct WhitSink {
    shared: Arc<Shared>,
    limits: nmsg::Limits,
    batch: Vec<OwnedHit>,
}

impl std::fmt::Debug for WhitSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WhitSink")
            .field("pending", &self.batch.len())
            .finish()
    }
}

impl WhitSink {
    pub(super) fn new(shared: Arc<Shared>, limits: nmsg::Limits) -> WhitSink {
        WhitSink {
            shared,
            limits,
            batch: Vec::new(),
        }
    }
}

impl HitSink for WhitSink {
    fn push(&mut self, _tag: u16, whit: Whit) {
        match encoded_hit(&whit, &self.limits) {
            Ok(h) => {
                if self.batch.capacity() == 0 {
                    // A batch holds up to one read's frames: no growing (and copying) on the way.
                    self.batch.reserve(crate::session::connection::FRAME_BATCH);
                }
                self.batch.push(h);
            }
            Err(e) => tracing::warn!("{e}"),
        }
    }

    fn flush(&mut self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            if self.batch.is_empty() {
                return;
            }
            let batch = std::mem::take(&mut self.batch);
            if !self.shared.send_batch(batch).await {
                tracing::trace!("output ended; hits dropped");
            }
        })
    }
}
