//! The connection task: owns the framed stream, sends requests one at a time and matches
//! their replies ([`super::reply`]), answers the server HELLO, keeps the connection alive
//! (NOP after 30 s without traffic either way) and forwards everything else as [`Event`]s.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axa_proto::codec::CodecError;
use axa_proto::{AxaCodec, Direction, Frame, Hello, Message, Op, ResultMsg, Whit};
use futures::{FutureExt, SinkExt, StreamExt};
use tokio::sync::{mpsc, oneshot};
use tokio::time::{sleep_until, Instant};
use tokio_util::codec::Framed;

use super::hello::{client_hello, negotiated_version};
use super::hit_sink::HitSink;
use super::reply::{classify, Expect, Failure, Verdict};
use crate::transport::BoxIo;

/// libaxa's keepalive period.
pub const KEEPALIVE: Duration = Duration::from_secs(30);
/// The most frames handled in a row before the connection looks at requests and timers (and
/// hands a batch to the [`HitSink`]): about one 256 KiB read of typical WHITs.
pub const FRAME_BATCH: usize = 1024;
/// How long a closing session waits for the reply of a pending request.
pub const CLOSE_GRACE: Duration = Duration::from_secs(2);

/// Something the server sent that is not the reply to a waiting request.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The server HELLO (the connection already answered it).
    Hello(Hello),
    /// A watch hit; decode it with [`crate::session::hit::owned_hit`] when needed. Sessions
    /// opened with [`crate::Client::connect_with_hits`] hand hits to their
    /// [`HitSink`] instead.
    Hit {
        /// The tag of the watch that matched.
        tag: u16,
        /// The hit.
        whit: Whit,
    },
    /// A MISSED report.
    Missed(axa_proto::Missed),
    /// Server text not tied to a request (OK/ERROR with orig_op OK, NOP or ERROR).
    Trace {
        /// Header tag.
        tag: u16,
        /// The text.
        result: ResultMsg,
        /// True for ERROR.
        error: bool,
    },
    /// Any other message no request was waiting for (replies to
    /// [`Client::send`](crate::Client::send), unexpected replies, WLIST/CLIST...).
    Message {
        /// Header tag.
        tag: u16,
        /// The message.
        message: Message,
    },
}

/// A request's outcome.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// The awaited OK/OPT/KILL RSP.
    Done(Message),
    /// A list's items (the final OK, if any, is not included).
    List(Vec<Message>),
    /// Sent; no reply expected.
    Sent,
}

/// Why the connection ended or a request failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SessionError {
    /// The server refused the request.
    #[error("{0}")]
    Refused(#[from] Failure),
    /// The connection is closed (by the server, an error, or [`crate::Client::close`]).
    #[error("connection closed: {0}")]
    Closed(String),
}

pub(crate) struct Request {
    pub tag: u16,
    pub message: Message,
    pub expect: Expect,
    pub reply: oneshot::Sender<Result<Reply, SessionError>>,
}

/// What the client can see of the session.
#[derive(Debug, Clone, Default)]
pub struct SessionInfo {
    /// The server HELLO, once received.
    pub hello: Option<Hello>,
    /// The protocol version in use.
    pub pvers: u8,
    /// The negotiated TLS version and cipher suite (`apikey:` over TLS only).
    pub tls: Option<crate::tls::TlsSessionInfo>,
}

struct Pending {
    expect: Expect,
    items: Vec<Message>,
    reply: oneshot::Sender<Result<Reply, SessionError>>,
}

pub(crate) struct Connection {
    pub framed: Framed<BoxIo, AxaCodec>,
    pub requests: mpsc::Receiver<Request>,
    pub events: mpsc::Sender<Event>,
    pub info: Arc<Mutex<SessionInfo>>,
    pub origin: String,
    pub list_idle: Duration,
    /// Send NOP after this long without traffic ([`KEEPALIVE`]).
    pub keepalive: Duration,
    /// The identification request (USER), whose OK the client may wait for.
    pub login: Option<Login>,
    /// Where hits go instead of [`Event::Hit`]s, when set.
    pub hits: Option<Box<dyn HitSink>>,
}

/// The USER request registered before the task starts.
pub(crate) struct Login {
    pub reply: oneshot::Sender<Result<Reply, SessionError>>,
}

/// The read buffer: hits keep slices of it alive until written, so each refill allocates a
/// new one; 256 KiB reads take ~750 typical WHITs per syscall and allocation (8 KiB by
/// default). Measured with examples/tunnel_cpu: 256 KiB costs a little less CPU per hit
/// than 64 KiB (fewer reads, allocations and page faults).
const READ_BUFFER: usize = 256 * 1024;

/// Builds the framed stream for a client (receives "from SRA").
pub(crate) fn framed(io: BoxIo) -> Framed<BoxIo, AxaCodec> {
    Framed::with_capacity(io, AxaCodec::new(Direction::FromSra), READ_BUFFER)
}

impl Connection {
    /// Runs until the server closes, a protocol error, or every [`crate::Client`] handle is
    /// dropped. Returns why it ended.
    pub async fn run(mut self) -> String {
        let mut pending: Option<Pending> = self.login.take().map(|p| Pending {
            expect: Expect::Ok(Op::User),
            items: Vec::new(),
            reply: p.reply,
        });
        let mut queue: VecDeque<Request> = VecDeque::new();
        let mut last_io = Instant::now();
        let mut list_deadline: Option<Instant> = None;
        let mut requests_open = true;
        // Once every handle is gone, what is pending gets this long to finish.
        let mut closing: Option<Instant> = None;
        let reason = loop {
            // Start the next queued request once nothing is pending.
            if pending.is_none() {
                if let Some(req) = queue.pop_front() {
                    match self.send(req.tag, &req.message).await {
                        Ok(()) => {
                            last_io = Instant::now();
                            if req.expect == Expect::Nothing {
                                let _ = req.reply.send(Ok(Reply::Sent));
                            } else {
                                if matches!(req.expect, Expect::List { .. }) {
                                    list_deadline = Some(Instant::now() + self.list_idle);
                                }
                                pending = Some(Pending {
                                    expect: req.expect,
                                    items: Vec::new(),
                                    reply: req.reply,
                                });
                            }
                            continue;
                        }
                        Err(e) => {
                            let _ = req.reply.send(Err(SessionError::Closed(e.to_string())));
                            break e.to_string();
                        }
                    }
                }
            }
            let keepalive = last_io + self.keepalive;
            let list_end = list_deadline.unwrap_or(keepalive + self.keepalive);
            tokio::select! {
                frame = self.framed.next() => {
                    last_io = Instant::now();
                    // Frames already read are handled here rather than one per pass through
                    // this select!, which re-arms its timers each time (a syscall per hit).
                    let mut frame = frame;
                    let mut handled = 0;
                    let ended = loop {
                        let f = match frame {
                            Some(Ok(f)) => f,
                            Some(Err(e)) => break Some(describe(&e)),
                            None => break Some("server closed the connection".to_owned()),
                        };
                        // Hits for the sink are taken synchronously, without building the
                        // (large) future of on_frame for each.
                        if let Some(f) = self.take_hit(f) {
                            if let Err(reason) =
                                self.on_frame(f, &mut pending, &mut list_deadline).await
                            {
                                break Some(reason);
                            }
                        }
                        handled += 1;
                        if handled == FRAME_BATCH || (pending.is_none() && !queue.is_empty()) {
                            break None;
                        }
                        match self.framed.next().now_or_never() {
                            Some(f) => frame = f,
                            None => break None,
                        }
                    };
                    // Hand on the hits of what was read (also when the connection ended).
                    if let Some(sink) = self.hits.as_mut() {
                        sink.flush().await;
                    }
                    if let Some(reason) = ended {
                        break reason;
                    }
                }
                req = self.requests.recv(), if requests_open => match req {
                    Some(r) => queue.push_back(r),
                    None => {
                        requests_open = false;
                        closing = Some(Instant::now() + CLOSE_GRACE);
                        if pending.is_none() && queue.is_empty() {
                            break "closed by the client".to_owned();
                        }
                    }
                },
                _ = sleep_until(closing.unwrap_or(keepalive)), if closing.is_some() => {
                    break "closed by the client".to_owned();
                }
                _ = sleep_until(keepalive) => {
                    if let Err(e) = self.send(0, &Message::Nop).await {
                        break e.to_string();
                    }
                    last_io = Instant::now();
                }
                _ = sleep_until(list_end), if list_deadline.is_some() => {
                    list_deadline = None;
                    if let Some(p) = pending.take() {
                        let _ = p.reply.send(Ok(Reply::List(p.items)));
                    }
                }
            }
            if !requests_open && pending.is_none() && queue.is_empty() {
                break "closed by the client".to_owned();
            }
        };
        let closed = SessionError::Closed(reason.clone());
        if let Some(p) = pending {
            let _ = p.reply.send(Err(closed.clone()));
        }
        for r in queue {
            let _ = r.reply.send(Err(closed.clone()));
        }
        reason
    }

    async fn send(&mut self, tag: u16, msg: &Message) -> Result<(), CodecError> {
        tracing::trace!(tag, op = %msg.op(), "send");
        self.framed.send((tag, msg)).await
    }

    async fn emit(&mut self, ev: Event) -> Result<(), String> {
        // A dropped event receiver just means nobody listens.
        let _ = self.events.send(ev).await;
        Ok(())
    }

    /// Hands a WATCH HIT to the sink, if there is one; other frames are given back.
    fn take_hit(&mut self, frame: Frame) -> Option<Frame> {
        let Some(sink) = self.hits.as_mut() else {
            return Some(frame);
        };
        if frame.op() != Op::Whit {
            return Some(frame);
        }
        let tag = frame.tag();
        tracing::trace!(tag, op = %Op::Whit, "received");
        if let Message::Whit(whit) = frame.into_message() {
            sink.push(tag, whit);
        }
        None
    }

    async fn on_frame(
        &mut self,
        frame: Frame,
        pending: &mut Option<Pending>,
        list_deadline: &mut Option<Instant>,
    ) -> Result<(), String> {
        let tag = frame.tag();
        let msg = frame.message().map_err(|e| e.to_string())?;
        tracing::trace!(tag, op = %msg.op(), "received");
        if let Message::Hello(h) = &msg {
            return self.on_hello(h.clone()).await;
        }
        let verdict = match pending.as_ref() {
            Some(p) => classify(p.expect, msg),
            None => Verdict::NotReply(msg),
        };
        match verdict {
            Verdict::Done(m) => {
                *list_deadline = None;
                if let Some(p) = pending.take() {
                    let reply = match p.expect {
                        Expect::List { .. } => Reply::List(p.items),
                        _ => Reply::Done(m),
                    };
                    let _ = p.reply.send(Ok(reply));
                }
                Ok(())
            }
            Verdict::Item(m) => {
                if let Some(p) = pending.as_mut() {
                    p.items.push(m);
                }
                *list_deadline = Some(Instant::now() + self.list_idle);
                Ok(())
            }
            Verdict::Failed(f) => {
                *list_deadline = None;
                if let Some(p) = pending.take() {
                    let _ = p.reply.send(Err(SessionError::Refused(f)));
                }
                Ok(())
            }
            Verdict::Unexpected(m) => {
                tracing::debug!(tag, op = %m.op(), "unexpected reply");
                self.emit(Event::Message { tag, message: m }).await
            }
            Verdict::NotReply(m) => {
                let ev = match m {
                    Message::Whit(whit) => Event::Hit { tag, whit },
                    Message::Missed(m) => Event::Missed(m),
                    Message::Nop => return Ok(()),
                    Message::Ok(r) if super::reply::is_trace(&r) => Event::Trace {
                        tag,
                        result: r,
                        error: false,
                    },
                    Message::Error(r) if super::reply::is_trace(&r) => Event::Trace {
                        tag,
                        result: r,
                        error: true,
                    },
                    message => Event::Message { tag, message },
                };
                self.emit(ev).await
            }
        }
    }

    async fn on_hello(&mut self, h: Hello) -> Result<(), String> {
        {
            let Ok(mut info) = self.info.lock() else {
                return Err("session state poisoned".into());
            };
            if info.hello.is_some() {
                return Err("duplicate HELLO".into());
            }
            info.pvers = negotiated_version(&h);
            info.hello = Some(h.clone());
            self.framed.codec_mut().set_pvers(info.pvers);
        }
        if let Some(mine) = client_hello(&h, &self.origin) {
            self.send(0, &Message::Hello(mine))
                .await
                .map_err(|e| e.to_string())?;
        }
        self.emit(Event::Hello(h)).await
    }
}

fn describe(e: &CodecError) -> String {
    match e {
        CodecError::Io(io) => format!("read error: {io}"),
        CodecError::Proto(p) => format!("protocol error: {p}"),
    }
}
