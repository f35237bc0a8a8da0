//! Opening the byte stream of a connection: TCP, UNIX socket, or TLS over TCP for `apikey:`
//! (plain TCP with the insecure `-I` mode).

use std::io;

use axa_proto::{ConnAddr, ConnSpec, Transport};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpStream, UnixStream};

use crate::tls::{TlsConnector, TlsError, TlsOptions, TlsSessionInfo};

/// A connected byte stream.
pub trait AsyncIo: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> AsyncIo for T {}

/// A boxed connected stream.
pub type BoxIo = Box<dyn AsyncIo>;

/// Why the stream could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    /// Connecting failed.
    #[error("connect to {addr}: {source}")]
    Connect {
        /// The address (`host,port` or path).
        addr: String,
        /// Why.
        source: io::Error,
    },
    /// TLS failed.
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// The spec's transport and address do not fit together.
    #[error("{0} needs a host and port")]
    Address(&'static str),
}

/// How `apikey:` connections are made.
#[derive(Debug, Clone, Default)]
pub struct TransportOptions {
    /// TLS settings (verification, ciphers).
    pub tls: TlsOptions,
    /// `-I`: send the API key over plain TCP.
    pub plain_apikey: bool,
}

/// Opens the stream for `spec`, with the negotiated TLS parameters for `apikey:` over TLS.
pub async fn open(
    spec: &ConnSpec,
    opts: &TransportOptions,
) -> Result<(BoxIo, Option<TlsSessionInfo>), TransportError> {
    let label = spec.label();
    let err = |source| TransportError::Connect {
        addr: label.clone(),
        source,
    };
    match (&spec.addr, spec.transport) {
        (ConnAddr::Unix(path), _) => Ok((
            Box::new(UnixStream::connect(path).await.map_err(err)?),
            None,
        )),
        (ConnAddr::HostPort { host, port }, t) => {
            let tcp = TcpStream::connect((host.as_str(), *port))
                .await
                .map_err(err)?;
            let _ = tcp.set_nodelay(true);
            if t == Transport::Apikey && !opts.plain_apikey {
                let connector = TlsConnector::new(&opts.tls)?;
                let tls = connector.connect(host, tcp).await?;
                let info = TlsSessionInfo::of(&tls);
                Ok((Box::new(tls), info))
            } else {
                Ok((Box::new(tcp), None))
            }
        }
    }
}
