//! A session's outbox: a bounded data lane for hits and a control lane for replies.
//!
//! Ingest tasks put hits in with [`Outbox::try_send_data`], which never waits: when the data
//! lane is full the hit is refused and the caller counts it as `dropped` (congestion). Replies
//! (OK, ERROR, WLIST, CLIST, OPT, MISSED ...) go to the control lane with
//! [`Outbox::send_control`], which is unbounded in items and never drops: a client that sends
//! requests must read replies, and each request yields a bounded number of them. The writer
//! task takes everything queued in one lock with [`Outbox::next_batch`] (control first, then
//! data) and writes it as one batch, so a slow client only ever fills its own outbox.

use std::collections::VecDeque;
use std::sync::Mutex;

use bytes::Bytes;
use tokio::sync::Notify;

use crate::hit::Hit;

/// Why a hit was not queued.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// The data lane is full (count as `dropped`).
    #[error("outbox full")]
    Full(Hit),
    /// The session is closing.
    #[error("outbox closed")]
    Closed(Hit),
}

/// The control lane is closed: the session is ending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("outbox closed")]
pub struct Closed;

#[derive(Debug, Default)]
struct Lanes {
    control: VecDeque<Bytes>,
    data: VecDeque<Hit>,
    closed: bool,
}

/// One session's outbox.
#[derive(Debug)]
pub struct Outbox {
    lanes: Mutex<Lanes>,
    ready: Notify,
    capacity: usize,
}

impl Outbox {
    /// An outbox whose data lane holds at most `capacity` hits (at least 1).
    pub fn new(capacity: usize) -> Self {
        Outbox {
            lanes: Mutex::new(Lanes::default()),
            ready: Notify::new(),
            capacity: capacity.max(1),
        }
    }

    fn lanes(&self) -> std::sync::MutexGuard<'_, Lanes> {
        self.lanes.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues a hit unless the data lane is full or closed, and wakes the writer. Never
    /// waits.
    #[inline]
    pub fn try_send_data(&self, hit: Hit) -> Result<(), Refused> {
        if self.try_send_data_quiet(hit)? {
            self.wake();
        }
        Ok(())
    }

    /// Queues a hit as [`Outbox::try_send_data`] does, without waking the writer: returns
    /// true when the outbox was empty before, i.e. when the caller must call
    /// [`Outbox::wake`] (once, later: an ingest task wakes each writer once per batch of
    /// payloads rather than once per hit, so the writer finds more to write per wake-up).
    #[inline]
    pub fn try_send_data_quiet(&self, hit: Hit) -> Result<bool, Refused> {
        let mut l = self.lanes();
        if l.closed {
            return Err(Refused::Closed(hit));
        }
        if l.data.len() >= self.capacity {
            return Err(Refused::Full(hit));
        }
        let wake = l.data.is_empty() && l.control.is_empty();
        l.data.push_back(hit);
        Ok(wake)
    }

    /// Wakes the writer (after [`Outbox::try_send_data_quiet`] returned true).
    pub fn wake(&self) {
        self.ready.notify_one();
    }

    /// Queues a complete reply frame; it is never dropped (only refused after [`close`]).
    ///
    /// [`close`]: Outbox::close
    pub fn send_control(&self, frame: Bytes) -> Result<(), Closed> {
        let mut l = self.lanes();
        if l.closed {
            return Err(Closed);
        }
        let wake = l.data.is_empty() && l.control.is_empty();
        l.control.push_back(frame);
        drop(l);
        if wake {
            self.ready.notify_one();
        }
        Ok(())
    }

    /// Moves up to `max_data` queued hits into `data` and every queued reply into `control`
    /// without waiting. Returns false when the outbox is closed and empty.
    pub fn try_batch(
        &self,
        control: &mut Vec<Bytes>,
        data: &mut Vec<Hit>,
        max_data: usize,
    ) -> bool {
        let mut l = self.lanes();
        if !l.control.is_empty() {
            // Taken whole: the lane keeps no buffer while the session is idle.
            control.extend(std::mem::take(&mut l.control));
        }
        let n = l.data.len().min(max_data);
        data.extend(l.data.drain(..n));
        !(l.closed
            && l.control.is_empty()
            && l.data.is_empty()
            && control.is_empty()
            && data.is_empty())
    }

    /// Waits until something is queued, then moves it as [`Outbox::try_batch`] does. Returns
    /// false when the outbox is closed and everything was taken.
    pub async fn next_batch(
        &self,
        control: &mut Vec<Bytes>,
        data: &mut Vec<Hit>,
        max_data: usize,
    ) -> bool {
        loop {
            let notified = self.ready.notified();
            let before = control.len() + data.len();
            if !self.try_batch(control, data, max_data) {
                return false;
            }
            if control.len() + data.len() > before {
                return true;
            }
            if self.lanes().closed {
                return false;
            }
            notified.await;
        }
    }

    /// Refuses further items and wakes the writer; what is queued can still be taken.
    pub fn close(&self) {
        self.lanes().closed = true;
        self.ready.notify_one();
    }

    /// The number of hits waiting in the data lane (the "queued" term of the accounting
    /// invariant).
    pub fn queued(&self) -> usize {
        self.lanes().data.len()
    }

    /// The data lane's capacity.
    pub fn capacity(&self) -> usize {
        self.capacity
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hit::{HitMeta, IDX_NONE};

    fn hit(tag: u16) -> Hit {
        Hit {
            tag,
            channel: 1,
            field_idx: IDX_NONE,
            val_idx: IDX_NONE,
            meta: HitMeta::Ip {
                tv_sec: 0,
                tv_usec: 0,
                ip_len: 0,
            },
            body: Bytes::new(),
        }
    }

    #[test]
    fn full_data_lane_refuses_but_control_never_drops() {
        let o = Outbox::new(2);
        assert!(o.try_send_data(hit(1)).is_ok());
        assert!(o.try_send_data(hit(2)).is_ok());
        assert_eq!(o.try_send_data(hit(3)), Err(Refused::Full(hit(3))));
        for i in 0..1000u32 {
            o.send_control(Bytes::from(i.to_le_bytes().to_vec()))
                .unwrap();
        }
        assert_eq!(o.queued(), 2);
        let (mut c, mut d) = (Vec::new(), Vec::new());
        assert!(o.try_batch(&mut c, &mut d, 1));
        assert_eq!(c.len(), 1000);
        assert_eq!(d, [hit(1)]);
        assert!(o.try_send_data(hit(4)).is_ok());
        d.clear();
        assert!(o.try_batch(&mut c, &mut d, 10));
        assert_eq!(d, [hit(2), hit(4)]);
    }

    #[test]
    fn close_refuses_new_items_and_drains_old() {
        let o = Outbox::new(4);
        o.try_send_data(hit(1)).unwrap();
        o.close();
        assert_eq!(o.try_send_data(hit(2)), Err(Refused::Closed(hit(2))));
        assert_eq!(o.send_control(Bytes::new()), Err(Closed));
        let (mut c, mut d) = (Vec::new(), Vec::new());
        assert!(o.try_batch(&mut c, &mut d, 10));
        assert_eq!(d.len(), 1);
        d.clear();
        assert!(!o.try_batch(&mut c, &mut d, 10));
    }

    #[tokio::test]
    async fn writer_wakes_for_items_pushed_from_another_task() {
        let o = std::sync::Arc::new(Outbox::new(8));
        let o2 = o.clone();
        let writer = tokio::spawn(async move {
            let (mut c, mut d) = (Vec::new(), Vec::new());
            let mut got = 0;
            while got < 3 {
                assert!(o2.next_batch(&mut c, &mut d, 8).await);
                got = c.len() + d.len();
            }
            // Then the close ends the loop.
            while o2.next_batch(&mut c, &mut d, 8).await {}
            c.len() + d.len()
        });
        tokio::task::yield_now().await;
        o.try_send_data(hit(1)).unwrap();
        o.send_control(Bytes::from_static(b"x")).unwrap();
        tokio::task::yield_now().await;
        o.try_send_data(hit(2)).unwrap();
        o.close();
        assert_eq!(writer.await.unwrap(), 3);
    }
}
