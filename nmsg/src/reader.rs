//! Blocking readers: containers back to back from any [`Read`] (files, pipes, TCP), and one
//! container or fragment per datagram from any [`DatagramSource`] (UDP sockets).
//!
//! Both are iterators of `Result<Payload>`. A data error is returned once and reading goes on
//! with what follows; an I/O error is returned for the caller to judge (see
//! [`Error::is_data_error`]).

use std::io::{self, ErrorKind, Read};
use std::net::{SocketAddr, UdpSocket};
use std::time::Instant;

use bytes::{Bytes, BytesMut};

use crate::error::{Error, Result};
use crate::header::{Header, MAGIC};
use crate::input::Input;
use crate::limits::Limits;
use crate::payload::Payload;
use crate::stats::Stats;

const CHUNK: usize = 64 * 1024;
/// The largest datagram read (the largest UDP payload, rounded up).
pub const MAX_DATAGRAM: usize = 65_536;

/// Reads containers written back to back (nmsgtool `-r`, `nmsg:tcp:`), including legacy
/// version-1 files and fragments written into files.
///
/// After a bad header it skips to the next `NMSG` magic; a truncated last container is a data
/// error, then the end.
#[derive(Debug)]
pub struct StreamReader<R> {
    inner: R,
    buf: BytesMut,
    input: Input,
    eof: bool,
    /// When the last fragment was read (whole containers do not need the time).
    now: Instant,
}

impl<R: Read> StreamReader<R> {
    /// Reads from `inner` within `limits`.
    pub fn new(inner: R, limits: Limits) -> StreamReader<R> {
        StreamReader {
            inner,
            buf: BytesMut::new(),
            input: Input::new(limits),
            eof: false,
            now: Instant::now(),
        }
    }

    /// The counters so far.
    pub fn stats(&self) -> Stats {
        self.input.stats()
    }

    /// Gives the underlying reader back.
    pub fn into_inner(self) -> R {
        self.inner
    }

    /// Reads at least `want` more bytes unless the input ends first.
    fn fill(&mut self, want: usize) -> io::Result<()> {
        let start = self.buf.len();
        let grow = want.max(CHUNK);
        self.buf.resize(start + grow, 0);
        let mut filled = start;
        let r = loop {
            match self.inner.read(&mut self.buf[filled..]) {
                Ok(0) => {
                    self.eof = true;
                    break Ok(());
                }
                Ok(n) => {
                    filled += n;
                    if filled - start >= want {
                        break Ok(());
                    }
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => break Err(e),
            }
        };
        self.buf.truncate(filled);
        r
    }

    /// Drops the first byte and everything up to the next magic (keeping a possible partial
    /// magic at the end).
    fn resync(&mut self) {
        let skip = self.buf[1.min(self.buf.len())..]
            .windows(MAGIC.len())
            .position(|w| w == MAGIC)
            .map_or(self.buf.len().saturating_sub(MAGIC.len() - 1).max(1), |p| {
                p + 1
            });
        let _ = self.buf.split_to(skip.min(self.buf.len()));
    }
}

impl<R: Read> Iterator for StreamReader<R> {
    type Item = Result<Payload>;

    fn next(&mut self) -> Option<Result<Payload>> {
        self.next_with_crc().map(|r| r.map(|(p, _)| p))
    }
}

impl<R: Read> StreamReader<R> {
    /// As [`Iterator::next`], with the payload's checked wire CRC when the container had one,
    /// for [`crate::writer::Writer::write_with_crc`] (re-writing without recomputing it).
    pub fn next_with_crc(&mut self) -> Option<Result<(Payload, Option<u32>)>> {
        self.next_with(Input::next_payload_with_crc)
    }

    /// As [`StreamReader::next_with_crc`], leaving the payload encoded: the envelope bytes
    /// (a slice of the container, no copy) and the checked wire CRC, for
    /// [`crate::writer::Writer::write_encoded_with_crc`] (pass-through without decoding). The
    /// envelope is checked as [`Payload::check_encoded`] does.
    pub fn next_encoded(&mut self) -> Option<Result<(Bytes, Option<u32>)>> {
        self.next_with(Input::next_encoded)
    }

    fn next_with<T>(
        &mut self,
        mut next: impl FnMut(&mut Input) -> Option<Result<T>>,
    ) -> Option<Result<T>> {
        loop {
            if let Some(r) = next(&mut self.input) {
                return Some(r);
            }
            let limits = self.input.limits();
            match Header::parse(&self.buf, true, limits.max_container) {
                Ok(h) if self.buf.len() >= h.frame_len() => {
                    let frame = self.buf.split_to(h.frame_len()).freeze();
                    // The clock matters to fragments only (reassembly timeouts).
                    if h.is_fragment() {
                        self.now = Instant::now();
                    }
                    if let Err(e) = self.input.push_frame(frame, self.now) {
                        return Some(Err(e));
                    }
                }
                Ok(_) | Err(Error::Truncated { .. }) if !self.eof => {
                    let need = Header::parse(&self.buf, true, usize::MAX)
                        .map_or(10, |h| h.frame_len())
                        .saturating_sub(self.buf.len());
                    if let Err(e) = self.fill(need) {
                        return Some(Err(e.into()));
                    }
                }
                Ok(_) | Err(Error::Truncated { .. }) => {
                    if self.buf.is_empty() {
                        return None;
                    }
                    let have = self.buf.len();
                    let need =
                        Header::parse(&self.buf, true, usize::MAX).map_or(10, |h| h.frame_len());
                    self.buf.clear();
                    self.input.count_data_error();
                    return Some(Err(Error::Truncated { need, have }));
                }
                Err(e) => {
                    self.input.count_data_error();
                    self.resync();
                    return Some(Err(e));
                }
            }
        }
    }
}

/// Anything that receives whole datagrams.
pub trait DatagramSource {
    /// Receives one datagram into `buf`; returns its length and sender.
    fn recv_datagram(&mut self, buf: &mut [u8]) -> io::Result<(usize, Option<SocketAddr>)>;
}

impl DatagramSource for UdpSocket {
    fn recv_datagram(&mut self, buf: &mut [u8]) -> io::Result<(usize, Option<SocketAddr>)> {
        (&*self).recv_datagram(buf)
    }
}

impl DatagramSource for &UdpSocket {
    fn recv_datagram(&mut self, buf: &mut [u8]) -> io::Result<(usize, Option<SocketAddr>)> {
        let (n, a) = self.recv_from(buf)?;
        Ok((n, Some(a)))
    }
}

/// Reads one container or fragment per datagram (nmsgtool `-l`). Never ends by itself: with
/// a read timeout on the socket, the timeout comes back as an I/O error (and incomplete
/// fragment sets are expired), and the next call goes on reading.
#[derive(Debug)]
pub struct DatagramReader<S> {
    source: S,
    /// The receive buffer, allocated and zeroed once; each datagram is copied out at its own
    /// size (rather than a fresh 64 KiB buffer zeroed per datagram).
    buf: Vec<u8>,
    input: Input,
}

impl<S: DatagramSource> DatagramReader<S> {
    /// Reads from `source` within `limits`, recovering headerless datagrams (see
    /// [`crate::input`]).
    pub fn new(source: S, limits: Limits) -> DatagramReader<S> {
        DatagramReader::with_input(source, Input::new(limits))
    }

    /// Reads from `source` through a configured [`Input`].
    pub fn with_input(source: S, input: Input) -> DatagramReader<S> {
        DatagramReader {
            source,
            buf: vec![0; MAX_DATAGRAM],
            input,
        }
    }

    /// The counters so far.
    pub fn stats(&self) -> Stats {
        self.input.stats()
    }

    /// The source, e.g. to change its read timeout.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.source
    }
}

impl<S: DatagramSource> Iterator for DatagramReader<S> {
    type Item = Result<Payload>;

    fn next(&mut self) -> Option<Result<Payload>> {
        self.next_with(Input::next_payload)
    }
}

impl<S: DatagramSource> DatagramReader<S> {
    /// As [`Iterator::next`], with the payload's checked wire CRC when the container had one,
    /// for [`crate::writer::Writer::write_with_crc`] (as [`StreamReader::next_with_crc`]).
    pub fn next_with_crc(&mut self) -> Option<Result<(Payload, Option<u32>)>> {
        self.next_with(Input::next_payload_with_crc)
    }

    /// As [`DatagramReader::next_with_crc`], leaving the payload encoded (as
    /// [`StreamReader::next_encoded`]), for [`crate::writer::Writer::write_encoded_with_crc`].
    pub fn next_encoded(&mut self) -> Option<Result<(Bytes, Option<u32>)>> {
        self.next_with(Input::next_encoded)
    }

    fn next_with<T>(
        &mut self,
        mut next: impl FnMut(&mut Input) -> Option<Result<T>>,
    ) -> Option<Result<T>> {
        loop {
            if let Some(r) = next(&mut self.input) {
                return Some(r);
            }
            match self.source.recv_datagram(&mut self.buf) {
                Ok((n, sender)) => {
                    let d = Bytes::copy_from_slice(&self.buf[..n.min(self.buf.len())]);
                    if let Err(e) = self.input.push_datagram(d, sender, Instant::now()) {
                        return Some(Err(e));
                    }
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => {
                    self.input.expire(Instant::now());
                    return Some(Err(e.into()));
                }
            }
        }
    }
}
