//! JSON keys of STATS RSP (spec §1.6.12, §7.2): the system object, user objects and RAD
//! anomaly objects, with C `struct timeval` fields laid out as on 64-bit Linux.

use crate::admin::StatsRsp;
use crate::ip_text::{ipv4_text, ipv6_text};
use crate::json::{utc_time, JsonOut};
use crate::wire::{byte, cstr_lossy, le_u16, le_u32, le_u64};

const SYS_OBJ_LEN: usize = 228;
const USER_OBJ_LEN: usize = 340;
const AN_OBJ_LEN: usize = 300;
const SERVER_SRA: u8 = 1;

/// Append the STATS RSP keys after `tag`/`op`; `Err` if the objects do not fit the body.
pub(crate) fn stats_rsp_keys(j: &mut JsonOut, s: &StatsRsp) -> Result<(), String> {
    j.num("version", s.version);
    j.str(
        "result",
        match s.result {
            1 => "success",
            2 => "failed: user not found",
            _ => "failed: unknown reason",
        },
    );
    let mut rest: &[u8] = &s.objects;
    let take = |rest: &mut &[u8], n: usize, what: &str| -> Result<Vec<u8>, String> {
        if rest.len() < n {
            return Err(format!("truncated {what} object"));
        }
        let (a, b) = rest.split_at(n);
        *rest = b;
        Ok(a.to_vec())
    };
    if s.sys_objs_cnt > 0 {
        let o = take(&mut rest, SYS_OBJ_LEN, "system")?;
        sys_keys(j, &o);
    }
    if s.user_objs_cnt > 0 {
        let mut arr = String::from("[");
        for i in 0..s.user_objs_cnt {
            let u = take(&mut rest, USER_OBJ_LEN, "user")?;
            if i > 0 {
                arr.push(',');
            }
            arr.push_str("\"user_obj\",");
            let mut uj = JsonOut::new();
            let an_cnt = user_keys(&mut uj, &u);
            if an_cnt > 0 {
                let mut an = String::from("[");
                for k in 0..an_cnt {
                    let a = take(&mut rest, AN_OBJ_LEN, "anomaly")?;
                    if k > 0 {
                        an.push(',');
                    }
                    an.push_str("\"an_obj\",");
                    an.push_str(&anomaly(&a));
                }
                an.push(']');
                uj.raw("anomalies", &an);
            }
            arr.push_str(&uj.finish());
        }
        arr.push(']');
        j.raw("users", &arr);
    }
    Ok(())
}

fn server_type(t: u8) -> &'static str {
    if t == SERVER_SRA {
        "sra"
    } else {
        "rad"
    }
}

/// Channels 0..=255 of a 16 × u64 mask (bit 63 − c mod 64 of word c / 64).
fn channels(mask: &[u8]) -> String {
    let mut s = String::from("[");
    for c in 0..256usize {
        let word = le_u64(mask, (c / 64) * 8);
        if (word >> (63 - c % 64)) & 1 == 1 {
            if s.len() > 1 {
                s.push(',');
            }
            s.push_str(&format!("\"ch{c}\""));
        }
    }
    s.push(']');
    s
}

fn sys_keys(j: &mut JsonOut, o: &[u8]) {
    j.raw(
        "load",
        &format!("[{},{},{}]", le_u32(o, 2), le_u32(o, 6), le_u32(o, 10)),
    );
    j.num("cpu_usage", le_u32(o, 14));
    j.num("uptime", le_u32(o, 18));
    j.num("starttime", le_u32(o, 22));
    j.num("vmsize", le_u64(o, 42));
    j.num("vmrss", le_u64(o, 50));
    j.num("thread_cnt", le_u32(o, 74));
    j.num("user_cnt", le_u16(o, 78));
    j.str("server_type", server_type(byte(o, 1)));
    if byte(o, 1) == SERVER_SRA {
        j.num("fd_sockets", le_u32(o, 26));
        j.num("fd_pipes", le_u32(o, 30));
        j.num("fd_anon_inodes", le_u32(o, 34));
        j.num("fd_other", le_u32(o, 38));
        j.num("rchar", le_u64(o, 58));
        j.num("wchar", le_u64(o, 66));
        for (i, k) in ["ipv4", "ipv6", "dns", "ch", "err"].iter().enumerate() {
            j.num(&format!("sra_{k}_watch_cnt"), le_u32(o, 80 + 4 * i));
        }
        j.raw("sra_channels", &channels(&o[100..228]));
    } else {
        j.num("rad_anomaly_cnt", le_u16(o, 80));
    }
}

fn iso(sec: u64) -> String {
    format!("{}Z", utc_time(sec as i64, 'T'))
}

/// Writes the user keys; returns the number of anomaly objects that follow (RAD).
fn user_keys(j: &mut JsonOut, u: &[u8]) -> u8 {
    let sra = byte(u, 1) == SERVER_SRA;
    j.str("server_type", server_type(byte(u, 1)));
    j.str("user", &cstr_lossy(&u[2..66]));
    j.raw("is_admin", if byte(u, 66) != 0 { "true" } else { "false" });
    j.str(
        "io_type",
        match byte(u, 67) {
            1 => "unix",
            2 => "tcp",
            3 => "apikey",
            _ => "unknown",
        },
    );
    let ip: [u8; 16] = u[75..91].try_into().unwrap_or([0; 16]);
    let addr = match byte(u, 68) {
        0 => ipv4_text([ip[0], ip[1], ip[2], ip[3]]),
        1 => ipv6_text(ip),
        _ => "unknown".to_string(),
    };
    j.str("address", &addr);
    j.num("sn", le_u32(u, 91));
    j.str("connected_since", &iso(le_u64(u, 95)));
    let rl = le_u64(u, 111);
    j.num(
        "ratelimit",
        if rl == crate::opt::RLIMIT_OFF { 0 } else { rl },
    );
    j.raw("sample", &format!("{:.2}", le_u64(u, 119) as f64));
    j.str("last_count_update", &iso(le_u64(u, 127)));
    for (i, k) in [
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
        j.num(k, le_u64(u, 143 + 8 * i));
    }
    if sra {
        for (i, k) in ["ipv4", "ipv6", "dns", "ch", "err"].iter().enumerate() {
            j.num(&format!("{k}_watch_cnt"), le_u32(u, 191 + 4 * i));
        }
        j.raw("channels", &channels(&u[211..339]));
        0
    } else {
        j.num("anomaly_count_in_flight", byte(u, 191));
        j.num("anomaly_count_total", byte(u, 192));
        byte(u, 191)
    }
}

fn anomaly(a: &[u8]) -> String {
    let mut j = JsonOut::new();
    j.str("name", &cstr_lossy(&a[..32]));
    j.str("options", &cstr_lossy(&a[32..160]));
    for (k, off) in [("ru_original", 160), ("ru_current", 164)] {
        let v = le_u32(a, off) as i32;
        if v == i32::MAX {
            j.str(k, "unlimited");
        } else {
            j.num(k, v);
        }
    }
    j.num("ru_cost", le_u32(a, 168) as i32);
    j.raw("channels", &channels(&a[172..300]));
    j.finish()
}
