//! pcap outputs (`pcap:file`, `pcap-fifo:file`): classic libpcap files, link type RAW (101, IP
//! without a link-layer header), snaplen 131072, microsecond timestamps.
//!
//! The file header and record headers are in host byte order with the magic `0xa1b2c3d4`, as
//! libpcap writes them (readers detect the order from the magic). IP hits are written as they
//! are; NMSG hits only when they are base:packet with payload_type IP (the time comes from the
//! payload); other NMSG types are refused per hit with `cannot forward nmsg V T messages via
//! pcap`.
//!
//! `pcap-fifo:` creates the FIFO with mode 0600 when missing (an existing non-FIFO is an error),
//! opens it read-write (so opening never blocks waiting for a reader) and drains stale data a
//! previous reader left, as libaxa does. Writes then block while the FIFO is full: the tunnel's
//! output thread waits and the hits that arrive meanwhile are dropped and counted upstream,
//! instead of libaxa's partial non-blocking writes.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Read, Write};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

use rustix::fs::{Mode, OFlags};

use super::packet::packet_ip;
use super::{Hit, Output, OutputError, Written};

/// pcap magic for microsecond timestamps.
pub const MAGIC: u32 = 0xa1b2_c3d4;
/// LINKTYPE_RAW: the packet starts with the IP header.
pub const LINKTYPE_RAW: u32 = 101;
/// Snapshot length (libaxa: `AXA_P_WHIT_IP_MAX`).
pub const SNAPLEN: u32 = 131_072;
/// Stale FIFO data larger than this means another writer is active.
const MAX_DRAIN: usize = 1024 * 1024;

/// A pcap file or FIFO output.
#[derive(Debug)]
pub struct PcapOutput {
    w: BufWriter<File>,
    what: String,
    bytes: u64,
}

impl PcapOutput {
    /// Creates (truncates) a pcap file and writes the file header. With `append`, an existing
    /// non-empty file is extended without a new header.
    pub fn create(path: &Path, append: bool) -> Result<PcapOutput, OutputError> {
        let what = path.display().to_string();
        let open_err = |source| OutputError::Open {
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
        let file = opts.open(path).map_err(open_err)?;
        let existing = file.metadata().map_err(open_err)?.len();
        PcapOutput::start(file, what, !(append && existing > 0), existing)
    }

    /// Opens (creating with mode 0600 if needed) a FIFO, drains stale data and writes the file
    /// header.
    pub fn fifo(path: &Path) -> Result<PcapOutput, OutputError> {
        let what = path.display().to_string();
        let open_err = |source| OutputError::Open {
            what: what.clone(),
            source,
        };
        match std::fs::metadata(path) {
            Ok(m) if m.file_type().is_fifo() => {}
            Ok(_) => {
                return Err(open_err(io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    "exists but is not a FIFO",
                )))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                rustix::fs::mknodat(
                    rustix::fs::CWD,
                    path,
                    rustix::fs::FileType::Fifo,
                    Mode::RUSR | Mode::WUSR,
                    0,
                )
                .map_err(|e| open_err(e.into()))?;
            }
            Err(e) => return Err(open_err(e)),
        }
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(OFlags::NONBLOCK.bits() as i32)
            .open(path)
            .map_err(open_err)?;
        let mut buf = vec![0u8; 64 * 1024];
        let mut drained = 0usize;
        loop {
            match file.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    drained += n;
                    if drained > MAX_DRAIN {
                        return Err(open_err(io::Error::other("seems to be an active FIFO")));
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(open_err(e)),
            }
        }
        rustix::fs::fcntl_setfl(&file, OFlags::empty()).map_err(|e| open_err(e.into()))?;
        PcapOutput::start(file, what, true, 0)
    }

    fn start(
        file: File,
        what: String,
        header: bool,
        existing: u64,
    ) -> Result<PcapOutput, OutputError> {
        let mut out = PcapOutput {
            w: BufWriter::with_capacity(256 * 1024, file),
            what,
            bytes: existing,
        };
        if header {
            let mut h = [0u8; 24];
            h[0..4].copy_from_slice(&MAGIC.to_ne_bytes());
            h[4..6].copy_from_slice(&2u16.to_ne_bytes());
            h[6..8].copy_from_slice(&4u16.to_ne_bytes());
            // thiszone and sigfigs stay 0.
            h[16..20].copy_from_slice(&SNAPLEN.to_ne_bytes());
            h[20..24].copy_from_slice(&LINKTYPE_RAW.to_ne_bytes());
            out.put(&h)?;
            out.flush()?;
        }
        Ok(out)
    }

    fn put(&mut self, b: &[u8]) -> Result<(), OutputError> {
        self.w.write_all(b).map_err(|source| OutputError::Write {
            what: self.what.clone(),
            source,
        })?;
        self.bytes += b.len() as u64;
        Ok(())
    }

    fn record(&mut self, sec: u32, usec: u32, data: &[u8], len: u32) -> Result<(), OutputError> {
        let cap = &data[..data.len().min(SNAPLEN as usize)];
        let mut h = [0u8; 16];
        h[0..4].copy_from_slice(&sec.to_ne_bytes());
        h[4..8].copy_from_slice(&usec.to_ne_bytes());
        h[8..12].copy_from_slice(&(cap.len() as u32).to_ne_bytes());
        h[12..16].copy_from_slice(&len.to_ne_bytes());
        self.put(&h)?;
        self.put(cap)
    }
}

impl Output for PcapOutput {
    fn write_hit(&mut self, hit: &Hit<'_>) -> Result<Written, OutputError> {
        match hit {
            Hit::Ip { packet, .. } => {
                if packet.data.is_empty() {
                    return Ok(Written::Skipped);
                }
                self.record(packet.tv_sec, packet.tv_usec, packet.data, packet.ip_len)?;
            }
            Hit::Nmsg { payload, .. } => {
                let Some(ip) = packet_ip(payload) else {
                    return Err(OutputError::Unsupported(format!(
                        "cannot forward nmsg {} {} messages via pcap",
                        payload.vid, payload.msgtype
                    )));
                };
                let len = u32::try_from(ip.len()).unwrap_or(u32::MAX);
                // pcap timestamps are 32-bit; times outside that range are clamped.
                let sec = u32::try_from(payload.time_sec.max(0)).unwrap_or(u32::MAX);
                self.record(sec, payload.time_nsec / 1000, ip, len)?;
            }
        }
        Ok(Written::Yes)
    }

    fn flush(&mut self) -> Result<(), OutputError> {
        self.w.flush().map_err(|source| OutputError::Write {
            what: self.what.clone(),
            source,
        })
    }

    fn bytes_written(&self) -> u64 {
        self.bytes
    }
}

#[cfg(test)]
mod tests;
