//! NMSG over UDP as a channel source: one socket per port of the configured range, bound to a
//! unicast or broadcast address (SIE's channels are IPv4 broadcast on their own VLAN,
//! `nmsg-format.md` §7), exactly one container or fragment per datagram.
//!
//! Each socket is set up as nmsgtool sets up its inputs: `SO_REUSEADDR` and (on Unix)
//! `SO_REUSEPORT`, so that several readers (an `nmsgtool -l` next to the server) can share a
//! port, plus `SO_BROADCAST` and a large receive buffer (16 MiB asked, best effort). Each
//! socket has its own [`nmsg::Input`]: fragment reassembly keyed by sender, and loss counted
//! per (sequence_id, sender) from the containers' sequence numbers; every port of a sender's
//! range is its own output with its own sequence_id, so nothing is lost by keeping them
//! apart. Loss goes to ingest as [`Unit::Loss`] (charged as `missed`); malformed datagrams
//! are counted as data errors and skipped, never ending the input (unlike libnmsg).

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use bytes::BytesMut;
use nmsg::reader::MAX_DATAGRAM;
use nmsg::{Input, Limits, Stats};
use socket2::{Domain, Protocol, Socket, Type};
use tokio::net::UdpSocket;
use tokio::task::JoinHandle;

use super::{Sink, SourceError, Unit};
use crate::config::PortRange;

/// The receive buffer asked for each socket.
pub const RECV_BUFFER: usize = 16 << 20;

/// Datagrams are received into chunks of this size (one allocation per chunk, not per
/// datagram).
const CHUNK: usize = 1 << 20;

/// How often incomplete fragment sets are swept.
const SWEEP: Duration = Duration::from_secs(1);

/// Binds one socket with nmsgtool's options.
pub fn bind(addr: SocketAddr) -> Result<UdpSocket, SourceError> {
    let err = |source| SourceError::Bind { addr, source };
    let s =
        Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP)).map_err(err)?;
    s.set_reuse_address(true).map_err(err)?;
    #[cfg(unix)]
    s.set_reuse_port(true).map_err(err)?;
    s.set_broadcast(true).map_err(err)?;
    if let Err(e) = s.set_recv_buffer_size(RECV_BUFFER) {
        tracing::debug!("UDP {addr}: receive buffer not raised: {e}");
    }
    s.bind(&addr.into()).map_err(err)?;
    s.set_nonblocking(true).map_err(err)?;
    UdpSocket::from_std(s.into()).map_err(err)
}

/// Binds every port of `ports` on `addr` now, then spawns one reading task per socket.
pub fn spawn(
    addr: IpAddr,
    ports: PortRange,
    sink: Sink,
) -> Result<Vec<JoinHandle<()>>, SourceError> {
    let sockets = (ports.first..=ports.last)
        .map(|p| bind(SocketAddr::new(addr, p)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(sockets
        .into_iter()
        .map(|s| tokio::spawn(run(s, sink.clone())))
        .collect())
}

/// Reads datagrams from `sock` until the ingest side is gone.
pub async fn run(sock: UdpSocket, sink: Sink) {
    let mut input = Input::new(Limits::default());
    let mut seen = Stats::default();
    let mut buf = BytesMut::with_capacity(CHUNK);
    let mut swept = Instant::now();
    loop {
        if buf.capacity() < MAX_DATAGRAM {
            buf = BytesMut::with_capacity(CHUNK);
        }
        let from = match sock.recv_buf_from(&mut buf).await {
            Ok((_, from)) => from,
            Err(e) => {
                // E.g. ICMP errors reported on the socket: note and go on.
                tracing::debug!("UDP receive error: {e}");
                buf.clear();
                if sink.is_closed() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let datagram = buf.split().freeze();
        let now = Instant::now();
        let r = input.decode_datagram(datagram, Some(from), now);
        if now.duration_since(swept) >= SWEEP {
            input.expire(now);
            swept = now;
        }
        let st = input.stats();
        let lost = st.lost.saturating_sub(seen.lost);
        sink.stats()
            .add_containers(st.containers.saturating_sub(seen.containers));
        sink.stats()
            .add_data_errors(st.data_errors.saturating_sub(seen.data_errors));
        seen = st;
        if lost > 0 && !sink.send(Unit::Loss(lost)).await {
            return;
        }
        match r {
            Ok(Some(c)) => {
                if !sink.send(Unit::Container(c)).await {
                    return;
                }
            }
            Ok(None) => {}
            Err(e) => tracing::debug!("UDP datagram from {from} skipped: {e}"),
        }
    }
}
