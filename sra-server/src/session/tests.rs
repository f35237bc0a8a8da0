//! State-machine tests: frames in, replies out, no sockets.

use std::path::Path;
use std::sync::Arc;

use axa_proto::opt::{RateLimit, RlimitValue};
use axa_proto::{ChannelOnOff, Direction, Frame, Message, Op, Opt, User, Watch, WatchMode};

use super::core::{Next, SessionCore};
use crate::config::{Config, LoginKind};
use crate::context::ServerContext;

fn ctx() -> Arc<ServerContext> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/axa-test-suite.toml");
    ServerContext::new(Config::load(&p).unwrap())
}

fn frame(tag: u16, m: Message) -> Frame {
    m.to_frame(tag, 1, Direction::ToSra).unwrap()
}

fn send(s: &mut SessionCore, tag: u16, m: Message) -> (Next, Vec<(u16, Message)>) {
    let mut out = Vec::new();
    let n = s.handle(&frame(tag, m), 1_700_000_000, &mut out);
    (n, out)
}

fn text(m: &Message) -> (bool, u8, String) {
    match m {
        Message::Ok(r) => (true, r.orig_op, r.text.clone()),
        Message::Error(r) => (false, r.orig_op, r.text.clone()),
        other => panic!("not OK/ERROR: {other:?}"),
    }
}

fn user(name: &str) -> Message {
    Message::User(User { name: name.into() })
}

fn watch(t: &str) -> Message {
    Message::Watch(Watch::parse_text(t, WatchMode::Sra).unwrap())
}

fn login(ctx: &Arc<ServerContext>) -> SessionCore {
    let mut s = SessionCore::new(ctx.clone(), vec![LoginKind::User], None, 1_700_000_000);
    let (n, out) = send(&mut s, 0, user("valid-user"));
    assert_eq!(n, Next::Continue);
    assert_eq!(
        text(&out[0].1),
        (true, Op::User as u8, "valid-user authorized".into())
    );
    s
}

#[test]
fn hello_then_user_ok_or_invalid() {
    let c = ctx();
    let s = SessionCore::new(c.clone(), vec![LoginKind::User], None, 0);
    let Message::Hello(h) = s.hello() else {
        panic!()
    };
    assert!(h.text.starts_with("srad v"), "{}", h.text);
    assert_eq!((h.pvers_min, h.pvers_max), (1, 2));
    let mut bad = SessionCore::new(c.clone(), vec![LoginKind::User], None, 0);
    let (n, out) = send(&mut bad, 0, user("inexistent-user"));
    assert_eq!(n, Next::Close);
    let (okk, op, t) = text(&out[0].1);
    assert!(
        !okk && op == Op::User as u8 && t.starts_with("invalid"),
        "{t}"
    );
    // A listener without `user` logins refuses names.
    let mut tls = SessionCore::new(c, vec![LoginKind::Apikey], None, 0);
    assert_eq!(send(&mut tls, 0, user("valid-user")).0, Next::Close);
}

#[test]
fn requests_before_login_are_refused() {
    let mut s = SessionCore::new(ctx(), vec![LoginKind::User], None, 0);
    assert!(send(&mut s, 0, Message::Nop).1.is_empty());
    let (n, out) = send(&mut s, 1, watch("ch=221"));
    assert_eq!(n, Next::Continue);
    let (okk, op, t) = text(&out[0].1);
    assert!(!okk && op == Op::Watch as u8, "{t}");
    assert_eq!(out[0].0, 1);
}

#[test]
fn watches_channels_and_lists() {
    let c = ctx();
    let mut s = login(&c);
    let (_, out) = send(&mut s, 1, watch("ch=221"));
    assert_eq!(
        (out[0].0, text(&out[0].1)),
        (1, (true, Op::Watch as u8, "started".into()))
    );
    let (_, out) = send(&mut s, 1, watch("ch=999"));
    let (okk, _, t) = text(&out[0].1);
    assert!(!okk && t.starts_with("unknown"), "{t}");
    let (_, out) = send(&mut s, 1, watch("dns=*.google.com"));
    assert_eq!(text(&out[0].1).2, "tag 1 is already in use");
    let (_, out) = send(&mut s, 2, watch("dns=*.Google.com"));
    assert!(text(&out[0].1).0);
    let (_, out) = send(&mut s, 3, watch("ip=10.1.2.0/24"));
    assert!(text(&out[0].1).0);
    // WGET 0: all watches, then OK.
    let (_, out) = send(&mut s, 0, Message::Wget);
    let listed: Vec<String> = out
        .iter()
        .filter_map(|(_, m)| match m {
            Message::Wlist(w) => Some(format!("{} {}", w.cur_tag, w.watch)),
            _ => None,
        })
        .collect();
    assert_eq!(
        listed,
        ["1 ch=ch221", "2 dns=*.google.com.", "3 IP=10.1.2.0/24"]
    );
    assert_eq!(text(&out[3].1).2, "3 watches");
    // WGET T: the nearest at or after T.
    let (_, out) = send(&mut s, 3, Message::Wget);
    assert!(matches!(&out[0].1, Message::Wlist(w) if w.cur_tag == 3));
    let (_, out) = send(&mut s, 4, Message::Wget);
    assert!(!text(&out[0].1).0);
    // CHANNEL.
    let ch = |ch, on| Message::Channel(ChannelOnOff { ch, on });
    let (_, out) = send(&mut s, 0, ch(221, true));
    assert_eq!(
        text(&out[0].1),
        (true, Op::Channel as u8, "channel ch221 on".into())
    );
    assert!(s.subscriber().channels.is_on(221));
    let (_, out) = send(&mut s, 0, ch(999, true));
    assert!(text(&out[0].1).2.starts_with("unknown"));
    let (_, out) = send(&mut s, 0, ch(axa_proto::CH_ALL, false));
    assert_eq!(text(&out[0].1).2, "all channels off");
    assert!(!s.subscriber().channels.is_on(221));
    // CGET: one CLIST per entitled channel, then OK.
    let (_, out) = send(&mut s, 0, Message::Cget);
    assert!(matches!(&out[0].1, Message::Clist(c) if c.ch == 221 && c.spec.contains("ch221")));
    assert_eq!(text(&out[1].1).2, "1 channels");
    // STOP, ALL_STOP.
    let (_, out) = send(&mut s, 2, Message::Stop);
    assert_eq!(text(&out[0].1).2, "stopped watch 2");
    let (_, out) = send(&mut s, 2, Message::Stop);
    assert!(!text(&out[0].1).0);
    let (_, out) = send(&mut s, 0, Message::AllStop);
    assert_eq!(text(&out[0].1).2, "stopped 2 watches");
    // The index is empty again; dropping the session unregisters it.
    assert_eq!(c.index.inspect(|m| m.total_watches()), 0);
    drop(s);
    assert_eq!(c.index.snapshot().sessions().count(), 0);
}

#[test]
fn options_pause_acct() {
    let mut s = login(&ctx());
    let (_, out) = send(&mut s, 1, Message::Opt(Opt::Trace(3)));
    assert!(text(&out[0].1).0);
    let (_, out) = send(
        &mut s,
        1,
        Message::Opt(Opt::Trace(axa_proto::opt::TRACE_REQ)),
    );
    assert_eq!(out[0].1, Message::Opt(Opt::Trace(3)));
    let (_, out) = send(&mut s, 1, Message::Opt(Opt::Sample(500_000)));
    assert_eq!(out[0].1, Message::Opt(Opt::Sample(500_000)));
    let (_, out) = send(&mut s, 1, Message::Opt(Opt::Sample(0)));
    assert_eq!(out[0].1, Message::Opt(Opt::Sample(500_000)));
    let r = RateLimit::request(RlimitValue::Value(100), RlimitValue::Na);
    let (_, out) = send(&mut s, 1, Message::Opt(Opt::RateLimit(r)));
    let Message::Opt(Opt::RateLimit(got)) = &out[0].1 else {
        panic!("{out:?}")
    };
    assert_eq!(got.max_pkts_per_sec, RlimitValue::Value(100));
    assert_eq!(got.report_secs, RlimitValue::Value(10));
    let r = RateLimit::request(RlimitValue::Off, RlimitValue::Value(5));
    let (_, out) = send(&mut s, 1, Message::Opt(Opt::RateLimit(r)));
    let Message::Opt(Opt::RateLimit(got)) = &out[0].1 else {
        panic!()
    };
    assert_eq!(
        (got.max_pkts_per_sec, got.report_secs),
        (RlimitValue::Off, RlimitValue::Value(5))
    );
    let (_, out) = send(&mut s, 1, Message::Pause);
    assert_eq!(
        text(&out[0].1),
        (true, Op::Pause as u8, "output paused".into())
    );
    assert!(s.subscriber().is_paused());
    let (_, out) = send(&mut s, 1, Message::Go);
    assert!(text(&out[0].1).0 && !s.subscriber().is_paused());
    let (_, out) = send(&mut s, 1, Message::Acct);
    assert!(text(&out[0].1)
        .2
        .starts_with("total-filtered=0 total-missed=0"));
    let (_, out) = send(&mut s, 0, user("valid-user"));
    assert_eq!(text(&out[0].1).2, "already authenticated");
    let (_, out) = send(&mut s, 5, Message::MgmtGet);
    assert!(text(&out[0].1).2.contains("deprecated"));
}

#[test]
fn missed_reports_after_loss() {
    let mut s = login(&ctx());
    assert!(s.poll_missed(1_700_000_100).is_none());
    s.subscriber().counters.add_filtered(3);
    s.subscriber().counters.add_rlimit(3);
    let Some(Message::Missed(m)) = s.poll_missed(1_700_000_100) else {
        panic!()
    };
    assert_eq!((m.rlimit, m.filtered, m.last_report), (3, 3, 1_700_000_000));
    assert!(s.poll_missed(1_700_000_105).is_none());
}

#[test]
fn key_store_logins() {
    use sra_keys::{Account, KeyStore};
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/axa-test-suite.toml");
    let mut store = KeyStore::new();
    let key = store
        .add_user(Account::new("johndoe", "221,500".parse().unwrap()))
        .unwrap();
    store
        .add_plain_user(Account::new("plain", "221".parse().unwrap()))
        .unwrap();
    let c = ServerContext::with_keys(Config::load(&p).unwrap(), Some(store));
    // An API key on an apikey listener: the reply names the account, not the key.
    let mut s = SessionCore::new(c.clone(), vec![LoginKind::Apikey], None, 0);
    let (_, out) = send(&mut s, 0, user(key.as_str()));
    assert_eq!(text(&out[0].1).2, "johndoe authorized");
    let (_, out) = send(&mut s, 0, Message::Cget);
    assert!(
        matches!(&out[0].1, Message::Clist(l) if l.ch == 221),
        "unconfigured 500 not listed"
    );
    assert_eq!(text(&out[1].1).2, "1 channels");
    // A wrong key: "invalid ...", without echoing it.
    let mut s = SessionCore::new(c.clone(), vec![LoginKind::Apikey], None, 0);
    let (n, out) = send(&mut s, 0, user("00000000-0000-0000-0000-000000000000"));
    assert_eq!(
        (n, text(&out[0].1).2),
        (Next::Close, "invalid API key".to_string())
    );
    // Plain users of the store on a user listener; API keys are not accepted there.
    let mut s = SessionCore::new(c.clone(), vec![LoginKind::User], None, 0);
    assert_eq!(
        text(&send(&mut s, 0, user("plain")).1[0].1).2,
        "plain authorized"
    );
    let mut s = SessionCore::new(c, vec![LoginKind::User], None, 0);
    assert_eq!(send(&mut s, 0, user(key.as_str())).0, Next::Close);
}

#[test]
fn account_limits_from_the_key_store() {
    use sra_keys::{Account, KeyStore};
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/axa-test-suite.toml");
    let mut store = KeyStore::new();
    let mut a = Account::new("limited", "221".parse().unwrap());
    a.max_watches = Some(1);
    a.max_rate_limit = Some(50);
    a.max_sessions = Some(1);
    let key = store.add_user(a).unwrap();
    let c = ServerContext::with_keys(Config::load(&p).unwrap(), Some(store));
    let mut s = SessionCore::new(c.clone(), vec![LoginKind::Apikey], None, 0);
    assert!(text(&send(&mut s, 0, user(key.as_str())).1[0].1).0);
    assert_eq!(
        s.subscriber().limiter.max(),
        50,
        "default capped by the account"
    );
    assert!(text(&send(&mut s, 1, watch("ch=221")).1[0].1).0);
    let (_, out) = send(&mut s, 2, watch("errors"));
    assert_eq!(text(&out[0].1).2, "too many watches (at most 1)");
    let r = RateLimit::request(RlimitValue::Off, RlimitValue::Na);
    let (_, out) = send(&mut s, 1, Message::Opt(Opt::RateLimit(r)));
    let Message::Opt(Opt::RateLimit(got)) = &out[0].1 else {
        panic!()
    };
    assert_eq!(got.max_pkts_per_sec, RlimitValue::Value(50));
}

#[test]
fn admin_stats_and_kill() {
    use axa_proto::{Kill, StatsReq};
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/axa-test-suite.toml");
    let cfg = std::fs::read_to_string(p).unwrap()
        + "\n[[user]]\nname = \"root\"\nchannels = [221]\nadmin = true\n";
    let c = ServerContext::new(Config::parse(&cfg).unwrap());
    let mut s = login(&c);
    send(&mut s, 1, watch("ch=221"));
    send(&mut s, 2, watch("ip=10.0.0.0/8"));
    send(&mut s, 3, watch("dns=*.google.com"));
    send(
        &mut s,
        0,
        Message::Channel(ChannelOnOff { ch: 221, on: true }),
    );
    let req = |t: u8, user: &str| {
        Message::StatsReq(StatsReq {
            version: 1,
            stats_type: t,
            user: user.into(),
            sn: 0,
        })
    };
    // Not an admin.
    let (_, out) = send(&mut s, 7, req(2, ""));
    assert_eq!(
        text(&out[0].1),
        (false, Op::StatsReq as u8, "admin users only".into())
    );

    let mut admin = SessionCore::new(c.clone(), vec![LoginKind::User], None, 0);
    assert!(text(&send(&mut admin, 0, user("root")).1[0].1).0);
    let json = |tag: u16, m: &Message| {
        axa_proto::json::frame_to_json(&m.to_frame(tag, 1, Direction::FromSra).unwrap()).unwrap()
    };
    let (_, out) = send(&mut admin, 7, req(2, ""));
    assert_eq!(out.len(), 1);
    let Message::StatsRsp(r) = &out[0].1 else {
        panic!("{out:?}")
    };
    assert_eq!((r.sys_objs_cnt, r.user_objs_cnt, r.result), (1, 2, 1));
    let j = json(7, &out[0].1);
    for want in [
        r#""result":"success""#,
        r#""server_type":"sra""#,
        r#""user_cnt":2"#,
        r#""sra_ipv4_watch_cnt":1"#,
        r#""sra_dns_watch_cnt":1"#,
        r#""sra_ch_watch_cnt":1"#,
        r#""user":"valid-user""#,
        r#""user":"root""#,
        r#""is_admin":true"#,
        r#""io_type":"unix""#,
    ] {
        assert!(j.contains(want), "{want} missing in {j}");
    }
    let (_, out) = send(&mut admin, 8, req(4, "nobody"));
    let Message::StatsRsp(r) = &out[0].1 else {
        panic!()
    };
    assert_eq!((r.sys_objs_cnt, r.user_objs_cnt, r.result), (1, 0, 2));

    // KILL by name: the session is told to close; an unknown name is "not found".
    let kill = |user: &str| {
        Message::KillReq(Kill {
            mode: 2,
            user: user.into(),
            sn: 0,
            result: 0,
        })
    };
    let (_, out) = send(&mut admin, 9, kill("valid-user"));
    assert!(matches!(&out[0].1, Message::KillRsp(k) if k.result == 1 && k.user == "valid-user"));
    use futures::FutureExt;
    assert!(s.kill_signal().notified().now_or_never().is_some());
    let (_, out) = send(&mut admin, 9, kill("nobody"));
    assert!(matches!(&out[0].1, Message::KillRsp(k) if k.result == 2));
    drop(s);
    assert_eq!(c.registry.len(), 1);
}
