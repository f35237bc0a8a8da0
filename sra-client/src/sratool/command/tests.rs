//! The command language, including the reference distribution's CLI tests (spec §9.2).

use super::*;

fn one(line: &str) -> Tagged {
    let mut v = parse_line(line);
    assert_eq!(v.len(), 1, "{line:?} -> {v:?}");
    v.remove(0).unwrap_or_else(|e| panic!("{line:?}: {e}"))
}

fn cmd(line: &str) -> Command {
    one(line).command
}

fn err(line: &str) -> CommandError {
    match parse_line(line).pop() {
        Some(Err(e)) => e,
        other => panic!("{line:?} parsed: {other:?}"),
    }
}

#[test]
fn acceptance_test_scripts() {
    assert_eq!(
        cmd("connect tcp:valid-user@127.0.0.1,9999"),
        Command::Connect(Some("tcp:valid-user@127.0.0.1,9999".into()))
    );
    assert_eq!(cmd("sleep 1"), Command::Sleep(Duration::from_secs(1)));
    assert_eq!(cmd("quit"), Command::Exit);
    assert_eq!(cmd("list"), Command::ListChannels);
    assert_eq!(
        one("1 watch ch=221"),
        Tagged {
            tag: 1,
            command: Command::Watch("ch=221".into())
        }
    );
    assert_eq!(
        one("1 count 3"),
        Tagged {
            tag: 1,
            command: Command::Count(Count::Set(3))
        }
    );
    assert_eq!(
        cmd("channel 221 on"),
        Command::Channel {
            channel: "221".into(),
            on: true
        }
    );
    assert_eq!(
        cmd("channel 221 off"),
        Command::Channel {
            channel: "221".into(),
            on: false
        }
    );
    assert_eq!(
        cmd("1 watch dns=*.google.com"),
        Command::Watch("dns=*.google.com".into())
    );
}

#[test]
fn separators_comments_and_tags() {
    let v = parse_line(" ; 1 watch ch=221 ;; * channel on all;go ;# pause");
    let got: Vec<Tagged> = v.into_iter().map(Result::unwrap).collect();
    assert_eq!(got.len(), 3);
    assert_eq!(got[0].tag, 1);
    assert_eq!(got[1].tag, 0);
    assert_eq!(
        got[1].command,
        Command::Channel {
            channel: "all".into(),
            on: true
        }
    );
    assert_eq!(got[2].command, Command::Go);
    assert!(parse_line("# only a comment; go").is_empty());
    // '#' starts a comment only at the start of a command.
    assert!(err("go # pause").shows_usage());
    assert!(parse_line("   ").is_empty());
    // A number not followed by a blank is not a tag; a number glued to text neither.
    assert_eq!(err("5"), CommandError::Unrecognized("5".into()));
    assert_eq!(
        err("5watch ch=1"),
        CommandError::Unrecognized("5watch ch=1".into())
    );
    assert!(matches!(err("70000 watch ch=1"), CommandError::Invalid(_)));
    // Tag 0 must be written "*".
    assert_eq!(err("0 go"), CommandError::Unrecognized("0 go".into()));
}

#[test]
fn stops_at_the_first_error() {
    let v = parse_line("go; bogus; pause");
    assert_eq!(v.len(), 2);
    assert_eq!(
        v[0],
        Ok(Tagged {
            tag: 0,
            command: Command::Go
        })
    );
    assert_eq!(v[1], Err(CommandError::Unrecognized("bogus".into())));
    assert_eq!(
        CommandError::Unrecognized("bogus".into()).to_string(),
        "unrecognized command \"bogus\""
    );
}

#[test]
fn prefixes_and_case() {
    assert_eq!(cmd("ex"), Command::Exit);
    assert_eq!(cmd("EXIT"), Command::Exit);
    assert_eq!(cmd("err mo d"), Command::ErrorMode(Some(true)));
    assert_eq!(cmd("error mode off"), Command::ErrorMode(Some(false)));
    assert_eq!(cmd("error   mode"), Command::ErrorMode(None));
    assert_eq!(cmd("ACCOUNTING"), Command::Accounting);
    assert_eq!(cmd("acc"), Command::Accounting);
    assert_eq!(cmd("vers"), Command::Version);
    assert!(matches!(err("ver"), CommandError::Ambiguous(_)));
    assert_eq!(cmd("verb 2"), Command::Verbose(Level::Set(2)));
    assert!(matches!(err("sta"), CommandError::Ambiguous(_)));
    assert!(matches!(err("s"), CommandError::Ambiguous(_)));
    assert!(matches!(err("stat"), CommandError::Ambiguous(_)));
    assert_eq!(cmd("status"), Command::Connect(None));
    assert_eq!(cmd("stats"), Command::Stats(Stats::Summary));
    assert_eq!(
        cmd("rat li 10 5"),
        rl(RateValue::Value(10), RateValue::Value(5))
    );
}

fn rl(max: RateValue, report_secs: RateValue) -> Command {
    Command::RateLimit { max, report_secs }
}

#[test]
fn count_and_help_rules_of_the_cli_tests() {
    assert_eq!(err("count 5 10"), CommandError::Usage("count 5 10".into()));
    assert_eq!(
        err("count 5 10").to_string(),
        "Arguments provided seemed to be invalid for command \"count 5 10\""
    );
    assert_eq!(cmd("count 72"), Command::Count(Count::Set(72)));
    assert_eq!(cmd("count"), Command::Count(Count::Show));
    assert_eq!(cmd("count off"), Command::Count(Count::Off));
    // sleep without argument: usage.
    assert!(err("sleep").shows_usage());
    assert!(err("sleep 0").shows_usage());
    assert!(err("sleep 1001").shows_usage());
    assert_eq!(cmd("sleep 0.5"), Command::Sleep(Duration::from_millis(500)));
    assert_eq!(cmd("? statu"), Command::Help(Some("statu".into())));
    assert_eq!(cmd("?statu"), Command::Help(Some("statu".into())));
    assert_eq!(cmd("help"), Command::Help(None));
    assert_eq!(cmd("?"), Command::Help(None));
}

#[test]
fn watches_and_deletes() {
    assert_eq!(err("watch ip=10.0.0.1"), CommandError::NeedsTag("watch"));
    assert_eq!(
        CommandError::NeedsTag("watch").to_string(),
        "\"watch\" requires a tag"
    );
    assert_eq!(cmd("watch"), Command::ListWatches);
    assert_eq!(cmd("watch list"), Command::ListWatches);
    assert_eq!(cmd("3 get watches"), Command::ListWatches);
    assert_eq!(cmd("list watches"), Command::ListWatches);
    assert_eq!(cmd("get channels"), Command::ListChannels);
    assert_eq!(cmd("get"), Command::ListChannels);
    assert_eq!(cmd("channel"), Command::ListChannels);
    assert_eq!(cmd("channel list"), Command::ListChannels);
    assert_eq!(
        cmd("chan off ch213"),
        Command::Channel {
            channel: "ch213".into(),
            on: false
        }
    );
    assert!(err("channel 1 2").shows_usage());
    assert!(err("channel on").shows_usage());
    assert_eq!(cmd("5 delete"), Command::Stop);
    assert_eq!(cmd("delete"), Command::StopAll);
    assert_eq!(cmd("5 delete all"), Command::StopAll);
    assert_eq!(cmd("5 delete watches"), Command::Stop);
    assert_eq!(cmd("delete watches all"), Command::StopAll);
    assert_eq!(cmd("7 stop"), Command::Stop);
    assert!(err("delete junk").shows_usage());
}

#[test]
fn server_options() {
    assert_eq!(
        cmd("rate limit"),
        rl(RateValue::NoChange, RateValue::NoChange)
    );
    assert_eq!(
        cmd("rate limits 1000"),
        rl(RateValue::Value(1000), RateValue::NoChange)
    );
    assert_eq!(
        cmd("rate limits - 10"),
        rl(RateValue::NoChange, RateValue::Value(10))
    );
    assert_eq!(
        cmd("rate limits MAX NEVER"),
        rl(RateValue::Off, RateValue::Off)
    );
    assert_eq!(
        cmd("rate limits off none"),
        rl(RateValue::Off, RateValue::Off)
    );
    assert!(err("rate limits 0").shows_usage());
    assert!(err("rate limits 1000000001").shows_usage());
    assert!(err("rate limits 1 2 3").shows_usage());
    assert_eq!(cmd("sample"), Command::Sample(0));
    assert_eq!(cmd("sample 50"), Command::Sample(500_000));
    assert_eq!(cmd("sample 12.5%"), Command::Sample(125_000));
    assert_eq!(cmd("sample 0.0001"), Command::Sample(1));
    assert_eq!(
        err("sample 101"),
        CommandError::Invalid("\"101\" is an invalid sampling rate".into())
    );
    assert!(err("sample x").shows_usage());
    assert_eq!(cmd("trace 5"), Command::Trace(5));
    assert_eq!(cmd("trace on"), Command::Trace(3));
    assert_eq!(cmd("trace OFF"), Command::Trace(0));
    assert!(err("trace").shows_usage());
    assert!(err("trace lots").shows_usage());
    assert_eq!(cmd("window"), Command::Window(0));
    assert_eq!(cmd("window 0x10000"), Command::Window(65536));
    assert_eq!(
        err("window 100"),
        CommandError::Invalid("invalid output window size of 100".into())
    );
    assert_eq!(cmd("pause"), Command::Pause);
    assert!(err("pause now").shows_usage());
    assert_eq!(cmd("go"), Command::Go);
    assert_eq!(cmd("nop"), Command::Nop);
    assert_eq!(cmd("accounting"), Command::Accounting);
}

#[test]
fn local_commands() {
    assert_eq!(cmd("debug"), Command::Debug(Level::Show));
    assert_eq!(cmd("debug quiet"), Command::Debug(Level::Quiet));
    assert_eq!(cmd("debug on"), Command::Debug(Level::On));
    assert_eq!(cmd("debug 4"), Command::Debug(Level::Set(4)));
    assert!(err("verbose quiet").shows_usage());
    assert_eq!(cmd("verbose off"), Command::Verbose(Level::Off));
    assert_eq!(cmd("source /tmp/x"), Command::Source("/tmp/x".into()));
    assert_eq!(cmd("mode"), Command::Mode(None));
    assert_eq!(cmd("mode rad"), Command::Mode(Some(ServerMode::Rad)));
    assert_eq!(cmd("srad"), Command::Mode(Some(ServerMode::Sra)));
    assert_eq!(cmd("radd mode"), Command::Mode(Some(ServerMode::Rad)));
    assert_eq!(cmd("zlib"), Command::Zlib);
    assert_eq!(cmd("buffering"), Command::Buffering);
    assert_eq!(cmd("alias"), Command::Alias);
    assert_eq!(cmd("disconnect"), Command::Disconnect);
    assert_eq!(cmd("ciphers"), Command::Ciphers(None));
    assert_eq!(
        cmd("ciphers ECDHE-RSA-AES256-GCM-SHA384"),
        Command::Ciphers(Some("ECDHE-RSA-AES256-GCM-SHA384".into()))
    );
    assert_eq!(cmd("connect"), Command::Connect(None));
    assert_eq!(cmd("user bob"), Command::User("bob".into()));
    assert!(matches!(
        err(&format!("user {}", "x".repeat(64))),
        CommandError::Invalid(_)
    ));
    assert_eq!(cmd("version"), Command::Version);
}

#[test]
fn forward_kill_stats() {
    assert_eq!(cmd("forward"), Command::Forward(Forward::Show));
    assert_eq!(cmd("forward off"), Command::Forward(Forward::Off));
    assert_eq!(
        cmd("forward nmsg:udp:127.0.0.1,8430 100"),
        Command::Forward(Forward::To {
            output: OutputSpec::NmsgUdp {
                host: "127.0.0.1".into(),
                port: 8430
            },
            text: "nmsg:udp:127.0.0.1,8430".into(),
            count: Some(100)
        })
    );
    assert!(err("forward pcap:/tmp/x many").shows_usage());
    assert!(matches!(err("forward kafka:x"), CommandError::Invalid(_)));
    assert_eq!(cmd("kill 12"), Command::Kill(Target::Serial(12)));
    assert_eq!(cmd("kill bob"), Command::Kill(Target::User("bob".into())));
    assert!(err("kill").shows_usage());
    assert_eq!(cmd("stats all"), Command::Stats(Stats::All));
    assert_eq!(
        cmd("stats 0x10"),
        Command::Stats(Stats::Of(Target::Serial(16)))
    );
    assert_eq!(
        cmd("stats alice"),
        Command::Stats(Stats::Of(Target::User("alice".into())))
    );
}

#[test]
fn connection_requirements() {
    for (line, needs) in [
        ("1 watch ch=1", true),
        ("channel 1 on", true),
        ("list", true),
        ("accounting", true),
        ("rate limits", true),
        ("count 3", false),
        ("sleep 1", false),
        ("connect tcp:a@b,1", false),
        ("mode", false),
        ("forward off", false),
    ] {
        assert_eq!(cmd(line).needs_connection(), needs, "{line}");
    }
}

#[test]
fn no_panics_on_odd_input() {
    for line in [
        "\u{e9}\u{e9}",
        "* ",
        "*",
        "1 ",
        "\t\t;;;#",
        "?",
        "? ",
        "rate",
        "err",
        "e",
        "w",
        "1 w",
        "channel \u{2003} on",
        "\u{0}",
        "sample %",
        "window 0x",
        "kill 0x",
        "sleep nan",
    ] {
        let _ = parse_line(line);
    }
    assert_eq!(err(&"x".repeat(3000)), CommandError::TooLong);
}
