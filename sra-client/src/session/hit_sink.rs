//! The fast lane for watch hits: with a [`HitSink`] installed
//! ([`crate::Client::connect_with_hits`]), the connection task hands every WATCH HIT straight
//! to it, in the order read, instead of queueing one [`crate::Event`] per hit, and calls
//! [`HitSink::flush`] once the frames already read (up to a read buffer's worth) are all
//! pushed. sratunnel uses it to hand hits to its output thread in one message per read.

use axa_proto::Whit;
use futures::future::BoxFuture;

/// Takes watch hits from the connection task.
pub trait HitSink: Send {
    /// Takes one hit (`tag` = the header tag, the watch's). Must not block: it runs on the
    /// connection task between two frames.
    fn push(&mut self, tag: u16, whit: Whit);

    /// The frames read so far have all been pushed: hand them on. The connection reads
    /// nothing more until this completes, so waiting here (while the consumer is full)
    /// pushes back on the server through TCP instead of losing hits.
    fn flush(&mut self) -> BoxFuture<'_, ()>;
}
