//! # axa-proto: the AXA wire protocol
//!
//! `axa-proto` is the sans-IO heart of the SIE Remote Access (AXA) implementation: bytes in,
//! typed messages out, and back. It holds the 8-byte header and its checks (spec §1.4),
//! the body checks of libaxa 3.0.2 (§1.6–§1.7), a typed body for every opcode, the watch
//! and channel text syntax (§5), connection strings and the `~/.axa/config` alias file
//! (§4.1, §8.4), and the libaxa-identical JSON rendering (§7). With the `codec` feature it
//! also provides a `tokio-util` `Decoder`/`Encoder` that rejects a bad header as soon as
//! its 8 bytes arrive. It opens no sockets and spawns no tasks.
//!
//! Validation is explicit about [`Direction`]: a server checks what it receives with
//! [`Direction::ToSra`], a client with [`Direction::FromSra`].
//!
//! ## Where to start
//!
//! * Receiving: [`FrameDecoder`] (or `codec::AxaCodec` with feature `codec`) splits checked
//!   [`Frame`]s off a `BytesMut`; [`Frame::into_message`] gives the typed [`Message`].
//!   [`Frame::decode`] checks one complete frame held in a `Bytes`.
//! * Sending: [`Message::encode_frame`] (unchecked, into any `BufMut`) or
//!   [`Message::to_frame`] (checked for the direction it travels). A server fanning one hit
//!   out to many sessions writes [`WhitNmsg::frame_header`] (28 bytes) per session and
//!   shares the container `Bytes`.
//! * Text: [`Watch::parse_text`] / `Display` for watches, [`parse_channel`] and
//!   [`ChannelName`] for channels, [`ConnSpec::parse_with_aliases`] with [`AxaConfig`] for
//!   connection strings.
//! * JSON: [`json::frame_to_json`], [`json::wire_to_json`] (libaxa's `axa_body_to_json`).
//!
//! ```
//! use axa_proto::{Direction, Frame, Message, Watch, PVERS};
//! use bytes::BytesMut;
//!
//! // A client builds `1 watch ip=10.0.0.0/8` ...
//! let watch = Watch::parse_text("ip=10.0.0.0/8", axa_proto::WatchMode::Sra).unwrap();
//! let frame = Message::Watch(watch).to_frame(1, PVERS, Direction::ToSra).unwrap();
//! let wire = frame.to_bytes();
//! assert_eq!(&wire[..], b"\x10\0\0\0\x01\0\x02\x85\x01\x08\x01\x00\x0a\0\0\0");
//!
//! // ... the server decodes and validates it, zero-copy ...
//! let got = Frame::decode(wire, Direction::ToSra).unwrap();
//! let Message::Watch(w) = got.message().unwrap() else { unreachable!() };
//! assert_eq!(w.to_string(), "IP=10.0.0.0/8");
//!
//! // ... and anyone can render libaxa's JSON for it.
//! assert_eq!(
//!     axa_proto::json::frame_to_json(&got).unwrap(),
//!     r#"{"tag":1,"op":"WATCH","watch_type":"ipv4","watch":"IP=10.0.0.0/8"}"#
//! );
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod admin;
pub mod channel;
#[cfg(feature = "codec")]
pub mod codec;
pub mod config_file;
pub mod conn_spec;
pub mod decoder;
pub mod direction;
pub mod error;
pub mod header;
pub mod hello;
mod ip_text;
pub mod json;
mod json_ip;
mod json_stats;
pub mod message;
pub mod missed;
pub mod op;
pub mod opt;
pub mod rad;
pub mod result;
pub mod user;
pub mod validate;
pub mod watch;
pub mod watch_text;
pub mod whit;
mod wire;

pub use admin::{Kill, StatsReq, StatsRsp};
pub use channel::{parse_channel, ChannelName, ChannelOnOff, ChannelParseError, Clist};
#[cfg(feature = "codec")]
pub use codec::AxaCodec;
pub use config_file::{AxaConfig, ConfigError};
pub use conn_spec::{ConnAddr, ConnSpec, ConnSpecError, Transport};
pub use decoder::FrameDecoder;
pub use direction::Direction;
pub use error::{ProtoError, WatchWireError};
pub use header::{Header, HEADER_LEN, MAX_BODY_LEN, PVERS, PVERS_MAX, PVERS_MIN, TAG_NONE};
pub use hello::Hello;
pub use message::{Frame, Message};
pub use missed::{Missed, MissedRad};
pub use op::{Op, OpName};
pub use opt::{Opt, RateLimit, RlimitValue};
pub use rad::{Ahit, Alist, Anom};
pub use result::ResultMsg;
pub use user::{Join, User};
pub use validate::{check_body, check_body_len, check_op_body, CH_ALL, CH_MAX};
pub use watch::{Watch, WatchPattern, Wlist};
pub use watch_text::{WatchMode, WatchParseError};
pub use whit::{Whit, WhitIp, WhitNmsg};
