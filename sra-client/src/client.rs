//! [`Client`]: a connected AXA session with typed requests, and its [`Events`] stream.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axa_proto::{
    AxaConfig, ChannelOnOff, Clist, ConnSpec, ConnSpecError, Kill, Message, Op, Opt, RateLimit,
    ResultMsg, StatsReq, StatsRsp, User, Watch, Wlist, PVERS_MIN,
};
use futures::{SinkExt, Stream};
use tokio::sync::{mpsc, oneshot};

use crate::session::connection::{
    framed, Connection, Event, Login, Reply, Request, SessionError, SessionInfo,
};
use crate::session::hit_sink::HitSink;
use crate::session::reply::Expect;
use crate::transport::{self, TransportError, TransportOptions};

/// Where the USER reply arrives.
type ReplyRx = oneshot::Receiver<Result<Reply, SessionError>>;

/// Client settings.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// `origin` in the client HELLO (`sratool`, `sratunnel`, …).
    pub origin: String,
    /// TLS and `-I`.
    pub transport: TransportOptions,
    /// Aliases for [`Client::connect_str`].
    pub config: Option<AxaConfig>,
    /// A list request (watches, channels, stats) ends after this long without a new item
    /// when the server does not end it with an OK.
    pub list_idle: Duration,
    /// Limit for opening the stream (connect and TLS).
    pub connect_timeout: Duration,
    /// Capacity of the event queue; the connection stops reading while it is full.
    pub event_queue: usize,
    /// NOP after this long without traffic either way (libaxa: 30 s).
    pub keepalive: Duration,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            origin: "unknown".into(),
            transport: TransportOptions::default(),
            config: None,
            list_idle: Duration::from_millis(500),
            connect_timeout: Duration::from_secs(30),
            event_queue: 4096,
            keepalive: crate::session::connection::KEEPALIVE,
        }
    }
}

/// Errors of the client.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// Bad connection string.
    #[error(transparent)]
    Spec(#[from] ConnSpecError),
    /// The stream could not be opened.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// Opening took too long.
    #[error("timed out connecting to {0}")]
    Timeout(String),
    /// Sending the identification failed.
    #[error("cannot send to {addr}: {reason}")]
    Send {
        /// The server.
        addr: String,
        /// Why.
        reason: String,
    },
    /// A request failed or the session ended.
    #[error(transparent)]
    Session(#[from] SessionError),
    /// The server answered with something else than the request's reply type.
    #[error("unexpected reply {0}")]
    UnexpectedReply(Op),
}

/// The stream of [`Event`]s of a session. It ends when the connection closes.
#[derive(Debug)]
pub struct Events {
    rx: mpsc::Receiver<Event>,
}

impl Events {
    /// The next event, or `None` once the connection has closed.
    pub async fn next(&mut self) -> Option<Event> {
        self.rx.recv().await
    }
}

impl Stream for Events {
    type Item = Event;
    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Event>> {
        self.rx.poll_recv(cx)
    }
}

/// A connected session. Cloning gives another handle to the same session; requests are
/// sent one at a time in call order, each after the previous one's reply (the first after
/// the reply to USER).
///
/// Keep reading [`Events`] while awaiting requests: the connection stops reading from the
/// server while the event queue ([`ClientOptions::event_queue`]) is full, so a reply queued
/// behind unread hits waits for them to be read. Dropping the `Events` discards events.
#[derive(Debug, Clone)]
pub struct Client {
    requests: mpsc::Sender<Request>,
    info: Arc<Mutex<SessionInfo>>,
    login: Arc<tokio::sync::Mutex<Option<ReplyRx>>>,
    label: String,
    closed: Arc<tokio::sync::Mutex<Option<tokio::task::JoinHandle<String>>>>,
}

impl Client {
    /// Connects to a connection string or an alias of `opts.config`.
    pub async fn connect_str(
        text: &str,
        opts: &ClientOptions,
    ) -> Result<(Client, Events), ClientError> {
        let spec = ConnSpec::parse_with_aliases(text, opts.config.as_ref())?;
        Client::connect(&spec, opts).await
    }

    /// Opens the stream, sends USER (or NOP without a user name) at protocol version 1 and
    /// starts the session. Does not wait for the server: see [`Client::authenticated`].
    pub async fn connect(
        spec: &ConnSpec,
        opts: &ClientOptions,
    ) -> Result<(Client, Events), ClientError> {
        Client::open(spec, opts, None).await
    }

    /// As [`Client::connect`], with watch hits going to `hits` (in batches, see
    /// [`crate::session::hit_sink`]) instead of arriving as [`Event::Hit`]s.
    pub async fn connect_with_hits(
        spec: &ConnSpec,
        opts: &ClientOptions,
        hits: Box<dyn HitSink>,
    ) -> Result<(Client, Events), ClientError> {
        Client::open(spec, opts, Some(hits)).await
    }

    async fn open(
        spec: &ConnSpec,
        opts: &ClientOptions,
        hits: Option<Box<dyn HitSink>>,
    ) -> Result<(Client, Events), ClientError> {
        let label = spec.label();
        let (io, tls) =
            tokio::time::timeout(opts.connect_timeout, transport::open(spec, &opts.transport))
                .await
                .map_err(|_| ClientError::Timeout(label.clone()))??;
        let mut framed = framed(io);
        framed.codec_mut().set_pvers(PVERS_MIN);
        let first = match &spec.user {
            Some(name) => Message::User(User { name: name.clone() }),
            None => Message::Nop,
        };
        framed
            .send((0u16, &first))
            .await
            .map_err(|e| ClientError::Send {
                addr: label.clone(),
                reason: e.to_string(),
            })?;
        let info = Arc::new(Mutex::new(SessionInfo {
            hello: None,
            pvers: PVERS_MIN,
            tls,
        }));
        if spec.user.is_some() {
            // libaxa goes back to version 2 after USER (a NOP keeps version 1 until HELLO).
            framed.codec_mut().set_pvers(axa_proto::PVERS);
        }
        let (req_tx, req_rx) = mpsc::channel(64);
        let (ev_tx, ev_rx) = mpsc::channel(opts.event_queue.max(1));
        let (login_tx, login_rx) = oneshot::channel();
        let login = if spec.user.is_some() {
            Some(Login { reply: login_tx })
        } else {
            let _ = login_tx.send(Ok(Reply::Sent));
            None
        };
        let conn = Connection {
            framed,
            requests: req_rx,
            events: ev_tx,
            info: info.clone(),
            origin: opts.origin.clone(),
            list_idle: opts.list_idle,
            keepalive: opts.keepalive,
            login,
            hits,
        };
        let task = tokio::spawn(conn.run());
        Ok((
            Client {
                requests: req_tx,
                info,
                login: Arc::new(tokio::sync::Mutex::new(Some(login_rx))),
                label,
                closed: Arc::new(tokio::sync::Mutex::new(Some(task))),
            },
            Events { rx: ev_rx },
        ))
    }

    /// Waits for the answer to USER: the OK text (`"<user> authorized"`), or the refusal.
    /// Immediate for NOP-identified sessions; later calls return `Ok(None)`.
    pub async fn authenticated(&self) -> Result<Option<String>, ClientError> {
        let rx = self.login.lock().await.take();
        let Some(rx) = rx else { return Ok(None) };
        match rx.await {
            Ok(Ok(Reply::Done(Message::Ok(r)))) => Ok(Some(r.text)),
            Ok(Ok(_)) => Ok(None),
            Ok(Err(e)) => Err(e.into()),
            Err(_) => Err(SessionError::Closed("connection task ended".into()).into()),
        }
    }

    /// `host,port` or path of the server.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The server HELLO and protocol version.
    pub fn info(&self) -> SessionInfo {
        self.info.lock().map(|i| i.clone()).unwrap_or_default()
    }

    async fn request(
        &self,
        tag: u16,
        message: Message,
        expect: Expect,
    ) -> Result<Reply, ClientError> {
        let (tx, rx) = oneshot::channel();
        self.requests
            .send(Request {
                tag,
                message,
                expect,
                reply: tx,
            })
            .await
            .map_err(|_| SessionError::Closed("connection task ended".into()))?;
        match rx.await {
            Ok(r) => Ok(r?),
            Err(_) => Err(SessionError::Closed("connection task ended".into()).into()),
        }
    }

    async fn ok(&self, tag: u16, message: Message) -> Result<ResultMsg, ClientError> {
        let op = message.op();
        match self.request(tag, message, Expect::Ok(op)).await? {
            Reply::Done(Message::Ok(r)) => Ok(r),
            Reply::Done(m) => Err(ClientError::UnexpectedReply(m.op())),
            _ => Err(ClientError::UnexpectedReply(op)),
        }
    }

    async fn opt(&self, tag: u16, opt: Opt) -> Result<Opt, ClientError> {
        match self.request(tag, Message::Opt(opt), Expect::Opt).await? {
            Reply::Done(Message::Opt(o)) => Ok(o),
            _ => Err(ClientError::UnexpectedReply(Op::Opt)),
        }
    }

    async fn list(
        &self,
        tag: u16,
        message: Message,
        item: Op,
    ) -> Result<Vec<Message>, ClientError> {
        let request = message.op();
        match self
            .request(tag, message, Expect::List { item, request })
            .await?
        {
            Reply::List(items) => Ok(items),
            _ => Err(ClientError::UnexpectedReply(request)),
        }
    }

    /// Sends `message` and waits for the reply `expect` describes (the tunnel's start-up
    /// steps).
    pub async fn send_expect(
        &self,
        tag: u16,
        message: Message,
        expect: Expect,
    ) -> Result<Reply, ClientError> {
        self.request(tag, message, expect).await
    }

    /// Sends a message without waiting; its replies arrive as [`Event::Message`] (sratool's
    /// pipelined commands).
    pub async fn send(&self, tag: u16, message: Message) -> Result<(), ClientError> {
        self.request(tag, message, Expect::Nothing)
            .await
            .map(|_| ())
    }

    /// WATCH with `tag` (≠ 0); the OK text.
    pub async fn watch(&self, tag: u16, watch: Watch) -> Result<ResultMsg, ClientError> {
        self.ok(tag, Message::Watch(watch)).await
    }

    /// STOP the watch `tag`.
    pub async fn stop(&self, tag: u16) -> Result<ResultMsg, ClientError> {
        self.ok(tag, Message::Stop).await
    }

    /// ALL STOP.
    pub async fn all_stop(&self) -> Result<ResultMsg, ClientError> {
        self.ok(0, Message::AllStop).await
    }

    /// CHANNEL on/off (`ch` 0..=4095 or 0xFFFF = all).
    pub async fn channel(&self, ch: u16, on: bool) -> Result<ResultMsg, ClientError> {
        self.ok(0, Message::Channel(ChannelOnOff { ch, on })).await
    }

    /// PAUSE.
    pub async fn pause(&self) -> Result<ResultMsg, ClientError> {
        self.ok(0, Message::Pause).await
    }

    /// GO.
    pub async fn go(&self) -> Result<ResultMsg, ClientError> {
        self.ok(0, Message::Go).await
    }

    /// ACCT: the OK text with the session counters.
    pub async fn accounting(&self) -> Result<ResultMsg, ClientError> {
        self.ok(0, Message::Acct).await
    }

    /// TRACE level (the server answers OK).
    pub async fn trace(&self, level: u32) -> Result<ResultMsg, ClientError> {
        match self
            .request(0, Message::Opt(Opt::Trace(level)), Expect::Ok(Op::Opt))
            .await?
        {
            Reply::Done(Message::Ok(r)) => Ok(r),
            _ => Err(ClientError::UnexpectedReply(Op::Opt)),
        }
    }

    /// RLIMIT; the server's resulting settings.
    pub async fn rate_limit(&self, r: RateLimit) -> Result<RateLimit, ClientError> {
        match self.opt(0, Opt::RateLimit(r)).await? {
            Opt::RateLimit(r) => Ok(r),
            _ => Err(ClientError::UnexpectedReply(Op::Opt)),
        }
    }

    /// SAMPLE (percent × 10000; [`axa_proto::opt::SAMPLE_REQ`] asks); the resulting value.
    pub async fn sample(&self, value: u32) -> Result<u32, ClientError> {
        match self.opt(0, Opt::Sample(value)).await? {
            Opt::Sample(v) => Ok(v),
            _ => Err(ClientError::UnexpectedReply(Op::Opt)),
        }
    }

    /// SNDBUF (bytes; [`axa_proto::opt::SNDBUF_REQ`] asks); the resulting size.
    pub async fn sndbuf(&self, bytes: u32) -> Result<u32, ClientError> {
        match self.opt(0, Opt::Sndbuf(bytes)).await? {
            Opt::Sndbuf(v) => Ok(v),
            _ => Err(ClientError::UnexpectedReply(Op::Opt)),
        }
    }

    /// WGET: all watches (`tag` 0) or the one nearest to `tag`.
    pub async fn list_watches(&self, tag: u16) -> Result<Vec<Wlist>, ClientError> {
        Ok(self
            .list(tag, Message::Wget, Op::Wlist)
            .await?
            .into_iter()
            .filter_map(|m| match m {
                Message::Wlist(w) => Some(w),
                _ => None,
            })
            .collect())
    }

    /// CGET: the channels available to the user.
    pub async fn list_channels(&self) -> Result<Vec<Clist>, ClientError> {
        Ok(self
            .list(0, Message::Cget, Op::Clist)
            .await?
            .into_iter()
            .filter_map(|m| match m {
                Message::Clist(c) => Some(c),
                _ => None,
            })
            .collect())
    }

    /// STATS REQ (admin): every STATS RSP flight.
    pub async fn stats(&self, req: StatsReq) -> Result<Vec<StatsRsp>, ClientError> {
        Ok(self
            .list(0, Message::StatsReq(req), Op::StatsRsp)
            .await?
            .into_iter()
            .filter_map(|m| match m {
                Message::StatsRsp(s) => Some(s),
                _ => None,
            })
            .collect())
    }

    /// KILL REQ (admin): the KILL RSP.
    pub async fn kill(&self, req: Kill) -> Result<Kill, ClientError> {
        match self
            .request(0, Message::KillReq(req), Expect::KillRsp)
            .await?
        {
            Reply::Done(Message::KillRsp(k)) => Ok(k),
            _ => Err(ClientError::UnexpectedReply(Op::KillRsp)),
        }
    }

    /// Closes the session (after already queued requests) and returns why it ended.
    pub async fn close(self) -> String {
        let task = self.closed.lock().await.take();
        drop(self.requests);
        match task {
            Some(t) => t.await.unwrap_or_else(|e| e.to_string()),
            None => "already closed".into(),
        }
    }
}
