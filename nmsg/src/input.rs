//! The sans-IO reading engine: datagrams or stream frames in, containers and payloads out,
//! with reassembly, loss counting, statistics and the data-error policy.
//!
//! The caller owns the socket or file and the clock; [`Input`] owns everything else. The
//! blocking readers in [`crate::reader`] are thin loops over it, and an async server can drive
//! it from its own tasks the same way.
//!
//! # Data errors never stop an input
//!
//! Every method returns data errors ([`Error::is_data_error`]) for the caller to log, counts
//! them in [`Stats::data_errors`] and stays usable: one bad datagram costs that datagram only,
//! one bad payload costs that payload only.
//!
//! # Headerless datagrams (spec §10, question 1)
//!
//! libnmsg 1.3.3 with zlib on sends an overfull payload that compresses to fit one datagram
//! *without* its 10-byte header: the datagram starts with the 4-byte uncompressed length and a
//! zlib header (`00 00 02 9c 78 9c …`). This crate's choice: **datagram inputs recover them by
//! default.** The form is unambiguous (a real header starts with `NMSG`; here the length must be
//! within [`Limits::max_inflated`], the zlib header checksum must hold, and the body must inflate
//! to exactly the declared size and parse as a container), real SIE feeds produced by
//! `nmsgtool -z` carry them, and the alternative loses their payloads (and shows them as loss in
//! the sequence numbers). Recovered datagrams are counted in [`Stats::headerless`].
//! [`Input::recover_headerless`]`(false)` gives the strict behaviour: such a datagram is a data
//! error ([`Error::BadMagic`]), counted and skipped. Stream inputs never guess: a stream has no
//! datagram boundary to delimit such a body.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::Instant;

use bytes::Bytes;

use crate::container::{decode_frame_with, Container, Frame, Payloads};
use crate::error::{Error, Result};
use crate::header::FLAG_ZLIB;
use crate::limits::Limits;
use crate::payload::Payload;
use crate::reassembly::Reassembler;
use crate::sequence::SequenceTracker;
use crate::stats::Stats;
use crate::zlib;

/// Reading state of one input: reassembly, sequence tracking, statistics, queued payloads.
#[derive(Debug)]
pub struct Input {
    limits: Limits,
    reassembler: Reassembler,
    sequences: SequenceTracker,
    stats: Stats,
    recover_headerless: bool,
    queue: VecDeque<Payloads>,
}

impl Input {
    /// A new input bounded by `limits`, recovering headerless datagrams.
    pub fn new(limits: Limits) -> Input {
        Input {
            reassembler: Reassembler::new(limits.clone()),
            sequences: SequenceTracker::new(limits.clone()),
            limits,
            stats: Stats::default(),
            recover_headerless: true,
            queue: VecDeque::new(),
        }
    }

    /// Whether headerless compressed datagrams are recovered (default) or refused.
    pub fn recover_headerless(mut self, on: bool) -> Input {
        self.recover_headerless = on;
        self
    }

    /// The limits in force.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Decodes one datagram from `sender` received at `now`: exactly one container or
    /// fragment. Returns the container when one is complete, `None` for a fragment that does not
    /// complete its set. Counts sequence loss per (sequence_id, sender).
    pub fn decode_datagram(
        &mut self,
        datagram: Bytes,
        sender: Option<SocketAddr>,
        now: Instant,
    ) -> Result<Option<Container>> {
        self.stats.bytes += datagram.len() as u64;
        let r = match decode_frame_with(&datagram, &self.limits, false) {
            Err(Error::BadMagic)
                if self.recover_headerless
                    && zlib::looks_compressed(&datagram, self.limits.max_inflated) =>
            {
                match Container::from_body(datagram, FLAG_ZLIB, &self.limits) {
                    Ok(c) => {
                        self.stats.headerless += 1;
                        Ok(Some(c))
                    }
                    Err(_) => Err(Error::BadMagic),
                }
            }
            r => r.and_then(|f| self.frame(f, sender, now)),
        };
        self.finish(r, sender, now, true)
    }

    /// Decodes one frame cut from a file or stream (header included; version 1 accepted).
    /// Sequence fields are not tracked, as libnmsg counts loss for datagram inputs only.
    pub fn decode_frame(&mut self, frame: Bytes, now: Instant) -> Result<Option<Container>> {
        self.stats.bytes += frame.len() as u64;
        let r =
            decode_frame_with(&frame, &self.limits, true).and_then(|f| self.frame(f, None, now));
        self.finish(r, None, now, false)
    }

    fn frame(
        &mut self,
        frame: Frame,
        sender: Option<SocketAddr>,
        now: Instant,
    ) -> Result<Option<Container>> {
        match frame {
            Frame::Container(c) => Ok(Some(c)),
            Frame::Fragment { fragment, zlib } => {
                self.stats.fragments += 1;
                match self.reassembler.push(fragment, zlib, sender, now)? {
                    Some(j) => {
                        let flags = if j.zlib { FLAG_ZLIB } else { 0 };
                        Container::from_body(j.body, flags, &self.limits).map(Some)
                    }
                    None => Ok(None),
                }
            }
        }
    }

    fn finish(
        &mut self,
        r: Result<Option<Container>>,
        sender: Option<SocketAddr>,
        now: Instant,
        sequenced: bool,
    ) -> Result<Option<Container>> {
        self.stats.expired = self.reassembler.expired();
        match &r {
            Ok(Some(c)) => {
                self.stats.containers += 1;
                if let (true, Some(seq), Some(id)) = (sequenced, c.sequence(), c.sequence_id()) {
                    self.stats.lost += self.sequences.observe(id, seq, sender, now);
                }
            }
            Ok(None) => {}
            Err(_) => self.stats.data_errors += 1,
        }
        r
    }

    /// [`Input::decode_datagram`], queueing the container's payloads for
    /// [`Input::next_payload`].
    pub fn push_datagram(
        &mut self,
        datagram: Bytes,
        sender: Option<SocketAddr>,
        now: Instant,
    ) -> Result<()> {
        if let Some(c) = self.decode_datagram(datagram, sender, now)? {
            self.queue.push_back(c.payloads());
        }
        Ok(())
    }

    /// [`Input::decode_frame`], queueing the container's payloads for [`Input::next_payload`].
    pub fn push_frame(&mut self, frame: Bytes, now: Instant) -> Result<()> {
        if let Some(c) = self.decode_frame(frame, now)? {
            self.queue.push_back(c.payloads());
        }
        Ok(())
    }

    /// The next queued payload, or a data error about one payload (CRC mismatch, undecodable
    /// envelope); `None` when the queue is empty.
    pub fn next_payload(&mut self) -> Option<Result<Payload>> {
        self.next_payload_with_crc().map(|r| r.map(|(p, _)| p))
    }

    /// As [`Input::next_payload`], with the checked wire CRC (see [`Payloads::next_with_crc`]).
    pub fn next_payload_with_crc(&mut self) -> Option<Result<(Payload, Option<u32>)>> {
        self.next_with(Payloads::next_with_crc)
    }

    /// As [`Input::next_payload_with_crc`], leaving the payload encoded (see
    /// [`Payloads::next_encoded`]): the envelope bytes and the checked wire CRC.
    pub fn next_encoded(&mut self) -> Option<Result<(Bytes, Option<u32>)>> {
        self.next_with(Payloads::next_encoded)
    }

    fn next_with<T>(
        &mut self,
        mut next: impl FnMut(&mut Payloads) -> Option<Result<T>>,
    ) -> Option<Result<T>> {
        loop {
            let front = self.queue.front_mut()?;
            match next(front) {
                Some(r) => {
                    match &r {
                        Ok(_) => self.stats.payloads += 1,
                        Err(_) => self.stats.data_errors += 1,
                    }
                    return Some(r);
                }
                None => {
                    self.queue.pop_front();
                }
            }
        }
    }

    /// Drops fragment sets older than [`Limits::fragment_timeout`]; call it from a timer when
    /// the input is idle.
    pub fn expire(&mut self, now: Instant) {
        self.reassembler.expire(now);
        self.stats.expired = self.reassembler.expired();
    }

    /// The counters so far.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// Counts a data error the caller found outside this input (e.g. a stream header that
    /// could not be framed).
    pub fn count_data_error(&mut self) {
        self.stats.data_errors += 1;
    }

    /// Counts a payload-level outcome the caller observed while iterating a container returned
    /// by [`Input::decode_datagram`] or [`Input::decode_frame`] itself.
    pub fn count_payload<T>(&mut self, r: &Result<T>) {
        match r {
            Ok(_) => self.stats.payloads += 1,
            Err(_) => self.stats.data_errors += 1,
        }
    }
}
