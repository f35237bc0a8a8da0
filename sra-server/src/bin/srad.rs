//! `srad`: the SRA server.
//!
//! `srad [--config FILE] [--check]`. Without a file it runs the embedded default
//! configuration (loopback listeners, generated demo channels). `--check` validates the
//! configuration and exits. Logging follows `RUST_LOG` (default `info`).

use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;
use sra_server::config::Config;
use sra_server::server::Server;

/// The SRA server.
#[derive(Debug, Parser)]
#[command(name = "srad", version, about = "SIE Remote Access (AXA) server")]
struct Args {
    /// The TOML configuration file (see examples/srad.toml).
    #[arg(short, long)]
    config: Option<PathBuf>,
    /// Validate the configuration and exit.
    #[arg(long)]
    check: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let config = match &args.config {
        Some(p) => Config::load(p)?,
        None => Config::embedded_default(),
    };
    if args.check {
        println!("configuration OK");
        return Ok(());
    }
    let _server = Server::start(config).await.context("starting srad")?;
    tokio::signal::ctrl_c()
        .await
        .context("waiting for ctrl-c")?;
    tracing::info!("shutting down");
    Ok(())
}
