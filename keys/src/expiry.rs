//! Account expiry instants.
//!
//! In the store an expiry is a TOML date-time with an offset (`expires = 2027-01-01T00:00:00Z`,
//! `2027-01-01T09:00:00+09:00`) or a bare date (`expires = 2027-01-01`, meaning 00:00:00 UTC
//! that day, i.e. the account works until the end of the day before). A local date-time without
//! an offset is refused as ambiguous. The account stops working at the instant itself.

use std::fmt;
use std::str::FromStr;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use toml::value::{Date, Datetime, Offset, Time};

/// An instant at which an account stops working, in whole seconds since the UNIX epoch (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Expiry(i64);

/// Expiry text that is not an RFC 3339 date-time with offset or a bare date.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid expiry {text:?}: {reason}")]
pub struct ExpiryError {
    text: String,
    reason: &'static str,
}

impl Expiry {
    /// The instant `secs` seconds after the UNIX epoch.
    pub const fn from_unix(secs: i64) -> Expiry {
        Expiry(secs)
    }

    /// Seconds since the UNIX epoch.
    pub const fn unix(self) -> i64 {
        self.0
    }

    /// Whether the account has expired at `now` (true from the expiry instant on).
    pub fn is_reached(self, now: SystemTime) -> bool {
        unix_of(now) >= self.0
    }

    /// Converts a TOML date-time; see the module docs for what is accepted.
    pub fn from_toml(dt: &Datetime) -> Result<Expiry, ExpiryError> {
        let err = |reason| ExpiryError {
            text: dt.to_string(),
            reason,
        };
        let date = dt.date.ok_or_else(|| err("a date is required"))?;
        if !(1..=12).contains(&date.month)
            || date.day == 0
            || date.day > days_in_month(i64::from(date.year), date.month)
        {
            return Err(err("no such day"));
        }
        let days = days_from_civil(i64::from(date.year), date.month, date.day);
        let (secs, offset_min) = match (dt.time, dt.offset) {
            (None, None) => (0, 0),
            (Some(t), Some(offset)) => {
                let secs = i64::from(t.hour) * 3600 + i64::from(t.minute) * 60;
                let min = match offset {
                    Offset::Z => 0,
                    Offset::Custom { minutes } => i64::from(minutes),
                };
                (secs + i64::from(t.second), min)
            }
            (Some(_), None) => return Err(err("a time needs an offset such as Z or +02:00")),
            (None, Some(_)) => return Err(err("an offset needs a time")),
        };
        Ok(Expiry(days * 86_400 + secs - offset_min * 60))
    }

    /// The instant as a TOML date-time in UTC (`YYYY-MM-DDTHH:MM:SSZ`).
    pub fn to_toml(self) -> Datetime {
        let days = self.0.div_euclid(86_400);
        let rem = self.0.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        Datetime {
            date: Some(Date {
                year: u16::try_from(year.clamp(0, 9999)).unwrap_or(9999),
                month,
                day,
            }),
            time: Some(Time {
                hour: (rem / 3600) as u8,
                minute: (rem / 60 % 60) as u8,
                second: (rem % 60) as u8,
                nanosecond: 0,
            }),
            offset: Some(Offset::Z),
        }
    }

    /// The calendar date (year, month, day) in UTC.
    pub fn date(self) -> (i64, u8, u8) {
        civil_from_days(self.0.div_euclid(86_400))
    }
}

/// Seconds since the epoch, negative before it.
fn unix_of(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    }
}

impl From<SystemTime> for Expiry {
    fn from(t: SystemTime) -> Expiry {
        Expiry(unix_of(t))
    }
}

impl FromStr for Expiry {
    type Err = ExpiryError;

    /// `2027-01-01`, `2027-01-01T00:00:00Z`, `2027-01-01T09:00:00+09:00`.
    fn from_str(text: &str) -> Result<Expiry, ExpiryError> {
        let dt: Datetime = text.trim().parse().map_err(|_| ExpiryError {
            text: text.to_owned(),
            reason: "expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ",
        })?;
        Expiry::from_toml(&dt)
    }
}

impl fmt::Display for Expiry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.to_toml())
    }
}

impl Serialize for Expiry {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_toml().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Expiry {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Expiry, D::Error> {
        let dt = Datetime::deserialize(deserializer)?;
        Expiry::from_toml(&dt).map_err(serde::de::Error::custom)
    }
}

fn is_leap(y: i64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

fn days_in_month(y: i64, m: u8) -> u8 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: u8, d: u8) -> i64 {
    let (m, d) = (i64::from(m), i64::from(d));
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Inverse of [`days_from_civil`].
fn civil_from_days(z: i64) -> (i64, u8, u8) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn parses_and_formats() {
        let e: Expiry = "2027-01-01".parse().unwrap();
        assert_eq!(e.unix(), 1_798_761_600);
        assert_eq!(e.to_string(), "2027-01-01T00:00:00Z");
        let e2: Expiry = "2027-01-01T09:00:00+09:00".parse().unwrap();
        assert_eq!(e2, e);
        let e3: Expiry = "1970-01-01T00:00:01Z".parse().unwrap();
        assert_eq!(e3.unix(), 1);
        assert_eq!(
            "2024-02-29T23:59:59Z".parse::<Expiry>().unwrap().date(),
            (2024, 2, 29)
        );
        for bad in ["2027-01-01T00:00:00", "2023-02-29", "tomorrow", "12:00:00"] {
            assert!(bad.parse::<Expiry>().is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn reached_at_the_instant() {
        let e = Expiry::from_unix(1_000);
        let at = |s| UNIX_EPOCH + Duration::from_secs(s);
        assert!(!e.is_reached(at(999)));
        assert!(e.is_reached(at(1_000)));
    }

    #[test]
    fn civil_round_trip() {
        for days in (-800_000..800_000).step_by(997) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }
}
