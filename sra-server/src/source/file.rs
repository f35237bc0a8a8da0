//! Replay of an NMSG file (containers back to back, as `nmsgtool -w` writes them) as a channel
//! source: payloads paced at `rate` per second (unpaced when absent), from the start again at
//! the end when `loop` is set.
//!
//! Reading runs on a blocking thread ([`tokio::task::spawn_blocking`]) over
//! [`nmsg::reader::StreamReader`], which resynchronises after a bad header and counts data
//! errors; the thread ends when the file ends (without `loop`) or when the ingest side has
//! gone. A looping file that yields no payload at all is retried once a second, not spun on.

use std::fs::File;
use std::path::{Path, PathBuf};

use nmsg::reader::StreamReader;
use nmsg::{Limits, Payload, Stats};
use tokio::task::JoinHandle;

use super::pace::Pacer;
use super::replay::{due, Replay};
use super::{Sink, SourceError, Unit};

fn open(path: &Path) -> Result<File, SourceError> {
    File::open(path).map_err(|e| SourceError::File {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

/// Opens `path` now and spawns its replay.
pub fn spawn(
    path: PathBuf,
    rate: Option<u32>,
    repeat: bool,
    sink: Sink,
) -> Result<JoinHandle<()>, SourceError> {
    Replay {
        what: "replay",
        open,
        pass: replay_once,
    }
    .spawn(path, rate, repeat, sink)
}

/// One pass over the file; `None` when the channel closed, else the payloads sent.
fn replay_once(f: File, pacer: &mut Pacer, sink: &Sink) -> Option<u64> {
    let mut reader = StreamReader::new(f, Limits::default());
    let mut seen = Stats::default();
    let mut total = 0u64;
    loop {
        let n = due(pacer, sink)?;
        let mut batch: Vec<Payload> = Vec::with_capacity(n);
        let mut ended = false;
        while batch.len() < n {
            match reader.next() {
                Some(Ok(p)) => batch.push(p),
                Some(Err(e)) if e.is_data_error() => {
                    tracing::debug!("replay: skipping bad data: {e}");
                }
                Some(Err(e)) => {
                    tracing::warn!("replay: read error, ending this pass: {e}");
                    ended = true;
                    break;
                }
                None => {
                    ended = true;
                    break;
                }
            }
        }
        let now = reader.stats();
        sink.stats()
            .add_containers(now.containers.saturating_sub(seen.containers));
        sink.stats()
            .add_data_errors(now.data_errors.saturating_sub(seen.data_errors));
        seen = now;
        let k = batch.len();
        if k > 0 {
            pacer.sent(k);
            total += k as u64;
            if !sink.send_blocking(Unit::Payloads(batch)) {
                return None;
            }
        }
        if ended {
            return Some(total);
        }
    }
}
