//! JSON rendering identical to libaxa 3.0.2's `axa_body_to_json` (spec §7).
//!
//! One object per message, no whitespace, keys `tag`, `op`, then the op's keys. The NMSG
//! part of a WATCH HIT (module names, field names, the payload's own JSON) is delegated to
//! an [`NmsgRenderer`]; [`NmsgCrate`] is the implementation backed by the `nmsg` crate.

use std::fmt::{Display, Write};

use bytes::Bytes;

use crate::admin::StatsReq;
use crate::channel::ChannelName;
use crate::direction::Direction;
use crate::error::ProtoError;
use crate::header::HEADER_LEN;
use crate::message::{Frame, Message};
use crate::op::OpName;
use crate::opt::{Opt, RlimitValue, SAMPLE_REQ, TRACE_REQ};
use crate::whit::{Whit, WhitIp, WhitNmsg, IDX_RSVD};

/// What the JSON of an NMSG WATCH HIT needs from an NMSG implementation.
pub trait NmsgRenderer {
    /// libnmsg's vendor name for `vid` (`base`, `SIE`), if known.
    fn vname(&self, vid: u16) -> Option<&str>;
    /// libnmsg's message type name (`pkt`, `dnsdedupe`), if known.
    fn mname(&self, vid: u16, msgtype: u16) -> Option<&str>;
    /// Decode `container` (a complete NMSG container, possibly zlib-compressed), which
    /// must hold exactly one payload, and return the name of field `field_idx` in the
    /// payload's own module (if asked for and known) and the payload's nmsgtool-style JSON
    /// object (`None` if it cannot be rendered: the `nmsg` key is then omitted). `Err` makes
    /// the conversion fail (undecodable container, ≠ 1 payload).
    fn decode_hit(&self, container: &Bytes, field_idx: Option<u16>) -> Result<NmsgHit, String>;
}

/// The NMSG part of a WATCH HIT, as returned by [`NmsgRenderer::decode_hit`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NmsgHit {
    /// The field name for the hit's `field_idx` in the payload's module.
    pub field_name: Option<String>,
    /// The payload's JSON object text (`{"time":…,"vname":…,…}`).
    pub json: Option<String>,
}

/// The [`NmsgRenderer`] backed by the `nmsg` crate: libnmsg's module names
/// (`nmsg::vendor`), schema field names (`nmsg::schema::field_name`), the single-payload
/// container decoder (`nmsg::container::decode_single`, zlib and CRC handled there) and
/// nmsgtool's JSON (`nmsg::json::write_payload`).
#[derive(Clone, Copy, Debug, Default)]
pub struct NmsgCrate;

impl NmsgCrate {
    /// Whether NMSG WATCH HITs can be rendered (always, now that the `nmsg` crate provides
    /// the container decoder and JSON writer).
    pub const fn available() -> bool {
        true
    }
}

impl NmsgRenderer for NmsgCrate {
    fn vname(&self, vid: u16) -> Option<&str> {
        nmsg::vendor::vendor_name(vid.into())
    }

    fn mname(&self, vid: u16, msgtype: u16) -> Option<&str> {
        nmsg::vendor::msgtype_name(vid.into(), msgtype.into())
    }

    fn decode_hit(&self, container: &Bytes, field_idx: Option<u16>) -> Result<NmsgHit, String> {
        let p = nmsg::container::decode_single(container, &nmsg::Limits::default())
            .map_err(|e| e.to_string())?;
        let field_name = field_idx
            .and_then(|i| nmsg::schema::field_name(p.vid, p.msgtype, i as usize))
            .map(str::to_string);
        let mut json = String::new();
        let json = nmsg::json::write_payload(&mut json, &p).ok().map(|_| json);
        Ok(NmsgHit { field_name, json })
    }
}

/// Decode a complete wire message (header + body, `len` = all of `buf`) with the
/// direction libaxa's JSON conversion uses (spec §7.1, [`Direction::for_json`]) and render
/// it: the equivalent of `axa_body_to_json`.
pub fn wire_to_json(buf: Bytes) -> Result<String, ProtoError> {
    let op = buf.get(7).copied().unwrap_or(0);
    let frame = Frame::decode(buf, Direction::for_json(op))?;
    frame_to_json(&frame)
}

/// Render a validated frame (NMSG hits through [`NmsgCrate`]).
pub fn frame_to_json(frame: &Frame) -> Result<String, ProtoError> {
    frame_to_json_with(frame, &NmsgCrate)
}

/// Render a validated frame with a given NMSG renderer.
pub fn frame_to_json_with(frame: &Frame, nmsg: &dyn NmsgRenderer) -> Result<String, ProtoError> {
    message_to_json(frame.tag(), &frame.message()?, nmsg)
}

/// Render a typed message sent with `tag`.
pub fn message_to_json(
    tag: u16,
    msg: &Message,
    nmsg: &dyn NmsgRenderer,
) -> Result<String, ProtoError> {
    let op = msg.op();
    let mut j = JsonOut::new();
    if tag == 0 {
        j.str("tag", "*");
    } else {
        j.num("tag", tag);
    }
    j.str("op", op.name());
    let fail = |reason: &str| ProtoError::Undecodable {
        op: OpName(op.as_u8()),
        reason: reason.to_string(),
    };
    match msg {
        Message::Hello(h) => {
            j.num("id", h.id);
            j.num("pvers_min", h.pvers_min);
            j.num("pvers_max", h.pvers_max);
            j.str("str", &h.text);
        }
        Message::Ok(r) | Message::Error(r) => {
            j.str("orig_op", &OpName(r.orig_op).to_string());
            j.str("str", &r.text);
        }
        Message::Missed(m) => {
            j.num("missed", m.missed);
            j.num("dropped", m.dropped);
            j.num("rlimit", m.rlimit);
            j.num("filtered", m.filtered);
            j.num("last_report", m.last_report);
        }
        Message::MissedRad(m) => {
            j.num("sra_missed", m.sra_missed);
            j.num("sra_dropped", m.sra_dropped);
            j.num("sra_rlimit", m.sra_rlimit);
            j.num("sra_filtered", m.sra_filtered);
            j.num("dropped", m.dropped);
            j.num("rlimit", m.rlimit);
            j.num("filtered", m.filtered);
            j.num("last_report", m.last_report);
        }
        Message::Whit(w) => whit_keys(&mut j, w, nmsg).map_err(|e| fail(&e))?,
        Message::Ahit(a) => {
            j.str("an", &a.an);
            whit_keys(&mut j, &a.whit()?, nmsg).map_err(|e| fail(&e))?;
        }
        Message::Watch(w) => {
            j.str("watch_type", w.type_name());
            j.str("watch", &w.to_string());
        }
        Message::Wlist(w) => {
            j.num("cur_tag", w.cur_tag);
            j.str("watch_type", w.watch.type_name());
            j.str("watch", &w.watch.to_string());
        }
        Message::Anom(a) => {
            j.str("an", &a.an);
            if !a.parms.is_empty() {
                j.str("parms", &a.parms);
            }
        }
        Message::Alist(a) => {
            j.num("cur_tag", a.cur_tag);
            j.str("an", &a.anom.an);
            if !a.anom.parms.is_empty() {
                j.str("parms", &a.anom.parms);
            }
        }
        Message::Channel(c) => {
            j.str("channel", &ChannelName(c.ch).to_string());
            j.raw("on", if c.on { "true" } else { "false" });
        }
        Message::Clist(c) => {
            j.str("channel", &ChannelName(c.ch).to_string());
            j.raw("on", if c.on { "true" } else { "false" });
            j.str("spec", &c.spec);
        }
        Message::User(u) => j.str("name", &u.name),
        Message::Join(x) => j.num("id", x.id),
        Message::Opt(o) => opt_keys(&mut j, o),
        Message::StatsReq(s) => stats_req_keys(&mut j, s).map_err(|e| fail(&e))?,
        Message::StatsRsp(s) => {
            crate::json_stats::stats_rsp_keys(&mut j, s).map_err(|e| fail(&e))?
        }
        Message::KillReq(k) | Message::KillRsp(k) => {
            j.num("mode", k.mode);
            j.str("user", &k.user);
            j.num("sn", k.sn);
            j.num("result", k.result);
        }
        // libaxa emits broken JSON for these (a dangling key); we emit tag and op only.
        Message::MgmtGet | Message::MgmtGetRsp(_) => {}
        Message::Nop
        | Message::Pause
        | Message::Go
        | Message::Wget
        | Message::Aget
        | Message::Stop
        | Message::AllStop
        | Message::Cget
        | Message::Acct
        | Message::Radu => {}
    }
    Ok(j.finish())
}

fn whit_keys(j: &mut JsonOut, w: &Whit, nmsg: &dyn NmsgRenderer) -> Result<(), String> {
    match w {
        Whit::Nmsg(n) => nmsg_whit_keys(j, n, nmsg),
        Whit::Ip(ip) => {
            ip_whit_keys(j, ip);
            Ok(())
        }
    }
}

fn nmsg_whit_keys(j: &mut JsonOut, w: &WhitNmsg, nmsg: &dyn NmsgRenderer) -> Result<(), String> {
    let want_field = (w.field_idx < IDX_RSVD).then_some(w.field_idx);
    let hit = nmsg.decode_hit(&w.container, want_field)?;
    j.str("channel", &ChannelName(w.ch).to_string());
    if let Some(idx) = want_field {
        match &hit.field_name {
            Some(name) => j.str("field", name),
            None => j.num("field_idx", idx),
        }
    }
    if w.val_idx < IDX_RSVD {
        j.num("val_idx", w.val_idx);
    }
    match nmsg.vname(w.vid) {
        Some(v) => j.str("vname", v),
        None => j.num("vid", w.vid),
    }
    match nmsg.mname(w.vid, w.msgtype) {
        Some(m) => j.str("mname", m),
        None => j.num("msgtype", w.msgtype),
    }
    j.str(
        "time",
        &format!("{}.{:09}", utc_time(w.ts_sec as i64, ' '), w.ts_nsec),
    );
    if let Some(obj) = &hit.json {
        j.raw("nmsg", obj);
    }
    Ok(())
}

fn ip_whit_keys(j: &mut JsonOut, w: &WhitIp) {
    j.str("channel", &ChannelName(w.ch).to_string());
    j.str(
        "time",
        &format!("{}.{:06}", utc_time(w.tv_sec as i64, ' '), w.tv_usec),
    );
    crate::json_ip::ip_keys(j, &w.packet);
}

fn opt_keys(j: &mut JsonOut, o: &Opt) {
    match o {
        Opt::Trace(v) => {
            j.str("type", "TRACE");
            if *v == TRACE_REQ {
                j.str("trace", "REQUEST TRACE VALUE");
            } else {
                j.num("trace", v);
            }
        }
        Opt::RateLimit(r) => {
            j.str("type", "RATE LIMIT");
            let lim = |j: &mut JsonOut, k: &str, v: RlimitValue| match v {
                RlimitValue::Na => j.raw(k, "null"),
                RlimitValue::Off => j.str(k, "off"),
                RlimitValue::Value(n) => j.num(k, n),
            };
            lim(j, "max_pkts_per_sec", r.max_pkts_per_sec);
            j.num("cur_pkts_per_sec", r.cur_pkts_per_sec);
            lim(j, "report_secs", r.report_secs);
        }
        Opt::Sample(v) => {
            j.str("type", "SAMPLE");
            if *v == SAMPLE_REQ {
                j.str("sample", "requested");
            } else {
                j.raw("sample", &format!("{:.6}", *v as f64 / 1_000_000.0));
            }
        }
        Opt::Sndbuf(v) => {
            j.str("type", "SNDBUF");
            j.num("bufsize", v);
        }
    }
}

fn stats_req_keys(j: &mut JsonOut, s: &StatsReq) -> Result<(), String> {
    if s.version != 1 {
        return Err(format!("unknown stats version {}", s.version));
    }
    j.num("version", s.version);
    j.str(
        "type",
        match s.stats_type {
            1 => "summary",
            2 => "all",
            3 => "serial number",
            4 => "user name",
            _ => "unknown",
        },
    );
    match s.stats_type {
        3 => j.num("serial number", s.sn),
        4 => j.str("user name", &s.user),
        _ => {}
    }
    Ok(())
}

/// `YYYY-MM-DD<sep>HH:MM:SS` in UTC for a UNIX time.
pub(crate) fn utc_time(secs: i64, sep: char) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}{sep}{:02}:{:02}:{:02}",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// A tiny JSON object writer producing yajl's compact form.
pub(crate) struct JsonOut {
    s: String,
    first: bool,
}

impl JsonOut {
    pub(crate) fn new() -> JsonOut {
        JsonOut {
            s: String::with_capacity(128),
            first: true,
        }
        .open()
    }

    fn open(mut self) -> JsonOut {
        self.s.push('{');
        self
    }

    fn key(&mut self, k: &str) {
        if !self.first {
            self.s.push(',');
        }
        self.first = false;
        escape_into(&mut self.s, k);
        self.s.push(':');
    }

    /// A string value.
    pub(crate) fn str(&mut self, k: &str, v: &str) {
        self.key(k);
        escape_into(&mut self.s, v);
    }

    /// A number value.
    pub(crate) fn num(&mut self, k: &str, v: impl Display) {
        self.key(k);
        let _ = write!(self.s, "{v}");
    }

    /// A value already in JSON form.
    pub(crate) fn raw(&mut self, k: &str, v: &str) {
        self.key(k);
        self.s.push_str(v);
    }

    pub(crate) fn finish(mut self) -> String {
        self.s.push('}');
        self.s
    }
}

/// yajl's string escaping: `"`, `\`, and control characters (`\b \f \n \r \t`, others
/// `\u00XX`); `/` is not escaped.
pub(crate) fn escape_into(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Hex of a full frame for diagnostics (used by tests and tools).
pub fn frame_hex(frame: &Frame) -> String {
    let mut s = String::with_capacity((HEADER_LEN + frame.body().len()) * 2);
    for b in frame.header().to_bytes().iter().chain(frame.body().iter()) {
        let _ = write!(s, "{b:02x}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fake;
    impl NmsgRenderer for Fake {
        fn vname(&self, vid: u16) -> Option<&str> {
            (vid == 1).then_some("base")
        }
        fn mname(&self, vid: u16, t: u16) -> Option<&str> {
            (vid == 1 && t == 8).then_some("pkt")
        }
        fn decode_hit(&self, c: &Bytes, idx: Option<u16>) -> Result<NmsgHit, String> {
            if !c.starts_with(b"NMSG") {
                return Err("incorrect magic number in NMSG header".into());
            }
            Ok(NmsgHit {
                field_name: idx.filter(|&i| i == 1).map(|_| "payload".to_string()),
                json: Some("{\"x\":1}".into()),
            })
        }
    }

    fn hit(field_idx: u16, val_idx: u16, vid: u16, msgtype: u16, c: &'static [u8]) -> Message {
        Message::Whit(Whit::Nmsg(WhitNmsg {
            ch: 123,
            field_idx,
            val_idx,
            vid,
            msgtype,
            ts_sec: 1,
            ts_nsec: 2,
            container: Bytes::from_static(c),
        }))
    }

    #[test]
    fn nmsg_hit_keys_without_the_nmsg_crate() {
        let j = |m| message_to_json(1, &m, &Fake);
        assert_eq!(
            j(hit(1, 2, 1, 8, b"NMSG")).unwrap(),
            r#"{"tag":1,"op":"WATCH HIT","channel":"ch123","field":"payload","val_idx":2,"vname":"base","mname":"pkt","time":"1970-01-01 00:00:01.000000002","nmsg":{"x":1}}"#
        );
        assert_eq!(
            j(hit(77, 0, 99, 99, b"NMSG")).unwrap(),
            r#"{"tag":1,"op":"WATCH HIT","channel":"ch123","field_idx":77,"val_idx":0,"vid":99,"msgtype":99,"time":"1970-01-01 00:00:01.000000002","nmsg":{"x":1}}"#
        );
        assert_eq!(
            j(hit(0xFFF1, 0xFFF1, 1, 8, b"NMSG")).unwrap(),
            r#"{"tag":1,"op":"WATCH HIT","channel":"ch123","vname":"base","mname":"pkt","time":"1970-01-01 00:00:01.000000002","nmsg":{"x":1}}"#
        );
        assert!(j(hit(1, 2, 1, 8, b"\x0a\x31")).is_err());
    }

    #[test]
    fn times() {
        assert_eq!(utc_time(0, ' '), "1970-01-01 00:00:00");
        assert_eq!(utc_time(1_515_023_400, 'T'), "2018-01-03T23:50:00");
        assert_eq!(utc_time(951_782_400, ' '), "2000-02-29 00:00:00");
    }

    #[test]
    fn escaping() {
        let mut s = String::new();
        escape_into(&mut s, "a\"b\\c\nd/\u{1}");
        assert_eq!(s, r#""a\"b\\c\nd/\u0001""#);
    }

    #[test]
    fn mgmt_is_valid_json_shape() {
        assert_eq!(
            message_to_json(0, &Message::MgmtGet, &NmsgCrate).unwrap(),
            r#"{"tag":"*","op":"MGMT GET"}"#
        );
    }
}
