//! What a request's header fields say about its framing: how its body is delimited
//! (RFC 9112 §6), whether the connection persists, whether the client awaits
//! `100 Continue`, and every header combination that could smuggle a request.
//!
//! Rules where the RFC leaves a choice, chosen strict:
//! - `Content-Length` more than once is refused (400), even with equal values, as is a
//!   list value (`5, 5`); leading zeros are accepted; a value too large for 64 bits is
//!   simply too large (413).
//! - `Content-Length` with `Transfer-Encoding` is refused (400), not resolved in favour of
//!   the transfer coding.
//! - `Transfer-Encoding` must end in `chunked`, once (else 400); another coding before it
//!   is not implemented (501). In an HTTP/1.0 request it is refused (400).
//! - HTTP/1.1 needs exactly one `Host`; HTTP/1.0 at most one (400).
//! - `Expect: 100-continue` is honoured in HTTP/1.1 only (RFC 9110 §10.1.1 says to ignore
//!   it in 1.0); any other expectation is refused (417).

use super::error::ErrorKind;
use super::request::{Header, Version};

/// How the body of a request is delimited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Body {
    /// Exactly this many bytes (0: no body).
    Length(u64),
    /// Chunked transfer coding.
    Chunked,
}

/// The framing of one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Framing {
    pub(crate) body: Body,
    pub(crate) keep_alive: bool,
    pub(crate) expect_continue: bool,
}

/// Reads the framing from the header fields; `max_body` refuses a too long
/// `Content-Length` before its body is read.
pub(crate) fn framing(
    version: Version,
    headers: &[Header],
    max_body: u64,
) -> Result<Framing, ErrorKind> {
    let named =
        |name: &'static str| headers.iter().filter(move |h| h.name.eq_ignore_ascii_case(name));
    let hosts = named("host").count();
    if hosts > 1 || (hosts == 0 && version == Version::Http11) {
        return Err(ErrorKind::Host);
    }

    let mut lengths = named("content-length");
    let length = match (lengths.next(), lengths.next()) {
        (None, _) => None,
        (Some(_), Some(_)) => return Err(ErrorKind::RepeatedContentLength),
        (Some(h), None) => Some(content_length(&h.value)?),
    };
    let codings: Vec<&[u8]> = named("transfer-encoding").flat_map(|h| list(&h.value)).collect();
    let te_present = named("transfer-encoding").next().is_some();
    let body = match (length, te_present) {
        (Some(_), true) => return Err(ErrorKind::LengthAndTransferEncoding),
        (_, true) if version == Version::Http10 => return Err(ErrorKind::TransferEncodingHttp10),
        (_, true) => chunked(&codings)?,
        (Some(n), false) if n > max_body => return Err(ErrorKind::BodyTooLarge),
        (Some(n), false) => Body::Length(n),
        (None, false) => Body::Length(0),
    };

    let connection: Vec<&[u8]> = named("connection").flat_map(|h| list(&h.value)).collect();
    let has = |token: &str| connection.iter().any(|t| t.eq_ignore_ascii_case(token.as_bytes()));
    let keep_alive = !has("close") && (version == Version::Http11 || has("keep-alive"));

    let mut expect_continue = false;
    for expectation in named("expect").flat_map(|h| list(&h.value)) {
        if !expectation.eq_ignore_ascii_case(b"100-continue") {
            return Err(ErrorKind::Expectation);
        }
        expect_continue = version == Version::Http11;
    }
    Ok(Framing { body, keep_alive, expect_continue })
}

/// `1*DIGIT`; all digits but too large for 64 bits is a body too large.
fn content_length(value: &[u8]) -> Result<u64, ErrorKind> {
    if value.is_empty() || !value.iter().all(u8::is_ascii_digit) {
        return Err(ErrorKind::ContentLength);
    }
    value
        .iter()
        .try_fold(0u64, |n, d| n.checked_mul(10)?.checked_add(u64::from(d - b'0')))
        .ok_or(ErrorKind::BodyTooLarge)
}

/// `chunked`, once and last; other codings before it are not implemented.
fn chunked(codings: &[&[u8]]) -> Result<Body, ErrorKind> {
    let is_chunked = |c: &&[u8]| c.eq_ignore_ascii_case(b"chunked");
    match codings.split_last() {
        Some((last, rest)) if is_chunked(last) && !rest.iter().any(is_chunked) => {
            if rest.is_empty() { Ok(Body::Chunked) } else { Err(ErrorKind::UnsupportedCoding) }
        }
        _ => Err(ErrorKind::ChunkedNotLast),
    }
}

/// The elements of a comma-separated field value, blanks trimmed, empty ones dropped.
fn list(value: &[u8]) -> impl Iterator<Item = &[u8]> {
    value.split(|&b| b == b',').map(|e| e.trim_ascii()).filter(|e| !e.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn framing_of(version: Version, fields: &[(&str, &str)]) -> Result<Framing, ErrorKind> {
        let headers: Vec<Header> = fields
            .iter()
            .map(|(n, v)| Header { name: (*n).to_owned(), value: v.as_bytes().to_vec() })
            .collect();
        framing(version, &headers, 1000)
    }

    #[test]
    fn body_lengths() {
        use Version::*;
        let f = |fields: &[(&str, &str)]| framing_of(Http11, fields).map(|f| f.body);
        assert_eq!(f(&[("Host", "a")]), Ok(Body::Length(0)));
        assert_eq!(f(&[("Host", "a"), ("content-length", "007")]), Ok(Body::Length(7)));
        assert_eq!(f(&[("Host", "a"), ("Transfer-Encoding", " Chunked ")]), Ok(Body::Chunked));
        assert_eq!(f(&[("Host", "a"), ("Content-Length", "1001")]), Err(ErrorKind::BodyTooLarge));
        assert_eq!(
            f(&[("Host", "a"), ("Content-Length", "99999999999999999999999")]),
            Err(ErrorKind::BodyTooLarge)
        );
        assert_eq!(
            f(&[("Host", "a"), ("Transfer-Encoding", "gzip, chunked")]),
            Err(ErrorKind::UnsupportedCoding)
        );
        assert_eq!(
            f(&[("Host", "a"), ("Transfer-Encoding", "chunked, gzip")]),
            Err(ErrorKind::ChunkedNotLast)
        );
        assert_eq!(
            f(&[("Host", "a"), ("Transfer-Encoding", "chunked"), ("Transfer-Encoding", "chunked")]),
            Err(ErrorKind::ChunkedNotLast)
        );
        assert_eq!(f(&[("Host", "a"), ("Transfer-Encoding", ",")]), Err(ErrorKind::ChunkedNotLast));
        assert_eq!(
            framing_of(Http10, &[("Transfer-Encoding", "chunked")]).map(|f| f.body),
            Err(ErrorKind::TransferEncodingHttp10)
        );
    }

    #[test]
    fn persistence_and_expectations() {
        use Version::*;
        let f = |v, fields: &[(&str, &str)]| {
            framing_of(v, fields).map(|f| (f.keep_alive, f.expect_continue))
        };
        assert_eq!(f(Http11, &[("Host", "a")]), Ok((true, false)));
        assert_eq!(
            f(Http11, &[("Host", "a"), ("Connection", "Upgrade, CLOSE")]),
            Ok((false, false))
        );
        assert_eq!(f(Http10, &[]), Ok((false, false)));
        assert_eq!(f(Http10, &[("Connection", "keep-alive")]), Ok((true, false)));
        assert_eq!(f(Http10, &[("Connection", "keep-alive, close")]), Ok((false, false)));
        assert_eq!(f(Http11, &[("Host", "a"), ("Expect", "100-Continue")]), Ok((true, true)));
        assert_eq!(f(Http10, &[("Expect", "100-continue")]), Ok((false, false)));
        assert_eq!(f(Http11, &[("Host", "a"), ("Expect", "200-ok")]), Err(ErrorKind::Expectation));
    }
}
