//! A minimal fake SRA server for tests: real loopback sockets and axa-proto's codec. It is
//! scripted by each test (only for tests; the real server is another crate).
#![allow(dead_code)]

use std::time::Duration;

use axa_proto::{AxaCodec, Direction, Frame, Hello, Message, Op, ResultMsg};
use futures::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio_util::codec::Framed;

/// The server side of one connection.
pub struct Peer<S> {
    pub framed: Framed<S, AxaCodec>,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Peer<S> {
    pub fn new(io: S) -> Peer<S> {
        let mut codec = AxaCodec::new(Direction::ToSra);
        codec.set_pvers(1);
        Peer {
            framed: Framed::new(io, codec),
        }
    }

    /// The next frame from the client (panics after 5 s or at EOF).
    pub async fn recv(&mut self) -> Frame {
        tokio::time::timeout(Duration::from_secs(5), self.framed.next())
            .await
            .expect("client said nothing for 5 s")
            .expect("client closed")
            .expect("bad frame from client")
    }

    /// The next frame, `None` at EOF or error.
    pub async fn try_recv(&mut self) -> Option<Frame> {
        match tokio::time::timeout(Duration::from_secs(5), self.framed.next()).await {
            Ok(Some(Ok(f))) => Some(f),
            _ => None,
        }
    }

    pub async fn send(&mut self, tag: u16, msg: Message) {
        self.framed.send((tag, msg)).await.expect("send to client");
    }

    pub async fn ok(&mut self, tag: u16, op: Op, text: &str) {
        self.send(tag, Message::Ok(ResultMsg::new(op, text))).await;
    }

    pub async fn error(&mut self, tag: u16, op: Op, text: &str) {
        self.send(tag, Message::Error(ResultMsg::new(op, text)))
            .await;
    }

    /// Sends the server HELLO (v1 header, speaks 1..2).
    pub async fn hello(&mut self) {
        self.send(
            0,
            Message::Hello(Hello {
                id: 7,
                pvers_min: 1,
                pvers_max: 2,
                text: "srad v3.0.1 fake supporting AXA protocols v1 to v2; currently using v1"
                    .into(),
            }),
        )
        .await;
    }

    /// Reads USER, sends HELLO, reads the client HELLO, answers OK USER. Returns the name.
    pub async fn login(&mut self) -> String {
        let user = self.recv().await;
        assert_eq!(user.op(), Op::User);
        assert_eq!(user.header().pvers, 1, "USER goes out with version 1");
        let name = match user.message().unwrap() {
            Message::User(u) => u.name,
            other => panic!("{other:?}"),
        };
        self.hello().await;
        let h = self.recv().await;
        match h.message().unwrap() {
            Message::Hello(h) => {
                assert_eq!(h.id, 7);
                let v: serde_json::Value = serde_json::from_str(&h.text).unwrap();
                assert!(v["origin"].is_string());
            }
            other => panic!("expected the client HELLO, got {other:?}"),
        }
        self.ok(0, Op::User, &format!("{name} authorized")).await;
        name
    }
}

/// A listener on 127.0.0.1 and its port.
pub async fn listener() -> (TcpListener, u16) {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    (l, port)
}
