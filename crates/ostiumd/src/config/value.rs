//! Parsers for option values: whole numbers, sizes (`8K`), durations (`250ms`), switches
//! (`on`/`off`) and modes. Each returns the [`ErrorKind`] the caller locates.

use std::time::Duration;

use super::error::ErrorKind;
use super::model::Mode;

/// A whole decimal number from 1 to `max`.
pub(crate) fn number(text: &str, max: u64, range: &'static str) -> Result<u64, ErrorKind> {
    let n = digits(text).ok_or(ErrorKind::BadNumber)?;
    in_range(n, max, range)
}

/// A size in bytes from 1 to `max`: digits, then optionally `K`, `M` or `G` (binary
/// multiples: `1K` is 1024 bytes; either case).
pub(crate) fn size(text: &str, max: u64, range: &'static str) -> Result<u64, ErrorKind> {
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (num, unit) = text.split_at(split);
    let shift = match unit {
        "" => 0,
        "k" | "K" => 10,
        "m" | "M" => 20,
        "g" | "G" => 30,
        _ => return Err(ErrorKind::BadSize),
    };
    let n = digits(num).ok_or(ErrorKind::BadSize)?;
    let bytes = n.checked_mul(1 << shift).ok_or(ErrorKind::OutOfRange(range))?;
    in_range(bytes, max, range)
}

/// A duration from 1 ms to 1 day, as [`ostium_sys::parse_duration`] reads it: a number,
/// then `ms`, `s`, `m` or `h`, or none for seconds.
pub(crate) fn duration(text: &str) -> Result<Duration, ErrorKind> {
    const RANGE: &str = "from 1ms to 24h";
    let duration = ostium_sys::parse_duration(text).map_err(|err| match err {
        ostium_sys::DurationError::TooLong => ErrorKind::OutOfRange(RANGE),
        _ => ErrorKind::BadDuration,
    })?;
    if duration < Duration::from_millis(1) || duration > Duration::from_secs(86_400) {
        return Err(ErrorKind::OutOfRange(RANGE));
    }
    Ok(duration)
}

/// A file's permission bits, in octal (`0600`, `666`): no more than `0777` (no set-id
/// or sticky bits).
pub(crate) fn file_mode(text: &str) -> Result<u32, ErrorKind> {
    let octal =
        !text.is_empty() && text.len() <= 4 && text.bytes().all(|b| (b'0'..=b'7').contains(&b));
    match u32::from_str_radix(text, 8) {
        Ok(mode) if octal && mode <= 0o777 => Ok(mode),
        _ => Err(ErrorKind::BadFileMode),
    }
}

/// `on` or `off`.
pub(crate) fn switch(text: &str) -> Result<bool, ErrorKind> {
    match text {
        "on" => Ok(true),
        "off" => Ok(false),
        _ => Err(ErrorKind::BadSwitch),
    }
}

/// `http`, `bytes` or `handoff`.
pub(crate) fn mode(text: &str) -> Result<Mode, ErrorKind> {
    match text {
        "http" => Ok(Mode::Http),
        "bytes" => Ok(Mode::Bytes),
        "handoff" => Ok(Mode::Handoff),
        _ => Err(ErrorKind::BadMode),
    }
}

/// ASCII digits only (no sign, no blanks), at most what fits in a `u64`; `None` if not.
fn digits(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // All digits: the only failure left is overflow, which is a range error upstream;
    // report it as a number too large for any limit.
    Some(text.parse().unwrap_or(u64::MAX))
}

fn in_range(n: u64, max: u64, range: &'static str) -> Result<u64, ErrorKind> {
    if n == 0 || n > max { Err(ErrorKind::OutOfRange(range)) } else { Ok(n) }
}

#[cfg(test)]
mod tests {
    use super::*;

    const R: &str = "r";

    #[test]
    fn numbers() {
        assert_eq!(number("42", 100, R), Ok(42));
        assert_eq!(number("0", 100, R), Err(ErrorKind::OutOfRange(R)));
        assert_eq!(number("101", 100, R), Err(ErrorKind::OutOfRange(R)));
        assert_eq!(number("99999999999999999999999", 100, R), Err(ErrorKind::OutOfRange(R)));
        for bad in ["", "+1", "-1", "1.5", "0x10", "1K", " 1"] {
            assert_eq!(number(bad, 100, R), Err(ErrorKind::BadNumber), "{bad:?}");
        }
    }

    #[test]
    fn sizes() {
        assert_eq!(size("512", u64::MAX, R), Ok(512));
        assert_eq!(size("8K", u64::MAX, R), Ok(8192));
        assert_eq!(size("8k", u64::MAX, R), Ok(8192));
        assert_eq!(size("1M", u64::MAX, R), Ok(1 << 20));
        assert_eq!(size("2G", u64::MAX, R), Ok(2 << 30));
        assert_eq!(size("2G", 1 << 30, R), Err(ErrorKind::OutOfRange(R)));
        assert_eq!(size("0K", u64::MAX, R), Err(ErrorKind::OutOfRange(R)));
        assert_eq!(size("99999999999999999G", u64::MAX, R), Err(ErrorKind::OutOfRange(R)));
        for bad in ["", "K", "1KB", "1T", "1.5M", "-1", "1 K"] {
            assert_eq!(size(bad, u64::MAX, R), Err(ErrorKind::BadSize), "{bad:?}");
        }
    }

    #[test]
    fn durations() {
        assert_eq!(duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(duration("5s"), Ok(Duration::from_secs(5)));
        assert_eq!(duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(duration("24h"), Ok(Duration::from_secs(86_400)));
        assert!(matches!(duration("25h"), Err(ErrorKind::OutOfRange(_))));
        assert!(matches!(duration("0s"), Err(ErrorKind::OutOfRange(_))));
        // Bare seconds and fractions, as on every command line.
        assert_eq!(duration("5"), Ok(Duration::from_secs(5)));
        assert_eq!(duration("1.5s"), Ok(Duration::from_millis(1500)));
        for bad in ["", "s", "5 s", "5sec", "-5s", "5S"] {
            assert_eq!(duration(bad), Err(ErrorKind::BadDuration), "{bad:?}");
        }
    }

    #[test]
    fn file_modes() {
        assert_eq!(file_mode("0600"), Ok(0o600));
        assert_eq!(file_mode("666"), Ok(0o666));
        assert_eq!(file_mode("0"), Ok(0));
        for bad in ["", "0800", "1777", "4755", "07777", "rw-", "0x1ff", "+600", "60 0"] {
            assert_eq!(file_mode(bad), Err(ErrorKind::BadFileMode), "{bad:?}");
        }
    }

    #[test]
    fn switches_and_modes() {
        assert_eq!(switch("on"), Ok(true));
        assert_eq!(switch("off"), Ok(false));
        assert_eq!(switch("yes"), Err(ErrorKind::BadSwitch));
        assert_eq!(mode("handoff"), Ok(Mode::Handoff));
        assert_eq!(mode("HTTP"), Err(ErrorKind::BadMode));
    }
}
