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

impl HttpDate {
    /// The length of an IMF-fixdate.
    pub const LEN: usize = 29;

    /// The date as IMF-fixdate bytes, written without `fmt` (a response writes one).
    pub fn imf_fixdate(&self) -> [u8; Self::LEN] {
        const DAYS: [&[u8; 3]; 7] = [b"Thu", b"Fri", b"Sat", b"Sun", b"Mon", b"Tue", b"Wed"];
        const MONTHS: [&[u8; 3]; 12] = [
            b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
            b"Dec",
        ];
        let days = self.secs / 86_400;
        let rem = self.secs % 86_400;
        let (year, month, day) = civil(days);
        let mut out = *b"Thu, 01 Jan 1970 00:00:00 GMT";
        out[..3].copy_from_slice(DAYS[(days % 7) as usize]);
        two_digits(&mut out[5..7], day);
        out[8..11].copy_from_slice(MONTHS[month as usize - 1]);
        // Years past 9999 show their last four digits; HTTP dates stop well before.
        two_digits(&mut out[12..14], year / 100 % 100);
        two_digits(&mut out[14..16], year % 100);
        two_digits(&mut out[17..19], rem / 3600);
        two_digits(&mut out[20..22], rem / 60 % 60);
        two_digits(&mut out[23..25], rem % 60);
        out
    }
}

/// Writes `n` (below 100) as two ASCII digits.
fn two_digits(out: &mut [u8], n: u64) {
    out[0] = b'0' + (n / 10 % 10) as u8;
    out[1] = b'0' + (n % 10) as u8;
}

impl fmt::Display for HttpDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bytes = self.imf_fixdate();
        // Every byte written above is ASCII.
        f.write_str(std::str::from_utf8(&bytes).map_err(|_| fmt::Error)?)
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

    #[test]
    fn agrees_with_a_date_computed_by_day_counting_for_every_day_of_four_centuries() {
        // Walks day by day from 1970 (a Thursday), counting months and leap years the
        // long way, so that the arithmetic above is checked against a second method.
        let month_len = |year: u64, month: usize| -> u64 {
            let leap =
                year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400));
            [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month]
        };
        let names = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
        let months =
            ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
        let (mut year, mut month, mut day) = (1970u64, 0usize, 1u64);
        for days in 0..146_097u64 {
            let secs = days * 86_400 + 3_723 + days % 7 * 3_600;
            let expected = format!(
                "{}, {day:02} {} {year:04} {:02}:02:03 GMT",
                names[(days % 7) as usize],
                months[month],
                1 + days % 7,
            );
            assert_eq!(HttpDate::from_unix(secs).to_string(), expected, "day {days}");
            day += 1;
            if day > month_len(year, month) {
                day = 1;
                month += 1;
                if month == 12 {
                    month = 0;
                    year += 1;
                }
            }
        }
    }
}
