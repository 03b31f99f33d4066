//! A UTC calendar time to the millisecond, from a [`SystemTime`], for log timestamps.

use std::time::{SystemTime, UNIX_EPOCH};

/// A UTC date and time. Times before 1970 show as the epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct UtcTime {
    pub(super) year: u64,
    /// 1 to 12.
    pub(super) month: u8,
    /// 1 to 31.
    pub(super) day: u8,
    pub(super) hour: u8,
    pub(super) minute: u8,
    pub(super) second: u8,
    pub(super) millisecond: u16,
}

/// The months' English abbreviations, as the common log format writes them.
pub(super) const MONTHS: [&str; 12] =
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

impl UtcTime {
    pub(super) fn new(time: SystemTime) -> UtcTime {
        let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
        let secs = since.as_secs();
        let (year, month, day) = date(secs / 86_400);
        let of_day = secs % 86_400;
        // Each value is below its unit's range (24, 60, 60, 1000), so the casts are exact.
        UtcTime {
            year,
            month,
            day,
            hour: (of_day / 3600) as u8,
            minute: (of_day / 60 % 60) as u8,
            second: (of_day % 60) as u8,
            millisecond: since.subsec_millis() as u16,
        }
    }
}

fn is_leap(year: u64) -> bool {
    year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400))
}

/// The (year, month, day) `days` days after 1970-01-01: whole 400-year cycles first
/// (146,097 days each), then year by year and month by month — at most 400 + 12 steps.
fn date(mut days: u64) -> (u64, u8, u8) {
    let mut year = 1970 + days / 146_097 * 400;
    days %= 146_097;
    loop {
        let length = if is_leap(year) { 366 } else { 365 };
        if days < length {
            break;
        }
        days -= length;
        year += 1;
    }
    let february = if is_leap(year) { 29 } else { 28 };
    let lengths = [31, february, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let mut month = 0;
    while days >= lengths[month] {
        days -= lengths[month];
        month += 1;
    }
    (year, month as u8 + 1, days as u8 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn at(secs: u64, millis: u64) -> UtcTime {
        UtcTime::new(UNIX_EPOCH + Duration::from_secs(secs) + Duration::from_millis(millis))
    }

    #[test]
    fn calendar_dates_are_right_across_leap_years_and_centuries() {
        let ymd = |secs| {
            let t = at(secs, 0);
            (t.year, t.month, t.day, t.hour, t.minute, t.second)
        };
        assert_eq!(ymd(0), (1970, 1, 1, 0, 0, 0));
        assert_eq!(ymd(951_782_400), (2000, 2, 29, 0, 0, 0));
        assert_eq!(ymd(971_211_336), (2000, 10, 10, 20, 55, 36));
        assert_eq!(ymd(1_709_164_800), (2024, 2, 29, 0, 0, 0));
        assert_eq!(ymd(4_102_444_799), (2099, 12, 31, 23, 59, 59));
        // 2100 is not a leap year: 28 February is followed by 1 March.
        assert_eq!(ymd(4_107_542_399), (2100, 2, 28, 23, 59, 59));
        assert_eq!(ymd(4_107_542_400), (2100, 3, 1, 0, 0, 0));
        assert_eq!(at(0, 999).millisecond, 999);
    }

    #[test]
    fn times_before_the_epoch_show_as_the_epoch() {
        let before = UNIX_EPOCH - Duration::from_secs(10);
        assert_eq!(UtcTime::new(before), at(0, 0));
    }
}
