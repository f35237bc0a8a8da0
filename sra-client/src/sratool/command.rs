//! Parsing sratool command lines into typed commands — a pure function, no I/O.
//!
//! The rules are libaxa 3.0.2's: `;` separates commands, `#` starts a comment that runs to the
//! end of the line, a command may start with a numeric tag (`1 watch …`) or `*` (tag 0), names
//! are case-insensitive and any unambiguous prefix works, including prefixes of each word of a
//! two-word name (`err mo d` = `error mode disconnect`, `ex` = `exit`). Arguments are
//! validated here; watch and channel texts are kept as text for axa-proto's parsers.
//!
//! Deliberate differences from libaxa (plain bugs there):
//! * two table entries matching with arguments are ambiguous in libaxa even when they are
//!   synonyms, so `delete watches all` fails; here the longer (more specific) synonym wins;
//! * `channel` alone is documented as listing channels but libaxa requires an argument; here it
//!   lists channels;
//! * a tag above 65535 is truncated by libaxa; here it is an error;
//! * `sample` percentages are rounded, not truncated, to the 1/10000 % wire unit (so `0.0001`
//!   is not sent as 0, which would mean "query").

use std::path::PathBuf;
use std::time::Duration;

use super::table::{Args, Entry, Func, TABLE};
use crate::output::OutputSpec;

/// The longest command libaxa accepts (its buffer is 2048 bytes with the NUL).
pub const MAX_COMMAND_LEN: usize = 2047;
/// `AXA_RLIMIT_MAX`.
pub const RLIMIT_MAX: u64 = 1_000_000_000;
/// The client's smallest `window` size (`AXA_P_OPT_SNDBUF_MIN`).
pub const SNDBUF_MIN: u32 = 1024;
/// The trace level `trace on` sets (`AXA_DEBUG_TRACE`).
pub const TRACE_ON: u32 = 3;

/// A command with its tag (0 = none, printed `*`).
#[derive(Debug, Clone, PartialEq)]
pub struct Tagged {
    /// The tag given before the command, or 0.
    pub tag: u16,
    /// The command.
    pub command: Command,
}

/// A local display setting: show it, or change it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// No argument: show the current value.
    Show,
    /// `on`: one more.
    On,
    /// `off`: zero.
    Off,
    /// `quiet` (debug only): zero and hide successful replies.
    Quiet,
    /// A number.
    Set(u32),
}

/// `count` argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    /// Show what remains.
    Show,
    /// Remove the limit.
    Off,
    /// Display at most this many more hits.
    Set(u64),
}

/// One value of `rate limits`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateValue {
    /// `-` or absent: leave unchanged (AXA_RLIMIT_NA).
    NoChange,
    /// `MAXIMUM`, `NEVER`, `OFF`, `NONE`: unlimited / never (AXA_RLIMIT_OFF).
    Off,
    /// 1..=10^9.
    Value(u64),
}

/// Whom `kill` and `stats` are about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A session serial number.
    Serial(u32),
    /// A user name.
    User(String),
}

/// `stats` argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stats {
    /// No argument: the summary.
    Summary,
    /// `all`: every session.
    All,
    /// One user's sessions or one session.
    Of(Target),
}

/// `forward` argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Forward {
    /// Show the forwarding state.
    Show,
    /// `off` / `stop`.
    Off,
    /// Forward to a destination, optionally only `count` messages.
    To {
        /// Where.
        output: OutputSpec,
        /// The destination text as typed.
        text: String,
        /// Stop after this many.
        count: Option<u64>,
    },
}

/// Server kind for `mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerMode {
    /// SRA.
    Sra,
    /// RAD (not supported by this client; the tool says so).
    Rad,
}

/// A parsed sratool command.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// `help`/`?`, with an optional topic.
    Help(Option<String>),
    /// `accounting` → ACCT.
    Accounting,
    /// `alias`: list config aliases.
    Alias,
    /// `buffering`: toggle forwarded NMSG buffering.
    Buffering,
    /// `ciphers [list]`.
    Ciphers(Option<String>),
    /// `channel list` / `get channels` / `list` → CGET.
    ListChannels,
    /// `channel on|off X` → CHANNEL; the channel text (`chN`, `N`, `all`) as typed.
    Channel {
        /// Channel text.
        channel: String,
        /// On or off.
        on: bool,
    },
    /// `connect SPEC`; `None` = `connect`/`status` (show the connection).
    Connect(Option<String>),
    /// `count`.
    Count(Count),
    /// `debug`.
    Debug(Level),
    /// `[tag] delete` with a tag → STOP.
    Stop,
    /// `delete all` or `delete` without a tag → ALL_STOP.
    StopAll,
    /// `disconnect`.
    Disconnect,
    /// `error mode`: `None` = show, `Some(true)` = disconnect on error.
    ErrorMode(Option<bool>),
    /// `exit` / `quit`.
    Exit,
    /// `forward`.
    Forward(Forward),
    /// `get watches` / `list watches` / `watch` → WGET.
    ListWatches,
    /// `go` → GO.
    Go,
    /// `kill` → KILL_REQ.
    Kill(Target),
    /// `stats` → STATS_REQ.
    Stats(Stats),
    /// `mode`, `srad`, `radd`; `None` = show.
    Mode(Option<ServerMode>),
    /// `nop` → NOP.
    Nop,
    /// `pause` → PAUSE.
    Pause,
    /// `rate limits` → OPT RLIMIT (both `NoChange` = a query).
    RateLimit {
        /// Per-second maximum.
        max: RateValue,
        /// Seconds between MISSED reports.
        report_secs: RateValue,
    },
    /// `sample` → OPT SAMPLE; the wire value (percent × 10000), 0 = query.
    Sample(u32),
    /// `sleep`.
    Sleep(Duration),
    /// `source FILE`.
    Source(PathBuf),
    /// `trace N` → OPT TRACE.
    Trace(u32),
    /// `user NAME` → USER.
    User(String),
    /// `verbose`.
    Verbose(Level),
    /// `version`.
    Version,
    /// `tag watch TEXT` → WATCH; the watch text for axa-proto's parser.
    Watch(String),
    /// `window [bytes]` → OPT SNDBUF; 0 = query.
    Window(u32),
    /// `zlib`: toggle forwarded NMSG compression.
    Zlib,
}

impl Command {
    /// Whether the command needs a server connection (`"X" requires a connection to a
    /// server` otherwise).
    pub fn needs_connection(&self) -> bool {
        matches!(
            self,
            Command::Accounting
                | Command::ListChannels
                | Command::Channel { .. }
                | Command::Stop
                | Command::StopAll
                | Command::ListWatches
                | Command::Go
                | Command::Kill(_)
                | Command::Stats(_)
                | Command::Nop
                | Command::Pause
                | Command::RateLimit { .. }
                | Command::Sample(_)
                | Command::Trace(_)
                | Command::User(_)
                | Command::Watch(_)
                | Command::Window(_)
        )
    }
}

/// Why a command was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    /// No command has this name.
    #[error("unrecognized command \"{0}\"")]
    Unrecognized(String),
    /// The name is a prefix of several different commands.
    #[error("ambiguous command \"{0}\"")]
    Ambiguous(String),
    /// Wrong or missing arguments (sratool then shows the command's usage).
    #[error("Arguments provided seemed to be invalid for command \"{0}\"")]
    Usage(String),
    /// The command needs a tag.
    #[error("\"{0}\" requires a tag")]
    NeedsTag(&'static str),
    /// A specific complaint about an argument.
    #[error("{0}")]
    Invalid(String),
    /// Longer than libaxa's command buffer.
    #[error("command too long")]
    TooLong,
}

impl CommandError {
    /// Whether sratool should follow the message with the command's usage text.
    pub fn shows_usage(&self) -> bool {
        matches!(self, CommandError::Usage(_) | CommandError::Ambiguous(_))
    }
}

const WS: &[char] = &[' ', '\t', '\n', '\r'];

/// Parses one input line into its commands, in order. Parsing stops at the first error, which
/// is the last element (sratool runs the commands before it, then reports it).
pub fn parse_line(line: &str) -> Vec<Result<Tagged, CommandError>> {
    let mut out = Vec::new();
    let mut rest = line;
    loop {
        rest = rest.trim_start_matches(|c: char| WS.contains(&c) || c == ';');
        if rest.is_empty() || rest.starts_with('#') {
            return out;
        }
        let end = rest.find([';', '\r', '\n']).unwrap_or(rest.len());
        let (cmd, tail) = rest.split_at(end);
        rest = tail;
        if cmd.len() > MAX_COMMAND_LEN {
            out.push(Err(CommandError::TooLong));
            return out;
        }
        let cmd = cmd.trim_end_matches(WS);
        let (tag, cmd) = match split_tag(cmd) {
            Ok(t) => t,
            Err(e) => {
                out.push(Err(e));
                return out;
            }
        };
        if cmd.is_empty() {
            continue;
        }
        match parse_command(tag, cmd) {
            Ok(command) => out.push(Ok(Tagged { tag, command })),
            Err(e) => {
                out.push(Err(e));
                return out;
            }
        }
    }
}

/// A leading `N ` (N ≥ 1) or `* ` is a tag.
fn split_tag(cmd: &str) -> Result<(u16, &str), CommandError> {
    let b = cmd.as_bytes();
    if b.first() == Some(&b'*') && b.get(1).is_some_and(|c| c.is_ascii_whitespace()) {
        return Ok((0, cmd[2..].trim_start_matches(WS)));
    }
    let digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 || !b.get(digits).is_some_and(|c| c.is_ascii_whitespace()) {
        return Ok((0, cmd));
    }
    let text = &cmd[..digits];
    match text.parse::<u64>() {
        Ok(0) => Ok((0, cmd)),
        Ok(n) => match u16::try_from(n) {
            Ok(t) => Ok((t, cmd[digits..].trim_start_matches(WS))),
            Err(_) => Err(CommandError::Invalid(format!("invalid tag \"{text}\""))),
        },
        Err(_) => Err(CommandError::Invalid(format!("invalid tag \"{text}\""))),
    }
}

/// libaxa's `cmd_cmp`: how far `user` matches the table name `op`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cmp {
    /// The whole name matched and the input ended.
    Exact,
    /// The input ended inside the name.
    Prefix,
    /// They differ at this byte of the input (0 = no match at all).
    At(usize),
}

fn cmd_cmp(user: &[u8], op: &[u8]) -> Cmp {
    let (mut u, mut o) = (0usize, 0usize);
    loop {
        let oc = op.get(o).map_or(0, u8::to_ascii_lowercase);
        let mut uc = user.get(u).map_or(0, u8::to_ascii_lowercase);
        if uc == b'\t' {
            uc = b' ';
        }
        if oc != uc {
            // Extra blanks where the name has a blank are squeezed.
            if uc == b' ' && o != 0 && op[o - 1] == b' ' {
                u += 1;
                continue;
            }
            if uc == 0 {
                return Cmp::Prefix;
            }
            return Cmp::At(u);
        }
        if oc == 0 {
            return Cmp::Exact;
        }
        o += 1;
        u += 1;
    }
}

/// libaxa's `word_cmp`: if `arg` starts with (a prefix of) `word` followed by blanks or the
/// end, returns the rest.
fn word<'a>(arg: &'a str, word: &str) -> Option<&'a str> {
    let a = arg.trim_start_matches(WS);
    if a.is_empty() {
        return None;
    }
    match cmd_cmp(a.as_bytes(), word.as_bytes()) {
        Cmp::At(0) => None,
        Cmp::Exact | Cmp::Prefix => Some(""),
        Cmp::At(i) => {
            let rest = &a[i..];
            let trimmed = rest.trim_start_matches(WS);
            (trimmed.len() != rest.len()).then_some(trimmed)
        }
    }
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// Finds the table entry for `op` and returns it with its argument text.
fn lookup(op: &str) -> Result<(&'static Entry, &str), CommandError> {
    let b = op.as_bytes();
    let mut first_prefix: Option<&'static Entry> = None;
    let mut best: Option<(&'static Entry, usize)> = None;
    for ce in TABLE {
        match cmd_cmp(b, ce.name.as_bytes()) {
            Cmp::At(0) => {}
            Cmp::Exact => {
                if ce.args == Args::Yes {
                    return Err(CommandError::Usage(op.to_owned()));
                }
                return Ok((ce, ""));
            }
            Cmp::Prefix => match first_prefix {
                None => first_prefix = Some(ce),
                Some(f) if f.func == ce.func => {}
                Some(_) => return Err(CommandError::Ambiguous(op.to_owned())),
            },
            Cmp::At(i) => {
                // The name must end at a blank in the input, or just after one.
                let start = if is_ws(b[i]) {
                    Some(i)
                } else if is_ws(b[i - 1]) {
                    Some(i - 1)
                } else {
                    None
                };
                let Some(start) = start else { continue };
                let arg = start + b[start..].iter().take_while(|&&c| is_ws(c)).count();
                if ce.args == Args::No {
                    return Err(CommandError::Usage(op.to_owned()));
                }
                best = match best {
                    None => Some((ce, arg)),
                    // A longer synonym is more specific ("delete watches all").
                    Some((prev, _)) if prev.func == ce.func && ce.name.len() > prev.name.len() => {
                        Some((ce, arg))
                    }
                    Some((prev, a)) if prev.func == ce.func => Some((prev, a)),
                    Some(_) => return Err(CommandError::Ambiguous(op.to_owned())),
                };
            }
        }
    }
    if let Some((ce, arg)) = best {
        return Ok((ce, &op[arg..]));
    }
    if let Some(ce) = first_prefix {
        if ce.args == Args::Yes {
            return Err(CommandError::Usage(op.to_owned()));
        }
        return Ok((ce, ""));
    }
    if let Some(topic) = op.strip_prefix('?') {
        // "?statu": help about a topic without a blank.
        let help = TABLE
            .first()
            .ok_or_else(|| CommandError::Unrecognized(op.to_owned()))?;
        return Ok((help, topic));
    }
    Err(CommandError::Unrecognized(op.to_owned()))
}

fn parse_command(tag: u16, op: &str) -> Result<Command, CommandError> {
    let (ce, arg) = lookup(op)?;
    let usage = || CommandError::Usage(op.to_owned());
    let arg = arg.trim_end_matches(WS);
    if ce.args == Args::Yes && arg.is_empty() && ce.func != Func::Channel {
        return Err(usage());
    }
    let opt = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    Ok(match ce.func {
        Func::Help => Command::Help(opt(arg.trim_start_matches(WS))),
        Func::Accounting => Command::Accounting,
        Func::Alias => Command::Alias,
        Func::Buffering => Command::Buffering,
        Func::Ciphers => Command::Ciphers(opt(arg)),
        Func::Channel => parse_channel(arg).ok_or_else(usage)?,
        Func::Connect => Command::Connect(opt(arg)),
        Func::Count => Command::Count(parse_count(arg).ok_or_else(usage)?),
        Func::Debug => Command::Debug(parse_level(arg, true).ok_or_else(usage)?),
        Func::Verbose => Command::Verbose(parse_level(arg, false).ok_or_else(usage)?),
        Func::Delete => {
            let a = word(arg, "watches").unwrap_or(arg);
            if word(a, "all").is_some_and(str::is_empty) {
                Command::StopAll
            } else if a.is_empty() {
                if tag == 0 {
                    Command::StopAll
                } else {
                    Command::Stop
                }
            } else {
                return Err(usage());
            }
        }
        Func::Disconnect => Command::Disconnect,
        Func::ErrorMode => {
            let a = word(arg, "mode").unwrap_or(arg);
            if a.is_empty() {
                Command::ErrorMode(None)
            } else if word(a, "off").is_some() {
                Command::ErrorMode(Some(false))
            } else if ["disconnect", "on", "close"]
                .iter()
                .any(|w| word(a, w).is_some())
            {
                Command::ErrorMode(Some(true))
            } else {
                return Err(usage());
            }
        }
        Func::Exit => Command::Exit,
        Func::Forward => Command::Forward(parse_forward(arg).map_err(|e| match e {
            None => usage(),
            Some(msg) => CommandError::Invalid(msg),
        })?),
        Func::List => {
            if word(arg, "watches").is_some() || (arg.is_empty() && ce.name.ends_with("watches")) {
                Command::ListWatches
            } else if word(arg, "channels").is_some()
                || (arg.is_empty() && ce.name.ends_with("channels"))
            {
                Command::ListChannels
            } else {
                return Err(usage());
            }
        }
        Func::Go => Command::Go,
        Func::Kill => Command::Kill(target(arg)?),
        Func::Stats => Command::Stats(if arg.is_empty() {
            Stats::Summary
        } else if word(arg, "all").is_some() {
            Stats::All
        } else {
            Stats::Of(target(arg)?)
        }),
        Func::Mode => Command::Mode(if arg.is_empty() {
            None
        } else if word(arg, "sra").is_some() {
            Some(ServerMode::Sra)
        } else if word(arg, "rad").is_some() {
            Some(ServerMode::Rad)
        } else {
            return Err(usage());
        }),
        Func::SraMode | Func::RadMode => {
            let a = word(arg, "mode").unwrap_or(arg);
            if !a.is_empty() {
                return Err(usage());
            }
            Command::Mode(Some(if ce.func == Func::SraMode {
                ServerMode::Sra
            } else {
                ServerMode::Rad
            }))
        }
        Func::Nop => Command::Nop,
        Func::Pause => Command::Pause,
        Func::RateLimit => {
            let a = word(arg, "limits").unwrap_or(arg);
            let mut it = a.split(WS).filter(|s| !s.is_empty());
            let max = rate_value(it.next().unwrap_or("")).ok_or_else(usage)?;
            let report_secs = rate_value(it.next().unwrap_or("")).ok_or_else(usage)?;
            if it.next().is_some() {
                return Err(usage());
            }
            Command::RateLimit { max, report_secs }
        }
        Func::Sample => Command::Sample(parse_sample(arg).map_err(|e| e.unwrap_or_else(usage))?),
        Func::Sleep => {
            let s: f64 = arg.parse().map_err(|_| usage())?;
            if !(0.001..=1000.0).contains(&s) {
                return Err(usage());
            }
            Command::Sleep(Duration::from_secs_f64(s))
        }
        Func::Source => Command::Source(PathBuf::from(arg)),
        Func::Trace => Command::Trace(if let Ok(n) = arg.parse::<u32>() {
            n
        } else if arg.eq_ignore_ascii_case("off") {
            0
        } else if arg.eq_ignore_ascii_case("on") {
            TRACE_ON
        } else {
            return Err(usage());
        }),
        Func::User => {
            if arg.len() >= 64 {
                return Err(CommandError::Invalid(format!(
                    "user name \"{arg}\" is too long"
                )));
            }
            Command::User(arg.to_owned())
        }
        Func::Version => Command::Version,
        Func::Watch => {
            if arg.is_empty() || word(arg, "get").is_some() || word(arg, "list").is_some() {
                Command::ListWatches
            } else if tag == 0 {
                return Err(CommandError::NeedsTag("watch"));
            } else {
                Command::Watch(arg.to_owned())
            }
        }
        Func::Window => Command::Window(if arg.is_empty() {
            0
        } else {
            let n = parse_c_ulong(arg).ok_or_else(usage)?;
            match u32::try_from(n) {
                Ok(n) if n >= SNDBUF_MIN => n,
                _ => {
                    return Err(CommandError::Invalid(format!(
                        "invalid output window size of {arg}"
                    )))
                }
            }
        }),
        Func::Zlib => Command::Zlib,
    })
}

fn parse_channel(arg: &str) -> Option<Command> {
    if arg.is_empty() || word(arg, "get").is_some() || word(arg, "list").is_some() {
        return Some(Command::ListChannels);
    }
    let mut it = arg.split(WS).filter(|s| !s.is_empty());
    let (a1, a2) = (it.next()?, it.next()?);
    if it.next().is_some() {
        return None;
    }
    let is_off = |w: &str| word(w, "off").is_some() || word(w, "stop").is_some();
    let is_on = |w: &str| word(w, "on").is_some();
    let (channel, on) = if is_off(a1) {
        (a2, false)
    } else if is_on(a1) {
        (a2, true)
    } else if is_off(a2) {
        (a1, false)
    } else if is_on(a2) {
        (a1, true)
    } else {
        return None;
    };
    Some(Command::Channel {
        channel: channel.to_owned(),
        on,
    })
}

fn parse_count(arg: &str) -> Option<Count> {
    if arg.is_empty() {
        return Some(Count::Show);
    }
    if word(arg, "off").is_some() {
        return Some(Count::Off);
    }
    arg.parse().ok().map(Count::Set)
}

fn parse_level(arg: &str, quiet: bool) -> Option<Level> {
    Some(if arg.is_empty() {
        Level::Show
    } else if quiet && word(arg, "quiet").is_some() {
        Level::Quiet
    } else if word(arg, "off").is_some() {
        Level::Off
    } else if word(arg, "on").is_some() {
        Level::On
    } else {
        Level::Set(arg.parse().ok()?)
    })
}

/// `Err(None)` = show the usage; `Err(Some(msg))` = a specific complaint.
fn parse_forward(arg: &str) -> Result<Forward, Option<String>> {
    if arg.is_empty() {
        return Ok(Forward::Show);
    }
    if word(arg, "off").is_some() || word(arg, "stop").is_some() {
        return Ok(Forward::Off);
    }
    let (text, count) = match arg.split_once(WS) {
        Some((t, c)) => {
            let c = c.trim_matches(WS);
            (t, Some(c.parse::<u64>().map_err(|_| None)?))
        }
        None => (arg, None),
    };
    let output = OutputSpec::parse(text).map_err(|e| Some(e.to_string()))?;
    Ok(Forward::To {
        output,
        text: text.to_owned(),
        count,
    })
}

fn rate_value(w: &str) -> Option<RateValue> {
    if w.is_empty() || w == "-" {
        return Some(RateValue::NoChange);
    }
    if ["MAXIMUM", "NEVER", "OFF", "NONE"]
        .iter()
        .any(|k| word(w, k).is_some())
    {
        return Some(RateValue::Off);
    }
    w.parse::<u64>()
        .ok()
        .filter(|n| (1..=RLIMIT_MAX).contains(n))
        .map(RateValue::Value)
}

/// `Err(None)` = usage; `Err(Some(_))` = invalid rate.
fn parse_sample(arg: &str) -> Result<u32, Option<CommandError>> {
    if arg.is_empty() {
        return Ok(0);
    }
    let num = arg.strip_suffix('%').unwrap_or(arg);
    let d: f64 = num.parse().map_err(|_| None)?;
    if !(d > 0.0 && d <= 100.0) {
        return Err(Some(CommandError::Invalid(format!(
            "\"{arg}\" is an invalid sampling rate"
        ))));
    }
    Ok(((d * 10_000.0).round() as u32).max(1))
}

/// `strtoul(s, _, 0)` over the whole text: decimal, `0x` hex or leading-`0` octal.
fn parse_c_ulong(s: &str) -> Option<u64> {
    if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        u64::from_str_radix(h, 16).ok()
    } else if s.len() > 1 && s.starts_with('0') {
        u64::from_str_radix(&s[1..], 8).ok()
    } else {
        s.parse().ok()
    }
}

/// `kill`/`stats` target: a number (C base rules) is a serial number, anything else a user.
fn target(arg: &str) -> Result<Target, CommandError> {
    if let Some(n) = parse_c_ulong(arg) {
        return u32::try_from(n)
            .map(Target::Serial)
            .map_err(|_| CommandError::Invalid(format!("invalid serial number {arg}")));
    }
    if arg.len() >= 64 {
        return Err(CommandError::Invalid(format!(
            "user name \"{arg}\" is too long"
        )));
    }
    Ok(Target::User(arg.to_owned()))
}

#[cfg(test)]
mod tests;
