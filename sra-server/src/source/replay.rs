//! The replay loop shared by the NMSG file and pcap sources: the file opened at spawn (so a
//! bad path fails the start), passes paced by one [`Pacer`] across loops, the file reopened
//! for each further pass when looping, and a pass that yields nothing retried once a second
//! instead of spun on. The loop ends when the file ends (without `loop`), when reopening
//! fails, or when the ingest side has gone.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tokio::task::JoinHandle;

use super::pace::Pacer;
use super::{Sink, SourceError, MAX_BATCH};

/// The longest one sleep of a paced replay, so that a closed channel is noticed.
const MAX_NAP: Duration = Duration::from_millis(100);

/// How many items (at most [`MAX_BATCH`]) the pacer allows now, sleeping until it allows
/// one; `None` when the channel closed meanwhile.
pub(super) fn due(pacer: &mut Pacer, sink: &Sink) -> Option<usize> {
    loop {
        let n = pacer.due(Instant::now(), MAX_BATCH);
        if n > 0 {
            return Some(n);
        }
        if !nap(pacer, sink) {
            return None;
        }
    }
}

/// Sleeps until the pacer allows an item; false when the channel closed meanwhile.
fn nap(pacer: &Pacer, sink: &Sink) -> bool {
    let wait = pacer.wait(Instant::now());
    if !wait.is_zero() {
        std::thread::sleep(wait.min(MAX_NAP));
    }
    !sink.is_closed()
}

/// How a source reads its file: `open` it, and replay one `pass` over what was opened
/// (`None` when the channel closed, else how many items went out).
pub(super) struct Replay<R> {
    /// Names the source in the log line when a reopen fails.
    pub what: &'static str,
    /// Opens (and checks) the file.
    pub open: fn(&Path) -> Result<R, SourceError>,
    /// One pass over an opened file.
    pub pass: fn(R, &mut Pacer, &Sink) -> Option<u64>,
}

impl<R: Send + 'static> Replay<R> {
    /// Opens `path` now and spawns its replay on a blocking thread.
    pub(super) fn spawn(
        self,
        path: PathBuf,
        rate: Option<u32>,
        repeat: bool,
        sink: Sink,
    ) -> Result<JoinHandle<()>, SourceError> {
        let first = (self.open)(&path)?;
        Ok(tokio::task::spawn_blocking(move || {
            self.run(&path, first, rate, repeat, &sink)
        }))
    }

    fn run(&self, path: &Path, first: R, rate: Option<u32>, repeat: bool, sink: &Sink) {
        let mut pacer = Pacer::new(rate, Instant::now());
        let mut opened = Some(first);
        loop {
            let r = match opened.take() {
                Some(r) => r,
                None => match (self.open)(path) {
                    Ok(r) => r,
                    Err(e) => {
                        tracing::warn!("{} stopped: {e}", self.what);
                        return;
                    }
                },
            };
            let Some(sent) = (self.pass)(r, &mut pacer, sink) else {
                return;
            };
            if !repeat {
                return;
            }
            if sent == 0 {
                std::thread::sleep(Duration::from_secs(1));
                if sink.is_closed() {
                    return;
                }
            }
        }
    }
}
