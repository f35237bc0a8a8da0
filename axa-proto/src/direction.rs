//! Which way a message travels, and therefore which opcodes are legal (spec §1.4).

use crate::op::Op;

/// The direction a message travels, as libaxa's `axa_p_direction_t`.
///
/// A server validates what it receives with [`Direction::ToSra`] (or [`Direction::ToRad`]);
/// a client validates what it receives with [`Direction::FromSra`] (or
/// [`Direction::FromRad`]). Senders may check their own frames with the opposite value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Client to SRA server.
    ToSra,
    /// SRA server to client.
    FromSra,
    /// Client to RAD server.
    ToRad,
    /// RAD server to client.
    FromRad,
}

impl Direction {
    /// True for the two client-to-server directions.
    pub const fn is_to_server(self) -> bool {
        matches!(self, Direction::ToSra | Direction::ToRad)
    }

    /// True for the two RAD directions.
    pub const fn is_rad(self) -> bool {
        matches!(self, Direction::ToRad | Direction::FromRad)
    }

    /// The opposite direction of the same service (what the peer receives).
    pub const fn reverse(self) -> Direction {
        match self {
            Direction::ToSra => Direction::FromSra,
            Direction::FromSra => Direction::ToSra,
            Direction::ToRad => Direction::FromRad,
            Direction::FromRad => Direction::ToRad,
        }
    }

    /// The direction libaxa's JSON conversion validates a message with (spec §7.1):
    /// client requests "to SRA", RAD requests "to RAD", RAD replies "from RAD", everything
    /// else (including OPT, HELLO and unknown ops) "from SRA".
    pub fn for_json(op: u8) -> Direction {
        match Op::from_u8(op) {
            Some(
                Op::User
                | Op::Join
                | Op::Pause
                | Op::Go
                | Op::Watch
                | Op::Wget
                | Op::Stop
                | Op::AllStop
                | Op::Channel
                | Op::Cget
                | Op::Acct
                | Op::KillReq
                | Op::StatsReq,
            ) => Direction::ToSra,
            Some(Op::Anom | Op::Aget | Op::Radu) => Direction::ToRad,
            Some(Op::MissedRad | Op::Ahit | Op::Alist) => Direction::FromRad,
            _ => Direction::FromSra,
        }
    }

    /// Whether `op` may travel in this direction (the "dir" column of spec §1.4).
    pub const fn allows(self, op: Op) -> bool {
        use Direction::*;
        match op {
            Op::Nop | Op::Hello | Op::Opt => true,
            Op::Ok
            | Op::Error
            | Op::Whit
            | Op::Wlist
            | Op::Clist
            | Op::MgmtGetRsp
            | Op::KillRsp
            | Op::StatsRsp => matches!(self, FromSra | FromRad),
            Op::Missed => matches!(self, FromSra),
            Op::Ahit | Op::Alist | Op::MissedRad => matches!(self, FromRad),
            Op::User
            | Op::Join
            | Op::Pause
            | Op::Go
            | Op::Watch
            | Op::Wget
            | Op::Stop
            | Op::AllStop
            | Op::Cget
            | Op::Acct
            | Op::MgmtGet
            | Op::KillReq
            | Op::StatsReq => matches!(self, ToSra | ToRad),
            Op::Channel => matches!(self, ToSra),
            Op::Anom | Op::Aget | Op::Radu => matches!(self, ToRad),
        }
    }

    /// The sender and receiver words used in the "illegal from X to Y" error.
    ///
    /// libaxa puts the peer's label (e.g. its address) on one side; this crate has no label,
    /// so it says `SRA client` / `RAD client` there.
    pub const fn endpoints(self) -> (&'static str, &'static str) {
        match self {
            Direction::ToSra => ("SRA client", "SRA"),
            Direction::FromSra => ("SRA", "SRA client"),
            Direction::ToRad => ("RAD client", "RAD"),
            Direction::FromRad => ("RAD", "RAD client"),
        }
    }
}
