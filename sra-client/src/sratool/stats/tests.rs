use bytes::{BufMut, Bytes, BytesMut};

use super::*;

/// 2026-01-02T03:04:05Z
const T0: u64 = 1_767_323_045;

fn mask(chs: &[usize]) -> [u8; 128] {
    let mut words = [0u64; 16];
    for c in chs {
        words[c / 64] |= 1 << (63 - c % 64);
    }
    let mut m = [0u8; 128];
    for (i, w) in words.iter().enumerate() {
        m[i * 8..i * 8 + 8].copy_from_slice(&w.to_le_bytes());
    }
    m
}

fn sys_obj(fds_known: bool) -> BytesMut {
    let mut o = BytesMut::new();
    o.put_u8(1);
    o.put_u8(1);
    for l in [12_500u32, 5_000, 100] {
        o.put_u32_le(l);
    }
    o.put_u32_le(u32::MAX); // cpu
    o.put_u32_le(90_061); // uptime: 1 day 1 hour 1 minute 1 second
    o.put_u32_le(86_400); // starttime
    for v in [7u32, 2, 1, 0] {
        o.put_u32_le(if fds_known { v } else { u32::MAX });
    }
    o.put_u64_le(300 << 20);
    o.put_u64_le(2048 << 10);
    o.put_u64_le(u64::MAX);
    o.put_u64_le(42);
    o.put_u32_le(5);
    o.put_u16_le(2);
    for n in [1u32, 0, 2, 1, 0] {
        o.put_u32_le(n);
    }
    o.put_slice(&mask(&[221, 255]));
    assert_eq!(o.len(), SYS_OBJ_LEN);
    o
}

fn user_obj(name: &str, admin: bool, v6: bool) -> BytesMut {
    let mut o = BytesMut::new();
    o.put_u8(2);
    o.put_u8(1);
    let mut n = [0u8; 64];
    n[..name.len()].copy_from_slice(name.as_bytes());
    o.put_slice(&n);
    o.put_u8(u8::from(admin));
    o.put_u8(2); // tcp
    o.put_u8(u8::from(v6));
    o.put_slice(&[0; 6]);
    let mut ip = [0u8; 16];
    if v6 {
        ip[15] = 1;
    } else {
        ip[..4].copy_from_slice(&[127, 0, 0, 1]);
    }
    o.put_slice(&ip);
    o.put_u32_le(7);
    o.put_u64_le(T0 - 125);
    o.put_u64_le(0);
    o.put_u64_le(if admin { RLIMIT_OFF } else { 100 });
    o.put_u64_le(1_000_000);
    o.put_u64_le(T0);
    o.put_u64_le(0);
    for v in [10u64, 1, 0, 9, 0, 0] {
        o.put_u64_le(v);
    }
    for n in [0u32, 0, 0, 1, 0] {
        o.put_u32_le(n);
    }
    o.put_slice(&mask(&[221]));
    o.put_u8(0);
    assert_eq!(o.len(), USER_OBJ_LEN);
    o
}

fn rsp(sys: bool, users: &[BytesMut], result: u8) -> StatsRsp {
    let mut objects = BytesMut::new();
    if sys {
        objects.put_slice(&sys_obj(true));
    }
    for u in users {
        objects.put_slice(u);
    }
    StatsRsp {
        version: 1,
        sys_objs_cnt: u8::from(sys),
        user_objs_cnt: users.len() as u16,
        result,
        objects: Bytes::from(objects),
    }
}

#[test]
fn summary_with_system_object() {
    let text = stats(&rsp(true, &[], 1), T0, false);
    assert_eq!(
        text,
        "    success\n\
         \x20   server uptime   : 1 day 1 hour 1 minute 1 second\n\
         \x20   server load     : 1.25 0.50 0.01\n\
         \x20   sra sys\n\
         \x20     CPU usage     : unavailable\n\
         \x20     uptime        : 1 hour 1 minute 1 second\n\
         \x20     VM size       : 300m\n\
         \x20     VM RSS        : 2048kb\n\
         \x20     thread cnt    : 5\n\
         \x20   open file descriptors\n\
         \x20     socket        : 7\n\
         \x20     pipe          : 2\n\
         \x20     anon_inode    : 1\n\
         \x20     other         : 0\n\
         \x20   rchar           : unavailable\n\
         \x20   wchar           : 42\n\
         \x20   users           : 2\n\
         \x20   watches\n\
         \x20     ipv4 watches  : 1\n\
         \x20     ipv6 watches  : 0\n\
         \x20     dns watches   : 2\n\
         \x20     ch watches    : 1\n\
         \x20     err watches   : 0\n\
         \x20     total watches : 4\n\
         \x20   channels        : 221 255\n"
    );
}

#[test]
fn user_objects() {
    let text = stats(
        &rsp(
            false,
            &[user_obj("root", true, false), user_obj("u", false, true)],
            1,
        ),
        T0,
        true,
    );
    let expected_root = "\n    user            : root (admin)\n\
         \x20     from          : 127.0.0.1\n\
         \x20     serial number : 7\n\
         \x20     since         : 2026-01-02T03:02:00Z (2 minutes 5 seconds)\n\
         \x20     transport     : tcp\n\
         \x20     channels      : 221\n\
         \x20     ipv4 watches  : 0\n\
         \x20     ipv6 watches  : 0\n\
         \x20     dns watches   : 0\n\
         \x20     ch watches    : 1\n\
         \x20     err watches   : 0\n\
         \x20     rate-limiting : off\n\
         \x20     sampling      : 100.00%\n\
         \x20     packet counters\n\
         \x20     last updated  : 2026-01-02T03:04:05Z (<1 second)\n\
         \x20       filtered    : 10\n\
         \x20       missed      : 1\n\
         \x20       collected   : 0\n\
         \x20       sent        : 9\n\
         \x20       rlimit      : 0\n\
         \x20       congested   : 0\n";
    assert!(
        text.starts_with(&format!(
            "    stats_len       : {}b\n    success\n{expected_root}",
            5 + 2 * USER_OBJ_LEN
        )),
        "{text}"
    );
    assert!(
        text.contains("\n    user            : u (non-admin)\n      from          : ::1\n"),
        "{text}"
    );
    assert!(text.contains("      rate-limiting : 100\n"), "{text}");
}

#[test]
fn failures_and_bad_bodies() {
    assert_eq!(
        stats(&rsp(false, &[], 2), T0, false),
        "    failed, user/sn not found\n"
    );
    assert_eq!(
        stats(&rsp(false, &[], 3), T0, false),
        "    failed, unknown reason\n"
    );
    assert_eq!(
        stats(&rsp(false, &[], 9), T0, false),
        "    unknown result code\n"
    );
    let mut v2 = rsp(true, &[], 1);
    v2.version = 2;
    assert_eq!(
        stats(&v2, T0, false),
        "server returned unknown stats protocol version 2\n"
    );
    let mut two_sys = rsp(true, &[], 1);
    two_sys.sys_objs_cnt = 2;
    assert!(stats(&two_sys, T0, false).contains("too many sys objects (2 > 1)"));
    let mut many = rsp(false, &[], 1);
    many.user_objs_cnt = 51;
    assert!(stats(&many, T0, false).contains("too many user objects (51 > 50)"));
    // Announced objects missing from the body.
    let mut short = rsp(true, &[user_obj("a", false, false)], 1);
    short.user_objs_cnt = 2;
    let text = stats(&short, T0, false);
    assert!(
        text.ends_with("invalid stats response: truncated user object\n"),
        "{text}"
    );
    assert!(text.contains("user            : a (non-admin)"), "{text}");
    let mut no_sys = rsp(false, &[], 1);
    no_sys.sys_objs_cnt = 1;
    assert!(stats(&no_sys, T0, false).contains("truncated system object"));
    // A wrong object type stops the listing.
    let mut bad = user_obj("a", false, false);
    bad[0] = 9;
    let text = stats(
        &rsp(false, &[bad, user_obj("b", false, false)], 1),
        T0,
        false,
    );
    assert!(
        text.contains("expected user object, got type \"9\""),
        "{text}"
    );
    assert!(!text.contains("user            : b"), "{text}");
}

#[test]
fn rad_user_object_skips_its_anomalies() {
    let mut rad = user_obj("r", false, false);
    rad[1] = 2;
    rad[191] = 1; // one anomaly object follows
    let mut objects = BytesMut::from(&rad[..]);
    objects.put_slice(&[0u8; ANOMALY_OBJ_LEN]);
    objects.put_slice(&user_obj("s", false, false));
    let r = StatsRsp {
        version: 1,
        sys_objs_cnt: 0,
        user_objs_cnt: 2,
        result: 1,
        objects: objects.freeze(),
    };
    let text = stats(&r, T0, false);
    assert!(text.contains("      anomalies     : 1\n"), "{text}");
    assert!(text.contains("user            : s (non-admin)"), "{text}");
    assert!(!text.contains("invalid"), "{text}");
}

#[test]
fn durations() {
    assert_eq!(duration(0), "<1 second");
    assert_eq!(duration(1), "1 second");
    assert_eq!(duration(120), "2 minutes");
    assert_eq!(duration(2 * 86_400 + 3600), "2 days 1 hour");
}

#[test]
fn kill_results() {
    let k = |mode, result| Kill {
        mode,
        user: "u".into(),
        sn: 3,
        result,
    };
    assert_eq!(kill(&k(1, 1)), "    success\n");
    assert_eq!(kill(&k(1, 2)), "    failed, serial number not found\n");
    assert_eq!(kill(&k(2, 2)), "    failed, user not found\n");
    assert_eq!(kill(&k(2, 3)), "    failed, unknown reason\n");
    assert_eq!(kill(&k(2, 7)), "    unknown result code 7\n");
}
