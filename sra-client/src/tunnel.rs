//! The reconnecting tunnel behind `sratunnel`: connect, log in, run the start-up sequence
//! ([`crate::session::startup`]), then hand every hit to the output thread until the
//! connection drops (the connection task gives them to the driver's
//! [`crate::output::driver::WhitSink`], one batch per read, payloads left encoded) — and start over after the back-off delay, forever, until a `-C`/`-T`/`-Z`
//! limit (without `-k`) or a shutdown request ends it.
//!
//! Logging follows sratunnel's `-d` levels through `tracing`: `info` = connecting/connected
//! and back-off delays, `debug` = server text (HELLO, OK USER, trace, ACCT replies), `trace` =
//! every message. Errors are `warn`/`error`.

use std::future::Future;
use std::time::Duration;

use axa_proto::{ConnSpec, Message, Op};
use futures::FutureExt;

use crate::backoff::Backoff;
use crate::client::{Client, ClientError, ClientOptions, Events};
use crate::output::driver::{DriverExit, OutputDriver};
use crate::session::connection::{Event, SessionError};
use crate::session::hit::owned_hit;
use crate::session::reply::Failure;
use crate::session::startup::Step;
use crate::sratool::format;
use crate::transport::TransportError;

/// What the tunnel needs besides its output.
#[derive(Debug, Clone)]
pub struct TunnelConfig {
    /// The server.
    pub spec: ConnSpec,
    /// Client settings (origin `sratunnel`, TLS...).
    pub client: ClientOptions,
    /// The start-up sequence.
    pub steps: Vec<Step>,
    /// `-A`: ACCT every so often.
    pub acct_interval: Option<Duration>,
    /// Bounds for decoding hits.
    pub nmsg_limits: nmsg::Limits,
}

/// Why the tunnel stopped.
#[derive(Debug)]
pub enum TunnelExit {
    /// The output thread ended (a limit without `-k`, or an output failure).
    Output(DriverExit),
    /// The shutdown future completed.
    Shutdown,
}

/// Why one connection ended.
enum SessionEnd {
    /// Retry after the usual back-off.
    Retry(String),
    /// Retry after the maximal back-off (refused credentials).
    Permanent(String),
    /// The output thread ended.
    OutputDone,
}

/// Runs the tunnel until the output ends or `shutdown` completes; then shuts the output
/// down (finishing files, kickfile) and reports why.
pub async fn run<F>(cfg: TunnelConfig, mut driver: OutputDriver, shutdown: F) -> TunnelExit
where
    F: Future<Output = ()>,
{
    let mut backoff = Backoff::new();
    let mut output_done = match driver.take_exit_signal() {
        Some(rx) => rx.map(|_| ()).boxed(),
        None => futures::future::pending().boxed(),
    };
    tokio::pin!(shutdown);
    loop {
        let end = tokio::select! {
            end = session(&cfg, &driver, &mut backoff) => end,
            _ = &mut output_done => SessionEnd::OutputDone,
            _ = &mut shutdown => return finish(driver, true),
        };
        let delay = match end {
            SessionEnd::OutputDone => return finish(driver, false),
            SessionEnd::Retry(why) => {
                tracing::warn!("{why}");
                backoff.next_delay()
            }
            SessionEnd::Permanent(why) => {
                tracing::error!("{why}");
                backoff.permanent_failure()
            }
        };
        tracing::info!("delaying {:.1} seconds to re-connect", delay.as_secs_f64());
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = &mut output_done => return finish(driver, false),
            _ = &mut shutdown => return finish(driver, true),
        }
    }
}

fn finish(driver: OutputDriver, shutdown: bool) -> TunnelExit {
    let exit = driver.shutdown();
    match (shutdown, exit) {
        (true, DriverExit::Closed) => TunnelExit::Shutdown,
        (_, exit) => TunnelExit::Output(exit),
    }
}

/// One connection: connect, start up, stream.
async fn session(cfg: &TunnelConfig, driver: &OutputDriver, backoff: &mut Backoff) -> SessionEnd {
    tracing::info!("connecting to {}", cfg.spec);
    let sink = Box::new(driver.whit_sink(cfg.nmsg_limits.clone()));
    let (client, mut events) = match Client::connect_with_hits(&cfg.spec, &cfg.client, sink).await {
        Ok(c) => c,
        // A certificate or TLS configuration problem will not go away by retrying soon.
        Err(e @ ClientError::Transport(TransportError::Tls(_))) => {
            return SessionEnd::Permanent(format!("{e}"))
        }
        Err(e) => return SessionEnd::Retry(format!("{e}")),
    };
    let ctx = Ctx { cfg, driver };
    match ctx.with_events(client.authenticated(), &mut events).await {
        Ok(Some(text)) => tracing::debug!("{}", format::result(0, true, Some("USER"), &text)),
        Ok(None) => {}
        Err(ClientError::Session(SessionError::Refused(f))) => {
            return SessionEnd::Permanent(format!("{}: {f}", cfg.spec))
        }
        Err(e) => return SessionEnd::Retry(format!("{}: {e}", cfg.spec)),
    }
    for step in &cfg.steps {
        let op = step.message.op();
        let r = ctx
            .with_events(
                client.send_expect(step.tag, step.message.clone(), step.expect),
                &mut events,
            )
            .await;
        match r {
            Ok(reply) => tracing::trace!(?reply, "{op} answered"),
            Err(ClientError::Session(SessionError::Refused(Failure::Error(r)))) => {
                return SessionEnd::Retry(format::result(
                    step.tag,
                    false,
                    Some(&r.orig_op_name().to_string()),
                    &r.text,
                ))
            }
            Err(e) => return SessionEnd::Retry(format!("{op}: {e}")),
        }
    }
    tracing::info!("connected to {}", cfg.spec);
    backoff.reset();
    ctx.stream(&client, &mut events).await
}

struct Ctx<'a> {
    cfg: &'a TunnelConfig,
    driver: &'a OutputDriver,
}

impl Ctx<'_> {
    /// Awaits `fut` while handling the events that arrive meanwhile.
    async fn with_events<T>(&self, fut: impl Future<Output = T>, events: &mut Events) -> T {
        tokio::pin!(fut);
        let mut open = true;
        loop {
            // Events first, so what arrived before the reply is shown before it.
            tokio::select! {
                biased;
                ev = events.next(), if open => match ev {
                    Some(ev) => {
                        // Errors before GO fail the awaited request instead.
                        let _ = self.on_event(ev);
                    }
                    None => open = false,
                },
                r = &mut fut => return r,
            }
        }
    }

    /// Streams until the connection ends; any ERROR from the server ends it too.
    async fn stream(&self, client: &Client, events: &mut Events) -> SessionEnd {
        let mut acct = self.cfg.acct_interval.map(|d| {
            let mut t = tokio::time::interval_at(tokio::time::Instant::now() + d, d);
            t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            t
        });
        loop {
            let tick = async {
                match acct.as_mut() {
                    Some(t) => {
                        t.tick().await;
                    }
                    None => futures::future::pending::<()>().await,
                }
            };
            tokio::select! {
                ev = events.next() => match ev {
                    Some(ev) => {
                        if let Err(why) = self.on_event(ev) {
                            return SessionEnd::Retry(why);
                        }
                    }
                    None => {
                        let why = client.clone().close().await;
                        return SessionEnd::Retry(format!("{}: {why}", self.cfg.spec));
                    }
                },
                _ = tick => {
                    if let Err(e) = client.send(1, Message::Acct).await {
                        return SessionEnd::Retry(format!("ACCOUNTING: {e}"));
                    }
                }
            }
        }
    }

    /// Handles one event; `Err` = the server reported an error.
    fn on_event(&self, ev: Event) -> Result<(), String> {
        match ev {
            Event::Hit { whit, .. } => match owned_hit(&whit, &self.cfg.nmsg_limits) {
                Ok(h) => {
                    if !self.driver.offer(h) {
                        tracing::trace!("output queue full; hit dropped");
                    }
                }
                Err(e) => tracing::warn!("{e}"),
            },
            Event::Hello(h) => tracing::debug!("{}", format::hello(&h.text)),
            Event::Missed(m) => tracing::debug!(
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
                let line = format::result(tag, !error, None, &result.text);
                if error {
                    return Err(line);
                }
                tracing::debug!("{line}");
            }
            Event::Message { tag, message } => match message {
                Message::Error(r) => {
                    return Err(format::result(
                        tag,
                        false,
                        Some(&r.orig_op_name().to_string()),
                        &r.text,
                    ))
                }
                Message::Ok(r) => {
                    let name = r.orig_op_name().to_string();
                    let line = format::result(tag, true, Some(&name), &r.text);
                    if r.orig_op() == Some(Op::Acct) {
                        tracing::info!("{line}");
                    } else {
                        tracing::debug!("{line}");
                    }
                }
                other => tracing::debug!("unexpected {} from server", other.op()),
            },
        }
        Ok(())
    }
}
