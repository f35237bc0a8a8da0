//! sratool's text for the admin replies STATS RSP and KILL RSP (AXA spec §1.6.12), laid out
//! as sratool 3.0.2 prints them: no tag line, a result line (`    success`), then the system
//! object and one block per user object as `label : value` lines.
//!
//! Choices where libaxa is loose (all documented here, none changes a well-formed reply):
//! * Objects are bounds-checked: a body too short for the objects its header announces ends
//!   with `invalid stats response: truncated … object` instead of reading past the body.
//! * A user object of the wrong type stops the listing (libaxa prints the complaint for every
//!   remaining count without advancing).
//! * Lists of channels are separated by single spaces with no trailing blank; durations have
//!   no trailing blank either.
//! * The user object's own `server_type` chooses between the SRA part (channels, watch
//!   counts) and the RAD part (`anomalies : N`; the anomaly objects that follow are skipped,
//!   not printed — this sratool has no RAD mode).
//! * srad's own uptime is printed as libaxa computes it, `uptime − starttime` (the host's
//!   uptime minus the process start, both in seconds since boot); when `starttime` is larger
//!   (a server sending a Unix start time) it is `unavailable` rather than a wrapped number.
//! * KILL RSP results other than 1..=3 print `    unknown result code N` (libaxa prints
//!   nothing).

use std::fmt::Write;

use axa_proto::admin::KILL_MODE_SN;
use axa_proto::{Kill, StatsRsp};

use crate::utc::UtcTime;

/// Bytes of the system object.
pub const SYS_OBJ_LEN: usize = 228;
/// Bytes of a user object.
pub const USER_OBJ_LEN: usize = 340;
/// Bytes of a RAD anomaly object.
pub const ANOMALY_OBJ_LEN: usize = 300;
/// Most user objects one STATS RSP may carry.
pub const MAX_USER_OBJS: u16 = 50;
/// `AXA_RLIMIT_OFF` as a user object's rate limit.
const RLIMIT_OFF: u64 = 1_000_000_001;
const SERVER_SRA: u8 = 1;
const OBJ_SYS: u8 = 1;
const OBJ_USER: u8 = 2;

fn u16_at(b: &[u8], off: usize) -> u16 {
    b.get(off..off + 2)
        .and_then(|s| s.try_into().ok())
        .map_or(0, u16::from_le_bytes)
}

fn u32_at(b: &[u8], off: usize) -> u32 {
    b.get(off..off + 4)
        .and_then(|s| s.try_into().ok())
        .map_or(0, u32::from_le_bytes)
}

fn u64_at(b: &[u8], off: usize) -> u64 {
    b.get(off..off + 8)
        .and_then(|s| s.try_into().ok())
        .map_or(0, u64::from_le_bytes)
}

fn byte_at(b: &[u8], off: usize) -> u8 {
    b.get(off).copied().unwrap_or(0)
}

/// `N days N hours N minutes N seconds` (singular for 1, zero parts left out), or
/// `<1 second`.
pub fn duration(secs: u64) -> String {
    let parts = [
        (secs / 86_400, "day"),
        (secs / 3600 % 24, "hour"),
        (secs / 60 % 60, "minute"),
        (secs % 60, "second"),
    ];
    let words: Vec<String> = parts
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, unit)| format!("{n} {unit}{}", if *n == 1 { "" } else { "s" }))
        .collect();
    if words.is_empty() {
        "<1 second".to_owned()
    } else {
        words.join(" ")
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ`.
fn iso(unix: u64) -> String {
    let t = UtcTime::from_unix(i64::try_from(unix).unwrap_or(i64::MAX / 2));
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year, t.month, t.day, t.hour, t.minute, t.second
    )
}

/// The channels 0..=255 set in a 16 × u64 mask (bit 63 − c mod 64 of word c / 64), or
/// `none`.
fn channels(mask: &[u8]) -> String {
    let on: Vec<String> = (0..256usize)
        .filter(|c| (u64_at(mask, c / 64 * 8) >> (63 - c % 64)) & 1 == 1)
        .map(|c| c.to_string())
        .collect();
    if on.is_empty() {
        "none".to_owned()
    } else {
        on.join(" ")
    }
}

fn or_unavailable<T: std::fmt::Display>(v: T, unavailable: bool) -> String {
    if unavailable {
        "unavailable".to_owned()
    } else {
        v.to_string()
    }
}

/// A STATS RSP as sratool prints it; `now` (Unix seconds) is used for the "(… ago)" parts
/// and `debug` adds the body length line. Ends with a newline.
pub fn stats(rsp: &StatsRsp, now: u64, debug: bool) -> String {
    let mut s = String::new();
    if rsp.version != 1 {
        let _ = writeln!(
            s,
            "server returned unknown stats protocol version {}",
            rsp.version
        );
        return s;
    }
    if debug {
        let _ = writeln!(s, "    stats_len       : {}b", rsp.encoded_len());
    }
    match rsp.result {
        1 => s.push_str("    success\n"),
        2 => return s + "    failed, user/sn not found\n",
        3 => return s + "    failed, unknown reason\n",
        _ => return s + "    unknown result code\n",
    }
    if rsp.sys_objs_cnt > 1 {
        let _ = writeln!(
            s,
            "invalid stats response: too many sys objects ({} > 1)",
            rsp.sys_objs_cnt
        );
        return s;
    }
    if rsp.user_objs_cnt > MAX_USER_OBJS {
        let _ = writeln!(
            s,
            "invalid stats response: too many user objects ({} > {MAX_USER_OBJS})",
            rsp.user_objs_cnt
        );
        return s;
    }
    let mut rest: &[u8] = &rsp.objects;
    let mut take = |n: usize| {
        let (obj, tail) = rest.split_at_checked(n)?;
        rest = tail;
        Some(obj)
    };
    if rsp.sys_objs_cnt == 1 {
        match take(SYS_OBJ_LEN) {
            Some(o) => system(&mut s, o),
            None => return s + "invalid stats response: truncated system object\n",
        }
    }
    for _ in 0..rsp.user_objs_cnt {
        let Some(u) = take(USER_OBJ_LEN) else {
            return s + "invalid stats response: truncated user object\n";
        };
        match user(&mut s, u, now) {
            Some(0) => {}
            Some(an) => {
                if take(ANOMALY_OBJ_LEN * usize::from(an)).is_none() {
                    return s + "invalid stats response: truncated anomaly object\n";
                }
            }
            None => break,
        }
    }
    s
}

fn system(s: &mut String, o: &[u8]) {
    if byte_at(o, 0) != OBJ_SYS {
        let _ = writeln!(
            s,
            "expected system/server stats, got type \"{}\"",
            byte_at(o, 0)
        );
        return;
    }
    let uptime = u32_at(o, 18);
    let starttime = u32_at(o, 22);
    let _ = writeln!(
        s,
        "    server uptime   : {}",
        or_unavailable(duration(u64::from(uptime)), uptime == u32::MAX)
    );
    let load = [u32_at(o, 2), u32_at(o, 6), u32_at(o, 10)];
    if load.iter().all(|l| *l == u32::MAX) {
        s.push_str("    server load     : unavailable\n");
    } else {
        let [a, b, c] = load.map(|l| f64::from(l) * 0.0001);
        let _ = writeln!(s, "    server load     : {a:.2} {b:.2} {c:.2}");
    }
    let sra = byte_at(o, 1) == SERVER_SRA;
    let _ = writeln!(s, "    {} sys", if sra { "sra" } else { "rad" });
    let cpu = u32_at(o, 14);
    let _ = writeln!(
        s,
        "      CPU usage     : {}",
        or_unavailable(format!("{:.2}%", f64::from(cpu) * 0.0001), cpu == u32::MAX)
    );
    let age = uptime.checked_sub(starttime).map(u64::from);
    let _ = writeln!(
        s,
        "      uptime        : {}",
        match age {
            Some(a) if starttime != u32::MAX => duration(a),
            _ => "unavailable".to_owned(),
        }
    );
    let (vmsize, vmrss) = (u64_at(o, 42), u64_at(o, 50));
    let _ = writeln!(
        s,
        "      VM size       : {}",
        or_unavailable(format!("{}m", vmsize / (1024 * 1024)), vmsize == u64::MAX)
    );
    let _ = writeln!(
        s,
        "      VM RSS        : {}",
        or_unavailable(format!("{}kb", vmrss / 1024), vmrss == u64::MAX)
    );
    let threads = u32_at(o, 74);
    let _ = writeln!(
        s,
        "      thread cnt    : {}",
        or_unavailable(threads, threads == u32::MAX)
    );
    if sra {
        s.push_str("    open file descriptors\n");
        for (label, off) in [
            ("socket", 26),
            ("pipe", 30),
            ("anon_inode", 34),
            ("other", 38),
        ] {
            let v = u32_at(o, off);
            let _ = writeln!(s, "      {label:<14}: {}", or_unavailable(v, v == u32::MAX));
        }
        for (label, off) in [("rchar", 58), ("wchar", 66)] {
            let v = u64_at(o, off);
            let _ = writeln!(s, "    {label:<16}: {}", or_unavailable(v, v == u64::MAX));
        }
    }
    let _ = writeln!(s, "    users           : {}", u16_at(o, 78));
    if sra {
        s.push_str("    watches\n");
        let mut total = 0u64;
        for (i, kind) in ["ipv4", "ipv6", "dns", "ch", "err"].iter().enumerate() {
            let n = u32_at(o, 80 + 4 * i);
            total += u64::from(n);
            let _ = writeln!(s, "      {:<14}: {n}", format!("{kind} watches"));
        }
        let _ = writeln!(s, "      total watches : {total}");
        let _ = writeln!(s, "    channels        : {}", channels(&o[100..]));
    } else {
        let _ = writeln!(s, "      anomalies     : {}", u16_at(o, 80));
    }
}

/// Prints one user object; `Some(n)` = n RAD anomaly objects follow it, `None` = not a user
/// object (stop).
fn user(s: &mut String, u: &[u8], now: u64) -> Option<u8> {
    if byte_at(u, 0) != OBJ_USER {
        let _ = writeln!(s, "expected user object, got type \"{}\"", byte_at(u, 0));
        return None;
    }
    let name_bytes = &u[2..66];
    let end = name_bytes.iter().position(|b| *b == 0).unwrap_or(64);
    let name = String::from_utf8_lossy(&name_bytes[..end]);
    let admin = if byte_at(u, 66) == 1 {
        "admin"
    } else {
        "non-admin"
    };
    let _ = writeln!(s, "\n    user            : {name} ({admin})");
    let ip = &u[75..91];
    let from = match byte_at(u, 68) {
        0 => std::net::Ipv4Addr::new(ip[0], ip[1], ip[2], ip[3]).to_string(),
        1 => {
            let mut a = [0u8; 16];
            a.copy_from_slice(ip);
            std::net::Ipv6Addr::from(a).to_string()
        }
        _ => "unknown".to_owned(),
    };
    let _ = writeln!(s, "      from          : {from}");
    let _ = writeln!(s, "      serial number : {}", u32_at(u, 91));
    let since = u64_at(u, 95);
    let _ = writeln!(
        s,
        "      since         : {} ({})",
        iso(since),
        duration(now.saturating_sub(since))
    );
    let transport = match byte_at(u, 67) {
        1 => "unix",
        2 => "tcp",
        3 => "apikey",
        _ => "unknown",
    };
    let _ = writeln!(s, "      transport     : {transport}");
    let anomalies = if byte_at(u, 1) == SERVER_SRA {
        let _ = writeln!(s, "      channels      : {}", channels(&u[211..339]));
        for (i, kind) in ["ipv4", "ipv6", "dns", "ch", "err"].iter().enumerate() {
            let _ = writeln!(
                s,
                "      {:<14}: {}",
                format!("{kind} watches"),
                u32_at(u, 191 + 4 * i)
            );
        }
        0
    } else {
        let n = byte_at(u, 191);
        let _ = writeln!(s, "      anomalies     : {n}");
        n
    };
    let rl = u64_at(u, 111);
    let _ = writeln!(
        s,
        "      rate-limiting : {}",
        if rl == RLIMIT_OFF {
            "off".to_owned()
        } else {
            rl.to_string()
        }
    );
    let _ = writeln!(
        s,
        "      sampling      : {:.2}%",
        u64_at(u, 119) as f64 * 0.0001
    );
    s.push_str("      packet counters\n");
    let updated = u64_at(u, 127);
    let _ = writeln!(
        s,
        "      last updated  : {} ({})",
        iso(updated),
        duration(now.saturating_sub(updated))
    );
    for (i, label) in [
        "filtered",
        "missed",
        "collected",
        "sent",
        "rlimit",
        "congested",
    ]
    .iter()
    .enumerate()
    {
        let _ = writeln!(s, "        {label:<12}: {}", u64_at(u, 143 + 8 * i));
    }
    Some(anomalies)
}

/// A KILL RSP as sratool prints it (one line, with its newline).
pub fn kill(k: &Kill) -> String {
    match k.result {
        1 => "    success\n".to_owned(),
        2 => format!(
            "    failed, {} not found\n",
            if k.mode == KILL_MODE_SN {
                "serial number"
            } else {
                "user"
            }
        ),
        3 => "    failed, unknown reason\n".to_owned(),
        n => format!("    unknown result code {n}\n"),
    }
}

#[cfg(test)]
mod tests;
