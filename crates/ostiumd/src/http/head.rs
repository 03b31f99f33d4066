//! Parses a complete request head (request line and header fields, already checked for
//! line structure by [`scan`](super::scan)) with `httparse`, and locates what it refuses.

use super::error::ErrorKind;
use super::request::{Header, Version};

/// A request's line and header fields.
#[derive(Debug)]
pub(crate) struct Head {
    pub(crate) method: String,
    pub(crate) target: String,
    pub(crate) version: Version,
    pub(crate) headers: Vec<Header>,
}

/// Parses `head` (through its final CRLF CRLF), which holds `fields` header lines; a
/// fault comes with its offset in `head`.
pub(crate) fn parse_head(head: &[u8], fields: usize) -> Result<Head, (ErrorKind, usize)> {
    let mut slots = vec![httparse::EMPTY_HEADER; fields];
    let mut req = httparse::Request::new(&mut slots);
    match req.parse(head) {
        Ok(httparse::Status::Complete(_)) => {}
        Ok(httparse::Status::Partial) => return Err((ErrorKind::RequestLine, 0)),
        Err(e) => return Err(locate(head, e)),
    }
    let (Some(method), Some(target), Some(minor)) = (req.method, req.path, req.version) else {
        return Err((ErrorKind::RequestLine, 0));
    };
    let version = if minor == 0 { Version::Http10 } else { Version::Http11 };
    Ok(Head {
        method: method.to_owned(),
        target: target.to_owned(),
        version,
        headers: fields_of(req.headers),
    })
}

/// Parses a complete trailer section holding `fields` lines (through its final CRLF).
pub(crate) fn parse_trailers(
    section: &[u8],
    fields: usize,
) -> Result<Vec<Header>, (ErrorKind, usize)> {
    let mut slots = vec![httparse::EMPTY_HEADER; fields];
    match httparse::parse_headers(section, &mut slots) {
        Ok(httparse::Status::Complete((_, parsed))) => Ok(fields_of(parsed)),
        Ok(httparse::Status::Partial) => Err((ErrorKind::Trailer, 0)),
        Err(_) => Err((ErrorKind::Trailer, bad_field(section, 0).map_or(0, |(_, at)| at))),
    }
}

fn fields_of(parsed: &[httparse::Header<'_>]) -> Vec<Header> {
    parsed
        .iter()
        .map(|h| Header { name: h.name.to_owned(), value: trim(h.value).to_vec() })
        .collect()
}

/// Removes blanks (SP, HTAB) around a value.
fn trim(mut value: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = value {
        value = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = value {
        value = rest;
    }
    value
}

/// The kind and offset of what `httparse` refused.
fn locate(head: &[u8], e: httparse::Error) -> (ErrorKind, usize) {
    let line_end = head.windows(2).position(|w| w == b"\r\n").unwrap_or(head.len());
    match e {
        httparse::Error::HeaderName | httparse::Error::HeaderValue => {
            let fallback = if e == httparse::Error::HeaderName {
                ErrorKind::HeaderName
            } else {
                ErrorKind::HeaderValue
            };
            bad_field(head, line_end + 2).unwrap_or((fallback, line_end + 2))
        }
        httparse::Error::Version => {
            let line = &head[..line_end];
            let version = line.rsplit(|&b| b == b' ').next().unwrap_or_default();
            let at = line_end - version.len();
            let three_parts = line.iter().filter(|&&b| b == b' ').count() == 2;
            match version {
                [b'H', b'T', b'T', b'P', b'/', major, b'.', minor]
                    if three_parts && major.is_ascii_digit() && minor.is_ascii_digit() =>
                {
                    (ErrorKind::Version, at)
                }
                _ => (ErrorKind::RequestLine, at),
            }
        }
        httparse::Error::TooManyHeaders => (ErrorKind::TooManyHeaders, line_end),
        _ => (ErrorKind::RequestLine, 0),
    }
}

/// The first field line from `from` whose name is not a token followed by `:`, or whose
/// value holds a control character: which of the two, and where.
fn bad_field(section: &[u8], from: usize) -> Option<(ErrorKind, usize)> {
    let mut at = from;
    for line in section.get(from..)?.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let name_len = line.iter().position(|&b| !is_tchar(b)).unwrap_or(line.len());
        if name_len == 0 && line.is_empty() {
            return None;
        }
        if name_len == 0 || line.get(name_len) != Some(&b':') {
            return Some((ErrorKind::HeaderName, at + name_len));
        }
        let value = &line[name_len + 1..];
        if let Some(k) = value.iter().position(|&b| (b < 0x20 && b != b'\t') || b == 0x7f) {
            return Some((ErrorKind::HeaderValue, at + name_len + 1 + k));
        }
        at += line.len() + 2;
    }
    None
}

/// RFC 9110's `tchar`.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(head: &[u8]) -> (ErrorKind, usize) {
        let fields = head.windows(2).filter(|w| w == b"\r\n").count() - 2;
        parse_head(head, fields).unwrap_err()
    }

    #[test]
    fn parses_a_head() {
        let h = parse_head(b"POST /a?b HTTP/1.0\r\nHost: x \r\nX-A:\t1 2\t\r\n\r\n", 2).unwrap();
        assert_eq!(
            (h.method.as_str(), h.target.as_str(), h.version),
            ("POST", "/a?b", Version::Http10)
        );
        assert_eq!(h.headers[0], Header { name: "Host".into(), value: b"x".to_vec() });
        assert_eq!(h.headers[1].value, b"1 2");
    }

    #[test]
    fn locates_faults() {
        assert_eq!(
            err(b"GET / HTTP/1.1\r\nHost: x\r\nBad Name: y\r\n\r\n"),
            (ErrorKind::HeaderName, 28)
        );
        assert_eq!(err(b"GET / HTTP/1.1\r\nHost : x\r\n\r\n"), (ErrorKind::HeaderName, 20));
        assert_eq!(err(b"GET / HTTP/1.1\r\nHost: x\x01y\r\n\r\n"), (ErrorKind::HeaderValue, 23));
        assert_eq!(err(b"GET / HTTP/2.0\r\nHost: x\r\n\r\n"), (ErrorKind::Version, 6));
        assert_eq!(err(b"GET / HTXP/1.1\r\nHost: x\r\n\r\n"), (ErrorKind::RequestLine, 6));
        assert_eq!(err(b"GET /a b HTTP/1.1\r\nHost: x\r\n\r\n").0, ErrorKind::RequestLine);
        assert_eq!(err(b"GET  / HTTP/1.1\r\nHost: x\r\n\r\n").0, ErrorKind::RequestLine);
        assert_eq!(err(b"G(T / HTTP/1.1\r\nHost: x\r\n\r\n").0, ErrorKind::RequestLine);
    }
}
