//! The `Date` header's format, IMF-fixdate (RFC 9110 §5.6.7), from a time the caller
//! reads: `Sun, 06 Nov 1994 08:49:37 GMT`.

use std::fmt;
use std::time::{Duration, UNIX_EPOCH};

/// A time to second precision, shown as IMF-fixdate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HttpDate {
    /// Seconds since 1970-01-01T00:00:00Z.
    secs: u64,
}

impl HttpDate {
    /// The date `secs` seconds after the Unix epoch.
    pub fn from_unix(secs: u64) -> Self {
        HttpDate { secs }
    }

    /// The date of a system time (times before the epoch show as the epoch).
    pub fn from_system(time: std::time::SystemTime) -> Self {
        HttpDate::from_unix(time.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO).as_secs())
    }
}

impl fmt::Display for HttpDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
        const MONTHS: [&str; 12] =
            ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
        let days = self.secs / 86_400;
        let rem = self.secs % 86_400;
        let (year, month, day) = civil(days);
        write!(
            f,
            "{}, {day:02} {} {year:04} {:02}:{:02}:{:02} GMT",
            DAYS[(days % 7) as usize],
            MONTHS[month as usize - 1],
            rem / 3600,
            rem / 60 % 60,
            rem % 60
        )
    }
}

/// The (year, month, day) of a day count since 1970-01-01, by the proleptic Gregorian
/// calendar (Howard Hinnant's `civil_from_days`).
fn civil(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_imf_fixdate() {
        assert_eq!(HttpDate::from_unix(0).to_string(), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(HttpDate::from_unix(784_111_777).to_string(), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(HttpDate::from_unix(951_782_400).to_string(), "Tue, 29 Feb 2000 00:00:00 GMT");
        assert_eq!(HttpDate::from_unix(4_102_444_799).to_string(), "Thu, 31 Dec 2099 23:59:59 GMT");
    }
}
