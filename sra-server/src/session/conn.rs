//! Drives one connection: a reader that decodes frames and runs the [`SessionCore`], and a
//! writer that drains the session's outbox in batches (architecture step 5).
//!
//! The reader puts every reply on the outbox's control lane (never dropped); the writer
//! takes replies and hits together, writes them with vectored writes straight from the
//! replies' and hits' own buffers (each hit: its header, encoded per session, then the
//! shared body) and counts the hits as `sent`. A slow client therefore only fills its own outbox: ingest never waits for
//! it. The writer sends a NOP after `keepalive_secs` without output; the reader closes an
//! unauthenticated connection at the login deadline and polls MISSED reports and trace lines
//! (OPT TRACE) once a second.

use std::io::IoSlice;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axa_proto::{AxaCodec, Direction, Message};
use bytes::Bytes;
use futures::StreamExt;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio_util::codec::FramedRead;
use tokio_util::sync::CancellationToken;

use crate::config::LoginKind;
use crate::context::ServerContext;
use crate::hit::{Hit, MAX_HIT_HEADER};
use crate::outbox::Outbox;
use crate::session::core::{Next, SessionCore};
use crate::session::send_buffer::SendBuffer;
use crate::subscriber::Subscriber;

/// Most hits taken from the outbox per write.
const BATCH: usize = 256;

/// The reader's initial buffer: requests are small (a USER, WATCH or OPT frame is tens of
/// bytes), so an idle session keeps 512 bytes instead of tokio-util's default 8 KiB; the
/// buffer grows on demand for larger frames or bursts.
const READ_BUFFER: usize = 512;

/// The current UNIX time in seconds.
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn encode(tag: u16, m: &Message, pvers: u8) -> Option<Bytes> {
    match m.to_frame(tag, pvers, Direction::FromSra) {
        Ok(f) => Some(f.to_bytes()),
        Err(e) => {
            tracing::warn!("not sending an invalid {:?} reply: {e}", m.op());
            None
        }
    }
}

/// Encodes `out` with protocol version `pvers` and queues it on the control lane.
fn send_replies(sub: &Subscriber, out: Vec<(u16, Message)>, pvers: u8) {
    for (tag, m) in out {
        if let Some(b) = encode(tag, &m, pvers) {
            let _ = sub.outbox.send_control(b);
        }
    }
}

/// Serves one accepted connection (after any TLS handshake) until either side closes or
/// `stop` is cancelled (server shutdown): the replies already queued are then written and the
/// connection closed. `peer_ip` is the client's address (`None` on UNIX sockets); `peer` names
/// it in logs; `sndbuf` is the socket OPT SNDBUF changes.
pub async fn serve<S>(
    ctx: Arc<ServerContext>,
    stream: S,
    logins: Vec<LoginKind>,
    peer_ip: Option<std::net::IpAddr>,
    peer: String,
    sndbuf: SendBuffer,
    stop: CancellationToken,
) where
    S: AsyncRead + AsyncWrite + Send + 'static,
{
    let (rd, wr) = tokio::io::split(stream);
    let mut core = SessionCore::new(ctx.clone(), logins, peer_ip, unix_now());
    core.set_send_buffer(sndbuf);
    let sub = core.subscriber().clone();
    let pvers = Arc::new(AtomicU8::new(core.pvers()));
    let keepalive = Duration::from_secs(ctx.config.limits.keepalive_secs.max(1));
    let mut writer = tokio::spawn(write_loop(wr, sub.clone(), pvers.clone(), keepalive));

    if let Some(b) = encode(0, &core.hello(), 1) {
        let _ = sub.outbox.send_control(b);
    }
    let mut frames = FramedRead::with_capacity(rd, AxaCodec::new(Direction::ToSra), READ_BUFFER);
    let deadline = tokio::time::sleep(Duration::from_secs(ctx.config.limits.login_deadline_secs));
    tokio::pin!(deadline);
    // A plain sleep re-armed each second (an `Interval` would box its timer).
    let tick = tokio::time::sleep(Duration::from_secs(1));
    tokio::pin!(tick);
    let kill = core.kill_signal();
    loop {
        tokio::select! {
            _ = stop.cancelled() => {
                tracing::info!(%peer, "closing: server shutting down");
                break;
            }
            _ = kill.notified() => {
                tracing::info!(%peer, "closing: killed by an admin");
                break;
            }
            f = frames.next() => {
                let frame = match f {
                    None => break,
                    Some(Err(e)) => {
                        tracing::info!(%peer, "closing: {e}");
                        break;
                    }
                    Some(Ok(f)) => f,
                };
                // Replies go out through a fresh Vec: an idle session keeps no reply buffer.
                let mut out = Vec::new();
                let next = core.handle(&frame, unix_now(), &mut out);
                pvers.store(core.pvers(), Ordering::Relaxed);
                send_replies(&sub, out, core.pvers());
                if next == Next::Close {
                    break;
                }
            }
            _ = &mut deadline, if core.user().is_none() => {
                tracing::info!(%peer, "closing: not authenticated in time");
                break;
            }
            _ = &mut tick => {
                tick.as_mut().reset(tokio::time::Instant::now() + Duration::from_secs(1));
                let now = unix_now();
                let mut out = Vec::new();
                if let Some(m) = core.poll_missed(now) {
                    out.push((0, m));
                }
                core.poll_trace(now, &mut out);
                send_replies(&sub, out, core.pvers());
            }
        }
    }
    // Unregister from the index and close the outbox; the writer flushes what is queued.
    drop(core);
    if tokio::time::timeout(Duration::from_secs(5), &mut writer)
        .await
        .is_err()
    {
        // A client that reads nothing must not keep the socket open.
        writer.abort();
    }
}

async fn write_loop<W: AsyncWrite + Unpin>(
    mut wr: W,
    sub: Arc<Subscriber>,
    pvers: Arc<AtomicU8>,
    keepalive: Duration,
) {
    let outbox: &Outbox = &sub.outbox;
    let (mut control, mut data): (Vec<Bytes>, Vec<Hit>) = (Vec::new(), Vec::new());
    // The batch's hit headers (grown by the first batches; an idle session holds none).
    let mut headers: Vec<([u8; MAX_HIT_HEADER], usize)> = Vec::new();
    loop {
        match tokio::time::timeout(keepalive, outbox.next_batch(&mut control, &mut data, BATCH))
            .await
        {
            Ok(false) => break,
            Ok(true) => {}
            Err(_) => {
                // Idle for a keepalive period: give back what the last burst grew.
                (data, headers) = (Vec::new(), Vec::new());
                if let Some(b) = encode(0, &Message::Nop, pvers.load(Ordering::Relaxed)) {
                    control.push(b);
                }
            }
        }
        let pv = pvers.load(Ordering::Relaxed);
        headers.clear();
        headers.extend(data.iter().map(|h| {
            let mut hdr = [0u8; MAX_HIT_HEADER];
            let n = h.header(pv, &mut hdr);
            (hdr, n)
        }));
        let mut slices: Vec<IoSlice<'_>> = Vec::with_capacity(control.len() + 2 * data.len());
        slices.extend(control.iter().map(|c| IoSlice::new(c)));
        for (h, (hdr, n)) in data.iter().zip(&headers) {
            slices.push(IoSlice::new(&hdr[..*n]));
            slices.push(IoSlice::new(&h.body));
        }
        if write_all_vectored(&mut wr, &mut slices).await.is_err() {
            break;
        }
        drop(slices);
        // Replies are rare on a busy session: the Vec is not kept between batches.
        control = Vec::new();
        sub.counters.add_sent(data.len() as u64);
        data.clear();
    }
    let _ = wr.flush().await;
    let _ = wr.shutdown().await;
}

/// Writes every byte of `slices` with vectored writes: no copy into a staging buffer (TLS
/// copies once, into the record it encrypts; plain TCP hands the slices to `writev`).
async fn write_all_vectored<W: AsyncWrite + Unpin>(
    wr: &mut W,
    mut slices: &mut [IoSlice<'_>],
) -> std::io::Result<()> {
    while !slices.is_empty() {
        let n = wr.write_vectored(slices).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::WriteZero.into());
        }
        IoSlice::advance_slices(&mut slices, n);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use axa_proto::{Frame, User};
    use futures::SinkExt;
    use tokio_util::codec::Framed;

    fn ctx() -> Arc<ServerContext> {
        let p =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/axa-test-suite.toml");
        ServerContext::new(Config::load(&p).unwrap())
    }

    async fn next(c: &mut Framed<tokio::io::DuplexStream, AxaCodec>) -> Option<Frame> {
        c.next().await.map(|r| r.unwrap())
    }

    #[tokio::test(start_paused = true)]
    async fn unauthenticated_connections_close_at_the_login_deadline() {
        let (client, server) = tokio::io::duplex(4096);
        let task = tokio::spawn(serve(
            ctx(),
            server,
            vec![LoginKind::User],
            None,
            "t".into(),
            SendBuffer::default(),
            CancellationToken::new(),
        ));
        let mut c = Framed::new(client, AxaCodec::new(Direction::FromSra));
        let t0 = tokio::time::Instant::now();
        assert_eq!(next(&mut c).await.unwrap().op(), axa_proto::Op::Hello);
        assert!(next(&mut c).await.is_none(), "closed");
        assert!(t0.elapsed() >= Duration::from_secs(30));
        task.await.unwrap();
    }

    #[tokio::test(start_paused = true)]
    async fn idle_sessions_get_a_nop_after_the_keepalive_period() {
        let (client, server) = tokio::io::duplex(4096);
        tokio::spawn(serve(
            ctx(),
            server,
            vec![LoginKind::User],
            None,
            "t".into(),
            SendBuffer::default(),
            CancellationToken::new(),
        ));
        let mut c = Framed::new(client, AxaCodec::new(Direction::FromSra));
        let user = Message::User(User {
            name: "valid-user".into(),
        });
        c.send(user.to_frame(0, 1, Direction::ToSra).unwrap())
            .await
            .unwrap();
        assert_eq!(next(&mut c).await.unwrap().op(), axa_proto::Op::Hello);
        assert_eq!(next(&mut c).await.unwrap().op(), axa_proto::Op::Ok);
        let t0 = tokio::time::Instant::now();
        let f = next(&mut c).await.unwrap();
        assert_eq!((f.op(), f.tag()), (axa_proto::Op::Nop, 0));
        assert!(t0.elapsed() >= Duration::from_secs(30));
        // Authenticated: still open after the login deadline.
        let f = next(&mut c).await.unwrap();
        assert_eq!(f.op(), axa_proto::Op::Nop);
    }
}
