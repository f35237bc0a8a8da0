//! sratunnel: tunnel SIE data from an SRA server to a local output (drop-in for libaxa's).

use std::process::ExitCode;

use anyhow::Context;
use axa_proto::{AxaConfig, ConnSpec};
use sra_client::cli::sratunnel::{parse, usage, Invocation, TunnelOptions};
use sra_client::kickfile::Kickfile;
use sra_client::output::driver::{DriverExit, Opener, OutputDriver};
use sra_client::output::nmsg_out::NmsgOptions;
use sra_client::output::open;
use sra_client::pidfile::PidFile;
use sra_client::session::startup::{plan, StartupOptions};
use sra_client::transport::TransportOptions;
use sra_client::tunnel::{run, TunnelConfig, TunnelExit};
use sra_client::ClientOptions;

const EX_USAGE: u8 = 64;
const EX_SOFTWARE: u8 = 70;
const EX_IOERR: u8 = 74;

fn main() -> ExitCode {
    let inv = match parse(std::env::args_os()) {
        Ok(i) => i,
        Err(e) => {
            if e.message == usage() {
                print!("{}", e.message);
            } else {
                eprintln!("{}", e.message);
            }
            return ExitCode::from(e.exit_code as u8);
        }
    };
    let opts = match inv {
        Invocation::Version => {
            println!("{}", version());
            return ExitCode::SUCCESS;
        }
        Invocation::Run(o) => *o,
    };
    if opts.version {
        println!("{}", version());
    }
    sra_client::cli::logging::init(opts.debug);
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("sratunnel: {e}");
            return ExitCode::from(EX_SOFTWARE);
        }
    };
    match rt.block_on(tunnel(opts)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("sratunnel: {e:#}");
            ExitCode::from(EX_SOFTWARE)
        }
    }
}

fn version() -> String {
    format!(
        "sratunnel built using sra-client {}, supporting AXA protocols v1 to v2",
        env!("CARGO_PKG_VERSION")
    )
}

async fn tunnel(o: TunnelOptions) -> anyhow::Result<ExitCode> {
    let config = match AxaConfig::load(o.config.as_deref()) {
        Ok(c) => Some(c),
        Err(e) if e.is_not_found() => {
            tracing::debug!("can't load config file: {e}");
            None
        }
        Err(e) => {
            eprintln!("sratunnel: can't load config file: {e}");
            return Ok(ExitCode::FAILURE);
        }
    };
    let spec = match ConnSpec::parse_with_aliases(&o.server, config.as_ref()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("sratunnel: {e}");
            return Ok(ExitCode::from(EX_USAGE));
        }
    };
    let steps = match plan(&StartupOptions {
        trace: u32::from(o.trace),
        rate_limit: o.rate_limit,
        sample: o.sample,
        watches: o.watches.clone(),
        channels: o.channels.clone(),
    }) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("sratunnel: {e}");
            return Ok(ExitCode::from(EX_USAGE));
        }
    };
    if o.append {
        if let Some(p) = o.output.file_path() {
            if !p.exists() {
                eprintln!(
                    "sratunnel: append mode expected to find output file \"{}\"",
                    p.display()
                );
                return Ok(ExitCode::from(EX_SOFTWARE));
            }
        }
    }
    let _pid = match &o.pidfile {
        Some(p) => Some(PidFile::create(p).with_context(|| format!("pid file {}", p.display()))?),
        None => None,
    };
    let kickfile = match (&o.kick_cmd, o.output.file_path()) {
        (Some(cmd), Some(path)) => Some(Kickfile::new(
            path,
            o.output.kickfile_suffix(),
            Some(cmd.as_str()),
        )?),
        _ => None,
    };
    let nmsg = NmsgOptions {
        zlib: o.zlib,
        unbuffered: o.unbuffered,
    };
    let (spec_out, append) = (o.output.clone(), o.append);
    let opener: Opener = Box::new(move |p| open(&spec_out, p, append, nmsg));
    // Batches of up to 1024 hits (one read): 64 of them queue at most 64k hits.
    let driver = match OutputDriver::start(opener, o.limits, kickfile, 64) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("sratunnel: {e}");
            return Ok(ExitCode::from(EX_IOERR));
        }
    };
    let cfg = TunnelConfig {
        spec,
        client: ClientOptions {
            origin: "sratunnel".into(),
            transport: TransportOptions {
                tls: o.tls.clone(),
                plain_apikey: o.plain_apikey,
            },
            config,
            ..ClientOptions::default()
        },
        steps,
        acct_interval: o.acct_interval,
        nmsg_limits: nmsg::Limits::default(),
    };
    let spinner = o.spinner.then(|| spin(driver.counters_handle()));
    let exit = run(cfg, driver, sra_client::cli::signals::terminated()).await;
    if let Some(s) = spinner {
        s.abort();
    }
    Ok(match exit {
        TunnelExit::Shutdown | TunnelExit::Output(DriverExit::LimitReached(_)) => ExitCode::SUCCESS,
        TunnelExit::Output(DriverExit::Closed) => ExitCode::SUCCESS,
        TunnelExit::Output(DriverExit::Failed(e)) => {
            eprintln!("sratunnel: {e}");
            ExitCode::from(EX_IOERR)
        }
        TunnelExit::Output(DriverExit::Kickfile(e)) => {
            eprintln!("sratunnel: {e}");
            ExitCode::from(EX_IOERR)
        }
    })
}

/// `-O`: a spinner showing how many hits were written.
fn spin(
    counters: std::sync::Arc<sra_client::output::driver::DriverCounters>,
) -> tokio::task::JoinHandle<()> {
    let bar = indicatif::ProgressBar::new_spinner();
    tokio::spawn(async move {
        loop {
            let n = counters.written.load(std::sync::atomic::Ordering::Relaxed);
            bar.set_message(format!("{n} hits"));
            bar.tick();
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    })
}
