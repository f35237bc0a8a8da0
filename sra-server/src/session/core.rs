//! The session state machine, sans-IO: frames in, replies out (architecture, "Session state
//! machine").
//!
//! `Connected` ─USER ok─► `Authenticated` ─► requests in order ─► closed. Before
//! authentication only USER, NOP and HELLO are accepted; anything else gets an ERROR. Every
//! request gets exactly the reply of spec §3.3, with the request's tag.
//!
//! Choices on spec §15 (documented here, tested below):
//! 1. HELLO is sent on accept, before USER is handled; a failed USER gets
//!    `ERROR USER invalid user NAME` and the connection is closed (no guessing of names or
//!    keys on one connection). A second USER gets `ERROR already authenticated`.
//! 2. Texts: WATCH `started`; STOP `stopped watch T`; ALL_STOP `stopped N watches`; CHANNEL
//!    `channel chN on|off` / `all channels on|off`; PAUSE `output paused`; GO `output
//!    resumed`; unknown channel `unknown channel chN`; not entitled `channel chN is not
//!    permitted`. WGET (tag 0) and CGET lists are followed by an OK (`N watches` /
//!    `N channels`) so a client knows the list ended; WGET with a tag and no watch at or
//!    after it gets an ERROR.
//! 3. A WATCH with a tag in use is refused (`tag T is already in use`); at most
//!    `limits.max_watches` per session; watches on channels that are off are accepted.
//! 5. TRACE set → OK `trace level N`, and from then on trace lines as OK(orig_op OK, tag 0)
//!    as [`Tracer`] describes (never ERROR or OPT); TRACE query → OPT TRACE with the level.
//!    SNDBUF (set or query) → the size is applied to the socket (`SO_SNDBUF`, the TCP socket
//!    under TLS; [`SendBuffer`]) and answered with OPT SNDBUF carrying the size the kernel
//!    reports afterwards (Linux: twice the request); a request below 1024 bytes is raised to
//!    1024; a refused change gets `ERROR OPTION …`. Default sampling 100 %, rate limit from
//!    the config.
//! 6. HELLO goes out with pvers 1; after a client HELLO offering v2, replies use pvers 2.
//! 8. JOIN is refused (`JOIN is not supported`); NOP-only sessions stay unauthenticated and
//!    are closed at the login deadline.
//!
//! ACCT (spec §6): the real server's text (`total-filtered= total-missed= total-collected=
//! total-sent=`, newline, four spaces, `total-ratelimited= total-congested=`), and, only when
//! sampling has held hits back, ` total-sampled=N` at the end of the second line. The spec
//! lists the keys without forbidding more; sratool prints the text as it is and key=value
//! readers skip keys they do not know, while a session at 100 % sampling gets exactly the
//! reference text. With it, filtered = sent + ratelimited + congested + sampled (+ queued)
//! can be checked from the reply alone.
//!
//! Key-store account limits apply: `max_watches` per session, `max_rate_limit` caps
//! RLIMIT (and the default), `max_sessions` refuses a further USER with
//! `invalid login: NAME already has its maximum of sessions`.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::SystemTime;

use axa_proto::opt::{RateLimit, RlimitValue, SAMPLE_REQ, TRACE_REQ};
use axa_proto::{ChannelOnOff, Clist, Frame, Hello, Message, Missed, Op, Opt, ResultMsg, Wlist};

use crate::accounting::MissedReporter;
use crate::config::LoginKind;
use crate::context::ServerContext;
use crate::index::{IndexError, SessionId, Tag, WatchPattern};
use crate::limiter::{RLIMIT_NA, RLIMIT_OFF};
use crate::registry::{IoType, SessionInfo};
use crate::session::admin;
use crate::session::convert;
use crate::session::send_buffer::SendBuffer;
use crate::session::trace::{Status, Tracer};
use crate::subscriber::Subscriber;

/// What the connection should do after a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Keep reading.
    Continue,
    /// Flush the replies, then close.
    Close,
}

#[derive(Debug)]
struct Account {
    name: String,
    admin: bool,
    /// Entitled channels that are configured, ascending.
    channels: Vec<u16>,
    /// The account's own watch limit (key store), below the server's.
    max_watches: Option<usize>,
    /// The highest rate limit the account may set (key store); also its default.
    max_rate: Option<u64>,
}

/// What a successful USER yields.
struct Login {
    name: String,
    admin: bool,
    via_key: bool,
    channels: Vec<u16>,
    max_watches: Option<usize>,
    max_rate: Option<u64>,
    max_sessions: Option<u32>,
}

impl Login {
    fn of(a: &sra_keys::Account) -> Login {
        Login {
            name: a.name.clone(),
            admin: a.admin,
            via_key: a.key_sha256.is_some(),
            channels: a.channels.iter().collect(),
            max_watches: a.max_watches.map(|n| n as usize),
            max_rate: a.max_rate_limit,
            max_sessions: a.max_sessions,
        }
    }
}

/// One connection's protocol state.
#[derive(Debug)]
pub struct SessionCore {
    ctx: Arc<ServerContext>,
    logins: Vec<LoginKind>,
    peer: Option<IpAddr>,
    account: Option<Account>,
    id: Option<SessionId>,
    sub: Arc<Subscriber>,
    pvers: u8,
    tracer: Tracer,
    sndbuf: SendBuffer,
    reporter: MissedReporter,
    client_id: u64,
    kill: Arc<tokio::sync::Notify>,
}

fn ok(op: Op, text: impl Into<String>) -> Message {
    Message::Ok(ResultMsg::new(op, text))
}

fn err(op: Op, text: impl Into<String>) -> Message {
    Message::Error(ResultMsg::new(op, text))
}

impl SessionCore {
    /// A new, unauthenticated session accepting `logins` from `peer` (`None` for UNIX
    /// sockets), at UNIX time `now`.
    pub fn new(
        ctx: Arc<ServerContext>,
        logins: Vec<LoginKind>,
        peer: Option<IpAddr>,
        now: u64,
    ) -> Self {
        let lim = &ctx.config.limits;
        let sub = Arc::new(Subscriber::new(lim.outbox_hits, lim.rate_limit.value()));
        let reporter = MissedReporter::new(Some(lim.report_secs), now);
        let ctx_id = ctx.next_client_id();
        SessionCore {
            ctx,
            logins,
            peer,
            account: None,
            id: None,
            sub,
            pvers: 1,
            tracer: Tracer::default(),
            sndbuf: SendBuffer::default(),
            reporter,
            client_id: ctx_id,
            kill: Arc::new(tokio::sync::Notify::new()),
        }
    }

    /// Lets OPT SNDBUF change the connection's socket (without it, the value is only
    /// recorded).
    pub fn set_send_buffer(&mut self, sndbuf: SendBuffer) {
        self.sndbuf = sndbuf;
    }

    /// The server HELLO, to send first (tag 0).
    pub fn hello(&self) -> Message {
        Message::Hello(Hello {
            id: self.client_id,
            pvers_min: 1,
            pvers_max: 2,
            text: self.ctx.hello_text.clone(),
        })
    }

    /// The protocol version for outgoing headers.
    pub fn pvers(&self) -> u8 {
        self.pvers
    }

    /// The delivery state shared with the index and the writer.
    pub fn subscriber(&self) -> &Arc<Subscriber> {
        &self.sub
    }

    /// Notified when an admin KILLs this session: the connection should close.
    pub fn kill_signal(&self) -> Arc<tokio::sync::Notify> {
        self.kill.clone()
    }

    /// The account name once authenticated.
    pub fn user(&self) -> Option<&str> {
        self.account.as_ref().map(|a| a.name.as_str())
    }

    /// A MISSED message when one is due at UNIX time `now` (spec §6).
    pub fn poll_missed(&mut self, now: u64) -> Option<Message> {
        self.account.as_ref()?;
        let r = self.reporter.poll(now, self.sub.counters.totals())?;
        Some(Message::Missed(Missed {
            missed: r.missed,
            dropped: r.dropped,
            rlimit: r.rlimit,
            filtered: r.filtered,
            last_report: r.last_report,
        }))
    }

    /// Appends the trace lines due at UNIX time `now` (OK with orig_op OK, tag 0; none at
    /// trace level 0). Call about once a second.
    pub fn poll_trace(&mut self, now: u64, out: &mut Vec<(u16, Message)>) {
        if self.tracer.level() == 0 {
            return;
        }
        let status = Status {
            totals: self.sub.counters.totals(),
            queued: self.sub.outbox.queued(),
            capacity: self.sub.outbox.capacity(),
        };
        let mut lines = Vec::new();
        self.tracer.poll(now, status, &mut lines);
        out.extend(lines.into_iter().map(|l| (0, ok(Op::Ok, l))));
    }

    /// At trace level 3, the session's watch and channel set after a change.
    fn trace_watch_set(&self, id: SessionId, out: &mut Vec<(u16, Message)>) {
        if self.tracer.level() < 3 {
            return;
        }
        let kinds = self.ctx.index.inspect(|ix| ix.watch_kinds(id));
        let on: Vec<u16> = self
            .account
            .iter()
            .flat_map(|a| &a.channels)
            .copied()
            .filter(|c| self.sub.channels.is_on(*c))
            .collect();
        if let Some(line) = self.tracer.watch_set(kinds, &on) {
            out.push((0, ok(Op::Ok, line)));
        }
    }

    /// Handles one received frame at UNIX time `now`, appending (tag, reply) pairs to `out`.
    pub fn handle(&mut self, frame: &Frame, now: u64, out: &mut Vec<(u16, Message)>) -> Next {
        let tag = frame.tag();
        let op = frame.op();
        let msg = match frame.message() {
            Ok(m) => m,
            Err(e) => {
                tracing::debug!("undecodable {op:?}: {e}");
                out.push((tag, err(op, format!("{e}"))));
                return Next::Close;
            }
        };
        match msg {
            Message::Nop => Next::Continue,
            Message::Hello(h) => {
                tracing::debug!(text = %h.text, "client HELLO");
                if h.pvers_max >= 2 {
                    self.pvers = 2;
                }
                Next::Continue
            }
            Message::User(u) => self.user_request(tag, &u.name, now, out),
            _ if self.account.is_none() => {
                out.push((tag, err(op, "not authenticated; send USER first")));
                Next::Continue
            }
            m => {
                self.request(tag, m, now, out);
                Next::Continue
            }
        }
    }

    fn user_request(
        &mut self,
        tag: u16,
        name: &str,
        now: u64,
        out: &mut Vec<(u16, Message)>,
    ) -> Next {
        if self.account.is_some() {
            out.push((tag, err(Op::User, "already authenticated")));
            return Next::Continue;
        }
        let login = match self.authenticate(name) {
            Ok(found) => found,
            Err(why) => {
                tracing::info!(peer = ?self.peer, "login refused: {why}");
                out.push((tag, err(Op::User, why)));
                return Next::Close;
            }
        };
        let Login {
            name,
            admin,
            via_key,
            channels: entitled,
            max_watches,
            max_rate,
            max_sessions,
        } = login;
        if !self.ctx.begin_session(&name, max_sessions) {
            tracing::info!(user = %name, "login refused: too many sessions");
            let text = format!("invalid login: {name} already has its maximum of sessions");
            out.push((tag, err(Op::User, text)));
            return Next::Close;
        }
        if let Some(m) = max_rate {
            if self.sub.limiter.max() > m {
                self.sub.limiter.set_max(m);
            }
        }
        let mut channels: Vec<u16> = entitled
            .into_iter()
            .filter(|c| self.ctx.config.channel(*c).is_some())
            .collect();
        channels.sort_unstable();
        channels.dedup();
        let sub = self.sub.clone();
        let id = self.ctx.index.update(|m| m.add_session(sub));
        self.id = Some(id);
        self.ctx.registry.insert(SessionInfo {
            sn: self.client_id as u32,
            user: name.clone(),
            admin,
            io: match (via_key, self.peer) {
                (true, _) => IoType::Apikey,
                (false, None) => IoType::Unix,
                (false, Some(_)) => IoType::Tcp,
            },
            peer: self.peer,
            since: now,
            id,
            sub: self.sub.clone(),
            kill: self.kill.clone(),
        });
        tracing::info!(user = %name, "authorized");
        out.push((tag, ok(Op::User, format!("{name} authorized"))));
        self.account = Some(Account {
            name,
            admin,
            channels,
            max_watches,
            max_rate,
        });
        Next::Continue
    }

    /// Finds the account for a USER value: a `[[user]]` of the configuration or a
    /// `[[plain_user]]` of the key store when the listener takes `user` logins, then an API
    /// key of the key store when it takes `apikey` logins. Failure texts start with
    /// "invalid" (spec §9.1) and never repeat a presented API key.
    fn authenticate(&self, value: &str) -> Result<Login, String> {
        let now = SystemTime::now();
        let mut refusal = None;
        if self.logins.contains(&LoginKind::User) {
            if let Some(u) = self.ctx.config.user(value) {
                return Ok(Login {
                    name: u.name.clone(),
                    admin: u.admin,
                    via_key: false,
                    channels: u.channels.clone(),
                    max_watches: None,
                    max_rate: None,
                    max_sessions: None,
                });
            }
            if let Some(keys) = &self.ctx.keys {
                match keys.lookup_plain(value, self.peer, now) {
                    Ok(a) => return Ok(Login::of(a)),
                    Err(sra_keys::Refusal::UnknownUser { .. }) => {}
                    Err(r) => refusal = Some(format!("invalid login: {r}")),
                }
            }
        }
        if self.logins.contains(&LoginKind::Apikey) {
            if let Some(keys) = &self.ctx.keys {
                match keys.lookup_key(value, self.peer, now) {
                    Ok(a) => return Ok(Login::of(a)),
                    Err(sra_keys::Refusal::UnknownKey) => {}
                    Err(r) => refusal = Some(format!("invalid login: {r}")),
                }
            }
        }
        Err(refusal.unwrap_or_else(|| {
            if self.logins == [LoginKind::Apikey] {
                "invalid API key".to_string()
            } else {
                format!("invalid user {}", value.escape_debug())
            }
        }))
    }

    fn is_admin(&self) -> bool {
        self.account.as_ref().is_some_and(|a| a.admin)
    }

    fn entitled(&self, ch: u16) -> Result<(), String> {
        if self.ctx.config.channel(ch).is_none() {
            return Err(format!("unknown channel ch{ch}"));
        }
        match &self.account {
            Some(a) if a.channels.binary_search(&ch).is_ok() => Ok(()),
            _ => Err(format!("channel ch{ch} is not permitted")),
        }
    }

    fn request(&mut self, tag: u16, m: Message, now: u64, out: &mut Vec<(u16, Message)>) {
        let Some(id) = self.id else { return };
        let op = m.op();
        let index = self.ctx.index.clone();
        match m {
            Message::Watch(w) => {
                let reply = match convert::from_wire(&w) {
                    Err(e) => err(op, e.to_string()),
                    Ok(WatchPattern::Channel(ch)) if self.entitled(ch).is_err() => {
                        err(op, self.entitled(ch).err().unwrap_or_default())
                    }
                    Ok(p) => match index.update(|ix| {
                        match self.account.as_ref().and_then(|a| a.max_watches) {
                            Some(max) if ix.watch_count(id) >= max => Err(IndexError::TooMany(max)),
                            _ => ix.add_watch(id, Tag(tag), p),
                        }
                    }) {
                        Ok(()) => ok(op, "started"),
                        Err(e) => err(op, e.to_string()),
                    },
                };
                out.push((tag, reply));
            }
            Message::Stop => {
                let reply = match index.update(|ix| ix.remove_watch(id, Tag(tag))) {
                    Ok(_) => ok(op, format!("stopped watch {tag}")),
                    Err(e) => err(op, e.to_string()),
                };
                out.push((tag, reply));
            }
            Message::AllStop => {
                let n = index.update(|ix| ix.remove_all(id)).unwrap_or(0);
                out.push((tag, ok(op, format!("stopped {n} watches"))));
            }
            Message::Wget => {
                let list: Vec<(Tag, WatchPattern)> = index.inspect(|ix| {
                    if tag == 0 {
                        ix.watches(id).map(|(t, p)| (t, p.clone())).collect()
                    } else {
                        ix.watch_at_or_after(id, Tag(tag))
                            .map(|(t, p)| (t, p.clone()))
                            .into_iter()
                            .collect()
                    }
                });
                if tag != 0 && list.is_empty() {
                    out.push((tag, err(op, IndexError::NoSuchTag(tag).to_string())));
                    return;
                }
                let n = list.len();
                for (t, p) in list {
                    let wl = Wlist {
                        cur_tag: t.0,
                        watch: convert::to_wire(&p),
                    };
                    out.push((tag, Message::Wlist(wl)));
                }
                if tag == 0 {
                    out.push((tag, ok(op, format!("{n} watches"))));
                }
            }
            Message::Channel(ChannelOnOff { ch, on }) => {
                let word = if on { "on" } else { "off" };
                let reply = if ch == axa_proto::CH_ALL {
                    for c in self.account.iter().flat_map(|a| &a.channels) {
                        self.sub.channels.set(*c, on);
                    }
                    ok(op, format!("all channels {word}"))
                } else {
                    match self.entitled(ch) {
                        Ok(()) => {
                            self.sub.channels.set(ch, on);
                            ok(op, format!("channel ch{ch} {word}"))
                        }
                        Err(e) => err(op, e),
                    }
                };
                out.push((tag, reply));
            }
            Message::Cget => {
                let chans = self
                    .account
                    .as_ref()
                    .map(|a| a.channels.clone())
                    .unwrap_or_default();
                for ch in &chans {
                    let spec = self
                        .ctx
                        .config
                        .channel(*ch)
                        .map(|c| c.description.clone())
                        .filter(|d| !d.is_empty())
                        .unwrap_or_else(|| format!("ch{ch}"));
                    out.push((
                        tag,
                        Message::Clist(Clist {
                            ch: *ch,
                            on: self.sub.channels.is_on(*ch),
                            spec,
                        }),
                    ));
                }
                out.push((tag, ok(op, format!("{} channels", chans.len()))));
            }
            Message::Pause => {
                self.sub.set_paused(true);
                out.push((tag, ok(op, "output paused")));
            }
            Message::Go => {
                self.sub.set_paused(false);
                out.push((tag, ok(op, "output resumed")));
            }
            Message::Opt(o) => out.push((tag, self.option(o, now))),
            Message::Acct => {
                let t = self.sub.counters.totals();
                let mut text = t.acct_text();
                if t.sampled > 0 {
                    text.push_str(&format!(" total-sampled={}", t.sampled));
                }
                out.push((tag, ok(op, text)));
            }
            Message::MgmtGet => out.push((
                tag,
                err(op, "mgmt is deprecated, please upgrade and use \"stats\""),
            )),
            Message::StatsReq(_) | Message::KillReq(_) if !self.is_admin() => {
                out.push((tag, err(op, "admin users only")))
            }
            Message::StatsReq(r) => {
                for m in admin::stats(&self.ctx, &r, now) {
                    out.push((tag, m));
                }
            }
            Message::KillReq(k) => out.push((tag, admin::kill(&self.ctx, &k))),
            Message::Join(_) => out.push((tag, err(op, "JOIN is not supported"))),
            other => out.push((tag, err(other.op(), "unexpected request"))),
        }
        if matches!(op, Op::Watch | Op::Stop | Op::AllStop | Op::Channel) {
            self.trace_watch_set(id, out);
        }
    }

    fn option(&mut self, o: Opt, now: u64) -> Message {
        match o {
            Opt::Trace(TRACE_REQ) => Message::Opt(Opt::Trace(self.tracer.level())),
            Opt::Trace(level) => {
                self.tracer
                    .set_level(level, self.sub.counters.totals(), now);
                ok(Op::Opt, format!("trace level {level}"))
            }
            Opt::Sample(SAMPLE_REQ) => Message::Opt(Opt::Sample(self.sub.sampler.rate())),
            Opt::Sample(v) => Message::Opt(Opt::Sample(self.sub.sampler.set_rate(v))),
            Opt::Sndbuf(v) => {
                let r = match v {
                    axa_proto::opt::SNDBUF_REQ => self.sndbuf.get(),
                    v => self.sndbuf.set(v.max(axa_proto::opt::SNDBUF_MIN)),
                };
                match r {
                    Ok(n) => Message::Opt(Opt::Sndbuf(n)),
                    Err(e) => err(Op::Opt, format!("OPTION SNDBUF {v} bytes: {e}")),
                }
            }
            Opt::RateLimit(r) => {
                // An account's max_rate_limit caps what it may ask for (OFF included).
                let mut want = r.max_pkts_per_sec.raw();
                if let Some(cap) = self.account.as_ref().and_then(|a| a.max_rate) {
                    if want != RLIMIT_NA && want > cap {
                        want = cap;
                    }
                }
                let max = self.sub.limiter.set_max(want);
                match r.report_secs {
                    RlimitValue::Na => {}
                    RlimitValue::Off => self.reporter.set_report_secs(None),
                    RlimitValue::Value(n) => self.reporter.set_report_secs(Some(n.max(1))),
                }
                let report = match self.reporter.report_secs() {
                    None => RlimitValue::Off,
                    Some(n) => RlimitValue::Value(n),
                };
                Message::Opt(Opt::RateLimit(RateLimit {
                    max_pkts_per_sec: if max >= RLIMIT_OFF {
                        RlimitValue::Off
                    } else {
                        RlimitValue::Value(max)
                    },
                    cur_pkts_per_sec: self.sub.limiter.current(now as u32),
                    unused: [0; 2],
                    report_secs: report,
                }))
            }
        }
    }
}

impl Drop for SessionCore {
    /// Ends the session: its watches leave the index and its outbox closes.
    fn drop(&mut self) {
        if let Some(id) = self.id.take() {
            self.ctx.index.update(|m| m.remove_session(id));
        }
        if let Some(a) = &self.account {
            self.ctx.end_session(&a.name);
            self.ctx.registry.remove(self.client_id as u32);
        }
        self.sub.outbox.close();
    }
}
