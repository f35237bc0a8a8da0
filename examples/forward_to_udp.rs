//! Forward all traffic of one SIE channel to an NMSG UDP destination, like
//! `sratunnel -w ch=N -c N -o nmsg:udp:HOST,PORT`, through the library's reconnecting tunnel.
//!
//! ```text
//! cargo run --example forward_to_udp -- SERVER CHANNEL HOST,PORT [--insecure | --pin SHA256 | --ca PEM] [--count N]
//! ```
//!
//! `SERVER` is a connection string (`apikey:KEY@host,port`, `tcp:user@host,port`).
//! The tunnel reconnects with back-off when the connection drops and re-applies the watch
//! and the channel. It runs until Ctrl-C, or until `--count N` hits were forwarded.

use anyhow::{bail, Context};
use axa::client::output::driver::{DriverExit, OutputDriver};
use axa::client::output::nmsg_out::NmsgOptions;
use axa::client::output::{self, OutputSpec};
use axa::client::rotation::Limits;
use axa::client::session::startup::{plan, StartupOptions};
use axa::client::tunnel::{self, TunnelConfig, TunnelExit};
use axa::client::{CertPin, ClientOptions, TlsVerify};
use axa::proto::ConnSpec;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(server), Some(channel), Some(dest)) = (args.next(), args.next(), args.next()) else {
        bail!("usage: forward_to_udp SERVER CHANNEL HOST,PORT [--insecure | --pin SHA256 | --ca PEM] [--count N]");
    };
    let mut client = ClientOptions {
        origin: "forward_to_udp".into(),
        ..ClientOptions::default()
    };
    let mut limits = Limits::default();
    while let Some(flag) = args.next() {
        let mut value = || args.next().with_context(|| format!("{flag} needs a value"));
        let verify = &mut client.transport.tls.verify;
        match flag.as_str() {
            "--insecure" => *verify = TlsVerify::InsecureAcceptAnyCertificate,
            "--pin" => *verify = TlsVerify::Pin(vec![CertPin::parse(&value()?)?]),
            "--ca" => *verify = TlsVerify::CaFile(value()?.into()),
            "--count" => limits.count = Some(value()?.parse()?),
            _ => bail!("unknown option {flag}"),
        }
    }

    // Every payload of the channel: a channel watch plus the channel switched on.
    let steps = plan(&StartupOptions {
        watches: vec![format!("ch={channel}")],
        channels: vec![channel],
        ..StartupOptions::default()
    })?;
    let spec = OutputSpec::parse(&format!("nmsg:udp:{dest}"))?;
    let driver = OutputDriver::start(
        Box::new(move |_| output::open(&spec, None, false, NmsgOptions::default())),
        limits,
        None,
        4096,
    )?;
    let cfg = TunnelConfig {
        spec: ConnSpec::parse(&server)?,
        client,
        steps,
        acct_interval: None,
        nmsg_limits: axa::nmsg::Limits::default(),
    };
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    match tunnel::run(cfg, driver, ctrl_c).await {
        TunnelExit::Shutdown | TunnelExit::Output(DriverExit::LimitReached(_)) => Ok(()),
        TunnelExit::Output(other) => bail!("output ended: {other:?}"),
    }
}
