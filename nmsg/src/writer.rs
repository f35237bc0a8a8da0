//! Writers: payloads in, containers out, filled up to a size, buffered (with a timed flush the
//! caller's timer drives) or unbuffered, compressed or not, sequenced for datagrams, and
//! fragmented when one payload does not fit.
//!
//! Generic over a [`FrameSink`]: [`Stream`] wraps any [`Write`] (files, pipes, TCP: containers
//! back to back) and [`Datagrams`] any [`DatagramSink`] (UDP: exactly one container or fragment
//! per datagram). Every container and every fragment carries its 10-byte header (libnmsg's
//! headerless-datagram defect is not copied), and fragment sets announce a correct `last`.

use std::io::{self, Write};
use std::net::UdpSocket;
use std::time::{Duration, Instant};

use bytes::Bytes;

use crate::container::{CheckedEnvelope, ContainerBuilder, Sequence};
use crate::crc::payload_crc;
use crate::fragment::{self, max_fragment_data};
use crate::header::{Header, FLAG_FRAGMENT, FLAG_ZLIB, HEADER_LEN};
use crate::payload::Payload;
use crate::random::random_u64;
use crate::stats::Stats;
use crate::zlib::Compressor;

/// The smallest container size (`NMSG_WBUFSZ_MIN`); smaller sizes are raised to it.
pub const SIZE_MIN: usize = 512;
/// The "Ethernet" size used by AXA tunnel outputs (`NMSG_WBUFSZ_ETHER`).
pub const SIZE_ETHER: usize = 1280;
/// nmsgtool's default datagram size (`NMSG_WBUFSZ_JUMBO`).
pub const SIZE_JUMBO: usize = 8192;
/// The largest container size, used for files (`NMSG_WBUFSZ_MAX`).
pub const SIZE_MAX: usize = 1 << 20;

/// Where a writer puts each container or fragment.
pub trait FrameSink {
    /// Sends one whole container or fragment (header included).
    fn send_frame(&mut self, frame: &[u8]) -> io::Result<()>;
    /// Flushes what the sink buffers, if anything.
    fn flush_sink(&mut self) -> io::Result<()> {
        Ok(())
    }
    /// Sends one frame given as consecutive `parts` (header, payloads, CRCs). The default
    /// joins them in `scratch` and calls [`FrameSink::send_frame`]; byte streams override it
    /// to write the parts in place, saving a copy of the whole container.
    fn send_frame_parts(&mut self, parts: &[&[u8]], scratch: &mut Vec<u8>) -> io::Result<()> {
        scratch.clear();
        for p in parts {
            scratch.extend_from_slice(p);
        }
        self.send_frame(scratch)
    }
}

/// A byte stream sink: frames written back to back with `write_all`.
#[derive(Debug)]
pub struct Stream<W>(pub W);

impl<W: Write> FrameSink for Stream<W> {
    fn send_frame(&mut self, frame: &[u8]) -> io::Result<()> {
        self.0.write_all(frame)
    }
    fn send_frame_parts(&mut self, parts: &[&[u8]], _scratch: &mut Vec<u8>) -> io::Result<()> {
        parts.iter().try_for_each(|p| self.0.write_all(p))
    }
    fn flush_sink(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// Anything that sends whole datagrams.
pub trait DatagramSink {
    /// Sends `datagram` as one datagram.
    fn send_datagram(&mut self, datagram: &[u8]) -> io::Result<()>;
}

/// A connected socket (`UdpSocket::connect` first, as nmsgtool does). "Connection refused"
/// (an ICMP port-unreachable report about an earlier datagram, e.g. while no receiver is up)
/// is not an error: UDP delivery is best-effort and the sender goes on.
impl DatagramSink for UdpSocket {
    fn send_datagram(&mut self, datagram: &[u8]) -> io::Result<()> {
        (&*self).send_datagram(datagram)
    }
}

/// A connected socket, shared.
impl DatagramSink for &UdpSocket {
    fn send_datagram(&mut self, datagram: &[u8]) -> io::Result<()> {
        match self.send(datagram) {
            Ok(_) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => Ok(()),
            Err(e) => Err(e),
        }
    }
}

/// Collects datagrams in memory (tests, captures).
impl DatagramSink for Vec<Vec<u8>> {
    fn send_datagram(&mut self, datagram: &[u8]) -> io::Result<()> {
        self.push(datagram.to_vec());
        Ok(())
    }
}

/// A datagram sink: one frame per datagram.
#[derive(Debug)]
pub struct Datagrams<D>(pub D);

impl<D: DatagramSink> FrameSink for Datagrams<D> {
    fn send_frame(&mut self, frame: &[u8]) -> io::Result<()> {
        self.0.send_datagram(frame)
    }
}

/// How a [`Writer`] builds containers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriterConfig {
    /// The container (datagram) size, clamped to [`SIZE_MIN`] ..= [`SIZE_MAX`]. Containers fill
    /// to it by libnmsg's uncompressed estimate; one payload larger than it is fragmented.
    pub size: usize,
    /// Compress each container with zlib (flag 0x01), at the level
    /// [`Compressor::level_for`] gives for `size` (fastest for datagrams, libnmsg's default for
    /// files and streams).
    pub zlib: bool,
    /// Fill containers (true) or send one container per payload (`--unbuffered`).
    pub buffered: bool,
    /// Set `sequence` and `sequence_id` (a random id per writer), as socket outputs do.
    pub sequenced: bool,
}

impl WriterConfig {
    /// Files and streams: 1 MiB containers, buffered, no sequence fields, no zlib.
    pub fn file() -> WriterConfig {
        WriterConfig {
            size: SIZE_MAX,
            zlib: false,
            buffered: true,
            sequenced: false,
        }
    }

    /// Datagrams of `size` bytes (e.g. [`SIZE_ETHER`], [`SIZE_JUMBO`]): buffered, sequenced,
    /// no zlib.
    pub fn datagram(size: usize) -> WriterConfig {
        WriterConfig {
            size,
            zlib: false,
            buffered: true,
            sequenced: true,
        }
    }
}

/// Writes payloads as containers into a [`FrameSink`].
///
/// Buffered writers send a container when it is full, on [`Writer::flush`], or when the
/// caller's timer calls [`Writer::flush_if_older_than`] (a low-rate feed must not wait in the
/// buffer).
///
/// # Drop
///
/// Dropping a writer sends what is pending and flushes the sink, as `BufWriter` does (and as
/// libnmsg's `nmsg_output_close` does): forgetting the last flush must not lose up to a
/// container of payloads. An error then has nobody to go to: it is logged with `tracing`
/// (`warn`) and the writer is gone. Callers that must know whether the last container was
/// written call [`Writer::flush`] or [`Writer::into_inner`] first (after which drop sends
/// nothing). Nothing is sent when dropped during a panic.
///
/// The compressor (with `zlib`) and the output buffers are made once per writer and reused
/// for every container.
#[derive(Debug)]
pub struct Writer<S: FrameSink> {
    /// `None` only once [`Writer::into_inner`] took it (the writer is then being dropped).
    sink: Option<S>,
    config: WriterConfig,
    builder: ContainerBuilder,
    sequence_id: u64,
    sequence: u32,
    oldest: Option<Instant>,
    body: Vec<u8>,
    frame: Vec<u8>,
    compressor: Option<Compressor>,
    stats: Stats,
}

impl<W: Write> Writer<Stream<W>> {
    /// A writer of containers back to back into `w`.
    pub fn to_stream(w: W, config: WriterConfig) -> Writer<Stream<W>> {
        Writer::new(Stream(w), config)
    }
}

impl<D: DatagramSink> Writer<Datagrams<D>> {
    /// A writer of one container or fragment per datagram into `d`.
    pub fn to_datagrams(d: D, config: WriterConfig) -> Writer<Datagrams<D>> {
        Writer::new(Datagrams(d), config)
    }
}

impl<S: FrameSink> Writer<S> {
    /// A writer into `sink`.
    pub fn new(sink: S, mut config: WriterConfig) -> Writer<S> {
        config.size = config.size.clamp(SIZE_MIN, SIZE_MAX);
        Writer {
            sink: Some(sink),
            config,
            builder: ContainerBuilder::new(),
            sequence_id: random_u64(),
            sequence: 0,
            oldest: None,
            body: Vec::new(),
            frame: Vec::new(),
            compressor: None,
            stats: Stats::default(),
        }
    }

    /// The configuration in force (size clamped).
    pub fn config(&self) -> &WriterConfig {
        &self.config
    }

    /// The `sequence_id` this writer stamps when sequenced.
    pub fn sequence_id(&self) -> u64 {
        self.sequence_id
    }

    /// Adds a payload; sends the current container first if the payload would overfill it,
    /// and sends at once when unbuffered or when the payload alone is over the size.
    pub fn write(&mut self, p: &Payload) -> io::Result<()> {
        self.write_with_crc(p, None)
    }

    /// As [`Writer::write`], with the payload's CRC when the caller has it (a reader checked
    /// it: [`crate::reader::StreamReader::next_with_crc`]); `None` computes it. A `Some` must
    /// equal [`crate::crc::payload_crc`] of `p.payload_bytes()`.
    pub fn write_with_crc(&mut self, p: &Payload, crc: Option<u32>) -> io::Result<()> {
        if self.builder.is_full_for(p, self.config.size) {
            self.send_container()?;
        }
        self.builder.push_with_crc(p, crc);
        self.added()
    }

    /// Adds an already encoded payload: `envelope` is an encoded `NmsgPayload` exactly as a
    /// container's `payloads` field holds it (e.g. from
    /// [`crate::reader::StreamReader::next_encoded`]), copied into the container as it is,
    /// without decoding or re-encoding. The envelope is checked
    /// ([`Payload::check_encoded`]: well-formed, required fields present) and refused with
    /// [`io::ErrorKind::InvalidData`] otherwise (nothing is written then); its CRC is computed.
    ///
    /// Containers fill, flush and fragment exactly as with [`Writer::write`]; for a canonical
    /// envelope (as this crate, libnmsg and go-nmsg write them) the output is byte-identical to
    /// decoding it and calling [`Writer::write`]. Unknown envelope fields pass through.
    ///
    /// # Example
    ///
    /// Re-writing a file without decoding its payloads (`nmsgtool -r in -w out`):
    ///
    /// ```
    /// use nmsg::reader::StreamReader;
    /// use nmsg::writer::{Writer, WriterConfig};
    /// use nmsg::{Limits, Payload};
    ///
    /// # let p = Payload { vid: 1, msgtype: 9, payload: Some(b"\x08\x01"[..].into()),
    /// #     ..Payload::default() };
    /// # let mut w = Writer::to_stream(Vec::new(), WriterConfig::file());
    /// # w.write(&p)?;
    /// # let input = w.into_inner()?.0;
    /// let mut r = StreamReader::new(&input[..], Limits::default());
    /// let mut w = Writer::to_stream(Vec::new(), WriterConfig::file());
    /// while let Some(next) = r.next_encoded() {
    ///     match next {
    ///         // The reader checked the CRC: hand it over instead of recomputing it.
    ///         Ok((envelope, crc)) => w.write_encoded_with_crc(&envelope, crc)?,
    ///         Err(e) if e.is_data_error() => eprintln!("skipped: {e}"),
    ///         Err(e) => return Err(e.into()),
    ///     }
    /// }
    /// let output = w.into_inner()?.0;
    /// assert_eq!(output, input);
    ///
    /// // A single envelope, e.g. one kept from an AXA watch hit.
    /// let mut envelope = Vec::new();
    /// p.encode(&mut envelope);
    /// let mut w = Writer::to_stream(Vec::new(), WriterConfig::file());
    /// w.write_encoded(&envelope)?;
    /// assert!(w.write_encoded(b"not an envelope").is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn write_encoded(&mut self, envelope: &[u8]) -> io::Result<()> {
        self.write_encoded_with_crc(envelope, None)
    }

    /// As [`Writer::write_encoded`], with the payload's CRC when the caller has it (a reader
    /// checked it: [`crate::reader::StreamReader::next_encoded`]); `None` computes it. A `Some`
    /// must equal [`crate::crc::payload_crc`] of the inner message.
    pub fn write_encoded_with_crc(&mut self, envelope: &[u8], crc: Option<u32>) -> io::Result<()> {
        let inner = Payload::check_encoded(envelope)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        debug_assert!(crc.is_none_or(|c| c == payload_crc(inner)));
        let crc = crc.unwrap_or_else(|| payload_crc(inner));
        self.add_encoded(envelope, crc)
    }

    /// As [`Writer::write_encoded_with_crc`] for an envelope this crate already checked
    /// ([`crate::container::single_encoded`]): it is not checked again, and its CRC is the
    /// verified one from its container (computed when it had none). The output is the same.
    pub fn write_checked(&mut self, e: &CheckedEnvelope) -> io::Result<()> {
        let crc = e.wire_crc().unwrap_or_else(|| payload_crc(e.inner()));
        self.add_encoded(e.envelope(), crc)
    }

    /// Adds a checked envelope with its CRC, sending the container first when it would not fit.
    fn add_encoded(&mut self, envelope: &[u8], crc: u32) -> io::Result<()> {
        if self
            .builder
            .is_full_for_len(envelope.len(), self.config.size)
        {
            self.send_container()?;
        }
        self.builder.push_encoded(envelope, crc);
        self.added()
    }

    /// Counts the payload just added, and sends when unbuffered or overfull.
    fn added(&mut self) -> io::Result<()> {
        self.stats.payloads += 1;
        self.oldest.get_or_insert_with(Instant::now);
        if !self.config.buffered || self.builder.is_overfull(self.config.size) {
            self.send_container()?;
        }
        Ok(())
    }

    /// The number of payloads waiting in the current container.
    pub fn pending(&self) -> usize {
        self.builder.len()
    }

    /// When the oldest waiting payload was added.
    pub fn oldest_pending(&self) -> Option<Instant> {
        self.oldest
    }

    /// When the current container should be sent to keep payloads from waiting longer than
    /// `max_age`; `None` when nothing waits. For the caller's timer.
    pub fn deadline(&self, max_age: Duration) -> Option<Instant> {
        self.oldest.map(|t| t + max_age)
    }

    /// Sends the current container if its oldest payload waited `max_age` or more; returns
    /// whether it did.
    pub fn flush_if_older_than(&mut self, max_age: Duration) -> io::Result<bool> {
        match self.oldest {
            Some(t) if t.elapsed() >= max_age => {
                self.flush()?;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    /// Sends the current container (if any) and flushes the sink.
    pub fn flush(&mut self) -> io::Result<()> {
        self.send_container()?;
        self.get_mut().flush_sink()
    }

    /// Flushes and gives the sink back. On error the writer is dropped (and its drop tries
    /// the flush once more).
    pub fn into_inner(mut self) -> io::Result<S> {
        self.flush()?;
        self.sink
            .take()
            .ok_or_else(|| io::Error::other("nmsg writer: no sink"))
    }

    /// The sink.
    pub fn get_ref(&self) -> &S {
        match &self.sink {
            Some(s) => s,
            None => unreachable!("only into_inner takes the sink, and it consumes the writer"),
        }
    }

    /// The sink, mutably.
    pub fn get_mut(&mut self) -> &mut S {
        present(&mut self.sink)
    }

    /// What was sent: containers, fragments, payloads, bytes.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    fn send_container(&mut self) -> io::Result<()> {
        if self.builder.is_empty() {
            return Ok(());
        }
        let seq = self.config.sequenced.then_some(Sequence {
            sequence: self.sequence,
            sequence_id: self.sequence_id,
        });
        self.sequence = self.sequence.wrapping_add(1);
        let plain_len = HEADER_LEN + self.builder.body_len(seq);
        if !self.config.zlib && plain_len <= self.config.size {
            // The common case: send header, payloads and CRCs in place, without first copying
            // the whole container into one buffer.
            let mut header = [0u8; HEADER_LEN];
            Header::new(0, (plain_len - HEADER_LEN) as u32).write(&mut &mut header[..]);
            self.body.clear();
            self.builder.write_tail(seq, &mut self.body);
            let parts = [&header[..], self.builder.encoded_payloads(), &self.body];
            let sink = present(&mut self.sink);
            let sent = sink.send_frame_parts(&parts, &mut self.frame);
            self.builder.clear();
            self.oldest = None;
            self.stats.containers += 1;
            self.stats.bytes += plain_len as u64;
            return sent;
        }
        self.frame.clear();
        self.frame.resize(HEADER_LEN, 0);
        let mut flags = 0;
        if self.config.zlib {
            self.body.clear();
            self.builder.write_body(seq, &mut self.body);
            let size = self.config.size;
            let compressor = self
                .compressor
                .get_or_insert_with(|| Compressor::with_level(Compressor::level_for(size)));
            if let Err(e) = compressor.compress(&self.body, &mut self.frame) {
                self.builder.clear();
                self.oldest = None;
                return Err(e);
            }
            flags |= FLAG_ZLIB;
        } else {
            self.builder.write_body(seq, &mut self.frame);
        }
        self.builder.clear();
        self.oldest = None;
        self.stats.containers += 1;
        let body_len = self.frame.len() - HEADER_LEN;
        if self.frame.len() <= self.config.size {
            let mut h = &mut self.frame[..HEADER_LEN];
            Header::new(flags, body_len as u32).write(&mut h);
            self.stats.bytes += self.frame.len() as u64;
            return present(&mut self.sink).send_frame(&self.frame);
        }
        let body = Bytes::copy_from_slice(&self.frame[HEADER_LEN..]);
        let id = random_u64() as u32;
        for f in fragment::split(&body, max_fragment_data(self.config.size), id) {
            self.frame.clear();
            Header::new(flags | FLAG_FRAGMENT, f.encoded_len() as u32).write(&mut self.frame);
            f.encode(&mut self.frame);
            self.stats.fragments += 1;
            self.stats.bytes += self.frame.len() as u64;
            present(&mut self.sink).send_frame(&self.frame)?;
        }
        Ok(())
    }
}

/// The writer's sink: only [`Writer::into_inner`] takes it, and that consumes the writer.
fn present<S>(sink: &mut Option<S>) -> &mut S {
    match sink {
        Some(s) => s,
        None => unreachable!("only into_inner takes the sink, and it consumes the writer"),
    }
}

/// Sends what is pending and flushes the sink (see "Drop" on [`Writer`]); errors are logged.
impl<S: FrameSink> Drop for Writer<S> {
    fn drop(&mut self) {
        if self.sink.is_none() || std::thread::panicking() {
            return;
        }
        let pending = self.builder.len();
        if let Err(e) = self.flush() {
            tracing::warn!(
                error = %e,
                pending,
                "nmsg writer dropped: the last container or the flush failed"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::Input;
    use crate::limits::Limits;

    fn payload(n: usize) -> Payload {
        Payload {
            vid: 2,
            msgtype: 1,
            time_sec: 1_519_311_169,
            time_nsec: n as u32,
            payload: Some(Bytes::from(vec![(n % 251) as u8; n])),
            ..Payload::default()
        }
    }

    fn read_back(datagrams: Vec<Vec<u8>>) -> (Vec<Payload>, crate::Stats) {
        let mut input = Input::new(Limits::default());
        let now = Instant::now();
        for d in datagrams {
            input.push_datagram(Bytes::from(d), None, now).unwrap();
        }
        let mut out = Vec::new();
        while let Some(p) = input.next_payload() {
            out.push(p.unwrap());
        }
        (out, input.stats())
    }

    #[test]
    fn datagrams_fill_fragment_and_sequence() {
        for zlib in [false, true] {
            let cfg = WriterConfig {
                zlib,
                ..WriterConfig::datagram(512)
            };
            let mut w = Writer::to_datagrams(Vec::new(), cfg);
            let ps: Vec<_> = [100, 100, 100, 2000, 30, 5000, 1]
                .iter()
                .map(|&n| payload(n))
                .collect();
            for p in &ps {
                w.write(p).unwrap();
            }
            let dgrams = w.into_inner().unwrap().0;
            assert!(dgrams
                .iter()
                .all(|d| d.len() <= 512 && d.starts_with(b"NMSG")));
            let (got, stats) = read_back(dgrams);
            assert_eq!(got, ps);
            assert_eq!(stats.lost, 0);
            assert_eq!(stats.data_errors, 0);
            if !zlib {
                assert!(stats.fragments >= 12, "{stats:?}");
            }
        }
    }

    #[test]
    fn unbuffered_and_timed_flush() {
        let mut w = Writer::to_datagrams(
            Vec::new(),
            WriterConfig {
                buffered: false,
                ..WriterConfig::datagram(SIZE_ETHER)
            },
        );
        w.write(&payload(10)).unwrap();
        w.write(&payload(10)).unwrap();
        assert_eq!(w.get_ref().0.len(), 2);

        let mut w = Writer::to_datagrams(Vec::new(), WriterConfig::datagram(SIZE_ETHER));
        assert_eq!(w.deadline(Duration::from_millis(10)), None);
        w.write(&payload(10)).unwrap();
        assert!(w.deadline(Duration::from_millis(10)).is_some());
        assert!(!w.flush_if_older_than(Duration::from_secs(3600)).unwrap());
        assert!(w.get_ref().0.is_empty());
        assert!(w.flush_if_older_than(Duration::ZERO).unwrap());
        assert_eq!(w.get_ref().0.len(), 1);
        assert_eq!(w.pending(), 0);
    }

    /// A sink with only `send_frame`: exercises the default `send_frame_parts`.
    struct Joined(Vec<u8>);

    impl FrameSink for Joined {
        fn send_frame(&mut self, frame: &[u8]) -> io::Result<()> {
            self.0.extend_from_slice(frame);
            Ok(())
        }
    }

    #[test]
    fn stream_parts_match_joined_frames() {
        for cfg in [
            WriterConfig::file(),
            WriterConfig::datagram(SIZE_MIN),
            WriterConfig {
                zlib: true,
                ..WriterConfig::file()
            },
        ] {
            let mut a = Writer::to_stream(Vec::new(), cfg);
            let mut b = Writer::new(Joined(Vec::new()), cfg);
            // Same sequence_id, so the sequenced bodies match too.
            b.sequence_id = a.sequence_id;
            // No payload needs fragments (their ids are random).
            for n in [10, 300, 70, 200, 5, 450] {
                a.write(&payload(n)).unwrap();
                b.write(&payload(n)).unwrap();
            }
            let (sa, sb) = (a.stats(), b.stats());
            let (a, b) = (a.into_inner().unwrap().0, b.into_inner().unwrap().0);
            assert!(a == b, "{cfg:?}");
            assert_eq!(sa, sb);
            assert!(a.starts_with(b"NMSG"));
        }
    }

    #[test]
    fn exact_multiple_has_no_phantom_fragment() {
        // A body of exactly two fragments' worth must announce last = 1 and send 2 fragments.
        let max = max_fragment_data(512);
        let body = Bytes::from(vec![0u8; 2 * max]);
        let frags: Vec<_> = fragment::split(&body, max, 1).collect();
        assert_eq!(frags.len(), 2);
        assert_eq!(frags[1].last, 1);
    }
}
