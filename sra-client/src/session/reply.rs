//! Matching replies to the request being waited for, by the reference client's rules (AXA spec
//! §3.4): replies match by op (and `orig_op` for OK); tags are not compared.
//!
//! * waiting for OK: an OK with another `orig_op` is unexpected (or trace text when `orig_op`
//!   is OK/NOP/ERROR) and the wait goes on; any ERROR fails; an OPT fails;
//! * waiting for OPT: any OPT succeeds; an OK does not end the wait; any ERROR fails;
//! * lists (WLIST, CLIST, STATS RSP) collect items until an OK or ERROR answering the request
//!   (servers need not send one: the caller then ends the list after a quiet period);
//! * HELLO, NOP, MISSED and hits are never replies (the connection handles them).

use axa_proto::{Message, Op, ResultMsg};

/// What a request waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// An OK answering this op.
    Ok(Op),
    /// Any OPT.
    Opt,
    /// Items of this op, ended by OK/ERROR answering `request`.
    List {
        /// The item op (WLIST, CLIST, STATS RSP).
        item: Op,
        /// The request op (WGET, CGET, STATS REQ).
        request: Op,
    },
    /// One KILL RSP.
    KillRsp,
    /// No reply (NOP).
    Nothing,
}

/// What an incoming frame means for the waiting request.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// The awaited reply: the wait is over.
    Done(Message),
    /// One more list item; keep waiting.
    Item(Message),
    /// The request failed (ERROR, or an OPT while waiting for OK).
    Failed(Failure),
    /// Not a reply: an event for the caller (hit, MISSED, trace text, HELLO, NOP...).
    NotReply(Message),
    /// A reply to something else: log as "unexpected" and keep waiting.
    Unexpected(Message),
}

/// Why a request failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Failure {
    /// The server answered ERROR.
    #[error("{} {}", .0.orig_op_name(), .0.text)]
    Error(ResultMsg),
    /// An OPT arrived while an OK was awaited (sratunnel fails here too).
    #[error("unexpected OPTION while waiting for OK")]
    UnexpectedOpt,
}

/// Whether an OK/ERROR carries server text not tied to a request.
pub fn is_trace(r: &ResultMsg) -> bool {
    matches!(r.orig_op(), Some(Op::Ok | Op::Nop | Op::Error))
}

/// Classifies `msg` for a request waiting for `expect`.
pub fn classify(expect: Expect, msg: Message) -> Verdict {
    match msg {
        Message::Hello(_)
        | Message::Nop
        | Message::Missed(_)
        | Message::MissedRad(_)
        | Message::Whit(_)
        | Message::Ahit(_) => Verdict::NotReply(msg),
        Message::Error(r) => {
            if let Expect::List { request, .. } = expect {
                if r.orig_op() != Some(request) && is_trace(&r) {
                    return Verdict::NotReply(Message::Error(r));
                }
            }
            Verdict::Failed(Failure::Error(r))
        }
        Message::Ok(r) => {
            let answers = match expect {
                Expect::Ok(op) => r.orig_op() == Some(op),
                Expect::List { request, .. } => r.orig_op() == Some(request),
                _ => false,
            };
            if answers {
                Verdict::Done(Message::Ok(r))
            } else if is_trace(&r) {
                Verdict::NotReply(Message::Ok(r))
            } else {
                Verdict::Unexpected(Message::Ok(r))
            }
        }
        Message::Opt(o) => match expect {
            Expect::Opt => Verdict::Done(Message::Opt(o)),
            Expect::Ok(_) => Verdict::Failed(Failure::UnexpectedOpt),
            _ => Verdict::Unexpected(Message::Opt(o)),
        },
        Message::KillRsp(k) if expect == Expect::KillRsp => Verdict::Done(Message::KillRsp(k)),
        other => match expect {
            Expect::List { item, .. } if other.op() == item => Verdict::Item(other),
            _ => Verdict::Unexpected(other),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axa_proto::{Clist, Missed, Opt, RateLimit, RlimitValue};

    fn ok(op: Op, text: &str) -> Message {
        Message::Ok(ResultMsg::new(op, text))
    }

    fn err(op: Op, text: &str) -> Message {
        Message::Error(ResultMsg::new(op, text))
    }

    fn opt() -> Message {
        Message::Opt(Opt::RateLimit(RateLimit::request(
            RlimitValue::Value(5),
            RlimitValue::Na,
        )))
    }

    #[test]
    fn waiting_for_ok() {
        let e = Expect::Ok(Op::Watch);
        assert!(matches!(
            classify(e, ok(Op::Watch, "started")),
            Verdict::Done(_)
        ));
        assert!(matches!(
            classify(e, ok(Op::Pause, "x")),
            Verdict::Unexpected(_)
        ));
        assert!(matches!(
            classify(e, ok(Op::Ok, "trace")),
            Verdict::NotReply(_)
        ));
        assert!(matches!(
            classify(e, ok(Op::Nop, "trace")),
            Verdict::NotReply(_)
        ));
        assert_eq!(
            classify(e, err(Op::Watch, "unknown channel ch999")),
            Verdict::Failed(Failure::Error(ResultMsg::new(
                Op::Watch,
                "unknown channel ch999"
            )))
        );
        // Any ERROR fails the wait, as in sratunnel.
        assert!(matches!(classify(e, err(Op::Go, "x")), Verdict::Failed(_)));
        assert_eq!(classify(e, opt()), Verdict::Failed(Failure::UnexpectedOpt));
        let m = Message::Missed(Missed {
            missed: 1,
            dropped: 0,
            rlimit: 0,
            filtered: 0,
            last_report: 0,
        });
        assert!(matches!(classify(e, m), Verdict::NotReply(_)));
        assert!(matches!(classify(e, Message::Nop), Verdict::NotReply(_)));
    }

    #[test]
    fn waiting_for_opt() {
        assert!(matches!(classify(Expect::Opt, opt()), Verdict::Done(_)));
        // An OK does not end the wait.
        assert!(matches!(
            classify(Expect::Opt, ok(Op::Opt, "x")),
            Verdict::Unexpected(_)
        ));
        assert!(matches!(
            classify(Expect::Opt, err(Op::Opt, "x")),
            Verdict::Failed(_)
        ));
    }

    #[test]
    fn lists() {
        let e = Expect::List {
            item: Op::Clist,
            request: Op::Cget,
        };
        let c = Message::Clist(Clist {
            ch: 221,
            on: false,
            spec: "demo".into(),
        });
        assert!(matches!(classify(e, c), Verdict::Item(_)));
        assert!(matches!(classify(e, ok(Op::Cget, "")), Verdict::Done(_)));
        assert!(matches!(
            classify(e, err(Op::Cget, "none")),
            Verdict::Failed(_)
        ));
        assert!(matches!(
            classify(e, ok(Op::Ok, "trace")),
            Verdict::NotReply(_)
        ));
        assert!(matches!(classify(e, opt()), Verdict::Unexpected(_)));
        assert!(matches!(
            classify(Expect::Nothing, ok(Op::Watch, "")),
            Verdict::Unexpected(_)
        ));
    }
}
