//! OPT SNDBUF applied to the connection's socket (spec §1.6.9, §6: "server-side TCP send
//! buffer/window in bytes").
//!
//! A [`SendBuffer`] holds a duplicate of the connection's socket descriptor (the TCP socket
//! under TLS), so the session can change `SO_SNDBUF` after the stream itself was split into
//! reader and writer halves. The duplicate is closed with the session.
//!
//! The reply carries the size the kernel reports afterwards (`getsockopt(SO_SNDBUF)`), i.e.
//! what the socket really has: Linux doubles the requested value for its bookkeeping and caps
//! it at `net.core.wmem_max` (doubled), so asking for 65536 reports 131072.

use std::io;
use std::os::fd::AsFd;

/// The socket whose send buffer OPT SNDBUF changes; empty for streams without one (tests
/// over in-memory pipes), where the requested value is only recorded.
#[derive(Debug, Default)]
pub struct SendBuffer {
    socket: Option<socket2::Socket>,
    recorded: u32,
}

impl SendBuffer {
    /// A handle on the socket behind `fd` (a duplicate descriptor of the same socket).
    pub fn of(fd: &impl AsFd) -> io::Result<SendBuffer> {
        let owned = fd.as_fd().try_clone_to_owned()?;
        Ok(SendBuffer {
            socket: Some(socket2::Socket::from(owned)),
            recorded: 0,
        })
    }

    /// The current size in bytes, as the kernel reports it (the recorded value without a
    /// socket).
    pub fn get(&self) -> io::Result<u32> {
        match &self.socket {
            Some(s) => Ok(u32::try_from(s.send_buffer_size()?).unwrap_or(u32::MAX)),
            None => Ok(self.recorded),
        }
    }

    /// Asks for `bytes` and returns the size the socket has afterwards.
    pub fn set(&mut self, bytes: u32) -> io::Result<u32> {
        match &self.socket {
            // setsockopt takes a C int.
            Some(s) => s.set_send_buffer_size(bytes.min(i32::MAX as u32) as usize)?,
            None => self.recorded = bytes,
        }
        self.get()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_the_socket_and_records_without_one() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let s = std::net::TcpStream::connect(l.local_addr().unwrap()).unwrap();
        let mut b = SendBuffer::of(&s).unwrap();
        let got = b.set(65536).unwrap();
        // Linux reports twice the request (bookkeeping overhead); others the request.
        assert!(got >= 65536, "{got}");
        let seen = socket2::SockRef::from(&s).send_buffer_size().unwrap();
        assert_eq!(seen as u32, got, "the original descriptor sees the change");
        let mut none = SendBuffer::default();
        assert_eq!(none.get().unwrap(), 0);
        assert_eq!(none.set(4096).unwrap(), 4096);
    }
}
