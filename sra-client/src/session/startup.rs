//! The tunnel's start-up sequence (AXA spec §3.4), as data: after USER is answered, each step
//! is sent and its reply awaited before the next one. Any failure ends the connection, which
//! is retried with back-off and the whole sequence redone.
//!
//! Order: TRACE (`-t`, expects OK), RLIMIT (`-r`, expects OPT), SAMPLE (`-m`, expects OPT),
//! PAUSE, one WATCH per `-w` with tags 1, 2, 3…, one CHANNEL per `-c`, GO. Every step but the
//! watches uses tag 1, as sratunnel does. Watch and channel texts are parsed when the plan is
//! made, so a bad `-w`/`-c` is reported before connecting.

use axa_proto::opt::RLIMIT_NA;
use axa_proto::{
    parse_channel, ChannelOnOff, ChannelParseError, Message, Op, Opt, RateLimit, RlimitValue,
    Watch, WatchMode, WatchParseError,
};

use super::reply::Expect;

/// One request of the sequence.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// Header tag.
    pub tag: u16,
    /// The request.
    pub message: Message,
    /// The reply that lets the sequence go on.
    pub expect: Expect,
}

/// What the sequence is made from (the tunnel options that matter here).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StartupOptions {
    /// `-t` count (0 = no TRACE).
    pub trace: u32,
    /// `-r`.
    pub rate_limit: Option<u64>,
    /// `-m` as the wire value (percent × 10000).
    pub sample: Option<u32>,
    /// `-w` texts in sending order.
    pub watches: Vec<String>,
    /// `-c` texts in sending order.
    pub channels: Vec<String>,
}

/// A `-w` or `-c` text that does not parse.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    /// Bad watch.
    #[error("invalid watch \"{text}\": {source}")]
    Watch {
        /// The text.
        text: String,
        /// Why.
        source: WatchParseError,
    },
    /// Bad channel.
    #[error("invalid channel \"{text}\": {source}")]
    Channel {
        /// The text.
        text: String,
        /// Why.
        source: ChannelParseError,
    },
    /// More than 65535 watches.
    #[error("too many watches")]
    TooManyWatches,
}

/// Builds the sequence.
pub fn plan(o: &StartupOptions) -> Result<Vec<Step>, PlanError> {
    let mut steps = Vec::new();
    let step = |message, expect| Step {
        tag: 1,
        message,
        expect,
    };
    if o.trace > 0 {
        steps.push(step(Message::Opt(Opt::Trace(o.trace)), Expect::Ok(Op::Opt)));
    }
    if let Some(n) = o.rate_limit {
        let mut r = RateLimit::request(RlimitValue::Value(n), RlimitValue::Na);
        r.cur_pkts_per_sec = RLIMIT_NA;
        steps.push(step(Message::Opt(Opt::RateLimit(r)), Expect::Opt));
    }
    if let Some(s) = o.sample {
        steps.push(step(Message::Opt(Opt::Sample(s)), Expect::Opt));
    }
    steps.push(step(Message::Pause, Expect::Ok(Op::Pause)));
    for (i, text) in o.watches.iter().enumerate() {
        let watch = Watch::parse_text(text, WatchMode::Sra).map_err(|source| PlanError::Watch {
            text: text.clone(),
            source,
        })?;
        let tag = u16::try_from(i + 1).map_err(|_| PlanError::TooManyWatches)?;
        steps.push(Step {
            tag,
            message: Message::Watch(watch),
            expect: Expect::Ok(Op::Watch),
        });
    }
    for text in &o.channels {
        let ch = parse_channel(text, true).map_err(|source| PlanError::Channel {
            text: text.clone(),
            source,
        })?;
        steps.push(step(
            Message::Channel(ChannelOnOff { ch, on: true }),
            Expect::Ok(Op::Channel),
        ));
    }
    steps.push(step(Message::Go, Expect::Ok(Op::Go)));
    Ok(steps)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_sequence_in_reference_order() {
        let o = StartupOptions {
            trace: 2,
            rate_limit: Some(1000),
            sample: Some(500_000),
            watches: vec!["ch=221".into(), "ip=10.0.0.0/8".into()],
            channels: vec!["221".into(), "all".into()],
        };
        let steps = plan(&o).unwrap();
        let ops: Vec<Op> = steps.iter().map(|s| s.message.op()).collect();
        assert_eq!(
            ops,
            [
                Op::Opt,
                Op::Opt,
                Op::Opt,
                Op::Pause,
                Op::Watch,
                Op::Watch,
                Op::Channel,
                Op::Channel,
                Op::Go
            ]
        );
        let tags: Vec<u16> = steps.iter().map(|s| s.tag).collect();
        assert_eq!(tags, [1, 1, 1, 1, 1, 2, 1, 1, 1]);
        assert_eq!(steps[0].message, Message::Opt(Opt::Trace(2)));
        assert_eq!(steps[0].expect, Expect::Ok(Op::Opt));
        assert_eq!(steps[1].expect, Expect::Opt);
        match &steps[1].message {
            Message::Opt(Opt::RateLimit(r)) => {
                assert_eq!(r.max_pkts_per_sec, RlimitValue::Value(1000));
                assert_eq!(r.report_secs, RlimitValue::Na);
                assert_eq!(r.cur_pkts_per_sec, RLIMIT_NA);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(steps[2].message, Message::Opt(Opt::Sample(500_000)));
        assert_eq!(steps[4].message, Message::Watch(Watch::channel(221)));
        assert_eq!(
            steps[7].message,
            Message::Channel(ChannelOnOff {
                ch: 0xFFFF,
                on: true
            })
        );
    }

    #[test]
    fn minimal_sequence() {
        let o = StartupOptions {
            watches: vec!["errors".into()],
            ..StartupOptions::default()
        };
        let ops: Vec<Op> = plan(&o).unwrap().iter().map(|s| s.message.op()).collect();
        assert_eq!(ops, [Op::Pause, Op::Watch, Op::Go]);
    }

    #[test]
    fn bad_texts_fail_early() {
        let o = StartupOptions {
            watches: vec!["ch=all".into()],
            ..StartupOptions::default()
        };
        assert!(matches!(plan(&o), Err(PlanError::Watch { .. })));
        let o = StartupOptions {
            watches: vec!["errors".into()],
            channels: vec!["ch99999".into()],
            ..StartupOptions::default()
        };
        let e = plan(&o).unwrap_err();
        assert!(e.to_string().contains("ch99999"), "{e}");
    }
}
