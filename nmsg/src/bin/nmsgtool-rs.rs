//! `nmsgtool-rs`: read and write NMSG the way people use nmsgtool: files (`-r`, `-w`), UDP
//! (`-l`, `-s`), JSON lines (`-j`, `-J`), compression (`-z`), datagram size (`-m`), a payload
//! count (`-c`) and unbuffered output (`--unbuffered`).
//!
//! Every payload read goes to every output (nmsgtool stripes over several outputs of one kind
//! unless `--mirror`; here there is at most one output of each kind). Data errors are reported
//! on stderr and skipped; reading goes on.

#[path = "nmsgtool-rs/json.rs"]
mod json;
#[path = "nmsgtool-rs/sockspec.rs"]
mod sockspec;

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::net::UdpSocket;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use bytes::Bytes;
use clap::Parser;
use nmsg::reader::{DatagramReader, StreamReader};
use nmsg::writer::{Datagrams, Stream, Writer, WriterConfig, SIZE_JUMBO};
use nmsg::{Limits, Payload, Stats};

use sockspec::SockSpec;

/// How long a listener waits before flushing buffered outputs that hold old payloads
/// (`NMSG_RBUF_TIMEOUT`).
const IDLE: Duration = Duration::from_millis(500);

#[derive(Parser, Debug)]
#[command(
    name = "nmsgtool-rs",
    version,
    about = "Read and write NMSG files, sockets and JSON"
)]
struct Args {
    /// Read NMSG containers from a file ("-" = stdin).
    #[arg(short = 'r', long = "readnmsg", value_name = "FILE")]
    read: Vec<PathBuf>,
    /// Read JSON lines (nmsgtool -J format) from a file ("-" = stdin).
    #[arg(short = 'j', long = "readjson", value_name = "FILE")]
    read_json: Vec<PathBuf>,
    /// Read NMSG datagrams from a UDP socket ADDR/PORT (no ranges).
    #[arg(short = 'l', long = "readsock", value_name = "ADDR/PORT")]
    listen: Option<SockSpec>,
    /// Write NMSG containers to a file ("-" = stdout).
    #[arg(short = 'w', long = "writenmsg", value_name = "FILE")]
    write: Option<PathBuf>,
    /// Send NMSG datagrams to ADDR/PORT.
    #[arg(short = 's', long = "writesock", value_name = "ADDR/PORT")]
    send: Option<SockSpec>,
    /// Write JSON lines to a file ("-" = stdout).
    #[arg(short = 'J', long = "writejson", value_name = "FILE")]
    write_json: Option<PathBuf>,
    /// Compress NMSG output (file and socket).
    #[arg(short = 'z', long = "zlibout")]
    zlib: bool,
    /// Datagram size for -s (clamped to 512 ..= 1048576).
    #[arg(short = 'm', long = "mtu", value_name = "SIZE", default_value_t = SIZE_JUMBO)]
    mtu: usize,
    /// Stop after this many payloads.
    #[arg(short = 'c', long = "count", value_name = "COUNT")]
    count: Option<u64>,
    /// One container per payload.
    #[arg(long)]
    unbuffered: bool,
    /// Print statistics to stderr at the end (repeatable, as nmsgtool's -d).
    #[arg(short = 'd', long = "debug", action = clap::ArgAction::Count)]
    debug: u8,
}

/// The outputs: every payload goes to each.
struct Outputs {
    file: Option<Writer<Stream<Box<dyn Write>>>>,
    sock: Option<Writer<Datagrams<UdpSocket>>>,
    json: Option<Box<dyn Write>>,
    line: String,
    written: u64,
}

/// JSON lines are rendered into one batch of this size, then written at once.
const JSON_BATCH: usize = 1 << 20;

/// The write buffer of outputs: it gathers container headers and tails and small writes;
/// container bodies and JSON batches are larger and go past it without a copy.
const WRITE_BUF: usize = 64 * 1024;

fn open_write(path: &PathBuf) -> Result<Box<dyn Write>> {
    if path.as_os_str() == "-" {
        Ok(Box::new(BufWriter::with_capacity(
            WRITE_BUF,
            io::stdout().lock(),
        )))
    } else {
        let f = File::create(path).with_context(|| format!("{}", path.display()))?;
        Ok(Box::new(BufWriter::with_capacity(WRITE_BUF, f)))
    }
}

/// An NMSG input, unbuffered: the stream reader reads in chunks of its own (a buffer here
/// would only add a copy).
fn open_nmsg(path: &PathBuf) -> Result<Box<dyn Read>> {
    if path.as_os_str() == "-" {
        Ok(Box::new(io::stdin().lock()))
    } else {
        let f = File::open(path).with_context(|| format!("{}", path.display()))?;
        Ok(Box::new(f))
    }
}

/// A JSON lines input.
fn open_lines(path: &PathBuf) -> Result<Box<dyn BufRead>> {
    if path.as_os_str() == "-" {
        Ok(Box::new(io::stdin().lock()))
    } else {
        let f = File::open(path).with_context(|| format!("{}", path.display()))?;
        Ok(Box::new(BufReader::with_capacity(64 * 1024, f)))
    }
}

impl Outputs {
    fn open(args: &Args) -> Result<Outputs> {
        let file = match &args.write {
            Some(p) => {
                let cfg = WriterConfig {
                    zlib: args.zlib,
                    buffered: !args.unbuffered,
                    ..WriterConfig::file()
                };
                Some(Writer::to_stream(open_write(p)?, cfg))
            }
            None => None,
        };
        let sock = match &args.send {
            Some(spec) => {
                let bind = if spec.addr.is_ipv4() {
                    "0.0.0.0:0"
                } else {
                    "[::]:0"
                };
                let s = UdpSocket::bind(bind).context("binding the output socket")?;
                s.set_broadcast(true).context("SO_BROADCAST")?;
                s.connect(spec.addr)
                    .with_context(|| format!("connecting to {}", spec.addr))?;
                let cfg = WriterConfig {
                    zlib: args.zlib,
                    buffered: !args.unbuffered,
                    ..WriterConfig::datagram(args.mtu)
                };
                Some(Writer::to_datagrams(s, cfg))
            }
            None => None,
        };
        let json = match &args.write_json {
            Some(p) => Some(open_write(p)?),
            None => None,
        };
        if file.is_none() && sock.is_none() && json.is_none() {
            bail!("no output given (-w, -s or -J)");
        }
        Ok(Outputs {
            file,
            sock,
            json,
            line: String::new(),
            written: 0,
        })
    }

    /// Writes an encoded payload as it came (`envelope`, checked, with its checked CRC):
    /// NMSG outputs copy it without decoding; only JSON decodes it.
    fn write_encoded(&mut self, envelope: &Bytes, crc: Option<u32>) -> Result<()> {
        if let Some(w) = &mut self.file {
            w.write_encoded_with_crc(envelope, crc)
                .context("writing the NMSG file")?;
        }
        if let Some(w) = &mut self.sock {
            w.write_encoded_with_crc(envelope, crc).context("sending")?;
        }
        if self.json.is_some() {
            let p = Payload::decode(envelope).context("decoding a checked envelope")?;
            self.write_json(&p)?;
        }
        self.written += 1;
        Ok(())
    }

    /// Renders `p` at the end of the pending JSON lines, written out once they reach
    /// [`JSON_BATCH`] (one copy of the text fewer than writing each line through a buffer).
    fn write_json(&mut self, p: &Payload) -> Result<()> {
        if self.json.is_none() {
            return Ok(());
        }
        match json::render(p, &mut self.line) {
            Ok(()) => self.line.push('\n'),
            Err(e) => eprintln!("nmsgtool-rs: payload {}/{}: {e:#}", p.vid, p.msgtype),
        }
        if self.line.len() >= JSON_BATCH {
            self.drain_json()?;
        }
        Ok(())
    }

    /// Writes the pending JSON lines.
    fn drain_json(&mut self) -> Result<()> {
        if let Some(out) = &mut self.json {
            out.write_all(self.line.as_bytes())
                .context("writing JSON")?;
        }
        self.line.clear();
        Ok(())
    }

    fn write(&mut self, p: &Payload) -> Result<()> {
        if let Some(w) = &mut self.file {
            w.write(p).context("writing the NMSG file")?;
        }
        if let Some(w) = &mut self.sock {
            w.write(p).context("sending")?;
        }
        self.write_json(p)?;
        self.written += 1;
        Ok(())
    }

    fn flush_older_than(&mut self, age: Duration) -> Result<()> {
        if let Some(w) = &mut self.file {
            w.flush_if_older_than(age)?;
        }
        if let Some(w) = &mut self.sock {
            w.flush_if_older_than(age)?;
        }
        self.drain_json()?;
        if let Some(j) = &mut self.json {
            j.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        if let Some(w) = &mut self.file {
            w.flush().context("writing the NMSG file")?;
        }
        if let Some(w) = &mut self.sock {
            w.flush().context("sending")?;
        }
        self.drain_json()?;
        if let Some(j) = &mut self.json {
            j.flush().context("writing JSON")?;
        }
        Ok(())
    }
}

/// JSON lines rendered before an error still reach the output (as they did through the
/// buffered writer, which flushes when dropped).
impl Drop for Outputs {
    fn drop(&mut self) {
        let _ = self.drain_json();
    }
}

/// Counts payloads against `-c`.
struct Budget(Option<u64>);

impl Budget {
    fn done(&self, out: &Outputs) -> bool {
        self.0.is_some_and(|c| out.written >= c)
    }
}

fn report(what: &str, s: &Stats) {
    eprintln!(
        "nmsgtool-rs: {what}: containers {} payloads {} bytes {} container_drops {} fragments {} \
         expired {} data_errors {} headerless {}",
        s.containers,
        s.payloads,
        s.bytes,
        s.lost,
        s.fragments,
        s.expired,
        s.data_errors,
        s.headerless
    );
}

fn run(args: &Args) -> Result<()> {
    if args.read.is_empty() && args.read_json.is_empty() && args.listen.is_none() {
        bail!("no input given (-r, -j or -l)");
    }
    let mut out = Outputs::open(args)?;
    let budget = Budget(args.count);
    for path in &args.read {
        let mut r = StreamReader::new(open_nmsg(path)?, Limits::default());
        // Payloads stay encoded from the input container to the output container.
        while let Some(p) = r.next_encoded() {
            if budget.done(&out) {
                break;
            }
            match p {
                Ok((envelope, crc)) => out.write_encoded(&envelope, crc)?,
                Err(e) if e.is_data_error() => eprintln!("nmsgtool-rs: {}: {e}", path.display()),
                Err(e) => return Err(e).with_context(|| format!("{}", path.display())),
            }
        }
        if args.debug > 0 {
            report(&path.display().to_string(), &r.stats());
        }
    }
    for path in &args.read_json {
        let r = open_lines(path)?;
        for (n, line) in r.lines().enumerate() {
            if budget.done(&out) {
                break;
            }
            let line = line.with_context(|| format!("{}", path.display()))?;
            if line.trim().is_empty() {
                continue;
            }
            match json::parse(&line) {
                Ok(p) => out.write(&p)?,
                Err(e) => eprintln!("nmsgtool-rs: {} line {}: {e:#}", path.display(), n + 1),
            }
        }
    }
    if let Some(spec) = &args.listen {
        let sock = UdpSocket::bind(spec.addr).with_context(|| format!("binding {}", spec.addr))?;
        sock.set_read_timeout(Some(IDLE))?;
        let mut r = DatagramReader::new(sock, Limits::default());
        while !budget.done(&out) {
            match r.next_encoded() {
                Some(Ok((envelope, crc))) => out.write_encoded(&envelope, crc)?,
                Some(Err(e)) if e.is_data_error() => eprintln!("nmsgtool-rs: {}: {e}", spec.addr),
                Some(Err(nmsg::Error::Io(e)))
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    out.flush_older_than(IDLE)?
                }
                Some(Err(e)) => return Err(e).context("reading the socket"),
                None => break,
            }
        }
        if args.debug > 0 {
            report(&spec.addr.to_string(), &r.stats());
        }
    }
    out.flush()
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("nmsgtool-rs: {e:#}");
            ExitCode::FAILURE
        }
    }
}
