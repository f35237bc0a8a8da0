//! `sratunnel` options (AXA spec §8.2), with libaxa's letters, meanings and checks.
//!
//! `-w` and `-c` repeat; libaxa applies them in reverse command-line order (it prepends to a
//! list), and [`TunnelOptions`] keeps them in that *sending* order. `-d` and `-t` count. `-h`
//! prints the usage and exits 64 (EX_USAGE), as libaxa does. `-C` excludes `-T` and `-Z`;
//! `-k` needs one of `-C`, `-T`, `-Z`; `-k`, `-Z` and `-p` need a file output.

use std::path::PathBuf;
use std::time::Duration;

use clap::{ArgAction, Parser};

use super::tls_args::TlsArgs;
use super::UsageError;
use crate::output::OutputSpec;
use crate::rotation::Limits;
use crate::TlsOptions;

/// Rate limit maximum (AXA_RLIMIT_MAX).
pub const RLIMIT_MAX: u64 = 1_000_000_000;

/// The raw command line.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "sratunnel",
    disable_help_flag = true,
    disable_version_flag = true,
    about = "SIE Remote Access Tunnel (sratunnel)"
)]
pub struct SratunnelArgs {
    /// Connect to this SRA server: `apikey:KEY@host,port`, `tcp:user@host,port`,
    /// `unix:user@/path`, or an alias from the config file.
    #[arg(short = 's', value_name = "[user@]server|alias")]
    pub server: Option<String>,
    /// Destination of SIE data (`nmsg:…`, `pcap:…`, `pcap-fifo:…`).
    #[arg(short = 'o', value_name = "output")]
    pub output: Option<String>,
    /// Set a watch (repeatable).
    #[arg(short = 'w', value_name = "watch")]
    pub watches: Vec<String>,
    /// Enable a channel (repeatable).
    #[arg(short = 'c', value_name = "channel")]
    pub channels: Vec<String>,
    /// Ask for accounting every N seconds (shown with `-d`).
    #[arg(short = 'A', value_name = "interval", value_parser = clap::value_parser!(u32).range(1..))]
    pub acct_secs: Option<u32>,
    /// Stop, or rotate with `-k`, after this many hits.
    #[arg(short = 'C', value_name = "count", value_parser = clap::value_parser!(u64).range(1..))]
    pub count: Option<u64>,
    /// Stop, or rotate with `-k`, at each wall-clock boundary of this many seconds.
    #[arg(short = 'T', value_name = "secs", value_parser = clap::value_parser!(u64).range(1..))]
    pub interval: Option<u64>,
    /// Stop, or rotate with `-k`, once the output file reaches this size (bytes; K, M, G
    /// suffixes allowed).
    #[arg(short = 'Z', value_name = "size", value_parser = parse_size)]
    pub size: Option<u64>,
    /// Rotate output files; run `cmd FILE` on each finished file (never through a shell).
    #[arg(short = 'k', value_name = "cmd")]
    pub kick_cmd: Option<String>,
    /// Increase the debug level (`-d` connect messages, `-ddd` every message).
    #[arg(short = 'd', action = ArgAction::Count)]
    pub debug: u8,
    /// Increase the server trace level.
    #[arg(short = 't', action = ArgAction::Count)]
    pub trace: u8,
    /// Rate limit to this many hits per second (1..=10^9).
    #[arg(short = 'r', value_name = "limit", value_parser = clap::value_parser!(u64).range(1..=RLIMIT_MAX))]
    pub rate_limit: Option<u64>,
    /// Sample this percentage of hits (0 < pct <= 100).
    #[arg(short = 'm', value_name = "rate", value_parser = parse_sample)]
    pub sample: Option<f64>,
    /// TLS 1.2 cipher list (OpenSSL names).
    #[arg(short = 'E', value_name = "ciphers")]
    pub ciphers: Option<String>,
    /// Send the `apikey:` API key over plain TCP, without TLS.
    #[arg(short = 'I')]
    pub plain_apikey: bool,
    /// AXA config file (aliases); default `~/.axa/config`.
    #[arg(short = 'n', value_name = "file")]
    pub config: Option<PathBuf>,
    /// Show a spinner on output.
    #[arg(short = 'O')]
    pub spinner: bool,
    /// Write the process id to this file (removed at exit).
    #[arg(short = 'P', value_name = "file")]
    pub pidfile: Option<PathBuf>,
    /// Append to an existing output file (file outputs only).
    #[arg(short = 'p')]
    pub append: bool,
    /// Unbuffered NMSG output (one container per hit).
    #[arg(short = 'u')]
    pub unbuffered: bool,
    /// zlib-compress NMSG containers.
    #[arg(short = 'z')]
    pub zlib: bool,
    /// Print the version (and exit if nothing else was asked).
    #[arg(short = 'V')]
    pub version: bool,
    /// Print this help and exit (status 64).
    #[arg(short = 'h')]
    pub help: bool,
    /// TLS server verification.
    #[command(flatten)]
    pub tls: TlsArgs,
    /// Anything left over is an error.
    #[arg(hide = true)]
    pub rest: Vec<String>,
}

fn parse_size(s: &str) -> Result<u64, String> {
    let (num, mult) = match s.as_bytes().last() {
        Some(b'k' | b'K') => (&s[..s.len() - 1], 1u64 << 10),
        Some(b'm' | b'M') => (&s[..s.len() - 1], 1 << 20),
        Some(b'g' | b'G') => (&s[..s.len() - 1], 1 << 30),
        _ => (s, 1),
    };
    num.parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(mult))
        .filter(|&n| n > 0)
        .ok_or_else(|| format!("invalid size \"{s}\""))
}

fn parse_sample(s: &str) -> Result<f64, String> {
    s.trim_end_matches('%')
        .parse::<f64>()
        .ok()
        .filter(|p| *p > 0.0 && *p <= 100.0)
        .ok_or_else(|| format!("invalid sampling rate \"{s}\" (0 < rate <= 100)"))
}

/// Validated options, ready for the tunnel.
#[derive(Debug, Clone, PartialEq)]
pub struct TunnelOptions {
    /// `-s` text (alias not yet resolved).
    pub server: String,
    /// `-o`, parsed.
    pub output: OutputSpec,
    /// `-w` texts in sending order (reverse of the command line).
    pub watches: Vec<String>,
    /// `-c` texts in sending order (reverse of the command line).
    pub channels: Vec<String>,
    /// `-A`.
    pub acct_interval: Option<Duration>,
    /// `-C`, `-T`, `-Z`.
    pub limits: Limits,
    /// `-k`: rotate instead of stopping; the command text (may be empty).
    pub kick_cmd: Option<String>,
    /// `-d` count.
    pub debug: u8,
    /// `-t` count (0 = do not send TRACE).
    pub trace: u8,
    /// `-r`.
    pub rate_limit: Option<u64>,
    /// `-m`, in units of 1/10000 percent (the wire value).
    pub sample: Option<u32>,
    /// `-I`.
    pub plain_apikey: bool,
    /// `-n`.
    pub config: Option<PathBuf>,
    /// `-O`.
    pub spinner: bool,
    /// `-P`.
    pub pidfile: Option<PathBuf>,
    /// `-p`.
    pub append: bool,
    /// `-u`.
    pub unbuffered: bool,
    /// `-z`.
    pub zlib: bool,
    /// `-V` was given (print the version, then run).
    pub version: bool,
    /// `-E` and the verification flags.
    pub tls: TlsOptions,
}

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Invocation {
    /// Run the tunnel.
    Run(Box<TunnelOptions>),
    /// Print the version and exit 0 (`-V` alone).
    Version,
}

/// The usage text (libaxa's, plus our long options).
pub fn usage() -> String {
    "SIE Remote Access Tunnel (sratunnel)\n\
     Usage: sratunnel [options]\n\
     -c channel\t\tenable channel\n\
     -o output\t\tspecify destination of SIE data\n\
     -s [user@]server|alias\tconnect to SRA server\n\
     -w watch\t\tset watch\n\
     \n\
     [-A interval]\t\temit acct messages to stdout every interval seconds\n\
     [-C count]\t\tstop or reopen after count packets are received\n\
     [-d]\t\t\tincrement debug level, -ddd > -dd > -d\n\
     [-E ciphers]\t\tuse these TLS ciphers\n\
     [-h]\t\t\tdisplay this help and exit\n\
     [-I]\t\t\tsend the apikey without TLS\n\
     [-k cmd]\t\tmake -C, -T or -Z continuous; run cmd on new files\n\
     [-m rate]\t\tsampling % of packets over 1 second, 0.01 - 100.0\n\
     [-n file]\t\tspecify AXA config file\n\
     [-O]\t\t\tenable spinning bar on output\n\
     [-P file]\t\twrite PID to pidfile\n\
     [-p]\t\t\tappend to output file (only valid for file outputs)\n\
     [-r limit]\t\trate limit to this many packets per second\n\
     [-t]\t\t\tincrement server trace level, -ttt > -tt > -t\n\
     [-T secs]\t\tstop or reopen after secs have elapsed\n\
     [-u]\t\t\tunbuffer nmsg container output\n\
     [-V]\t\t\tprint version and quit\n\
     [-z]\t\t\tenable nmsg zlib container compression\n\
     [-Z size]\t\tstop or reopen when the output file reaches size\n\
     [--ca-file PEM]\t\tverify the server certificate with this CA\n\
     [--pin SHA256]\t\taccept only the server certificate with this digest\n\
     [--insecure-accept-any-certificate]\tdo not verify the server certificate\n"
        .to_owned()
}

/// Parses and validates a command line (`args[0]` is the program name). `-h` yields a
/// [`UsageError`] whose message is the usage text.
pub fn parse<I, T>(args: I) -> Result<Invocation, UsageError>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let a = SratunnelArgs::try_parse_from(args).map_err(|e| {
        UsageError::usage(format!(
            "{}\n{}",
            e.render().to_string().trim_end(),
            usage()
        ))
    })?;
    let fail = |msg: &str| Err(UsageError::usage(format!("sratunnel: {msg}\n{}", usage())));
    if a.help {
        return Err(UsageError::usage(usage()));
    }
    if let Some(extra) = a.rest.first() {
        return fail(&format!("unrecognized \"{extra}\""));
    }
    if a.version
        && a.server.is_none()
        && a.output.is_none()
        && a.watches.is_empty()
        && a.channels.is_empty()
    {
        return Ok(Invocation::Version);
    }
    if a.count.is_some() && (a.interval.is_some() || a.size.is_some()) {
        return fail("can't specify \"-C\" with \"-T\" or \"-Z\"");
    }
    let Some(server) = a.server.clone() else {
        return fail("server not specified with -s");
    };
    let Some(output) = a.output.as_deref() else {
        return fail("output not specified with -o");
    };
    if a.watches.is_empty() {
        return fail("no watches specified with -w");
    }
    let output = match OutputSpec::parse(output) {
        Ok(o) => o,
        Err(e) => return fail(&e.to_string()),
    };
    let file_output = output.file_path().is_some();
    if a.kick_cmd.is_some() {
        if a.count.is_none() && a.interval.is_none() && a.size.is_none() {
            return fail("\"-k\" needs \"-C\", \"-T\" or \"-Z\"");
        }
        if !file_output {
            return fail("\"-k\" needs a file output");
        }
    }
    if a.size.is_some() && !file_output {
        return fail("\"-Z\" needs a file output");
    }
    if a.append && !file_output {
        return fail("\"-p\" needs a file output");
    }
    let tls = a.tls.options(a.ciphers.as_deref());
    Ok(Invocation::Run(Box::new(TunnelOptions {
        server,
        output,
        watches: a.watches.iter().rev().cloned().collect(),
        channels: a.channels.iter().rev().cloned().collect(),
        acct_interval: a.acct_secs.map(|s| Duration::from_secs(u64::from(s))),
        limits: Limits {
            count: a.count,
            interval_secs: a.interval,
            max_bytes: a.size,
        },
        kick_cmd: a.kick_cmd,
        debug: a.debug,
        trace: a.trace,
        rate_limit: a.rate_limit,
        sample: a.sample.map(|p| (p * 10_000.0).round() as u32),
        plain_apikey: a.plain_apikey,
        config: a.config,
        spinner: a.spinner,
        pidfile: a.pidfile,
        append: a.append,
        unbuffered: a.unbuffered,
        zlib: a.zlib,
        version: a.version,
        tls,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CertPin, TlsVerify};

    fn run(args: &[&str]) -> TunnelOptions {
        let mut v = vec!["sratunnel"];
        v.extend_from_slice(args);
        match parse(v).unwrap() {
            Invocation::Run(o) => *o,
            other => panic!("{other:?}"),
        }
    }

    fn err(args: &[&str]) -> UsageError {
        let mut v = vec!["sratunnel"];
        v.extend_from_slice(args);
        parse(v).unwrap_err()
    }

    const BASE: &[&str] = &[
        "-s",
        "tcp:u@127.0.0.1,9999",
        "-o",
        "nmsg:udp:127.0.0.1,8888",
    ];

    #[test]
    fn acceptance_test_command_lines() {
        // 002000
        let o = run(&[
            "-s",
            "tcp:valid-user@127.0.0.1,9999",
            "-w",
            "ch=221",
            "-c",
            "221",
            "-o",
            "nmsg:udp:127.0.0.1,8888",
            "-C",
            "3",
            "-ddd",
        ]);
        assert_eq!(o.server, "tcp:valid-user@127.0.0.1,9999");
        assert_eq!(o.watches, ["ch=221"]);
        assert_eq!(o.channels, ["221"]);
        assert_eq!(o.limits.count, Some(3));
        assert_eq!(o.debug, 3);
        // 002080
        let o = run(&[
            "-s",
            "tcp:valid-user@127.0.0.1,9999",
            "-w",
            "ch=221",
            "-c",
            "221",
            "-o",
            "nmsg:file:/tmp/x.nmsg",
            "-dd",
            "-C",
            "1000",
            "-P",
            "/tmp/p.pid",
            "-k",
            "tar uvf /tmp/t.tar --remove-files -P",
        ]);
        assert_eq!(
            o.kick_cmd.as_deref(),
            Some("tar uvf /tmp/t.tar --remove-files -P")
        );
        assert_eq!(o.pidfile, Some(PathBuf::from("/tmp/p.pid")));
        assert_eq!(o.output, OutputSpec::NmsgFile("/tmp/x.nmsg".into()));
    }

    #[test]
    fn every_option() {
        let mut args = BASE.to_vec();
        args.extend_from_slice(&[
            "-w",
            "ip=10.0.0.0/8",
            "-w",
            "dns=*.example.com",
            "-c",
            "1",
            "-c",
            "all",
            "-A",
            "10",
            "-t",
            "-t",
            "-r",
            "1000",
            "-m",
            "12.5",
            "-E",
            "ECDHE-RSA-AES256-GCM-SHA384",
            "-I",
            "-n",
            "/tmp/cfg",
            "-O",
            "-u",
            "-z",
            "-V",
        ]);
        let o = run(&args);
        assert_eq!(o.watches, ["dns=*.example.com", "ip=10.0.0.0/8"]);
        assert_eq!(o.channels, ["all", "1"]);
        assert_eq!(o.acct_interval, Some(Duration::from_secs(10)));
        assert_eq!(o.trace, 2);
        assert_eq!(o.rate_limit, Some(1000));
        assert_eq!(o.sample, Some(125_000));
        assert_eq!(
            o.tls.tls12_ciphers.as_deref(),
            Some("ECDHE-RSA-AES256-GCM-SHA384")
        );
        assert!(o.plain_apikey && o.spinner && o.unbuffered && o.zlib && o.version);
        assert_eq!(o.config, Some(PathBuf::from("/tmp/cfg")));
        assert_eq!(o.tls.verify, TlsVerify::SystemRoots);
    }

    #[test]
    fn file_only_options() {
        let o = run(&[
            "-s",
            "tcp:u@h,1",
            "-o",
            "nmsg:file:/tmp/o",
            "-w",
            "errors",
            "-T",
            "60",
            "-Z",
            "10M",
            "-k",
            "",
            "-p",
        ]);
        assert_eq!(o.limits.interval_secs, Some(60));
        assert_eq!(o.limits.max_bytes, Some(10 << 20));
        assert_eq!(o.kick_cmd.as_deref(), Some(""));
        assert!(o.append);
        for extra in [&["-Z", "100"][..], &["-p"], &["-k", "x", "-C", "1"]] {
            let mut a = BASE.to_vec();
            a.extend_from_slice(&["-w", "errors"]);
            a.extend_from_slice(extra);
            assert!(err(&a).message.contains("needs a file output"), "{extra:?}");
        }
    }

    #[test]
    fn tls_flags() {
        let pin = "ab".repeat(32);
        let mut a = BASE.to_vec();
        a.extend_from_slice(&["-w", "errors", "--pin", &pin]);
        assert_eq!(
            run(&a).tls.verify,
            TlsVerify::Pin(vec![CertPin::parse(&pin).unwrap()])
        );
        let mut a = BASE.to_vec();
        a.extend_from_slice(&["-w", "errors", "--insecure-accept-any-certificate"]);
        assert_eq!(run(&a).tls.verify, TlsVerify::InsecureAcceptAnyCertificate);
        let mut a = BASE.to_vec();
        a.extend_from_slice(&["-w", "errors", "--ca-file", "/x.pem"]);
        assert_eq!(run(&a).tls.verify, TlsVerify::CaFile("/x.pem".into()));
        let mut a = BASE.to_vec();
        a.extend_from_slice(&["-w", "errors", "--pin", "zz"]);
        assert_eq!(err(&a).exit_code, 64);
        let mut a = BASE.to_vec();
        a.extend_from_slice(&[
            "-w",
            "x",
            "--pin",
            &pin,
            "--insecure-accept-any-certificate",
        ]);
        assert_eq!(err(&a).exit_code, 64);
    }

    #[test]
    fn usage_errors_exit_64() {
        let cases: &[(&[&str], &str)] = &[
            (&["-h"], "Usage: sratunnel"),
            (
                &["-o", "nmsg:h,1", "-w", "x"],
                "server not specified with -s",
            ),
            (
                &["-s", "tcp:h,1", "-w", "x"],
                "output not specified with -o",
            ),
            (BASE, "no watches specified with -w"),
            (
                &["-s", "a:b", "-o", "kafka:x", "-w", "x"],
                "unrecognized output type",
            ),
            (
                &["-s", "a:b", "-o", "nmsg:file:x", "-w", "x", "-k", "c"],
                "needs \"-C\"",
            ),
            (
                &[
                    "-s",
                    "a:b",
                    "-o",
                    "nmsg:file:x",
                    "-w",
                    "x",
                    "-C",
                    "1",
                    "-T",
                    "2",
                ],
                "can't specify",
            ),
            (&["-C", "0"], "-C"),
            (&["-r", "0"], "-r"),
            (&["-r", "1000000001"], "-r"),
            (&["-m", "0"], "invalid sampling"),
            (&["-m", "100.5"], "invalid sampling"),
            (&["-A", "0"], "-A"),
            (&["-X"], "-X"),
            (
                &["-s", "a:b", "-o", "nmsg:h,1", "-w", "x", "stray"],
                "unrecognized \"stray\"",
            ),
        ];
        for (args, want) in cases {
            let e = err(args);
            assert_eq!(e.exit_code, 64, "{args:?}");
            assert!(e.message.contains(want), "{args:?}: {}", e.message);
        }
    }

    #[test]
    fn version_alone_exits() {
        assert_eq!(parse(["sratunnel", "-V"]).unwrap(), Invocation::Version);
    }
}
