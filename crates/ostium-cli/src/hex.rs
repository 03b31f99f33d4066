//! Bytes as hex, both ways: what `ostium call` takes and prints for raw arguments and
//! replies.

/// The bytes of `words`, each a run of hex digit pairs (`0a0b`, `0x0a`, `0a:0b`); the
/// error names the first word that is not hex.
pub(crate) fn parse<'a>(words: impl IntoIterator<Item = &'a str>) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    for word in words {
        let digits: String = word
            .trim_start_matches("0x")
            .chars()
            .filter(|c| !matches!(c, ':' | '_' | '-'))
            .collect();
        if !digits.len().is_multiple_of(2) || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(format!("`{word}` is not hex bytes (pairs of hex digits)"));
        }
        for pair in digits.as_bytes().chunks(2) {
            let pair = std::str::from_utf8(pair).map_err(|_| format!("`{word}` is not hex"))?;
            bytes.push(u8::from_str_radix(pair, 16).map_err(|_| format!("`{word}` is not hex"))?);
        }
    }
    Ok(bytes)
}

/// `bytes` as lowercase hex digit pairs, no separator.
pub(crate) fn format(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_names_bad_words() {
        assert_eq!(parse(["0a0B", "0xff", "01:02"]).unwrap(), [0x0a, 0x0b, 0xff, 1, 2]);
        assert_eq!(format(&[0, 0xab]), "00ab");
        assert_eq!(parse(["abc"]).unwrap_err(), "`abc` is not hex bytes (pairs of hex digits)");
        assert!(parse(["zz"]).is_err());
        let none: [&str; 0] = [];
        assert_eq!(parse(none).unwrap(), Vec::<u8>::new());
    }
}
