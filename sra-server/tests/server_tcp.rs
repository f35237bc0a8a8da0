//! End-to-end over real sockets (127.0.0.1 and a UNIX socket): the reference with-server
//! test sequence of spec §9.1 against the `axa-test-suite.toml` set-up on an ephemeral port.

use std::path::Path;
use std::time::Duration;

use axa_proto::whit::Whit;
use axa_proto::{
    AxaCodec, ChannelOnOff, Direction, Frame, Message, Op, Opt, User, Watch, WatchMode,
};
use futures::{SinkExt, StreamExt};
use sra_server::config::Config;
use sra_server::server::Server;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_util::codec::Framed;

fn config(extra: &str) -> Config {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/axa-test-suite.toml");
    let text = std::fs::read_to_string(p)
        .unwrap()
        .replace("127.0.0.1:9999", "127.0.0.1:0");
    Config::parse(&format!("{text}\n{extra}")).unwrap()
}

struct Client<S> {
    io: Framed<S, AxaCodec>,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Client<S> {
    fn new(s: S) -> Self {
        Client {
            io: Framed::new(s, AxaCodec::new(Direction::FromSra)),
        }
    }

    async fn send(&mut self, tag: u16, m: Message) {
        let f = m.to_frame(tag, 1, Direction::ToSra).unwrap();
        self.io.send(f).await.unwrap();
    }

    async fn recv(&mut self) -> Option<Frame> {
        tokio::time::timeout(Duration::from_secs(10), self.io.next())
            .await
            .expect("server answered within 10 s")
            .map(|r| r.unwrap())
    }

    /// The next frame that is not a WHIT, MISSED or NOP.
    async fn reply(&mut self) -> (u16, Message) {
        loop {
            let f = self.recv().await.expect("connection open");
            let m = f.message().unwrap();
            if !matches!(m, Message::Whit(_) | Message::Missed(_) | Message::Nop) {
                return (f.tag(), m);
            }
        }
    }
}

fn result(m: &Message) -> (bool, u8, &str) {
    match m {
        Message::Ok(r) => (true, r.orig_op, &r.text),
        Message::Error(r) => (false, r.orig_op, &r.text),
        other => panic!("expected OK/ERROR, got {other:?}"),
    }
}

fn watch(t: &str) -> Message {
    Message::Watch(Watch::parse_text(t, WatchMode::Sra).unwrap())
}

async fn login<S: AsyncRead + AsyncWrite + Unpin>(c: &mut Client<S>, name: &str) -> Message {
    c.send(0, Message::User(User { name: name.into() })).await;
    let Message::Hello(h) = c.recv().await.unwrap().message().unwrap() else {
        panic!("HELLO first")
    };
    assert!(h.text.contains("srad"), "{}", h.text);
    c.reply().await.1
}

#[tokio::test]
async fn reference_test_sequence_over_tcp() {
    let server = Server::start(config("")).await.unwrap();
    let addr = server.tcp_addrs[0];

    // 001010: an unknown user gets ERROR USER invalid..., and the connection closes.
    let mut bad = Client::new(tokio::net::TcpStream::connect(addr).await.unwrap());
    let m = login(&mut bad, "inexistent-user").await;
    let (ok, op, text) = result(&m);
    assert!(
        !ok && op == Op::User as u8 && text.starts_with("invalid"),
        "{text}"
    );
    assert!(bad.recv().await.is_none(), "closed after a failed USER");

    // 001000 .. 001060 on one connection.
    let mut c = Client::new(tokio::net::TcpStream::connect(addr).await.unwrap());
    let m = login(&mut c, "valid-user").await;
    assert_eq!(result(&m), (true, Op::User as u8, "valid-user authorized"));
    c.send(0, Message::Cget).await;
    let (_, m) = c.reply().await;
    assert!(
        matches!(m, Message::Clist(ref l) if l.ch == 221 && !l.on),
        "{m:?}"
    );
    assert!(result(&c.reply().await.1).0);
    c.send(1, watch("ch=221")).await;
    let (tag, m) = c.reply().await;
    assert_eq!((tag, result(&m)), (1, (true, Op::Watch as u8, "started")));
    c.send(2, watch("ch=999")).await;
    let (tag, m) = c.reply().await;
    let (ok, _, text) = result(&m);
    assert!(tag == 2 && !ok && text.starts_with("unknown"), "{text}");
    c.send(3, watch("dns=*.google.com")).await;
    assert!(result(&c.reply().await.1).0);
    c.send(0, Message::Channel(ChannelOnOff { ch: 221, on: true }))
        .await;
    assert_eq!(
        result(&c.reply().await.1),
        (true, Op::Channel as u8, "channel ch221 on")
    );

    // Hits arrive on ch221 with the lowest matching tag (the channel watch, tag 1).
    let mut hits = 0;
    while hits < 5 {
        let f = c.recv().await.unwrap();
        if let Message::Whit(Whit::Nmsg(w)) = f.message().unwrap() {
            assert_eq!((f.tag(), w.ch, w.vid, w.msgtype), (1, 221, 2, 1));
            assert_eq!(&w.container[..6], b"NMSG\x00\x02");
            hits += 1;
        }
    }
    c.send(0, Message::Channel(ChannelOnOff { ch: 221, on: false }))
        .await;
    assert!(result(&c.reply().await.1).0);
    c.send(9, Message::Acct).await;
    let (tag, m) = c.reply().await;
    let (ok, op, text) = result(&m);
    assert!(tag == 9 && ok && op == Op::Acct as u8, "{text}");
    assert!(
        text.starts_with("total-filtered=") && !text.contains("total-sent=0 "),
        "{text}"
    );

    // Only the dns watch: ch221 names under google.com arrive with tag 3.
    c.send(1, Message::Stop).await;
    assert!(result(&c.reply().await.1).0);
    c.send(0, Message::Channel(ChannelOnOff { ch: 221, on: true }))
        .await;
    assert!(result(&c.reply().await.1).0);
    loop {
        let f = c.recv().await.unwrap();
        if let Message::Whit(Whit::Nmsg(_)) = f.message().unwrap() {
            assert_eq!(f.tag(), 3);
            break;
        }
    }
    let idx = server.context().index.clone();
    drop(c);
    // The session's watches leave the index once the server notices the close.
    for _ in 0..100 {
        if idx.inspect(|m| m.total_watches()) == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(idx.inspect(|m| m.total_watches()), 0);
}

#[tokio::test]
async fn unix_socket_listener() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("srad.sock");
    let server = Server::start(config(&format!(
        "[[listener]]\nkind = \"unix\"\naddress = \"{}\"\n",
        path.display()
    )))
    .await
    .unwrap();
    let mut c = Client::new(tokio::net::UnixStream::connect(&path).await.unwrap());
    let m = login(&mut c, "valid-user").await;
    assert!(result(&m).0);
    c.send(5, Message::Pause).await;
    assert_eq!(
        result(&c.reply().await.1),
        (true, Op::Pause as u8, "output paused")
    );
    drop(server);
}

#[tokio::test]
async fn apikey_login_over_tls() {
    use sra_keys::{Account, KeyAlgorithm, KeyStore, SelfSigned};
    let dir = tempfile::tempdir().unwrap();
    let cert = SelfSigned::generate(&["127.0.0.1".to_string()], KeyAlgorithm::EcdsaP256).unwrap();
    let (cert_path, key_path) = cert.write_files(dir.path()).unwrap();
    let mut store = KeyStore::new();
    let key = store
        .add_user(Account::new("johndoe", "221".parse().unwrap()))
        .unwrap();
    let store_path = dir.path().join("keys.toml");
    store.save(&store_path).unwrap();
    let cfg = Config::parse(&format!(
        "[server]\nkey_store = {:?}\n[tls]\ncert = {:?}\nkey = {:?}\n\
         [[listener]]\nkind = \"tls\"\naddress = \"127.0.0.1:0\"\n\
         [[channel]]\nnumber = 221\nsource = {{ kind = \"generator\", generator = \"newdomain\", rate = 100, seed = 1 }}\n",
        store_path, cert_path, key_path
    ))
    .unwrap();
    let server = Server::start(cfg).await.unwrap();

    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert.cert_der.clone()).unwrap();
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let client = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(std::sync::Arc::new(client));
    let tcp = tokio::net::TcpStream::connect(server.tcp_addrs[0])
        .await
        .unwrap();
    let name = rustls::pki_types::ServerName::IpAddress(
        "127.0.0.1".parse::<std::net::IpAddr>().unwrap().into(),
    );
    let tls = connector.connect(name, tcp).await.unwrap();
    let mut c = Client::new(tls);
    let m = login(&mut c, key.as_str()).await;
    assert_eq!(result(&m), (true, Op::User as u8, "johndoe authorized"));
    // OPT SNDBUF reaches the TCP socket under TLS.
    assert_eq!(sndbuf(&mut c, 65536).await, expected_sndbuf(65536));
    c.send(1, watch("ch=221")).await;
    assert!(result(&c.reply().await.1).0);
    c.send(0, Message::Channel(ChannelOnOff { ch: 221, on: true }))
        .await;
    assert!(result(&c.reply().await.1).0);
    loop {
        let f = c.recv().await.unwrap();
        if let Message::Whit(Whit::Nmsg(w)) = f.message().unwrap() {
            assert_eq!((f.tag(), w.ch, w.vid, w.msgtype), (1, 221, 2, 5));
            break;
        }
    }
    // A wrong key over TLS: ERROR USER invalid..., then the server closes.
    let tcp = tokio::net::TcpStream::connect(server.tcp_addrs[0])
        .await
        .unwrap();
    let name = rustls::pki_types::ServerName::IpAddress(
        "127.0.0.1".parse::<std::net::IpAddr>().unwrap().into(),
    );
    let mut bad = Client::new(connector.connect(name, tcp).await.unwrap());
    let m = login(&mut bad, "not-a-key").await;
    let (ok, _, text) = result(&m);
    assert!(!ok && text == "invalid API key", "{text}");
}

/// Sends OPT SNDBUF `v` and returns the size in the OPT reply.
async fn sndbuf<S: AsyncRead + AsyncWrite + Unpin>(c: &mut Client<S>, v: u32) -> u32 {
    c.send(4, Message::Opt(Opt::Sndbuf(v))).await;
    match c.reply().await {
        (4, Message::Opt(Opt::Sndbuf(n))) => n,
        other => panic!("expected OPT SNDBUF, got {other:?}"),
    }
}

/// What the kernel reports after `SO_SNDBUF = v`: Linux doubles it (bookkeeping overhead).
fn expected_sndbuf(v: u32) -> u32 {
    if cfg!(target_os = "linux") {
        2 * v
    } else {
        v
    }
}

#[tokio::test]
async fn opt_sndbuf_changes_the_server_socket() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("srad.sock");
    let server = Server::start(config(&format!(
        "[[listener]]\nkind = \"unix\"\naddress = \"{}\"\n",
        path.display()
    )))
    .await
    .unwrap();
    let mut c = Client::new(
        tokio::net::TcpStream::connect(server.tcp_addrs[0])
            .await
            .unwrap(),
    );
    assert!(result(&login(&mut c, "valid-user").await).0);
    // The query answers the socket's real size (never 0), a change answers the new size.
    let before = sndbuf(&mut c, 0).await;
    assert!(before >= 1024, "{before}");
    let want = if before == 2 * 24576 { 32768 } else { 24576 };
    assert_eq!(sndbuf(&mut c, want).await, expected_sndbuf(want));
    assert_eq!(sndbuf(&mut c, 0).await, expected_sndbuf(want));
    // Below the 1024-byte minimum the server asks for 1024 (the kernel may round up).
    assert!(sndbuf(&mut c, 1).await >= 1024);
    // The session goes on streaming normally afterwards.
    c.send(1, watch("ch=221")).await;
    assert!(result(&c.reply().await.1).0);

    // UNIX sockets have a send buffer too.
    let mut u = Client::new(tokio::net::UnixStream::connect(&path).await.unwrap());
    assert!(result(&login(&mut u, "valid-user").await).0);
    assert_eq!(sndbuf(&mut u, 65536).await, expected_sndbuf(65536));
}

#[tokio::test]
async fn opt_trace_sends_trace_lines_as_ok_with_orig_op_ok() {
    let server = Server::start(config("")).await.unwrap();
    let mut c = Client::new(
        tokio::net::TcpStream::connect(server.tcp_addrs[0])
            .await
            .unwrap(),
    );
    assert!(result(&login(&mut c, "valid-user").await).0);
    // As sratunnel -t 3 does: OPT TRACE (tag 1) must be answered with OK, not OPT.
    c.send(1, Message::Opt(Opt::Trace(3))).await;
    assert_eq!(
        c.reply().await,
        (
            1,
            Message::Ok(axa_proto::ResultMsg::new(Op::Opt, "trace level 3"))
        )
    );
    c.send(2, watch("ch=221")).await;
    assert_eq!(
        result(&c.reply().await.1),
        (true, Op::Watch as u8, "started")
    );
    let (tag, m) = c.reply().await;
    assert_eq!(tag, 0);
    assert_eq!(
        result(&m),
        (
            true,
            Op::Ok as u8,
            "watches: 1 (ipv4 0, ipv6 0, dns 0, channel 1, errors 0); channels on: none"
        )
    );
    c.send(3, Message::Channel(ChannelOnOff { ch: 221, on: true }))
        .await;
    assert!(result(&c.reply().await.1).0);
    let (_, m) = c.reply().await;
    assert!(result(&m).2.ends_with("channels on: ch221"), "{m:?}");
    // While streaming: status lines once a second, only as OK(orig_op OK) with tag 0, and
    // never an unsolicited ERROR or OPT.
    let mut status = 0;
    let mut hits = 0;
    while status < 2 {
        let f = c.recv().await.unwrap();
        match f.message().unwrap() {
            Message::Whit(_) => hits += 1,
            Message::Missed(_) | Message::Nop => {}
            Message::Ok(r) if r.orig_op == Op::Ok as u8 && f.tag() == 0 => {
                if r.text.starts_with("status: considered ") {
                    status += 1;
                }
            }
            other => panic!("unexpected while streaming: {other:?}"),
        }
    }
    assert!(hits > 0);
    // The query answers with OPT TRACE; level 0 stops the lines.
    c.send(4, Message::Opt(Opt::Trace(axa_proto::opt::TRACE_REQ)))
        .await;
    assert_eq!(c.reply().await, (4, Message::Opt(Opt::Trace(3))));
    c.send(5, Message::Opt(Opt::Trace(0))).await;
    assert!(result(&c.reply().await.1).0);
    c.send(6, Message::Channel(ChannelOnOff { ch: 221, on: false }))
        .await;
    let (tag, m) = c.reply().await;
    assert_eq!(
        (tag, result(&m).0),
        (6, true),
        "no trace line after level 0"
    );
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().unwrap())
}

/// Channel c is bit 63 − c mod 64 of little-endian word c / 64 (spec §1.6.12).
fn mask_has(mask: &[u8], c: usize) -> bool {
    u64_at(mask, c / 64 * 8) & (1 << (63 - c % 64)) != 0
}

#[tokio::test]
async fn admin_stats_reports_process_and_session_figures() {
    let server = Server::start(config(
        "[[user]]\nname = \"admin\"\nchannels = [221]\nadmin = true\n",
    ))
    .await
    .unwrap();
    let addr = server.tcp_addrs[0];
    let mut u = Client::new(tokio::net::TcpStream::connect(addr).await.unwrap());
    assert!(result(&login(&mut u, "valid-user").await).0);
    for (tag, w) in [(1, "ch=221"), (2, "dns=*.google.com")] {
        u.send(tag, watch(w)).await;
        assert!(result(&u.reply().await.1).0);
    }
    u.send(3, Message::Channel(ChannelOnOff { ch: 221, on: true }))
        .await;
    assert!(result(&u.reply().await.1).0);
    let mut hits = 0;
    while hits < 3 {
        if let Message::Whit(_) = u.recv().await.unwrap().message().unwrap() {
            hits += 1;
        }
    }
    // A plain user is refused.
    u.send(4, Message::StatsReq(stats_req(2))).await;
    let (ok, op, _) = result(&u.reply().await.1);
    assert!(!ok && op == Op::StatsReq as u8);

    // CPU time is counted in 10 ms ticks: make sure this young process has some.
    let spin = std::time::Instant::now();
    let mut x = 0u64;
    while spin.elapsed() < Duration::from_millis(200) {
        x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(7));
    }
    let mut a = Client::new(tokio::net::TcpStream::connect(addr).await.unwrap());
    assert!(result(&login(&mut a, "admin").await).0);
    a.send(7, Message::StatsReq(stats_req(2))).await;
    let (tag, m) = a.reply().await;
    let Message::StatsRsp(r) = m else {
        panic!("expected STATS_RSP, got {m:?}")
    };
    assert_eq!((tag, r.version, r.result), (7, 1, 1));
    assert_eq!((r.sys_objs_cnt, r.user_objs_cnt), (1, 2));
    let b = &r.objects[..];
    assert_eq!(b.len(), 228 + 2 * 340);
    // The system object.
    assert_eq!((b[0], b[1]), (1, 1));
    let (cpu, uptime, start) = (u32_at(b, 14), u32_at(b, 18), u32_at(b, 22));
    assert!(cpu > 0 && cpu != u32::MAX, "cpu_usage {cpu}");
    // uptime is the host's, start the process start since boot: their difference is the
    // server's age, as sratool computes it.
    let host_up: f64 = std::fs::read_to_string("/proc/uptime")
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        uptime.abs_diff(host_up as u32) <= 2,
        "uptime {uptime} vs host {host_up}"
    );
    assert!(
        start <= uptime && uptime - start < 600,
        "age {}",
        uptime - start
    );
    let fds = [26, 30, 34, 38].map(|at| u32_at(b, at));
    assert!(fds.iter().all(|n| *n != u32::MAX), "{fds:?}");
    // The listener and both ends of the two connections live in this process.
    assert!(fds[0] >= 5, "fd_sockets {}", fds[0]);
    assert!(
        fds[2] >= 1,
        "tokio's epoll/eventfd are anon inodes: {fds:?}"
    );
    let (vmsize, vmrss, rchar, wchar) =
        (u64_at(b, 42), u64_at(b, 50), u64_at(b, 58), u64_at(b, 66));
    assert!(
        vmsize != u64::MAX && vmsize > vmrss && vmrss > 1 << 20,
        "{vmsize} {vmrss}"
    );
    assert!(
        rchar > 0 && rchar != u64::MAX && wchar != u64::MAX,
        "{rchar} {wchar}"
    );
    assert!((2..10_000).contains(&u32_at(b, 74)), "thread_cnt");
    assert_eq!(u16::from_le_bytes([b[78], b[79]]), 2, "user_cnt");
    let kinds: Vec<u32> = (0..5).map(|i| u32_at(b, 80 + 4 * i)).collect();
    assert_eq!(kinds, [0, 0, 1, 1, 0], "ipv4, ipv6, dns, ch, err watches");
    assert!(mask_has(&b[100..228], 221) && !mask_has(&b[100..228], 220));
    // The valid-user object.
    let users: Vec<&[u8]> = b[228..].chunks(340).collect();
    let o = users
        .iter()
        .find(|o| o[2..12] == *b"valid-user" && o[12] == 0)
        .expect("valid-user in the list");
    assert_eq!((o[0], o[1], o[66], o[67], o[68]), (2, 1, 0, 2, 0));
    assert_eq!(&o[75..79], &[127, 0, 0, 1]);
    assert_eq!(u64_at(o, 111), 1_000_000_001, "rate limit off");
    assert_eq!(u64_at(o, 119), 1_000_000, "sampling 100 %");
    let (filtered, sent) = (u64_at(o, 143), u64_at(o, 167));
    assert!(filtered >= 3 && sent >= 3, "{filtered} {sent}");
    let kinds: Vec<u32> = (0..5).map(|i| u32_at(o, 191 + 4 * i)).collect();
    assert_eq!(kinds, [0, 0, 1, 1, 0]);
    assert!(mask_has(&o[211..339], 221), "channel 221 on");
    let admin = users.iter().find(|o| o[2..7] == *b"admin").unwrap();
    assert_eq!(admin[66], 1, "is_admin");
}

fn stats_req(stats_type: u8) -> axa_proto::StatsReq {
    axa_proto::StatsReq {
        version: 1,
        stats_type,
        user: String::new(),
        sn: 0,
    }
}

/// The `key=value` pairs of an ACCT text.
fn acct(text: &str) -> std::collections::HashMap<String, u64> {
    text.split_whitespace()
        .filter_map(|w| w.split_once('='))
        .map(|(k, v)| (k.to_string(), v.parse().unwrap()))
        .collect()
}

#[tokio::test]
async fn acct_adds_the_sampled_out_total_only_when_sampling_held_hits_back() {
    let server = Server::start(config("")).await.unwrap();
    let addr = server.tcp_addrs[0];
    let mut full = Client::new(tokio::net::TcpStream::connect(addr).await.unwrap());
    let mut half = Client::new(tokio::net::TcpStream::connect(addr).await.unwrap());
    for c in [&mut full, &mut half] {
        assert!(result(&login(c, "valid-user").await).0);
    }
    half.send(1, Message::Opt(Opt::Sample(500_000))).await;
    assert_eq!(half.reply().await, (1, Message::Opt(Opt::Sample(500_000))));
    for c in [&mut full, &mut half] {
        c.send(2, watch("ch=221")).await;
        assert!(result(&c.reply().await.1).0);
        c.send(3, Message::Channel(ChannelOnOff { ch: 221, on: true }))
            .await;
        assert!(result(&c.reply().await.1).0);
    }
    // ch221 carries 100 payloads a second; half the session's share is held back.
    let mut hits = 0;
    while hits < 20 {
        if let Message::Whit(_) = half.recv().await.unwrap().message().unwrap() {
            hits += 1;
        }
    }
    half.send(9, Message::Acct).await;
    let (_, m) = half.reply().await;
    let (ok, op, text) = result(&m);
    assert!(ok && op == Op::Acct as u8);
    let (first, second) = text.split_once('\n').unwrap();
    assert!(
        first.starts_with("total-filtered=") && first.contains(" total-collected=0 "),
        "{text}"
    );
    assert!(
        second.starts_with("    total-ratelimited=0 total-congested=")
            && second.contains(" total-sampled="),
        "{text}"
    );
    let a = acct(text);
    let sampled = a["total-sampled"];
    assert!(sampled > 0, "{text}");
    let accounted = a["total-sent"] + a["total-ratelimited"] + a["total-congested"] + sampled;
    assert!(accounted <= a["total-filtered"], "{text}");

    // Without sampling the text is the reference format, with no extra key.
    full.send(9, Message::Acct).await;
    let (_, m) = full.reply().await;
    let text = result(&m).2;
    assert!(!text.contains("total-sampled"), "{text}");
    let keys: Vec<&str> = text
        .split_whitespace()
        .filter_map(|w| w.split_once('=').map(|(k, _)| k))
        .collect();
    assert_eq!(
        keys,
        [
            "total-filtered",
            "total-missed",
            "total-collected",
            "total-sent",
            "total-ratelimited",
            "total-congested"
        ]
    );
    assert!(text.contains("\n    total-ratelimited="), "{text}");
}
