//! sratool's command table (SRA mode): names as typed, what parses the arguments, whether
//! arguments are required and whether a server connection is needed, and the help text.
//!
//! The order matters: it is the order in which names are tried (as in libaxa's table).

/// Which parser handles an entry; entries sharing one are synonyms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Func {
    Help,
    Accounting,
    Alias,
    Buffering,
    Ciphers,
    Channel,
    Connect,
    Count,
    Debug,
    Delete,
    Disconnect,
    ErrorMode,
    Exit,
    Forward,
    List,
    Go,
    Kill,
    Stats,
    Mode,
    Nop,
    Pause,
    RadMode,
    RateLimit,
    Sample,
    Sleep,
    Source,
    SraMode,
    Trace,
    User,
    Verbose,
    Version,
    Watch,
    Window,
    Zlib,
}

/// Whether an entry takes arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Args {
    No,
    Maybe,
    Yes,
}

/// One command table entry.
#[derive(Debug)]
pub(crate) struct Entry {
    pub name: &'static str,
    pub func: Func,
    pub args: Args,
    pub synopsis: &'static str,
    pub about: &'static str,
}

const fn e(
    name: &'static str,
    func: Func,
    args: Args,
    synopsis: &'static str,
    about: &'static str,
) -> Entry {
    Entry {
        name,
        func,
        args,
        synopsis,
        about,
    }
}

use Args::{Maybe, No, Yes};

pub(crate) static TABLE: &[Entry] = &[
    e("?", Func::Help, Maybe, "? [cmd]", "Show all commands, or the usage of one."),
    e("accounting", Func::Accounting, No, "accounting", "Ask the server for this session's message counters."),
    e("alias", Func::Alias, No, "alias", "List the connection aliases of the config file."),
    e("buffering", Func::Buffering, No, "buffering", "Toggle NMSG container buffering of forwarded messages (set before 'forward')."),
    e("ciphers", Func::Ciphers, Maybe, "ciphers [cipher-list]", "Show or set the TLS 1.2 ciphers for later apikey connections."),
    e("channels", Func::Channel, Maybe, "channel {list | {on | off} {all | chN}}", "List the channels available to you, or switch one or all channels on or off."),
    e("connect", Func::Connect, Maybe, "connect [server]", "Show the connection, or connect to apikey:KEY@host,port, tcp:user@host,port, unix:user@/path or an alias."),
    e("count", Func::Count, Maybe, "count [#packets | off]", "Stop displaying hits after a number of them, show what remains, or remove the limit."),
    e("debug", Func::Debug, Maybe, "debug [on | off | quiet | N]", "Show or change the debug level (also -d); 'quiet' hides successful replies."),
    e("delete", Func::Delete, Maybe, "delete", "Delete watches."),
    e("delete watches", Func::Delete, Maybe, "[tag] delete watches [all]", "With a tag, delete that watch; with 'all' or without a tag, delete all watches."),
    e("disconnect", Func::Disconnect, No, "disconnect", "Close the connection to the server."),
    e("error mode", Func::ErrorMode, Maybe, "error mode [disconnect | off]", "'disconnect' closes the connection and exits on a server error; 'off' only reports errors."),
    e("exit", Func::Exit, No, "exit", "Quit."),
    e("forward", Func::Forward, Maybe, "forward [off | nmsg:[tcp:|udp:]host,port [count] | nmsg:file:path [count] | pcap[-fifo]:file [count] | pcap-if:[dst/]ifname [count]]", "Start, stop or show forwarding of received hits, optionally stopping after count messages."),
    e("get channels", Func::List, Maybe, "get channels", "List the channels available to you."),
    e("get watches", Func::List, Maybe, "[tag] get watches", "List your watches, or with a tag the watch with the nearest tag."),
    e("go", Func::Go, No, "go", "Ask the server to resume sending hits."),
    e("help", Func::Help, Maybe, "help [cmd]", "Show all commands, or the usage of one."),
    e("kill", Func::Kill, Yes, "kill user_name | serial_number", "Kill a session by serial number, or all sessions of a user (admin only)."),
    e("list channels", Func::List, Maybe, "list channels", "List the channels available to you."),
    e("list watches", Func::List, Maybe, "[tag] list watches", "List your watches, or with a tag the watch with the nearest tag."),
    e("stats", Func::Stats, Maybe, "stats [all | user_name | serial_number]", "Server and session statistics (admin only)."),
    e("mode", Func::Mode, Maybe, "mode [SRA | RAD]", "Show or set the expected server type."),
    e("nop", Func::Nop, No, "nop", "Send a message that only tests the connection."),
    e("pause", Func::Pause, No, "pause", "Ask the server to stop sending hits."),
    e("quit", Func::Exit, No, "quit", "Quit."),
    e("radd", Func::RadMode, Maybe, "radd", "Change to RAD mode (not while connected)."),
    e("rate limits", Func::RateLimit, Maybe, "rate limits [-|MAX|per-sec] [-|NEVER|report-secs]", "Show the rate limits, or set the per-second limit and the seconds between loss reports."),
    e("sample", Func::Sample, Maybe, "sample [percent]", "Show or set the percentage of hits the server sends."),
    e("sleep", Func::Sleep, Yes, "sleep x.y", "Wait this many seconds (0.001 to 1000) while still handling server messages."),
    e("source", Func::Source, Yes, "source filename", "Run the commands in a file."),
    e("status", Func::Connect, No, "status", "Show the connection state."),
    e("srad", Func::SraMode, Maybe, "srad", "Change to SRA mode (not while connected)."),
    e("stop", Func::Delete, Maybe, "stop", "Delete watches."),
    e("watch", Func::Watch, Maybe, "tag watch {ip=IP[/n] | dns=[*.]dom | ch=chN | errors}", "Ask for hits about an address or prefix, a domain (or its subdomains), a whole channel, or undecodable messages; the tag labels the watch."),
    e("trace", Func::Trace, Yes, "trace N", "Set the server trace level (on = 3, off = 0)."),
    e("user", Func::User, Yes, "user name", "Send a user name (tcp: and unix: connections)."),
    e("verbose", Func::Verbose, Maybe, "verbose [on | off | N]", "Show or set how much detail hits are displayed with."),
    e("version", Func::Version, No, "version", "Show the program and protocol versions."),
    e("window", Func::Window, Maybe, "window [bytes]", "Show or set the server's TCP send buffer size (tcp: connections only)."),
    e("zlib", Func::Zlib, No, "zlib", "Toggle zlib compression of forwarded NMSG containers."),
];
