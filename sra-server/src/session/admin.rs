//! The admin requests (spec §1.6.12): STATS_REQ → STATS_RSP flights, KILL_REQ → KILL_RSP.
//! Only accounts with the admin flag get here; others get an ERROR from the session.
//!
//! The system object's process figures come from `/proc` ([`ProcessFigures`]; all-ones =
//! "unavailable" where they cannot be read); uptime is the host's and starttime the process start
//! since boot (both from `/proc`; without it: the server's age and 0);
//! the watch counts per kind add up every session's watches; the channel mask holds the
//! configured channels. A user object carries the session's rate limit, sampling, ACCT
//! counters (`collected` is a RAD counter, always 0), watch counts per kind and the channels
//! it has switched on. `connected_since` and `last_cnt_update` are C `struct timeval`s
//! laid out as on 64-bit Linux (two 8-byte fields), as the reference tools read them.

use axa_proto::{Kill, Message, StatsReq, StatsRsp};
use bytes::{BufMut, Bytes, BytesMut};

use crate::context::ServerContext;
use crate::registry::SessionInfo;
use crate::session::process::ProcessFigures;

const SYS_OBJ_LEN: usize = 228;
const USER_OBJ_LEN: usize = 340;
const USERS_PER_RSP: usize = 50;
const SERVER_SRA: u8 = 1;
const RESULT_OK: u8 = 1;
const RESULT_NOT_FOUND: u8 = 2;

/// 16 × u64 (little-endian): channel c is bit 63 − c mod 64 of word c / 64.
fn channel_mask(on: impl Iterator<Item = u16>) -> [u8; 128] {
    let mut words = [0u64; 16];
    for c in on.filter(|c| *c < 1024) {
        words[usize::from(c / 64)] |= 1u64 << (63 - c % 64);
    }
    let mut out = [0u8; 128];
    for (i, w) in words.iter().enumerate() {
        out[i * 8..i * 8 + 8].copy_from_slice(&w.to_le_bytes());
    }
    out
}

fn system_object(ctx: &ServerContext, now: u64, users: usize, kinds: [u32; 5]) -> BytesMut {
    let p = ProcessFigures::read();
    let mut o = BytesMut::with_capacity(SYS_OBJ_LEN);
    o.put_u8(1);
    o.put_u8(SERVER_SRA);
    for l in p.load {
        o.put_u32_le(l);
    }
    o.put_u32_le(p.cpu_usage);
    if p.uptime == u32::MAX || p.starttime == u32::MAX {
        // No /proc: the server's age and 0, so sratool's uptime - starttime is still its age.
        o.put_u32_le(now.saturating_sub(ctx.started) as u32);
        o.put_u32_le(0);
    } else {
        o.put_u32_le(p.uptime);
        o.put_u32_le(p.starttime);
    }
    for n in [p.fd_sockets, p.fd_pipes, p.fd_anon_inodes, p.fd_other] {
        o.put_u32_le(n);
    }
    for n in [p.vmsize, p.vmrss, p.rchar, p.wchar] {
        o.put_u64_le(n);
    }
    o.put_u32_le(p.thread_cnt);
    o.put_u16_le(users.min(usize::from(u16::MAX)) as u16);
    for k in kinds {
        o.put_u32_le(k);
    }
    let configured = ctx.config.channels.iter().map(|c| c.get_ref().number);
    o.put_slice(&channel_mask(configured));
    debug_assert_eq!(o.len(), SYS_OBJ_LEN);
    o
}

fn put_timeval(o: &mut BytesMut, sec: u64) {
    o.put_u64_le(sec);
    o.put_u64_le(0);
}

fn user_object(s: &SessionInfo, kinds: [u32; 5], now: u64, out: &mut BytesMut) {
    let start = out.len();
    out.put_u8(2);
    out.put_u8(SERVER_SRA);
    let mut name = [0u8; 64];
    let n = s.user.len().min(63);
    name[..n].copy_from_slice(&s.user.as_bytes()[..n]);
    out.put_slice(&name);
    out.put_u8(u8::from(s.admin));
    out.put_u8(s.io as u8);
    let mut ip = [0u8; 16];
    let addr_type = match s.peer {
        Some(std::net::IpAddr::V4(a)) => {
            ip[..4].copy_from_slice(&a.octets());
            0
        }
        Some(std::net::IpAddr::V6(a)) => {
            ip.copy_from_slice(&a.octets());
            1
        }
        None => 2,
    };
    out.put_u8(addr_type);
    out.put_slice(&[0; 6]);
    out.put_slice(&ip);
    out.put_u32_le(s.sn);
    put_timeval(out, s.since);
    out.put_u64_le(s.sub.limiter.max());
    out.put_u64_le(u64::from(s.sub.sampler.rate()));
    put_timeval(out, now);
    let t = s.sub.counters.totals();
    for v in [t.filtered, t.missed, 0, t.sent, t.rlimit, t.dropped] {
        out.put_u64_le(v);
    }
    for k in kinds {
        out.put_u32_le(k);
    }
    let on = (0..1024u16).filter(|c| s.sub.channels.is_on(*c));
    out.put_slice(&channel_mask(on));
    out.put_u8(0);
    debug_assert_eq!(out.len() - start, USER_OBJ_LEN);
}

/// The STATS_RSP flights answering `req` (types 1 summary, 2 all users, 3 by serial number,
/// 4 by user name) at UNIX time `now`.
pub fn stats(ctx: &ServerContext, req: &StatsReq, now: u64) -> Vec<Message> {
    let sessions = ctx.registry.list();
    let kinds_of = |s: &SessionInfo| ctx.index.inspect(|m| m.watch_kinds(s.id));
    let mut total = [0u32; 5];
    for s in &sessions {
        for (t, k) in total.iter_mut().zip(kinds_of(s)) {
            *t += k;
        }
    }
    let picked: Vec<&SessionInfo> = match req.stats_type {
        2 => sessions.iter().collect(),
        3 => sessions.iter().filter(|s| s.sn == req.sn).collect(),
        4 => sessions.iter().filter(|s| s.user == req.user).collect(),
        _ => Vec::new(),
    };
    let not_found = matches!(req.stats_type, 3 | 4) && picked.is_empty();
    let mut out = Vec::new();
    let mut chunks = picked.chunks(USERS_PER_RSP).peekable();
    let mut first = true;
    loop {
        let chunk = chunks.next().unwrap_or(&[]);
        let mut objects = if first {
            system_object(ctx, now, sessions.len(), total)
        } else {
            BytesMut::new()
        };
        for s in chunk {
            user_object(s, kinds_of(s), now, &mut objects);
        }
        out.push(Message::StatsRsp(StatsRsp {
            version: 1,
            sys_objs_cnt: u8::from(first),
            user_objs_cnt: chunk.len() as u16,
            result: if not_found {
                RESULT_NOT_FOUND
            } else {
                RESULT_OK
            },
            objects: Bytes::from(objects),
        }));
        first = false;
        if chunks.peek().is_none() {
            break;
        }
    }
    out
}

/// The KILL_RSP answering `req` (mode 1 by serial number, 2 by user name): the selected
/// sessions are asked to close.
pub fn kill(ctx: &ServerContext, req: &Kill) -> Message {
    let n = match req.mode {
        1 => ctx.registry.kill(|s| s.sn == req.sn),
        2 => ctx.registry.kill(|s| s.user == req.user),
        _ => 0,
    };
    Message::KillRsp(Kill {
        result: if n > 0 { 1 } else { 2 },
        ..req.clone()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_mask_bit_order() {
        let m = channel_mask([0u16, 63, 64, 221].into_iter());
        assert_eq!(
            u64::from_le_bytes(m[0..8].try_into().unwrap()),
            (1 << 63) | 1
        );
        assert_eq!(u64::from_le_bytes(m[8..16].try_into().unwrap()), 1 << 63);
        assert_eq!(
            u64::from_le_bytes(m[24..32].try_into().unwrap()),
            1 << (63 - 221 % 64)
        );
    }
}
