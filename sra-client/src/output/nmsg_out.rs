//! NMSG outputs (`nmsg:file:`, `nmsg:[udp:]host,port`, `nmsg:tcp:host,port`) over the nmsg
//! crate's [`Writer`]: files and TCP streams use 1 MiB containers, UDP uses 1280-byte
//! containers (`NMSG_WBUFSZ_ETHER`, as sratunnel) with sequence numbers; `-z` compresses,
//! `-u` sends one container per hit. The output thread's flush after 10 ms of silence sends
//! a partly filled container, so a quiet channel is not held back.
//!
//! IP hits become base:packet payloads; packets not captured whole (`ip_len` ≠ captured
//! length) are skipped, as libaxa does. UDP datagrams go out with `sendmmsg`, up to a batch
//! of hits' worth at a time ([`super::udp_batch`]); "connection refused" and similar transient
//! errors of an absent receiver are ignored, as libaxa ignores them.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter};
use std::net::{TcpStream, ToSocketAddrs, UdpSocket};
use std::path::Path;

use nmsg::writer::{FrameSink, Stream, Writer, WriterConfig, SIZE_ETHER};

use super::packet::packet_payload;
use super::udp_batch::{UdpBatch, MAX_DATAGRAMS};
use super::{Hit, Output, OutputError, Written};

/// `-z` and `-u`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NmsgOptions {
    /// zlib-compress containers.
    pub zlib: bool,
    /// One container per hit.
    pub unbuffered: bool,
}

/// Counts what reaches the destination.
struct Counted {
    inner: Box<dyn FrameSink + Send>,
    bytes: u64,
}

impl FrameSink for Counted {
    fn send_frame(&mut self, frame: &[u8]) -> io::Result<()> {
        self.inner.send_frame(frame)?;
        self.bytes += frame.len() as u64;
        Ok(())
    }
    fn send_frame_parts(&mut self, parts: &[&[u8]], scratch: &mut Vec<u8>) -> io::Result<()> {
        // Forwarded, so a file or TCP stream writes the parts in place (no joined copy).
        self.inner.send_frame_parts(parts, scratch)?;
        self.bytes += parts.iter().map(|p| p.len() as u64).sum::<u64>();
        Ok(())
    }
    fn flush_sink(&mut self) -> io::Result<()> {
        self.inner.flush_sink()
    }
}

/// An NMSG output.
pub struct NmsgOutput {
    writer: Writer<Counted>,
    what: String,
    existing: u64,
    /// The sink holds datagrams back for `sendmmsg` ([`Output::end_batch`] sends them).
    batched: bool,
}

impl std::fmt::Debug for NmsgOutput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NmsgOutput")
            .field("what", &self.what)
            .finish()
    }
}

fn config(base: WriterConfig, o: NmsgOptions) -> WriterConfig {
    WriterConfig {
        zlib: o.zlib,
        buffered: !o.unbuffered,
        ..base
    }
}

fn resolve(host: &str, port: u16, what: &str) -> Result<std::net::SocketAddr, OutputError> {
    let open = |source| OutputError::Open {
        what: what.to_owned(),
        source,
    };
    (host, port)
        .to_socket_addrs()
        .map_err(open)?
        .next()
        .ok_or_else(|| open(io::Error::new(io::ErrorKind::NotFound, "no address")))
}

impl NmsgOutput {
    fn new(
        sink: Box<dyn FrameSink + Send>,
        cfg: WriterConfig,
        what: String,
        existing: u64,
    ) -> Self {
        NmsgOutput {
            writer: Writer::new(
                Counted {
                    inner: sink,
                    bytes: 0,
                },
                cfg,
            ),
            what,
            existing,
            batched: false,
        }
    }

    /// A binary NMSG file (truncated, or appended to with `append`).
    pub fn file(path: &Path, append: bool, o: NmsgOptions) -> Result<NmsgOutput, OutputError> {
        let what = path.display().to_string();
        let open = |source| OutputError::Open {
            what: what.clone(),
            source,
        };
        let mut opts = OpenOptions::new();
        opts.write(true).create(true);
        if append {
            opts.append(true);
        } else {
            opts.truncate(true);
        }
        let f: File = opts.open(path).map_err(open)?;
        let existing = f.metadata().map_err(open)?.len();
        let sink = Stream(BufWriter::with_capacity(256 * 1024, f));
        Ok(NmsgOutput::new(
            Box::new(sink),
            config(WriterConfig::file(), o),
            what,
            existing,
        ))
    }

    /// NMSG datagrams of 1280 bytes to `host,port`. Filled containers are queued and sent
    /// with `sendmmsg` by [`Output::end_batch`] and [`Output::flush`] (or once 64 are
    /// queued); with `-u` each is sent at once.
    pub fn udp(host: &str, port: u16, o: NmsgOptions) -> Result<NmsgOutput, OutputError> {
        let what = format!("{host},{port}");
        let addr = resolve(host, port, &what)?;
        let open = |source| OutputError::Open {
            what: what.clone(),
            source,
        };
        let local = if addr.is_ipv4() {
            "0.0.0.0:0"
        } else {
            "[::]:0"
        };
        let sock = UdpSocket::bind(local).map_err(open)?;
        sock.connect(addr).map_err(open)?;
        let mut out = NmsgOutput::new(
            Box::new(UdpBatch::new(
                sock,
                if o.unbuffered { 1 } else { MAX_DATAGRAMS },
            )),
            config(WriterConfig::datagram(SIZE_ETHER), o),
            what,
            0,
        );
        out.batched = true;
        Ok(out)
    }

    /// An NMSG stream (file framing) over TCP to `host,port`.
    pub fn tcp(host: &str, port: u16, o: NmsgOptions) -> Result<NmsgOutput, OutputError> {
        let what = format!("{host},{port}");
        let addr = resolve(host, port, &what)?;
        let tcp = TcpStream::connect(addr).map_err(|source| OutputError::Open {
            what: what.clone(),
            source,
        })?;
        let _ = tcp.set_nodelay(true);
        Ok(NmsgOutput::new(
            Box::new(Stream(BufWriter::with_capacity(64 * 1024, tcp))),
            config(WriterConfig::file(), o),
            what,
            0,
        ))
    }

    fn write_err(&self, source: io::Error) -> OutputError {
        OutputError::Write {
            what: self.what.clone(),
            source,
        }
    }
}

impl Output for NmsgOutput {
    fn write_hit(&mut self, hit: &Hit<'_>) -> Result<Written, OutputError> {
        let r = match hit {
            Hit::Nmsg { payload, .. } => self.writer.write(payload),
            Hit::Ip { packet, .. } => {
                if !packet.is_complete() {
                    return Ok(Written::Skipped);
                }
                self.writer.write(&packet_payload(packet))
            }
        };
        r.map_err(|e| self.write_err(e))?;
        Ok(Written::Yes)
    }

    fn write_nmsg(
        &mut self,
        _channel: u16,
        payload: &nmsg::Payload,
        crc: Option<u32>,
    ) -> Result<Written, OutputError> {
        self.writer
            .write_with_crc(payload, crc)
            .map_err(|e| self.write_err(e))?;
        Ok(Written::Yes)
    }

    fn write_encoded_nmsg(
        &mut self,
        _channel: u16,
        envelope: &nmsg::container::CheckedEnvelope,
    ) -> Result<Written, OutputError> {
        // Checked on receipt: copied through without checking it again.
        self.writer
            .write_checked(envelope)
            .map_err(|e| self.write_err(e))?;
        Ok(Written::Yes)
    }

    fn flush(&mut self) -> Result<(), OutputError> {
        self.writer.flush().map_err(|e| self.write_err(e))
    }

    fn end_batch(&mut self) -> Result<(), OutputError> {
        // Only the datagrams queued for one sendmmsg; the container keeps filling, and file or
        // TCP buffers fill up to their size.
        if !self.batched {
            return Ok(());
        }
        let r = self.writer.get_mut().inner.flush_sink();
        r.map_err(|e| self.write_err(e))
    }

    fn bytes_written(&self) -> u64 {
        self.existing + self.writer.get_ref().bytes
    }
}

#[cfg(test)]
mod tests;
