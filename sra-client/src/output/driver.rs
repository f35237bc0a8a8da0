//! The output thread: owns the [`Output`], writes the hits the network task hands it over a
//! bounded channel, flushes after [`FLUSH_AFTER_SILENCE`] without hits, and applies the
//! `-C`/`-T`/`-Z` limits — rotating files with a [`Kickfile`] when `-k` is given, or stopping.
//!
//! The tunnel hands hits over in batches: [`OutputDriver::whit_sink`] gives the connection
//! task a [`HitSink`](crate::session::hit_sink::HitSink) that sends one message per read
//! buffer, and [`OutputDriver::send_batch`] sends a batch; both wait (asynchronously) while
//! the queue is full, so no hit the server sent is lost client-side. [`OutputDriver::offer`]
//! never waits: it fails when the queue is full and the hit is counted in
//! [`OutputDriver::dropped`].

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;

use super::{Hit, IpPacket, Output, OutputError, FLUSH_AFTER_SILENCE};
use crate::kickfile::{Kickfile, KickfileError};
use crate::rotation::{Limits, Rotation, Trigger};

/// How long the driver waits for kickfile commands at exit.
pub const KICKFILE_WAIT: Duration = Duration::from_secs(10);

/// A hit the driver owns (what the network task sends).
#[derive(Debug, Clone, PartialEq)]
pub enum OwnedHit {
    /// One NMSG payload.
    Nmsg {
        /// SIE channel.
        channel: u16,
        /// The payload.
        payload: nmsg::Payload,
        /// Its CRC, when the container carried one (checked on receipt).
        crc: Option<u32>,
    },
    /// A raw IP packet.
    Ip {
        /// SIE channel.
        channel: u16,
        /// Capture seconds.
        tv_sec: u32,
        /// Capture microseconds.
        tv_usec: u32,
        /// Original length.
        ip_len: u32,
        /// Captured bytes.
        data: Bytes,
    },
    /// One NMSG payload left encoded (the fast lane: [`crate::session::hit::encoded_hit`]).
    NmsgEncoded {
        /// SIE channel.
        channel: u16,
        /// The encoded `NmsgPayload`, checked (well-formed, required fields present) with its
        /// CRC, when the container carried one (verified).
        envelope: nmsg::container::CheckedEnvelope,
    },
    /// A hit that is not written (an NMSG fragment) but still counts for `-C`, as in libaxa.
    Ignored,
}

impl OwnedHit {
    fn as_hit(&self) -> Option<Hit<'_>> {
        match self {
            OwnedHit::Nmsg {
                channel, payload, ..
            } => Some(Hit::Nmsg {
                channel: *channel,
                payload,
            }),
            OwnedHit::Ip {
                channel,
                tv_sec,
                tv_usec,
                ip_len,
                data,
            } => Some(Hit::Ip {
                channel: *channel,
                packet: IpPacket {
                    tv_sec: *tv_sec,
                    tv_usec: *tv_usec,
                    ip_len: *ip_len,
                    data,
                },
            }),
            OwnedHit::NmsgEncoded { .. } | OwnedHit::Ignored => None,
        }
    }
}

/// Opens an output on a path (the `.part` file with `-k`, else the configured file), or on
/// the configured destination when `None`.
pub type Opener = Box<dyn FnMut(Option<&Path>) -> Result<Box<dyn Output>, OutputError> + Send>;

/// Why the driver ended.
#[derive(Debug)]
pub enum DriverExit {
    /// A `-C`/`-T`/`-Z` limit was reached without `-k`: the tunnel should exit 0.
    LimitReached(Trigger),
    /// The tunnel closed the channel (shutdown).
    Closed,
    /// Writing failed.
    Failed(OutputError),
    /// Kickfile rotation failed.
    Kickfile(KickfileError),
}

/// Counters the driver keeps.
#[derive(Debug, Default)]
pub struct DriverCounters {
    /// Hits written.
    pub written: AtomicU64,
    /// Hits refused by the output (not fatal, e.g. NMSG on pcap).
    pub refused: AtomicU64,
    /// Files finished by rotation.
    pub rotations: AtomicU64,
}

enum Msg {
    Hit(OwnedHit),
    Batch(Vec<OwnedHit>),
    /// A [`WhitSink`] batch, given back for reuse once written.
    Pooled(PooledBatch),
}

impl Msg {
    fn hits(&self) -> usize {
        match self {
            Msg::Hit(_) => 1,
            Msg::Batch(b) => b.len(),
            Msg::Pooled(b) => b.hits.len(),
        }
    }
}

/// Hits whose bytes ([`OwnedHit::NmsgEncoded`] envelopes, [`OwnedHit::Ip`] packets) are
/// slices of `buf`, one buffer per batch: the connection's read buffer is free again as soon
/// as the batch is built, and both the buffer and the hits' `Vec` go back to
/// [`Shared::spares`] once written, so the hit path allocates (and faults in) no fresh
/// memory per read.
#[derive(Debug)]
struct PooledBatch {
    hits: Vec<OwnedHit>,
    buf: Bytes,
}

/// An emptied [`PooledBatch`], for the next one.
#[derive(Debug, Default)]
struct Spare {
    hits: Vec<OwnedHit>,
    buf: bytes::BytesMut,
}

/// At most this many [`Spare`]s are kept (more are freed).
const SPARES: usize = 8;
/// A batch buffer grown beyond this (by unusually large hits) is freed, not kept.
const SPARE_MAX_BYTES: usize = 2 << 20;

/// The sending side, shared by the driver and its [`WhitSink`]s.
#[derive(Debug)]
struct Shared {
    /// Taken at shutdown, so the thread sees the queue closed even while a sink lives on.
    tx: Mutex<Option<SyncSender<Msg>>>,
    dropped: AtomicU64,
    /// Signalled by the thread each time it takes a message off the queue.
    room: tokio::sync::Notify,
    /// Written [`PooledBatch`]es, emptied, for the sinks to fill again.
    spares: Mutex<Vec<Spare>>,
}

impl Shared {
    fn close(&self) {
        if let Ok(mut tx) = self.tx.lock() {
            tx.take();
        }
    }

    /// A spare batch (empty), if one was given back.
    fn take_spare(&self) -> Option<Spare> {
        self.spares.lock().ok()?.pop()
    }

    /// Empties a written batch and keeps it for reuse (unless enough are kept, or some hit
    /// still holds a slice of its buffer).
    fn give_back(&self, mut batch: PooledBatch) {
        batch.hits.clear();
        let Ok(mut buf) = batch.buf.try_into_mut() else {
            return;
        };
        if buf.capacity() > SPARE_MAX_BYTES {
            return;
        }
        buf.clear();
        if let Ok(mut spares) = self.spares.lock() {
            if spares.len() < SPARES {
                spares.push(Spare {
                    hits: batch.hits,
                    buf,
                });
            }
        }
    }

    /// Queues `msg`, waiting while the queue is full; false (hits counted as dropped) once
    /// the thread has ended or the queue is closed.
    async fn send(&self, mut msg: Msg) -> bool {
        loop {
            let sent = match self.tx.lock() {
                Ok(tx) => match tx.as_ref() {
                    Some(tx) => tx.try_send(msg),
                    None => Err(TrySendError::Disconnected(msg)),
                },
                Err(_) => Err(TrySendError::Disconnected(msg)),
            };
            match sent {
                Ok(()) => return true,
                Err(TrySendError::Full(m)) => {
                    msg = m;
                    // A permit stored since the failed send makes this return at once.
                    self.room.notified().await;
                }
                Err(TrySendError::Disconnected(m)) => {
                    self.dropped.fetch_add(m.hits() as u64, Ordering::Relaxed);
                    return false;
                }
            }
        }
    }
}

/// Handle to the output thread.
#[derive(Debug)]
pub struct OutputDriver {
    shared: Arc<Shared>,
    counters: Arc<DriverCounters>,
    thread: Option<JoinHandle<DriverExit>>,
    exit: Option<tokio::sync::oneshot::Receiver<()>>,
}

impl OutputDriver {
    /// Starts the thread. `kickfile` (with `-k`) makes limits rotate instead of stop; `queue`
    /// is the channel capacity in hits.
    pub fn start(
        mut opener: Opener,
        limits: Limits,
        kickfile: Option<Kickfile>,
        queue: usize,
    ) -> Result<OutputDriver, OutputError> {
        let first = match &kickfile {
            Some(k) => opener(Some(k.part_path()))?,
            None => opener(None)?,
        };
        let (tx, rx) = sync_channel(queue.max(1));
        let counters = Arc::new(DriverCounters::default());
        let (exit_tx, exit_rx) = tokio::sync::oneshot::channel();
        let shared = Arc::new(Shared {
            tx: Mutex::new(Some(tx)),
            dropped: AtomicU64::new(0),
            room: tokio::sync::Notify::new(),
            spares: Mutex::new(Vec::new()),
        });
        let worker = Worker {
            shared: shared.clone(),
            out: first,
            opener,
            rotation: Rotation::new(limits, unix_now()),
            kickfile,
            counters: counters.clone(),
            dirty: false,
        };
        let thread = std::thread::Builder::new()
            .name("sra-output".into())
            .spawn(move || {
                let exit = worker.run(rx);
                let _ = exit_tx.send(());
                exit
            })
            .map_err(|source| OutputError::Open {
                what: "output thread".into(),
                source,
            })?;
        Ok(OutputDriver {
            shared,
            counters,
            thread: Some(thread),
            exit: Some(exit_rx),
        })
    }

    /// Hands a hit to the thread without waiting. Returns false (and counts it in
    /// [`OutputDriver::dropped`]) when the queue is full or the thread has ended.
    pub fn offer(&self, hit: OwnedHit) -> bool {
        let sent = match self.shared.tx.lock() {
            Ok(tx) => tx
                .as_ref()
                .is_some_and(|tx| tx.try_send(Msg::Hit(hit)).is_ok()),
            Err(_) => false,
        };
        if !sent {
            self.shared.dropped.fetch_add(1, Ordering::Relaxed);
        }
        sent
    }

    /// Hands a batch of hits to the thread, waiting (without blocking the executor) while the
    /// queue is full: a slow output slows down reading from the server (which then drops and
    /// reports MISSED, as with the single-threaded C sratunnel) instead of losing hits the
    /// server already sent. One message per batch keeps the per-hit cost of the hand-over
    /// (and of waking the thread) small. Returns false (and counts the hits in
    /// [`OutputDriver::dropped`]) when the thread has ended.
    pub async fn send_batch(&self, batch: Vec<OwnedHit>) -> bool {
        self.shared.send(Msg::Batch(batch)).await
    }

    /// A sink for [`crate::Client::connect_with_hits`]: it turns each WATCH HIT into an
    /// [`OwnedHit`] with the payload left encoded ([`crate::session::hit::encoded_hit`],
    /// decoding bounded by `limits`; undecodable hits are logged and skipped) and sends them
    /// as one batch per read, as [`OutputDriver::send_batch`] does. Once the driver is shut
    /// down the sink's hits are dropped.
    pub fn whit_sink(&self, limits: nmsg::Limits) -> WhitSink {
        WhitSink::new(self.shared.clone(), limits)
    }

    /// Hits dropped because the output thread was behind.
    pub fn dropped(&self) -> u64 {
        self.shared.dropped.load(Ordering::Relaxed)
    }

    /// The thread's counters.
    pub fn counters(&self) -> &DriverCounters {
        &self.counters
    }

    /// A shared handle to the counters (for a progress display).
    pub fn counters_handle(&self) -> Arc<DriverCounters> {
        self.counters.clone()
    }

    /// Resolves when the thread has ended on its own (limit reached or failure); take it once
    /// to `select!` on it.
    pub fn take_exit_signal(&mut self) -> Option<tokio::sync::oneshot::Receiver<()>> {
        self.exit.take()
    }

    /// Closes the queue, lets the thread write what is queued, finish the file (kickfile
    /// rename and command) and returns why it ended.
    pub fn shutdown(mut self) -> DriverExit {
        self.shared.close();
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(exit)) => exit,
            _ => DriverExit::Failed(OutputError::Write {
                what: "output thread".into(),
                source: std::io::Error::other("output thread panicked"),
            }),
        }
    }
}

impl Drop for OutputDriver {
    fn drop(&mut self) {
        self.shared.close();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

struct Worker {
    out: Box<dyn Output>,
    opener: Opener,
    rotation: Rotation,
    kickfile: Option<Kickfile>,
    counters: Arc<DriverCounters>,
    dirty: bool,
    shared: Arc<Shared>,
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl Worker {
    fn run(mut self, rx: Receiver<Msg>) -> DriverExit {
        loop {
            // Wake up to flush after silence, and at least every second for `-T`.
            let wait = if self.dirty {
                FLUSH_AFTER_SILENCE
            } else {
                match self.rotation.secs_to_boundary(unix_now()) {
                    Some(0) => FLUSH_AFTER_SILENCE,
                    _ => Duration::from_secs(1),
                }
            };
            let trigger = match rx.recv_timeout(wait) {
                Ok(Msg::Hit(hit)) => {
                    self.shared.room.notify_one();
                    let t = match self.write(&hit) {
                        Ok(t) => t,
                        Err(e) => return self.end(e),
                    };
                    if let Err(e) = self.out.end_batch() {
                        return self.end(DriverExit::Failed(e));
                    }
                    t.or_else(|| self.rotation.on_tick(unix_now()))
                }
                Ok(Msg::Batch(hits)) => {
                    self.shared.room.notify_one();
                    match self.write_batch(&hits) {
                        Ok(t) => t,
                        Err(e) => return self.end(e),
                    }
                }
                Ok(Msg::Pooled(batch)) => {
                    self.shared.room.notify_one();
                    let t = match self.write_batch(&batch.hits) {
                        Ok(t) => t,
                        Err(e) => return self.end(e),
                    };
                    self.shared.give_back(batch);
                    t
                }
                Err(RecvTimeoutError::Timeout) => {
                    if self.dirty {
                        if let Err(e) = self.out.flush() {
                            return self.end(DriverExit::Failed(e));
                        }
                        self.dirty = false;
                    }
                    self.rotation.on_tick(unix_now())
                }
                Err(RecvTimeoutError::Disconnected) => return self.end(DriverExit::Closed),
            };
            let Some(trigger) = trigger else { continue };
            if self.kickfile.is_none() {
                return self.end(DriverExit::LimitReached(trigger));
            }
            if let Err(e) = self.rotate() {
                return self.end(e);
            }
        }
    }

    /// Writes a batch (rotating inside it with `-k`) and reports the limit it reached without
    /// `-k`, if any: the rest of the batch is not written then.
    fn write_batch(&mut self, hits: &[OwnedHit]) -> Result<Option<Trigger>, DriverExit> {
        let mut trigger = None;
        for hit in hits {
            if let Some(t) = self.write(hit)? {
                trigger = Some(t);
                if self.kickfile.is_none() {
                    break;
                }
                self.rotate()?;
                trigger = None;
            }
        }
        self.out.end_batch().map_err(DriverExit::Failed)?;
        // `-T` has a resolution of seconds: one clock reading per batch.
        Ok(trigger.or_else(|| self.rotation.on_tick(unix_now())))
    }

    /// Writes one hit and reports the limit it reached, if any.
    fn write(&mut self, hit: &OwnedHit) -> Result<Option<Trigger>, DriverExit> {
        let written = match hit {
            OwnedHit::Nmsg {
                channel,
                payload,
                crc,
            } => Some(self.out.write_nmsg(*channel, payload, *crc)),
            OwnedHit::NmsgEncoded { channel, envelope } => {
                Some(self.out.write_encoded_nmsg(*channel, envelope))
            }
            other => other.as_hit().map(|h| self.out.write_hit(&h)),
        };
        if let Some(r) = written {
            match r {
                Ok(_) => {
                    self.counters.written.fetch_add(1, Ordering::Relaxed);
                    self.dirty = true;
                }
                Err(e) if !e.is_fatal() => {
                    self.counters.refused.fetch_add(1, Ordering::Relaxed);
                    tracing::warn!(error = %e, "output refused a hit");
                }
                Err(e) => return Err(DriverExit::Failed(e)),
            }
        }
        Ok(self
            .rotation
            .on_hit()
            .or_else(|| self.rotation.on_size(self.out.bytes_written())))
    }

    fn rotate(&mut self) -> Result<(), DriverExit> {
        self.out.finish().map_err(DriverExit::Failed)?;
        self.dirty = false;
        let Some(k) = self.kickfile.as_mut() else {
            return Ok(());
        };
        let done = k.finish().map_err(DriverExit::Kickfile)?;
        tracing::debug!(file = %done.display(), "output file finished");
        self.counters.rotations.fetch_add(1, Ordering::Relaxed);
        k.rotate(SystemTime::now());
        let part: PathBuf = k.part_path().to_owned();
        self.out = (self.opener)(Some(&part)).map_err(DriverExit::Failed)?;
        Ok(())
    }

    /// Finishes the current file (and, with `-k`, renames it and runs the command, as libaxa
    /// does at exit) and reports `exit` unless finishing fails.
    fn end(mut self, exit: DriverExit) -> DriverExit {
        // A sender waiting for room finds the queue closed instead.
        self.shared.close();
        self.shared.room.notify_one();
        let finished = self.out.finish();
        if let Some(k) = self.kickfile.as_mut() {
            match k.finish() {
                Ok(done) => tracing::debug!(file = %done.display(), "last output file finished"),
                Err(e) => tracing::warn!(error = %e, "kickfile at exit"),
            }
            if !k.wait_commands(KICKFILE_WAIT) {
                tracing::warn!("kickfile command still running at exit");
            }
        }
        match (exit, finished) {
            (DriverExit::Closed, Err(e)) | (DriverExit::LimitReached(_), Err(e)) => {
                DriverExit::Failed(e)
            }
            (exit, _) => exit,
        }
    }
}

mod whit_sink;
pub use whit_sink::WhitSink;

#[cfg(test)]
mod tests;
