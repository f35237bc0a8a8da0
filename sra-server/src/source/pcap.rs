//! Replay of a classic pcap file of IP packets as a channel source: packets paced at `rate`
//! per second (unpaced when absent), from the start again at the end when `loop` is set. The
//! file format is read by [`super::pcap_reader`].
//!
//! Frames that carry no IP datagram are skipped and counted as data errors; a malformed or
//! truncated file ends the pass (counted once).

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use tokio::task::JoinHandle;

use super::pace::Pacer;
use super::pcap_reader::{PcapReader, Record};
use super::replay::{due, Replay};
use super::{Packet, Sink, SourceError, Unit};

type Reader = PcapReader<BufReader<File>>;

fn open(path: &Path) -> Result<Reader, SourceError> {
    let err = |message: String| SourceError::File {
        path: path.to_path_buf(),
        message,
    };
    let f = File::open(path).map_err(|e| err(e.to_string()))?;
    PcapReader::new(BufReader::with_capacity(64 * 1024, f)).map_err(|e| err(e.to_string()))
}

/// Opens `path` now (checking its pcap header) and spawns its replay.
pub fn spawn(
    path: PathBuf,
    rate: Option<u32>,
    repeat: bool,
    sink: Sink,
) -> Result<JoinHandle<()>, SourceError> {
    Replay {
        what: "pcap replay",
        open,
        pass: replay_once,
    }
    .spawn(path, rate, repeat, sink)
}

/// One pass; `None` when the channel closed, else the packets sent.
fn replay_once(mut r: Reader, pacer: &mut Pacer, sink: &Sink) -> Option<u64> {
    let mut total = 0u64;
    loop {
        let n = due(pacer, sink)?;
        let mut batch: Vec<Packet> = Vec::with_capacity(n);
        let mut ended = false;
        while batch.len() < n {
            match r.next_record() {
                Some(Ok(Record::Ip(p))) => batch.push(p),
                Some(Ok(Record::NotIp)) => sink.stats().add_data_errors(1),
                Some(Err(e)) => {
                    tracing::warn!("pcap replay: {e}; ending this pass");
                    sink.stats().add_data_errors(1);
                    ended = true;
                    break;
                }
                None => {
                    ended = true;
                    break;
                }
            }
        }
        let k = batch.len();
        if k > 0 {
            pacer.sent(k);
            total += k as u64;
            if !sink.send_blocking(Unit::Packets(batch)) {
                return None;
            }
        }
        if ended {
            return Some(total);
        }
    }
}
