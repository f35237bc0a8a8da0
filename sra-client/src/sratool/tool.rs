//! sratool's engine: runs parsed commands against a [`Client`] and prints what the server
//! sends, as sratool does. The binary only feeds it lines and events.
//!
//! Requests are sent without waiting for replies (pipelined, like sratool's `-c` files); the
//! replies are printed when they arrive. NMSG hits are shown as `<tag> ch<N>  <nmsgtool
//! JSON>`; a hit that cannot be rendered shows its vendor and message type instead.

use std::future::Future;
use std::io::Write;
use std::path::Path;
use std::pin::Pin;
use std::time::Instant;

use axa_proto::admin::{
    KILL_MODE_SN, KILL_MODE_USER, STATS_TYPE_ALL, STATS_TYPE_SN, STATS_TYPE_SUMMARY,
    STATS_TYPE_USER,
};
use axa_proto::{
    parse_channel, AxaConfig, ChannelOnOff, ConnSpec, Kill, Message, Opt, RateLimit, RlimitValue,
    StatsReq, Transport, User, Watch, WatchMode, Whit,
};

use super::command::{
    parse_line, Command, CommandError, Count, Forward, Level, RateValue, ServerMode, Stats, Tagged,
    Target,
};
use super::count::{PrintCount, Verdict};
use super::format;
use crate::client::{Client, ClientError, ClientOptions, Events};
use crate::output::driver::{OutputDriver, OwnedHit};
use crate::output::nmsg_out::NmsgOptions;
use crate::rotation::Limits;
use crate::session::connection::{Event, SessionError};
use crate::session::hit::owned_hit;
use crate::transport::TransportOptions;
use crate::TlsOptions;

/// Deepest `source` nesting.
pub const MAX_SOURCE_DEPTH: usize = 10;

/// What to do after a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Go on.
    Continue,
    /// `exit`/`quit` (or error mode disconnect).
    Exit,
}

type AuthFuture = Pin<Box<dyn Future<Output = Result<Option<String>, ClientError>> + Send>>;

/// sratool's state.
pub struct Tool {
    config: Option<AxaConfig>,
    tls: TlsOptions,
    plain_apikey: bool,
    client: Option<(Client, ConnSpec, Instant)>,
    events: Option<Events>,
    auth: Option<AuthFuture>,
    count: PrintCount,
    verbose: u32,
    debug: u32,
    quiet: bool,
    error_disconnect: bool,
    forward: Option<(OutputDriver, String)>,
    nmsg: NmsgOptions,
    depth: usize,
    out: Box<dyn Write + Send>,
    err: Box<dyn Write + Send>,
}

macro_rules! say {
    ($w:expr, $($a:tt)*) => {{ let _ = writeln!($w, $($a)*); let _ = $w.flush(); }};
}

impl Tool {
    /// A tool printing to `out` (results) and `err` (complaints).
    pub fn new(
        config: Option<AxaConfig>,
        tls: TlsOptions,
        plain_apikey: bool,
        debug: u32,
        out: Box<dyn Write + Send>,
        err: Box<dyn Write + Send>,
    ) -> Tool {
        Tool {
            config,
            tls,
            plain_apikey,
            client: None,
            events: None,
            auth: None,
            count: PrintCount::default(),
            verbose: 0,
            debug,
            quiet: false,
            error_disconnect: false,
            forward: None,
            nmsg: NmsgOptions::default(),
            depth: 0,
            out,
            err,
        }
    }

    /// Whether a connection is open.
    pub fn connected(&self) -> bool {
        self.client.is_some()
    }

    /// Runs every command of a line; stops at the first failure, which it reports. `Err(())`
    /// tells a `-c`/`source` file to stop.
    pub async fn run_line(&mut self, line: &str) -> Result<Flow, ()> {
        for parsed in parse_line(line) {
            match parsed {
                Ok(t) => match self.execute(t).await {
                    Ok(Flow::Exit) => return Ok(Flow::Exit),
                    Ok(Flow::Continue) => {}
                    Err(()) => return Err(()),
                },
                Err(e) => {
                    say!(self.err, "{e}");
                    if e.shows_usage() {
                        if let CommandError::Usage(op) | CommandError::Ambiguous(op) = &e {
                            let first = op.split_whitespace().next().unwrap_or("");
                            let _ = write!(self.err, "{}", super::help::help(Some(first)));
                        }
                    }
                    return Err(());
                }
            }
        }
        Ok(Flow::Continue)
    }

    /// Runs one command.
    pub async fn execute(&mut self, t: Tagged) -> Result<Flow, ()> {
        let Tagged { tag, command } = t;
        if command.needs_connection() && self.client.is_none() {
            say!(
                self.err,
                "\"{}\" requires a connection to a server",
                name(&command)
            );
            return Err(());
        }
        let msg = match command {
            Command::Help(topic) => {
                let _ = write!(self.out, "{}", super::help::help(topic.as_deref()));
                return Ok(Flow::Continue);
            }
            Command::Exit => return Ok(Flow::Exit),
            Command::Connect(Some(spec)) => return self.connect(&spec).await,
            Command::Connect(None) => {
                self.status();
                return Ok(Flow::Continue);
            }
            Command::Disconnect => {
                if self.client.is_none() {
                    say!(self.out, "not connected to a server");
                }
                self.disconnect().await;
                return Ok(Flow::Continue);
            }
            Command::Count(c) => {
                self.count_cmd(c);
                return Ok(Flow::Continue);
            }
            Command::Debug(l) => {
                self.debug = level(l, self.debug);
                self.quiet = l == Level::Quiet;
                if l == Level::Show {
                    let d = self.debug;
                    say!(self.out, "    debug {}", on_text(d, self.quiet));
                }
                return Ok(Flow::Continue);
            }
            Command::Verbose(l) => {
                self.verbose = level(l, self.verbose);
                if l == Level::Show {
                    let v = self.verbose;
                    say!(self.out, "    verbose {}", on_text(v, false));
                }
                return Ok(Flow::Continue);
            }
            Command::ErrorMode(m) => {
                if let Some(on) = m {
                    self.error_disconnect = on;
                } else {
                    let s = if self.error_disconnect {
                        "disconnect"
                    } else {
                        "off"
                    };
                    say!(self.out, "    error mode {s}");
                }
                return Ok(Flow::Continue);
            }
            Command::Mode(m) => {
                match m {
                    None | Some(ServerMode::Sra) => say!(self.out, "    SRA mode"),
                    Some(ServerMode::Rad) => {
                        say!(self.err, "RAD mode is not supported by this sratool");
                        return Err(());
                    }
                }
                return Ok(Flow::Continue);
            }
            Command::Sleep(d) => {
                self.sleep(d).await;
                return Ok(Flow::Continue);
            }
            Command::Source(path) => return self.source(&path).await,
            Command::Version => {
                say!(
                    self.out,
                    "sratool built using sra-client {}, supporting AXA protocols v1 to v2; currently using v{}",
                    env!("CARGO_PKG_VERSION"),
                    self.client.as_ref().map_or(2, |(c, _, _)| c.info().pvers.max(1))
                );
                say!(
                    self.out,
                    "{}",
                    crate::session::hello::client_hello_json("sratool", 2)
                );
                return Ok(Flow::Continue);
            }
            Command::Alias => {
                if let Some(c) = &self.config {
                    for (name, target) in c.aliases() {
                        say!(self.out, "{name}={target}");
                    }
                }
                return Ok(Flow::Continue);
            }
            Command::Ciphers(list) => {
                match list {
                    Some(l) => match crate::ciphers::suites_for_list(&l) {
                        Ok(_) => self.tls.tls12_ciphers = Some(l),
                        Err(e) => {
                            say!(self.err, "{e}");
                            return Err(());
                        }
                    },
                    None => {
                        let c = self.tls.tls12_ciphers.clone().unwrap_or_default();
                        say!(self.out, "next TLS cipher: \"{c}\"");
                    }
                }
                return Ok(Flow::Continue);
            }
            Command::Buffering => {
                self.nmsg.unbuffered = !self.nmsg.unbuffered;
                let s = if self.nmsg.unbuffered {
                    "disabled"
                } else {
                    "enabled"
                };
                say!(self.out, "    {s}");
                return Ok(Flow::Continue);
            }
            Command::Zlib => {
                self.nmsg.zlib = !self.nmsg.zlib;
                let s = if self.nmsg.zlib {
                    "enabled"
                } else {
                    "disabled"
                };
                say!(self.out, "    {s}");
                return Ok(Flow::Continue);
            }
            Command::Forward(f) => return self.forward(f),
            Command::Accounting => Message::Acct,
            Command::ListChannels => Message::Cget,
            Command::ListWatches => Message::Wget,
            Command::Channel { channel, on } => match parse_channel(&channel, true) {
                Ok(ch) => Message::Channel(ChannelOnOff { ch, on }),
                Err(e) => {
                    say!(self.err, "{e}");
                    return Err(());
                }
            },
            Command::Stop => Message::Stop,
            Command::StopAll => Message::AllStop,
            Command::Go => Message::Go,
            Command::Pause => Message::Pause,
            Command::Nop => Message::Nop,
            Command::Kill(target) => Message::KillReq(match target {
                Target::Serial(sn) => Kill {
                    mode: KILL_MODE_SN,
                    user: String::new(),
                    sn,
                    result: 0,
                },
                Target::User(user) => Kill {
                    mode: KILL_MODE_USER,
                    user,
                    sn: 0,
                    result: 0,
                },
            }),
            Command::Stats(s) => {
                let (stats_type, user, sn) = match s {
                    Stats::Summary => (STATS_TYPE_SUMMARY, String::new(), 0),
                    Stats::All => (STATS_TYPE_ALL, String::new(), 0),
                    Stats::Of(Target::Serial(sn)) => (STATS_TYPE_SN, String::new(), sn),
                    Stats::Of(Target::User(u)) => (STATS_TYPE_USER, u, 0),
                };
                Message::StatsReq(StatsReq {
                    version: 1,
                    stats_type,
                    user,
                    sn,
                })
            }
            Command::RateLimit { max, report_secs } => Message::Opt(Opt::RateLimit(
                RateLimit::request(rate(max), rate(report_secs)),
            )),
            Command::Sample(v) => Message::Opt(Opt::Sample(v)),
            Command::Trace(n) => Message::Opt(Opt::Trace(n)),
            Command::Window(n) => {
                let transport = self.client.as_ref().map(|(_, s, _)| s.transport);
                if let Some(t) = transport.filter(|t| *t != Transport::Tcp) {
                    say!(
                        self.err,
                        "cannot change the buffer size on {} connections",
                        t.as_str()
                    );
                    return Err(());
                }
                Message::Opt(Opt::Sndbuf(n))
            }
            Command::User(name) => Message::User(User { name }),
            Command::Watch(text) => match Watch::parse_text(&text, WatchMode::Sra) {
                Ok(w) => Message::Watch(w),
                Err(e) => {
                    say!(self.err, "{e}");
                    return Err(());
                }
            },
        };
        self.send(tag, msg).await
    }

    async fn send(&mut self, tag: u16, msg: Message) -> Result<Flow, ()> {
        let Some((client, _, _)) = &self.client else {
            return Err(());
        };
        if let Err(e) = client.send(tag, msg).await {
            say!(self.err, "{e}");
            self.disconnect().await;
            return Err(());
        }
        Ok(Flow::Continue)
    }

    async fn connect(&mut self, text: &str) -> Result<Flow, ()> {
        self.disconnect().await;
        let opts = ClientOptions {
            origin: "sratool".into(),
            transport: TransportOptions {
                tls: self.tls.clone(),
                plain_apikey: self.plain_apikey,
            },
            config: self.config.clone(),
            ..ClientOptions::default()
        };
        let spec = match ConnSpec::parse_with_aliases(text, self.config.as_ref()) {
            Ok(s) => s,
            Err(e) => {
                say!(self.err, "{e}");
                return Err(());
            }
        };
        match Client::connect(&spec, &opts).await {
            Ok((client, events)) => {
                let c = client.clone();
                self.auth = Some(Box::pin(async move { c.authenticated().await }));
                self.client = Some((client, spec, Instant::now()));
                self.events = Some(events);
                self.count.restart();
                Ok(Flow::Continue)
            }
            Err(e) => {
                say!(self.err, "{e}");
                Err(())
            }
        }
    }

    async fn disconnect(&mut self) {
        self.auth = None;
        self.events = None;
        if let Some((c, _, _)) = self.client.take() {
            let _ = c.close().await;
        }
    }

    fn status(&mut self) {
        match &self.client {
            None => say!(self.out, "not connected to a server"),
            Some((c, spec, since)) => {
                let info = c.info();
                match info.hello {
                    None => say!(self.out, "connecting to {spec}"),
                    Some(h) => {
                        say!(self.out, "connected to \"{}\"\n    {spec}", h.text);
                        if let Some(t) = &info.tls {
                            // libaxa's tls_info line: version, cipher, compression.
                            say!(self.out, "    {t}  no compression");
                        }
                        say!(
                            self.out,
                            "    connected for: {}",
                            super::stats::duration(since.elapsed().as_secs())
                        );
                        say!(self.out, "{}", self.count.report());
                    }
                }
            }
        }
    }

    fn count_cmd(&mut self, c: Count) {
        match c {
            Count::Off => self.count.off(),
            Count::Set(n) => self.count.set(n),
            Count::Show => say!(self.out, "{}", self.count.report()),
        }
    }

    fn forward(&mut self, f: Forward) -> Result<Flow, ()> {
        match f {
            Forward::Show => match &self.forward {
                Some((_, text)) => say!(self.out, "forwarding messages to {text}"),
                None => say!(self.out, "not forwarding messages"),
            },
            Forward::Off => {
                if let Some((d, _)) = self.forward.take() {
                    let _ = d.shutdown();
                }
            }
            Forward::To {
                output,
                text,
                count,
            } => {
                if let Some((d, _)) = self.forward.take() {
                    let _ = d.shutdown();
                }
                let nmsg = self.nmsg;
                let opener =
                    Box::new(move |p: Option<&Path>| crate::output::open(&output, p, false, nmsg));
                let limits = Limits {
                    count,
                    ..Limits::default()
                };
                match OutputDriver::start(opener, limits, None, 4096) {
                    Ok(d) => self.forward = Some((d, text)),
                    Err(e) => {
                        say!(self.err, "{e}");
                        return Err(());
                    }
                }
            }
        }
        Ok(Flow::Continue)
    }

    async fn source(&mut self, path: &Path) -> Result<Flow, ()> {
        if self.depth >= MAX_SOURCE_DEPTH {
            say!(self.err, "\"source\" nesting too deep");
            return Err(());
        }
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                say!(self.err, "fopen({}): {e}", path.display());
                return Err(());
            }
        };
        self.depth += 1;
        let mut r = Ok(Flow::Continue);
        for line in text.lines() {
            match Box::pin(self.run_line(line)).await {
                Ok(Flow::Continue) => {}
                other => {
                    r = other;
                    break;
                }
            }
        }
        self.depth -= 1;
        r
    }

    /// Waits `d` while still printing server messages.
    pub async fn sleep(&mut self, d: std::time::Duration) {
        let until = tokio::time::Instant::now() + d;
        loop {
            tokio::select! {
                _ = tokio::time::sleep_until(until) => return,
                ev = self.next_event() => match ev {
                    Some(ev) => { self.show(ev).await; }
                    None => { tokio::time::sleep_until(until).await; return; }
                },
            }
        }
    }

    /// The next thing the server said; `None` when not connected or once the connection
    /// has closed (the tool then forgets the connection).
    pub async fn next_event(&mut self) -> Option<ToolEvent> {
        if let Some(auth) = self.auth.as_mut() {
            let events = self.events.as_mut()?;
            // Events first: the HELLO that precedes the USER reply is printed before it.
            tokio::select! {
                biased;
                ev = events.next() => {
                    if ev.is_some() {
                        return self.got(ev);
                    }
                    // The stream ended (the connection task is gone), so `auth` resolves at
                    // once. A server may answer USER and close straight after: report that
                    // answer first; the next call (the stream stays ended) reports the close.
                    return match self.auth.take()?.await {
                        Err(ClientError::Session(SessionError::Closed(_))) => self.got(None),
                        r => Some(ToolEvent::Auth(r)),
                    };
                }
                r = auth => {
                    self.auth = None;
                    return Some(ToolEvent::Auth(r));
                }
            }
        }
        let ev = self.events.as_mut()?.next().await;
        self.got(ev)
    }

    fn got(&mut self, ev: Option<Event>) -> Option<ToolEvent> {
        match ev {
            Some(e) => Some(ToolEvent::Server(e)),
            None => {
                self.events = None;
                self.auth = None;
                self.client = None;
                Some(ToolEvent::Closed)
            }
        }
    }

    /// Prints an event; returns [`Flow::Exit`] when error mode says so.
    pub async fn show(&mut self, ev: ToolEvent) -> Flow {
        match ev {
            ToolEvent::Auth(Ok(Some(text))) => {
                if !self.quiet {
                    say!(self.out, "{}", format::result(0, true, Some("USER"), &text));
                }
            }
            ToolEvent::Auth(Ok(None)) => {}
            ToolEvent::Auth(Err(e)) => {
                say!(self.out, "* ERROR {e}");
                if self.error_disconnect {
                    self.disconnect().await;
                    return Flow::Exit;
                }
            }
            ToolEvent::Closed => {
                say!(self.err, "connection closed");
                if self.error_disconnect {
                    return Flow::Exit;
                }
            }
            ToolEvent::Server(e) => return self.show_server(e).await,
        }
        Flow::Continue
    }

    async fn show_server(&mut self, ev: Event) -> Flow {
        match ev {
            Event::Hello(h) => {
                say!(self.out, "{}", format::hello(&h.text));
                if !h.text.contains("srad") {
                    say!(
                        self.err,
                        "warning: in sra mode but it looks like we connected to a RAD server"
                    );
                }
                let v = self.client.as_ref().map_or(1, |(c, _, _)| c.info().pvers);
                say!(self.out, "{}", format::using_protocol(v));
            }
            Event::Hit { tag, whit } => self.hit(tag, whit),
            Event::Missed(m) => say!(
                self.out,
                "{}",
                format::missed(
                    0,
                    &format::MissedCounts {
                        missed: m.missed,
                        dropped: m.dropped,
                        rlimit: m.rlimit,
                        filtered: m.filtered,
                        last_report: m.last_report,
                    }
                )
            ),
            Event::Trace { tag, result, error } => {
                say!(
                    self.out,
                    "{}",
                    format::result(tag, !error, None, &result.text)
                );
            }
            Event::Message { tag, message } => return self.show_message(tag, message).await,
        }
        Flow::Continue
    }

    async fn show_message(&mut self, tag: u16, m: Message) -> Flow {
        match m {
            Message::Ok(r) => {
                if !self.quiet {
                    let name = r.orig_op_name().to_string();
                    say!(
                        self.out,
                        "{}",
                        format::result(tag, true, Some(&name), &r.text)
                    );
                }
            }
            Message::Error(r) => {
                let name = r.orig_op_name().to_string();
                say!(
                    self.out,
                    "{}",
                    format::result(tag, false, Some(&name), &r.text)
                );
                if self.error_disconnect {
                    self.disconnect().await;
                    return Flow::Exit;
                }
            }
            Message::Wlist(w) => {
                if tag != 0 && tag != w.cur_tag {
                    say!(self.out, "{}", format::nearest_watch(tag, w.cur_tag));
                }
                say!(
                    self.out,
                    "{}",
                    format::wlist(w.cur_tag, &w.watch.to_string())
                );
            }
            Message::Clist(c) => say!(self.out, "{}", format::clist(c.ch, c.on, &c.spec)),
            Message::Opt(o) => {
                let line = match o {
                    Opt::Trace(n) => format::opt_trace(tag, n),
                    Opt::RateLimit(r) => format::opt_rlimit(
                        tag,
                        r.max_pkts_per_sec.raw(),
                        r.cur_pkts_per_sec,
                        r.report_secs.raw(),
                    ),
                    Opt::Sample(v) => format::opt_sample(tag, v),
                    Opt::Sndbuf(v) => format::opt_sndbuf(tag, v),
                };
                say!(self.out, "{line}");
            }
            Message::MgmtGetRsp(_) => say!(self.out, "deprecated command, please use \"stats\""),
            Message::KillRsp(k) => {
                let _ = write!(self.out, "{}", super::stats::kill(&k));
                let _ = self.out.flush();
            }
            Message::StatsRsp(r) => {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs());
                let _ = write!(self.out, "{}", super::stats::stats(&r, now, self.debug > 0));
                let _ = self.out.flush();
            }
            other => say!(self.out, "{} {}", format::tag_str(tag), other.op()),
        }
        Flow::Continue
    }

    fn hit(&mut self, tag: u16, whit: Whit) {
        if let Some((d, _)) = &self.forward {
            match owned_hit(&whit, &nmsg::Limits::default()) {
                Ok(OwnedHit::Ignored) => {}
                Ok(h) => {
                    d.offer(h);
                }
                Err(e) => say!(self.err, "{e}"),
            }
        }
        match self.count.hit() {
            Verdict::Print => {}
            Verdict::Exceeded => {
                say!(self.out, "{}", format::COUNT_EXCEEDED);
                return;
            }
            Verdict::Suppress => return,
        }
        match &whit {
            Whit::Ip(ip) => say!(self.out, "{}", format::ip_hit(tag, ip.ch, &ip.packet)),
            Whit::Nmsg(n) => {
                let limits = nmsg::Limits::default();
                if let Ok(p) = nmsg::container::decode_single(&n.container, &limits) {
                    let mut json = String::new();
                    if nmsg::json::write_payload(&mut json, &p).is_ok() {
                        say!(self.out, "{}", format::nmsg_hit(tag, n.ch, &json));
                        return;
                    }
                }
                let vendor = nmsg::vendor::vendor_name(u32::from(n.vid))
                    .map_or_else(|| n.vid.to_string(), str::to_owned);
                let mtype = nmsg::vendor::msgtype_name(u32::from(n.vid), u32::from(n.msgtype))
                    .map_or_else(|| n.msgtype.to_string(), str::to_owned);
                say!(
                    self.out,
                    "{}",
                    format::nmsg_hit(tag, n.ch, &format!("{vendor} {mtype}"))
                );
            }
        }
    }

    /// Closes the connection and the forwarding output.
    pub async fn shutdown(mut self) {
        self.disconnect().await;
        if let Some((d, _)) = self.forward.take() {
            let _ = d.shutdown();
        }
    }
}

/// What [`Tool::next_event`] yields.
#[derive(Debug)]
pub enum ToolEvent {
    /// The answer to USER.
    Auth(Result<Option<String>, ClientError>),
    /// A server message.
    Server(Event),
    /// The connection closed.
    Closed,
}

fn rate(v: RateValue) -> RlimitValue {
    match v {
        RateValue::NoChange => RlimitValue::Na,
        RateValue::Off => RlimitValue::Off,
        RateValue::Value(n) => RlimitValue::Value(n),
    }
}

fn level(l: Level, cur: u32) -> u32 {
    match l {
        Level::Show => cur,
        Level::On => cur.saturating_add(1),
        Level::Off | Level::Quiet => 0,
        Level::Set(n) => n,
    }
}

fn on_text(n: u32, quiet: bool) -> String {
    match n {
        0 if quiet => "quiet".into(),
        0 => "off".into(),
        1 => "on".into(),
        n => format!("on+{}", n - 1),
    }
}

fn name(c: &Command) -> &'static str {
    match c {
        Command::Accounting => "accounting",
        Command::ListChannels => "list channels",
        Command::Channel { .. } => "channel",
        Command::Stop | Command::StopAll => "delete",
        Command::ListWatches => "list watches",
        Command::Go => "go",
        Command::Kill(_) => "kill",
        Command::Stats(_) => "stats",
        Command::Nop => "nop",
        Command::Pause => "pause",
        Command::RateLimit { .. } => "rate limits",
        Command::Sample(_) => "sample",
        Command::Trace(_) => "trace",
        Command::User(_) => "user",
        Command::Watch(_) => "watch",
        Command::Window(_) => "window",
        _ => "command",
    }
}
