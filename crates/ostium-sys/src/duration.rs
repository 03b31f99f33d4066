//! [`parse_duration`]: a duration as people write one on a command line or in a
//! configuration file — `500ms`, `1.5s`, `2m`, `1h`, or a bare number of seconds (`30`,
//! `0.25`) — the one format every Ostium program accepts.

use std::fmt;
use std::time::Duration;

/// Why a duration was not understood.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DurationError {
    /// Nothing was given.
    Empty,
    /// The number is not a non-negative decimal (`1`, `0.5`).
    Number,
    /// The unit is none of `ms`, `s`, `m`, `h`.
    Unit,
    /// Too long to represent.
    TooLong,
}

impl fmt::Display for DurationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DurationError::Empty => "no duration given",
            DurationError::Number => {
                "not a duration: a number (seconds) with an optional unit ms, s, m or h"
            }
            DurationError::Unit => "unknown unit: use ms, s, m or h (or none, for seconds)",
            DurationError::TooLong => "too long a duration",
        })
    }
}

impl std::error::Error for DurationError {}

/// Parses `text`: a non-negative decimal number, then optionally `ms`, `s`, `m` or `h`
/// (seconds without one). Blanks around it are ignored.
pub fn parse_duration(text: &str) -> Result<Duration, DurationError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(DurationError::Empty);
    }
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let valid = !number.is_empty() && !number.starts_with('.') && !number.ends_with('.');
    let value: f64 = number.parse().ok().filter(|_| valid).ok_or(DurationError::Number)?;
    let seconds_per = match unit {
        "ms" => 0.001,
        "" | "s" => 1.0,
        "m" => 60.0,
        "h" => 3600.0,
        _ => return Err(DurationError::Unit),
    };
    Duration::try_from_secs_f64(value * seconds_per).map_err(|_| DurationError::TooLong)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_fractions_and_bare_seconds() {
        let d = |text| parse_duration(text).unwrap();
        assert_eq!(d("500ms"), Duration::from_millis(500));
        assert_eq!(d("1s"), Duration::from_secs(1));
        assert_eq!(d("1.5s"), Duration::from_millis(1500));
        assert_eq!(d("2m"), Duration::from_secs(120));
        assert_eq!(d("1h"), Duration::from_secs(3600));
        assert_eq!(d("30"), Duration::from_secs(30));
        assert_eq!(d(" 0.25 "), Duration::from_millis(250));
        assert_eq!(d("0"), Duration::ZERO);
    }

    #[test]
    fn anything_else_is_refused_with_its_reason() {
        assert_eq!(parse_duration(""), Err(DurationError::Empty));
        assert_eq!(parse_duration("s"), Err(DurationError::Number));
        assert_eq!(parse_duration("-1s"), Err(DurationError::Number));
        assert_eq!(parse_duration("1.s"), Err(DurationError::Number));
        assert_eq!(parse_duration("1.2.3"), Err(DurationError::Number));
        assert_eq!(parse_duration("5 minutes"), Err(DurationError::Unit));
        assert_eq!(parse_duration("3d"), Err(DurationError::Unit));
        assert_eq!(parse_duration("1e400"), Err(DurationError::Unit));
        assert_eq!(parse_duration("99999999999999999999999h"), Err(DurationError::TooLong));
    }
}
