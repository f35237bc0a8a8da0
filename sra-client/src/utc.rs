//! UTC calendar conversion for the few timestamps the tools print (MISSED reports, kickfile
//! names), without a time-zone database.

/// A broken-down UTC time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UtcTime {
    /// Year (e.g. 2024).
    pub year: i64,
    /// Month, 1..=12.
    pub month: u32,
    /// Day of the month, 1..=31.
    pub day: u32,
    /// Hour, 0..=23.
    pub hour: u32,
    /// Minute, 0..=59.
    pub minute: u32,
    /// Second, 0..=59.
    pub second: u32,
}

impl UtcTime {
    /// Converts seconds since the Unix epoch (proleptic Gregorian calendar).
    pub fn from_unix(secs: i64) -> UtcTime {
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400) as u32;
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = yoe + era * 400 + i64::from(month <= 2);
        UtcTime {
            year,
            month,
            day,
            hour: rem / 3600,
            minute: rem / 60 % 60,
            second: rem % 60,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        assert_eq!(
            UtcTime::from_unix(0),
            UtcTime {
                year: 1970,
                month: 1,
                day: 1,
                hour: 0,
                minute: 0,
                second: 0
            }
        );
        // 2018-02-22T14:52:49Z
        assert_eq!(
            UtcTime::from_unix(1_519_311_169),
            UtcTime {
                year: 2018,
                month: 2,
                day: 22,
                hour: 14,
                minute: 52,
                second: 49
            }
        );
        // Leap day and the day after.
        assert_eq!(UtcTime::from_unix(951_782_400).day, 29); // 2000-02-29
        let t = UtcTime::from_unix(951_868_800); // 2000-03-01
        assert_eq!((t.month, t.day), (3, 1));
        // Before the epoch.
        let t = UtcTime::from_unix(-1);
        assert_eq!(
            (t.year, t.month, t.day, t.hour, t.second),
            (1969, 12, 31, 23, 59)
        );
    }
}
