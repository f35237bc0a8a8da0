//! AXA opcodes (spec §1.4) and the names libaxa prints for them.

use std::fmt;

/// Every AXA opcode of spec §1.4, both directions, RAD and admin ops included.
///
/// Opcodes that are not in the table are represented by a raw `u8` wherever they can
/// appear (the `op` byte of a [`crate::Header`] and the `orig_op` of an OK/ERROR); use
/// [`OpName`] to print either kind the way libaxa does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Op {
    /// `NOP` (0): keepalive, no body.
    Nop = 0,
    /// `HELLO` (1): version negotiation, both directions.
    Hello = 1,
    /// `OK` (2): positive reply or trace text.
    Ok = 2,
    /// `ERROR` (3): negative reply.
    Error = 3,
    /// `MISSED` (4): loss report from an SRA server.
    Missed = 4,
    /// `WATCH HIT` (5).
    Whit = 5,
    /// `WATCH LIST` (6): one listed watch.
    Wlist = 6,
    /// `ANOMALY HIT` (7), RAD only.
    Ahit = 7,
    /// `ANOMALY LIST` (8), RAD only.
    Alist = 8,
    /// `CHANNEL LIST` (9): one listed channel.
    Clist = 9,
    /// `RAD MISSED` (10), RAD only.
    MissedRad = 10,
    /// `MGMT GET RSP` (11), deprecated.
    MgmtGetRsp = 11,
    /// `KILL RSP` (12), admin.
    KillRsp = 12,
    /// `STATS RSP` (13), admin.
    StatsRsp = 13,
    /// `USER` (129): identification (user name or API key).
    User = 129,
    /// `JOIN` (130).
    Join = 130,
    /// `PAUSE` (131).
    Pause = 131,
    /// `GO` (132).
    Go = 132,
    /// `WATCH` (133).
    Watch = 133,
    /// `WATCH GET` (134).
    Wget = 134,
    /// `ANOMALY` (135), RAD only.
    Anom = 135,
    /// `ANOMALY GET` (136), RAD only.
    Aget = 136,
    /// `STOP` (137): delete the watch with the header tag.
    Stop = 137,
    /// `ALL STOP` (138).
    AllStop = 138,
    /// `CHANNEL ON/OFF` (139), SRA only.
    Channel = 139,
    /// `CHANNEL GET` (140).
    Cget = 140,
    /// `OPTION` (141), both directions.
    Opt = 141,
    /// `ACCOUNTING` (142).
    Acct = 142,
    /// `RAD UNITS GET` (143), RAD only.
    Radu = 143,
    /// `MGMT GET` (144), deprecated.
    MgmtGet = 144,
    /// `KILL REQ` (145), admin.
    KillReq = 145,
    /// `STATS REQ` (146), admin.
    StatsReq = 146,
}

impl Op {
    /// Every opcode, in numeric order.
    pub const ALL: [Op; 32] = [
        Op::Nop,
        Op::Hello,
        Op::Ok,
        Op::Error,
        Op::Missed,
        Op::Whit,
        Op::Wlist,
        Op::Ahit,
        Op::Alist,
        Op::Clist,
        Op::MissedRad,
        Op::MgmtGetRsp,
        Op::KillRsp,
        Op::StatsRsp,
        Op::User,
        Op::Join,
        Op::Pause,
        Op::Go,
        Op::Watch,
        Op::Wget,
        Op::Anom,
        Op::Aget,
        Op::Stop,
        Op::AllStop,
        Op::Channel,
        Op::Cget,
        Op::Opt,
        Op::Acct,
        Op::Radu,
        Op::MgmtGet,
        Op::KillReq,
        Op::StatsReq,
    ];

    /// The opcode for a wire byte, or `None` for an opcode not in spec §1.4.
    pub const fn from_u8(v: u8) -> Option<Op> {
        Some(match v {
            0 => Op::Nop,
            1 => Op::Hello,
            2 => Op::Ok,
            3 => Op::Error,
            4 => Op::Missed,
            5 => Op::Whit,
            6 => Op::Wlist,
            7 => Op::Ahit,
            8 => Op::Alist,
            9 => Op::Clist,
            10 => Op::MissedRad,
            11 => Op::MgmtGetRsp,
            12 => Op::KillRsp,
            13 => Op::StatsRsp,
            129 => Op::User,
            130 => Op::Join,
            131 => Op::Pause,
            132 => Op::Go,
            133 => Op::Watch,
            134 => Op::Wget,
            135 => Op::Anom,
            136 => Op::Aget,
            137 => Op::Stop,
            138 => Op::AllStop,
            139 => Op::Channel,
            140 => Op::Cget,
            141 => Op::Opt,
            142 => Op::Acct,
            143 => Op::Radu,
            144 => Op::MgmtGet,
            145 => Op::KillReq,
            146 => Op::StatsReq,
            _ => return None,
        })
    }

    /// The wire byte.
    pub const fn as_u8(self) -> u8 {
        self as u8
    }

    /// The name libaxa prints for this op (text output and the JSON `op` key), e.g.
    /// `WATCH HIT`, `CHANNEL ON/OFF`.
    pub const fn name(self) -> &'static str {
        match self {
            Op::Nop => "NOP",
            Op::Hello => "HELLO",
            Op::Ok => "OK",
            Op::Error => "ERROR",
            Op::Missed => "MISSED",
            Op::Whit => "WATCH HIT",
            Op::Wlist => "WATCH LIST",
            Op::Ahit => "ANOMALY HIT",
            Op::Alist => "ANOMALY LIST",
            Op::Clist => "CHANNEL LIST",
            Op::MissedRad => "RAD MISSED",
            Op::MgmtGetRsp => "MGMT GET RSP",
            Op::KillRsp => "KILL RSP",
            Op::StatsRsp => "STATS RSP",
            Op::User => "USER",
            Op::Join => "JOIN",
            Op::Pause => "PAUSE",
            Op::Go => "GO",
            Op::Watch => "WATCH",
            Op::Wget => "WATCH GET",
            Op::Anom => "ANOMALY",
            Op::Aget => "ANOMALY GET",
            Op::Stop => "STOP",
            Op::AllStop => "ALL STOP",
            Op::Channel => "CHANNEL ON/OFF",
            Op::Cget => "CHANNEL GET",
            Op::Opt => "OPTION",
            Op::Acct => "ACCOUNTING",
            Op::Radu => "RAD UNITS GET",
            Op::MgmtGet => "MGMT GET",
            Op::KillReq => "KILL REQ",
            Op::StatsReq => "STATS REQ",
        }
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A raw opcode byte printed the way libaxa prints it: the op name, or `unknown op #N`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OpName(pub u8);

impl fmt::Display for OpName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match Op::from_u8(self.0) {
            Some(op) => f.write_str(op.name()),
            None => write!(f, "unknown op #{}", self.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_names() {
        for op in Op::ALL {
            assert_eq!(Op::from_u8(op.as_u8()), Some(op));
        }
        let known = (0..=255u8).filter(|v| Op::from_u8(*v).is_some()).count();
        assert_eq!(known, Op::ALL.len());
        assert_eq!(OpName(5).to_string(), "WATCH HIT");
        assert_eq!(OpName(99).to_string(), "unknown op #99");
        assert_eq!(Op::Channel.to_string(), "CHANNEL ON/OFF");
    }
}
