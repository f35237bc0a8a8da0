//! Watch `*.example.com` on an SRA server and print each hit as nmsgtool JSON.
//!
//! ```text
//! cargo run --example watch_example_com -- SERVER CHANNEL [--insecure | --pin SHA256 | --ca PEM] [--count N]
//! ```
//!
//! `SERVER` is a connection string such as `apikey:KEY@sra.example.net,1011` or
//! `tcp:user@127.0.0.1,1021` (or `-`, to take it from `$AXA_SERVER`). `CHANNEL` is switched
//! on, e.g. `204`. TLS certificates are verified against the system roots unless `--pin`
//! (SHA-256 of the server certificate, hex), `--ca` (a PEM file) or `--insecure` is given.
//! `--count N` stops after N hits.

use anyhow::{bail, Context};
use axa::client::{CertPin, Client, ClientOptions, Event, TlsVerify};
use axa::proto::{parse_channel, Watch, WatchMode, Whit};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(server), Some(channel)) = (args.next(), args.next()) else {
        bail!("usage: watch_example_com SERVER CHANNEL [--insecure | --pin SHA256 | --ca PEM] [--count N]");
    };
    let server = match server.as_str() {
        "-" => std::env::var("AXA_SERVER").context("AXA_SERVER is not set")?,
        _ => server,
    };
    let mut opts = ClientOptions {
        origin: "watch_example_com".into(),
        ..ClientOptions::default()
    };
    let mut count = u64::MAX;
    while let Some(flag) = args.next() {
        let mut value = || args.next().with_context(|| format!("{flag} needs a value"));
        let verify = &mut opts.transport.tls.verify;
        match flag.as_str() {
            "--insecure" => *verify = TlsVerify::InsecureAcceptAnyCertificate,
            "--pin" => *verify = TlsVerify::Pin(vec![CertPin::parse(&value()?)?]),
            "--ca" => *verify = TlsVerify::CaFile(value()?.into()),
            "--count" => count = value()?.parse()?,
            _ => bail!("unknown option {flag}"),
        }
    }

    let (client, mut events) = Client::connect_str(&server, &opts).await?;
    client.authenticated().await?;
    client
        .watch(1, Watch::parse_text("dns=*.example.com", WatchMode::Sra)?)
        .await?;
    client
        .channel(parse_channel(&channel, false)?, true)
        .await?;

    let limits = axa::nmsg::Limits::default();
    let mut line = String::new();
    while count > 0 {
        let Some(event) = events.next().await else {
            bail!("the server closed the connection");
        };
        let Event::Hit { whit, .. } = event else {
            continue;
        };
        match whit {
            Whit::Nmsg(hit) => {
                let payload = axa::nmsg::container::decode_single(&hit.container, &limits)?;
                line.clear();
                axa::nmsg::json::write_payload(&mut line, &payload)?;
                println!("{line}");
            }
            Whit::Ip(hit) => println!("ch{}: IP packet of {} bytes", hit.ch, hit.ip_len),
        }
        count -= 1;
    }
    client.close().await;
    Ok(())
}
