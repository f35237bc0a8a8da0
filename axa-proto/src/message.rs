//! The typed message of every op, and whole frames (header + body).

use bytes::{Buf, BufMut, Bytes, BytesMut};

use crate::admin::{Kill, StatsReq, StatsRsp};
use crate::channel::{ChannelOnOff, Clist};
use crate::direction::Direction;
use crate::error::ProtoError;
use crate::header::{Header, HEADER_LEN};
use crate::hello::Hello;
use crate::missed::{Missed, MissedRad};
use crate::op::Op;
use crate::opt::Opt;
use crate::rad::{Ahit, Alist, Anom};
use crate::result::ResultMsg;
use crate::user::{Join, User};
use crate::validate::check_op_body;
use crate::watch::{Watch, Wlist};
use crate::whit::Whit;

/// One AXA message body, typed. Every op of spec §1.4 has a variant.
///
/// Decoding ([`Message::decode`]) accepts exactly what libaxa's `axa_ck_body` (plus the
/// op's length limits) accepts, and allocates only for text fields; WATCH HIT containers,
/// IP packets, DNS watch names and STATS objects are zero-copy slices of the body.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Message {
    /// NOP (keepalive).
    Nop,
    /// HELLO.
    Hello(Hello),
    /// OK.
    Ok(ResultMsg),
    /// ERROR.
    Error(ResultMsg),
    /// MISSED.
    Missed(Missed),
    /// WATCH HIT.
    Whit(Whit),
    /// WATCH LIST.
    Wlist(Wlist),
    /// ANOMALY HIT (RAD).
    Ahit(Ahit),
    /// ANOMALY LIST (RAD).
    Alist(Alist),
    /// CHANNEL LIST.
    Clist(Clist),
    /// RAD MISSED.
    MissedRad(MissedRad),
    /// MGMT GET RSP (deprecated): the 50 raw bytes.
    MgmtGetRsp(Bytes),
    /// KILL RSP.
    KillRsp(Kill),
    /// STATS RSP.
    StatsRsp(StatsRsp),
    /// USER.
    User(User),
    /// JOIN.
    Join(Join),
    /// PAUSE.
    Pause,
    /// GO.
    Go,
    /// WATCH.
    Watch(Watch),
    /// WATCH GET.
    Wget,
    /// ANOMALY (RAD).
    Anom(Anom),
    /// ANOMALY GET (RAD).
    Aget,
    /// STOP (the watch to delete is the header tag).
    Stop,
    /// ALL STOP.
    AllStop,
    /// CHANNEL ON/OFF.
    Channel(ChannelOnOff),
    /// CHANNEL GET.
    Cget,
    /// OPTION.
    Opt(Opt),
    /// ACCOUNTING.
    Acct,
    /// RAD UNITS GET.
    Radu,
    /// MGMT GET (deprecated).
    MgmtGet,
    /// KILL REQ.
    KillReq(Kill),
    /// STATS REQ.
    StatsReq(StatsReq),
}

impl Message {
    /// The op of this message.
    pub fn op(&self) -> Op {
        match self {
            Message::Nop => Op::Nop,
            Message::Hello(_) => Op::Hello,
            Message::Ok(_) => Op::Ok,
            Message::Error(_) => Op::Error,
            Message::Missed(_) => Op::Missed,
            Message::Whit(_) => Op::Whit,
            Message::Wlist(_) => Op::Wlist,
            Message::Ahit(_) => Op::Ahit,
            Message::Alist(_) => Op::Alist,
            Message::Clist(_) => Op::Clist,
            Message::MissedRad(_) => Op::MissedRad,
            Message::MgmtGetRsp(_) => Op::MgmtGetRsp,
            Message::KillRsp(_) => Op::KillRsp,
            Message::StatsRsp(_) => Op::StatsRsp,
            Message::User(_) => Op::User,
            Message::Join(_) => Op::Join,
            Message::Pause => Op::Pause,
            Message::Go => Op::Go,
            Message::Watch(_) => Op::Watch,
            Message::Wget => Op::Wget,
            Message::Anom(_) => Op::Anom,
            Message::Aget => Op::Aget,
            Message::Stop => Op::Stop,
            Message::AllStop => Op::AllStop,
            Message::Channel(_) => Op::Channel,
            Message::Cget => Op::Cget,
            Message::Opt(_) => Op::Opt,
            Message::Acct => Op::Acct,
            Message::Radu => Op::Radu,
            Message::MgmtGet => Op::MgmtGet,
            Message::KillReq(_) => Op::KillReq,
            Message::StatsReq(_) => Op::StatsReq,
        }
    }

    /// Decode the body of `op`: the op's length limits, then libaxa's body checks, then
    /// the typed fields. `Ok` here if and only if [`crate::check_op_body`] is `Ok`.
    ///
    /// Takes the body by value: zero-copy fields are the body itself advanced past the
    /// fixed part (no reference-count traffic, no allocation for WATCH HIT).
    pub fn decode(op: Op, body: Bytes) -> Result<Message, ProtoError> {
        check_op_body(op, &body)?;
        Ok(Message::parse_checked(op, body))
    }

    fn parse_checked(op: Op, b: Bytes) -> Message {
        match op {
            Op::Nop => Message::Nop,
            Op::Hello => Message::Hello(Hello::parse_checked(&b)),
            Op::Ok => Message::Ok(ResultMsg::parse_checked(&b)),
            Op::Error => Message::Error(ResultMsg::parse_checked(&b)),
            Op::Missed => Message::Missed(Missed::parse_checked(&b)),
            Op::Whit => Message::Whit(Whit::parse_checked(b)),
            Op::Wlist => Message::Wlist(Wlist::parse_checked(b)),
            Op::Ahit => Message::Ahit(Ahit::parse_checked(b)),
            Op::Alist => Message::Alist(Alist::parse_checked(&b)),
            Op::Clist => Message::Clist(Clist::parse_checked(&b)),
            Op::MissedRad => Message::MissedRad(MissedRad::parse_checked(&b)),
            Op::MgmtGetRsp => Message::MgmtGetRsp(b),
            Op::KillRsp => Message::KillRsp(Kill::parse_checked(&b)),
            Op::StatsRsp => Message::StatsRsp(StatsRsp::parse_checked(b)),
            Op::User => Message::User(User::parse_checked(&b)),
            Op::Join => Message::Join(Join {
                id: crate::wire::le_u64(&b, 0),
            }),
            Op::Pause => Message::Pause,
            Op::Go => Message::Go,
            Op::Watch => Message::Watch(Watch::parse_checked(b)),
            Op::Wget => Message::Wget,
            Op::Anom => Message::Anom(Anom::parse_checked(&b)),
            Op::Aget => Message::Aget,
            Op::Stop => Message::Stop,
            Op::AllStop => Message::AllStop,
            Op::Channel => Message::Channel(ChannelOnOff::parse_checked(&b)),
            Op::Cget => Message::Cget,
            Op::Opt => Message::Opt(Opt::parse_checked(&b)),
            Op::Acct => Message::Acct,
            Op::Radu => Message::Radu,
            Op::MgmtGet => Message::MgmtGet,
            Op::KillReq => Message::KillReq(Kill::parse_checked(&b)),
            Op::StatsReq => Message::StatsReq(StatsReq::parse_checked(&b)),
        }
    }

    /// Body length [`Message::encode_body`] writes.
    pub fn body_len(&self) -> usize {
        match self {
            Message::Nop
            | Message::Pause
            | Message::Go
            | Message::Wget
            | Message::Aget
            | Message::Stop
            | Message::AllStop
            | Message::Cget
            | Message::Acct
            | Message::Radu
            | Message::MgmtGet => 0,
            Message::Hello(h) => h.encoded_len(),
            Message::Ok(r) | Message::Error(r) => r.encoded_len(),
            Message::Missed(_) => Missed::LEN,
            Message::Whit(w) => w.encoded_len(),
            Message::Wlist(w) => w.encoded_len(),
            Message::Ahit(a) => a.encoded_len(),
            Message::Alist(a) => a.encoded_len(),
            Message::Clist(_) => Clist::LEN,
            Message::MissedRad(_) => MissedRad::LEN,
            Message::MgmtGetRsp(b) => b.len(),
            Message::KillRsp(_) | Message::KillReq(_) => 76,
            Message::StatsRsp(s) => s.encoded_len(),
            Message::User(_) => crate::user::USER_LEN,
            Message::Join(_) => 8,
            Message::Watch(w) => w.encoded_len(),
            Message::Anom(a) => a.encoded_len(),
            Message::Channel(_) => 3,
            Message::Opt(o) => o.encoded_len(),
            Message::StatsReq(_) => 70,
        }
    }

    /// Write the body as senders do (spec §1.8: strings cut and sized `strlen + 1`, USER
    /// and CLIST full size, fixed bodies fixed).
    pub fn encode_body<B: BufMut>(&self, out: &mut B) {
        match self {
            Message::Nop
            | Message::Pause
            | Message::Go
            | Message::Wget
            | Message::Aget
            | Message::Stop
            | Message::AllStop
            | Message::Cget
            | Message::Acct
            | Message::Radu
            | Message::MgmtGet => {}
            Message::Hello(h) => h.encode(out),
            Message::Ok(r) | Message::Error(r) => r.encode(out),
            Message::Missed(m) => m.encode(out),
            Message::Whit(w) => w.encode(out),
            Message::Wlist(w) => w.encode(out),
            Message::Ahit(a) => a.encode(out),
            Message::Alist(a) => a.encode(out),
            Message::Clist(c) => c.encode(out),
            Message::MissedRad(m) => m.encode(out),
            Message::MgmtGetRsp(b) => out.put_slice(b),
            Message::KillRsp(k) | Message::KillReq(k) => k.encode(out),
            Message::StatsRsp(s) => s.encode(out),
            Message::User(u) => u.encode(out),
            Message::Join(j) => j.encode(out),
            Message::Watch(w) => w.encode(out),
            Message::Anom(a) => a.encode(out),
            Message::Channel(c) => c.encode(out),
            Message::Opt(o) => o.encode(out),
            Message::StatsReq(s) => s.encode(out),
        }
    }

    /// The header for sending this message with `tag` and `pvers`.
    pub fn header(&self, tag: u16, pvers: u8) -> Header {
        Header::new(tag, pvers, self.op(), self.body_len())
    }

    /// Write a whole frame (header + body) to `out`. The frame is not checked; see
    /// [`Message::to_frame`] for a checked form.
    pub fn encode_frame<B: BufMut>(&self, tag: u16, pvers: u8, out: &mut B) {
        self.header(tag, pvers).write(out);
        self.encode_body(out);
    }

    /// Encode into a [`Frame`], checked with the header rules for `dir` (the direction the
    /// frame will travel), so a sender cannot emit what the peer would reject
    /// (wrong tag, wrong direction, over-long body).
    pub fn to_frame(&self, tag: u16, pvers: u8, dir: Direction) -> Result<Frame, ProtoError> {
        let header = self.header(tag, pvers);
        header.check(dir)?;
        let mut body = BytesMut::with_capacity(self.body_len());
        self.encode_body(&mut body);
        Ok(Frame {
            header,
            body: body.freeze(),
        })
    }
}

/// A whole frame whose header passed [`Header::check`] and whose body passed the body
/// checks: what the codec yields. The body is a zero-copy [`Bytes`].
///
/// The fields are private so that every `Frame` is a checked one; [`Frame::message`] then
/// interprets the body without checking it again.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Frame {
    header: Header,
    body: Bytes,
}

impl Frame {
    /// Decode and validate exactly one frame occupying all of `buf`.
    ///
    /// Errors: header checks (spec §1.4 order), [`ProtoError::LengthMismatch`] if `buf` is
    /// not exactly `len` bytes, then the body checks.
    pub fn decode(buf: Bytes, dir: Direction) -> Result<Frame, ProtoError> {
        let header = Header::peek(&buf).ok_or(ProtoError::LengthMismatch {
            len: 0,
            actual: buf.len(),
        })?;
        let op = header.check(dir)?;
        if header.len as usize != buf.len() {
            return Err(ProtoError::LengthMismatch {
                len: header.len,
                actual: buf.len(),
            });
        }
        let mut body = buf;
        body.advance(HEADER_LEN);
        crate::validate::check_body(op, &body)?;
        Ok(Frame { header, body })
    }

    /// Build a frame from a header that passed [`Header::check`] and its body, running the
    /// body checks (used by [`crate::FrameDecoder`]).
    pub(crate) fn from_parts(header: Header, body: Bytes) -> Result<Frame, ProtoError> {
        let op = header.op().ok_or(ProtoError::MissingTag {
            op: crate::op::OpName(header.op),
        })?;
        if header.body_len() != body.len() {
            return Err(ProtoError::LengthMismatch {
                len: header.len,
                actual: body.len() + HEADER_LEN,
            });
        }
        check_op_body(op, &body)?;
        Ok(Frame { header, body })
    }

    /// The header (`len` = 8 + body length).
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The body (zero-copy).
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// Header and body.
    pub fn into_parts(self) -> (Header, Bytes) {
        (self.header, self.body)
    }

    /// The op (known: the header passed its checks).
    pub fn op(&self) -> Op {
        self.header.op().unwrap_or(Op::Nop)
    }

    /// The header tag.
    pub fn tag(&self) -> u16 {
        self.header.tag
    }

    /// The typed message (no allocation except for text fields). The body was checked
    /// when the frame was built, so this cannot fail; it returns `Result` so that callers
    /// treat frames and raw bodies alike.
    pub fn message(&self) -> Result<Message, ProtoError> {
        Ok(Message::parse_checked(self.op(), self.body.clone()))
    }

    /// The typed message, consuming the frame (no reference-count traffic).
    pub fn into_message(self) -> Message {
        Message::parse_checked(self.op(), self.body)
    }

    /// Total length on the wire.
    pub fn len(&self) -> usize {
        HEADER_LEN + self.body.len()
    }

    /// Never true: a frame has at least its header.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Write header + body.
    pub fn encode<B: BufMut>(&self, out: &mut B) {
        self.header.write(out);
        out.put_slice(&self.body);
    }

    /// Header + body as one contiguous buffer.
    pub fn to_bytes(&self) -> Bytes {
        let mut b = BytesMut::with_capacity(self.len());
        self.encode(&mut b);
        b.freeze()
    }
}
