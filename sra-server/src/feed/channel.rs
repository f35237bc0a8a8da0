//! Starting one configured channel: its source task(s) and its ingest task, joined by a
//! bounded queue.

use std::sync::Arc;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::{ChannelStats, Ingest};
use crate::config;
use crate::dispatch::ServerIndex;
use crate::source::{self, Sink, SourceError, QUEUE_UNITS};

/// A channel whose source and ingest tasks are running. Dropping it (or [`RunningChannel::stop`])
/// stops them: async tasks are aborted at once; a replay thread notices within 100 ms that
/// its queue is gone and ends.
#[derive(Debug)]
pub struct RunningChannel {
    number: u16,
    stats: Arc<ChannelStats>,
    ingest: JoinHandle<()>,
    sources: Vec<JoinHandle<()>>,
}

impl RunningChannel {
    /// Starts channel `ch`: binds its sockets or opens its file (errors are returned now),
    /// then spawns the source and ingest tasks on the current tokio runtime, matching against
    /// `index`. Must be called within a tokio runtime.
    pub fn start(
        ch: &config::Channel,
        index: &Arc<ServerIndex>,
    ) -> Result<RunningChannel, SourceError> {
        let stats = Arc::new(ChannelStats::default());
        let (tx, rx) = mpsc::channel(QUEUE_UNITS);
        let sources = source::spawn(&ch.source, Sink::new(tx, stats.clone()))?;
        let ingest = Ingest::new(ch.number, index, stats.clone());
        Ok(RunningChannel {
            number: ch.number,
            stats,
            ingest: tokio::spawn(ingest.run(rx)),
            sources,
        })
    }

    /// The channel number.
    pub fn number(&self) -> u16 {
        self.number
    }

    /// The channel's input counters (shared; read them with [`ChannelStats::totals`]).
    pub fn stats(&self) -> &Arc<ChannelStats> {
        &self.stats
    }

    /// True when the input has ended (a replay without `loop` that reached the end of its
    /// file) and every unit has been ingested.
    pub fn is_finished(&self) -> bool {
        self.ingest.is_finished()
    }

    /// Waits until the input has ended and every unit has been ingested (never returns for
    /// UDP, looping replays and the generator).
    pub async fn finished(&mut self) {
        let _ = (&mut self.ingest).await;
    }

    /// Stops the source and ingest tasks.
    pub fn stop(self) {
        drop(self);
    }
}

impl Drop for RunningChannel {
    fn drop(&mut self) {
        for s in &self.sources {
            s.abort();
        }
        self.ingest.abort();
    }
}
