//! [`UdpBatch`]: NMSG datagrams sent to a connected UDP socket a batch at a time with
//! `sendmmsg(2)` (rustix's safe wrapper), instead of one `send` per 1280-byte container.
//!
//! Datagrams wait in the batch until [`MAX_DATAGRAMS`] are queued or the sink is flushed (an
//! unbuffered output, `-u`, sends each at once): the
//! output thread flushes it after every batch of hits it takes off its queue
//! ([`super::Output::end_batch`]) and on every output flush, so no datagram waits longer than
//! the hits it carries did. UDP GSO (`UDP_SEGMENT`) would save more, but needs datagrams of
//! one size, and NMSG containers vary.
//!
//! The errors of an absent receiver ("connection refused" and the like) are ignored, as
//! libaxa ignores them: the datagram they concern is counted as sent.

use std::io::{self, IoSlice};
use std::net::UdpSocket;

use nmsg::writer::FrameSink;
use rustix::net::{sendmmsg, MMsgHdr, SendAncillaryBuffer, SendFlags};

/// The most datagrams queued before they are sent (one `sendmmsg`).
pub const MAX_DATAGRAMS: usize = 64;

/// Datagrams to one connected socket, sent in batches.
#[derive(Debug)]
pub struct UdpBatch {
    sock: UdpSocket,
    /// Send once this many are queued.
    max: usize,
    /// The queued datagrams back to back…
    bytes: Vec<u8>,
    /// …and where each ends.
    ends: Vec<usize>,
}

impl UdpBatch {
    /// A sink over a connected socket sending once `max` datagrams are queued (clamped to
    /// 1..=[`MAX_DATAGRAMS`]; 1 sends each at once).
    pub fn new(sock: UdpSocket, max: usize) -> UdpBatch {
        UdpBatch {
            sock,
            max: max.clamp(1, MAX_DATAGRAMS),
            bytes: Vec::new(),
            ends: Vec::with_capacity(MAX_DATAGRAMS),
        }
    }

    /// Sends every queued datagram.
    pub fn send_queued(&mut self) -> io::Result<()> {
        let mut start = 0;
        let mut slices: Vec<IoSlice<'_>> = Vec::with_capacity(self.ends.len());
        for &end in &self.ends {
            slices.push(IoSlice::new(&self.bytes[start..end]));
            start = end;
        }
        let mut first = 0;
        let result = loop {
            if first == slices.len() {
                break Ok(());
            }
            let mut controls: Vec<SendAncillaryBuffer<'_, '_, '_>> = (first..slices.len())
                .map(|_| SendAncillaryBuffer::default())
                .collect();
            let mut msgs: Vec<MMsgHdr<'_>> = slices[first..]
                .chunks(1)
                .zip(controls.iter_mut())
                .map(|(iov, control)| MMsgHdr::new(iov, control))
                .collect();
            match sendmmsg(&self.sock, &mut msgs, SendFlags::empty()) {
                Ok(0) => break Err(io::Error::new(io::ErrorKind::WriteZero, "sendmmsg")),
                Ok(n) => first += n,
                // The first datagram failed; the error concerns it (or an earlier one).
                Err(e) => {
                    let e = io::Error::from(e);
                    if !ignorable(&e) {
                        break Err(e);
                    }
                    tracing::debug!(error = %e, "UDP send ignored");
                    first += 1;
                }
            }
        };
        self.bytes.clear();
        self.ends.clear();
        result
    }
}

/// The errors of an absent receiver, and a full socket buffer (the datagram is dropped, as
/// the network may drop it).
fn ignorable(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::HostUnreachable
            | io::ErrorKind::NetworkUnreachable
            | io::ErrorKind::WouldBlock
    )
}

impl FrameSink for UdpBatch {
    fn send_frame(&mut self, frame: &[u8]) -> io::Result<()> {
        self.bytes.extend_from_slice(frame);
        self.ends.push(self.bytes.len());
        if self.ends.len() >= self.max {
            self.send_queued()?;
        }
        Ok(())
    }

    fn send_frame_parts(&mut self, parts: &[&[u8]], _scratch: &mut Vec<u8>) -> io::Result<()> {
        // Joined straight into the queue: one copy of the container instead of two.
        for p in parts {
            self.bytes.extend_from_slice(p);
        }
        self.ends.push(self.bytes.len());
        if self.ends.len() >= self.max {
            self.send_queued()?;
        }
        Ok(())
    }

    fn flush_sink(&mut self) -> io::Result<()> {
        self.send_queued()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn pair() -> (UdpSocket, UdpBatch) {
        let rx = UdpSocket::bind("127.0.0.1:0").unwrap();
        rx.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
        tx.connect(rx.local_addr().unwrap()).unwrap();
        (rx, UdpBatch::new(tx, MAX_DATAGRAMS))
    }

    #[test]
    fn datagrams_keep_their_boundaries_and_order() {
        let (rx, mut b) = pair();
        let n = MAX_DATAGRAMS + 3;
        for i in 0..n {
            b.send_frame(&vec![i as u8; 1 + i % 7]).unwrap();
        }
        // A full batch went out at once; the rest waits for the flush.
        b.flush_sink().unwrap();
        let mut buf = [0u8; 64];
        for i in 0..n {
            let got = rx.recv(&mut buf).unwrap();
            assert_eq!(&buf[..got], &vec![i as u8; 1 + i % 7][..]);
        }
    }

    #[test]
    fn frames_in_parts_are_joined() {
        let (rx, mut b) = pair();
        let mut scratch = Vec::new();
        b.send_frame_parts(&[b"NM", b"SG", b""], &mut scratch)
            .unwrap();
        b.send_frame(b"x").unwrap();
        b.flush_sink().unwrap();
        let mut buf = [0u8; 16];
        let n = rx.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"NMSG");
        let n = rx.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"x");
    }

    #[test]
    fn an_absent_receiver_is_not_an_error() {
        let (rx, mut b) = pair();
        drop(rx);
        for _ in 0..3 {
            for _ in 0..5 {
                b.send_frame(b"NMSG").unwrap();
            }
            b.flush_sink().unwrap();
        }
    }
}
