//! Body checks (spec §1.4 "extra body checks", §1.7; libaxa `axa_ck_body`).

use crate::error::ProtoError;
use crate::header::MAX_BODY_LEN;
use crate::op::{Op, OpName};
use crate::wire::{cstr_lossy, le_u16};

/// Highest channel number (AXA_OP_CH_MAX).
pub const CH_MAX: u16 = 4095;
/// The wire value meaning "all channels" (AXA_OP_CH_ALL), allowed only in CHANNEL.
pub const CH_ALL: u16 = 0xFFFF;
/// Size of an anomaly module name field.
pub const AN_LEN: usize = 32;

/// Check a body's length against the op's limits of spec §1.4 (steps 3, 6 and 7 of the
/// header check), for callers that have a body but no header.
pub fn check_body_len(op: Op, len: usize) -> Result<(), ProtoError> {
    let name = OpName(op.as_u8());
    let len32 = u32::try_from(len).unwrap_or(u32::MAX);
    if len > MAX_BODY_LEN {
        return Err(ProtoError::ImpossibleBodyLength { len: len32 });
    }
    let rule = op.rule();
    if len32 > rule.max {
        return Err(ProtoError::BodyTooLong {
            len: len32,
            op: name,
            max: rule.max,
        });
    }
    if len32 < rule.min {
        return Err(ProtoError::BodyTooShort {
            len: len32,
            op: name,
            min: rule.min,
        });
    }
    Ok(())
}

/// [`check_body_len`] then [`check_body`]: everything a header-less body must pass.
pub fn check_op_body(op: Op, body: &[u8]) -> Result<(), ProtoError> {
    check_body_len(op, body.len())?;
    check_body(op, body)
}

/// The body checks of libaxa's `axa_ck_body` for a body whose length already passed the
/// header check (see [`check_body_len`]). Never panics, whatever the length.
pub fn check_body(op: Op, body: &[u8]) -> Result<(), ProtoError> {
    let name = OpName(op.as_u8());
    match op {
        Op::Hello => field_nul(name, body, "version"),
        Op::Ok | Op::Error => field_nul(name, body, "message"),
        Op::Whit => check_whit(name, body),
        Op::Wlist => crate::watch::check_watch(name, body.get(4..).unwrap_or_default()),
        Op::Watch => crate::watch::check_watch(name, body),
        Op::Ahit => {
            check_an(name, body)?;
            check_ch(name, le_u16(body, AN_LEN), false)
        }
        Op::Alist => check_anom(name, body.get(4..).unwrap_or_default()),
        Op::Anom => check_anom(name, body),
        Op::Clist => {
            check_ch(name, le_u16(body, 0), false)?;
            field_nul(name, body, "channel")
        }
        Op::User => field_nul(name, body, "user name"),
        Op::Channel => check_ch(name, le_u16(body, 0), true),
        Op::Opt => check_opt(body),
        _ => Ok(()),
    }
}

/// `ck_field_null`: the field must be non-empty and end with NUL.
fn field_nul(op: OpName, field: &[u8], what: &'static str) -> Result<(), ProtoError> {
    match field.last() {
        None => Err(ProtoError::Truncated { op, field: what }),
        Some(0) => Ok(()),
        Some(_) => Err(ProtoError::NotNulTerminated { op, field: what }),
    }
}

/// `ck_ch`: 0..=4095, or 0xFFFF when `all_ok`.
pub(crate) fn check_ch(op: OpName, ch: u16, all_ok: bool) -> Result<(), ProtoError> {
    if (ch == CH_ALL && all_ok) || ch <= CH_MAX {
        Ok(())
    } else {
        Err(ProtoError::InvalidChannel { op, ch })
    }
}

/// `ck_an`: byte 31 of the module name is NUL.
fn check_an(op: OpName, body: &[u8]) -> Result<(), ProtoError> {
    match body.get(AN_LEN - 1) {
        Some(0) => Ok(()),
        _ => Err(ProtoError::AnomalyNameNotNulTerminated {
            op,
            name: cstr_lossy(body.get(..AN_LEN).unwrap_or(body)),
        }),
    }
}

/// `ck_anom`: name field NUL-terminated; parameters (if any) end with NUL.
fn check_anom(op: OpName, anom: &[u8]) -> Result<(), ProtoError> {
    field_nul(op, anom.get(..AN_LEN).unwrap_or(anom), "name")?;
    match anom.get(AN_LEN..) {
        Some(parms) if !parms.is_empty() => field_nul(op, parms, "parameters"),
        _ => Ok(()),
    }
}

/// `ck_whit`: channel, then the type's minimum length.
pub(crate) fn check_whit(op: OpName, body: &[u8]) -> Result<(), ProtoError> {
    check_ch(op, le_u16(body, 0), false)?;
    match body.get(2).copied().unwrap_or(0xFF) {
        0 if body.len() >= crate::whit::WHIT_NMSG_HDR_LEN => Ok(()),
        0 => Err(ProtoError::BadWhitLength {
            op,
            kind: "nmsg",
            len: body.len(),
        }),
        1 if body.len() >= crate::whit::WHIT_IP_HDR_LEN => Ok(()),
        1 => Err(ProtoError::BadWhitLength {
            op,
            kind: "IP",
            len: body.len(),
        }),
        kind => Err(ProtoError::BadWhitType { op, kind }),
    }
}

/// `ck_opt`: known type and the exact length for it.
fn check_opt(body: &[u8]) -> Result<(), ProtoError> {
    let kind = body.first().copied().unwrap_or(0xFF);
    let (opt, val_len) = match kind {
        0 => ("TRACE", 4),
        1 => ("Rate LIMIT", 40),
        2 => ("SAMPLE", 4),
        3 => ("SNDBUF", 4),
        _ => return Err(ProtoError::UnknownOptionType { kind }),
    };
    if body.len() != 8 + val_len {
        return Err(ProtoError::BadOptionLength {
            opt,
            len: body.len(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts() {
        let e = |op, b: &[u8]| check_body(op, b).unwrap_err().to_string();
        assert_eq!(e(Op::Ok, b"x"), "OK message not null terminated");
        assert_eq!(e(Op::Hello, &[]), "HELLO version truncated");
        assert_eq!(
            e(Op::User, &[b'a'; 64]),
            "USER user name not null terminated"
        );
        assert_eq!(
            e(Op::Clist, &[0xff, 0xff, 1, 0]),
            "CHANNEL LIST ch65535 is an invalid channel"
        );
        assert_eq!(
            e(Op::Clist, &[1, 0, 1, 1]),
            "CHANNEL LIST channel not null terminated"
        );
        assert_eq!(
            e(Op::Channel, &[0, 0x10, 1]),
            "CHANNEL ON/OFF ch4096 is an invalid channel"
        );
        assert!(check_body(Op::Channel, &[0xff, 0xff, 1]).is_ok());
        assert_eq!(
            e(Op::Whit, &[0, 0, 0, 0, 0]),
            "WATCH HIT bad nmsg watch hit length 5"
        );
        assert_eq!(
            e(Op::Whit, &[0, 0, 1, 0, 0]),
            "WATCH HIT bad IP watch hit length 5"
        );
        assert_eq!(
            e(Op::Whit, &[0, 0, 2, 0, 0]),
            "WATCH HIT bad watch hit type 2"
        );
        assert_eq!(
            e(Op::Opt, &[4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
            "OPTION unknown option type"
        );
        assert_eq!(
            e(Op::Opt, &[0; 48]),
            "OPTION TRACE bad rate limit option length 48"
        );
        let mut an = [b'a'; 40];
        an[39] = 0;
        assert_eq!(e(Op::Anom, &an), "ANOMALY name not null terminated");
        an[31] = 0;
        an[39] = 1;
        assert_eq!(e(Op::Anom, &an), "ANOMALY parameters not null terminated");
        let mut ahit = [b'a'; 49];
        assert_eq!(
            e(Op::Ahit, &ahit),
            format!(
                "ANOMALY HIT \"{}\" name not null terminated",
                "a".repeat(32)
            )
        );
        ahit[31] = 0;
        assert_eq!(
            e(Op::Ahit, &ahit),
            "ANOMALY HIT ch24929 is an invalid channel"
        );
    }
}
