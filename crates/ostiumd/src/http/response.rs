//! The response serializer: a status line, the application's header fields (checked), the
//! framing fields ostiumd owns (`Content-Length` or `Transfer-Encoding: chunked`,
//! `Connection`, `Date`), and the body, which a `HEAD` request and the statuses that have
//! none (1xx, 204, 304) never get.

use std::fmt;
use std::io::Write as _;

use super::date::HttpDate;
use super::request::Version;
use super::status::Status;

/// The fields ostiumd writes itself; an application may not set them.
const OWNED: [&str; 7] = [
    "connection",
    "content-length",
    "keep-alive",
    "proxy-connection",
    "te",
    "transfer-encoding",
    "upgrade",
];

/// Why a response cannot be written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ResponseError {
    /// The header at this index has a name that is not a token.
    HeaderName(usize),
    /// The header at this index has a value with CR, LF or another control character.
    HeaderValue(usize),
    /// The header at this index is one ostiumd writes itself (framing, connection).
    OwnedHeader(usize),
    /// A chunked response to an HTTP/1.0 request, which cannot read one.
    ChunkedToHttp10,
}

impl fmt::Display for ResponseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResponseError::HeaderName(i) => write!(f, "header {i}: the name is not a token"),
            ResponseError::HeaderValue(i) => {
                write!(f, "header {i}: control character in the value")
            }
            ResponseError::OwnedHeader(i) => write!(f, "header {i}: framing is ostiumd's to write"),
            ResponseError::ChunkedToHttp10 => {
                f.write_str("chunked response to an HTTP/1.0 request")
            }
        }
    }
}

impl std::error::Error for ResponseError {}

/// Everything about a response but its body.
#[derive(Clone, Copy, Debug)]
pub struct ResponseHead<'a> {
    /// The status.
    pub status: Status,
    /// The application's header fields, in order.
    pub headers: &'a [(&'a str, &'a [u8])],
    /// The request's version: an HTTP/1.0 client is told `Connection: keep-alive`.
    pub version: Version,
    /// Whether the request was `HEAD`: the framing fields are written, the body is not.
    pub head_request: bool,
    /// Whether the connection stays open; if not, `Connection: close` is written.
    pub keep_alive: bool,
    /// The `Date` to write, unless the application gave one. `None`: no `Date`.
    pub date: Option<HttpDate>,
}

impl ResponseHead<'_> {
    fn has_body(&self) -> bool {
        !self.head_request && !self.status.forbids_body()
    }
}

/// Writes a whole response with a `Content-Length` body.
pub fn write_response(
    out: &mut Vec<u8>,
    head: &ResponseHead<'_>,
    body: &[u8],
) -> Result<(), ResponseError> {
    write_head(out, head, Some(body.len() as u64))?;
    if head.has_body() {
        out.extend_from_slice(body);
    }
    Ok(())
}

/// Writes the head of a chunked response; its body follows through the returned
/// [`ChunkedBody`], which writes nothing where the response has no body.
pub fn write_chunked_head(
    out: &mut Vec<u8>,
    head: &ResponseHead<'_>,
) -> Result<ChunkedBody, ResponseError> {
    if head.version == Version::Http10 {
        return Err(ResponseError::ChunkedToHttp10);
    }
    write_head(out, head, None)?;
    Ok(ChunkedBody { body: head.has_body() })
}

/// `HTTP/1.1 100 Continue`, the interim response to `Expect: 100-continue`.
pub fn write_continue(out: &mut Vec<u8>) {
    out.extend_from_slice(b"HTTP/1.1 100 Continue\r\n\r\n");
}

/// The body of a chunked response being written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChunkedBody {
    body: bool,
}

impl ChunkedBody {
    /// Writes one chunk (nothing for empty data, which would end the body).
    pub fn chunk(&self, out: &mut Vec<u8>, data: &[u8]) {
        if self.body && !data.is_empty() {
            let _ = write!(out, "{:x}\r\n", data.len());
            out.extend_from_slice(data);
            out.extend_from_slice(b"\r\n");
        }
    }

    /// Writes the last chunk, ending the body.
    pub fn finish(self, out: &mut Vec<u8>) {
        if self.body {
            out.extend_from_slice(b"0\r\n\r\n");
        }
    }
}

/// The status line and fields; `length` is the body's, or `None` for chunked.
fn write_head(
    out: &mut Vec<u8>,
    head: &ResponseHead<'_>,
    length: Option<u64>,
) -> Result<(), ResponseError> {
    check(head.headers)?;
    let status = head.status;
    // Written without `fmt`: this runs for every response.
    let mut number = itoa::Buffer::new();
    out.extend_from_slice(b"HTTP/1.1 ");
    out.extend_from_slice(number.format(status.code()).as_bytes());
    out.push(b' ');
    out.extend_from_slice(status.reason().as_bytes());
    out.extend_from_slice(b"\r\n");
    let mut has_date = false;
    for (name, value) in head.headers {
        has_date |= name.eq_ignore_ascii_case("date");
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
    }
    if let (Some(date), false) = (head.date, has_date) {
        out.extend_from_slice(b"Date: ");
        out.extend_from_slice(&date.imf_fixdate());
        out.extend_from_slice(b"\r\n");
    }
    if !status.forbids_body() {
        match length {
            Some(n) => {
                out.extend_from_slice(b"Content-Length: ");
                out.extend_from_slice(number.format(n).as_bytes());
                out.extend_from_slice(b"\r\n");
            }
            None => out.extend_from_slice(b"Transfer-Encoding: chunked\r\n"),
        }
    }
    if !head.keep_alive {
        out.extend_from_slice(b"Connection: close\r\n");
    } else if head.version == Version::Http10 {
        out.extend_from_slice(b"Connection: keep-alive\r\n");
    }
    out.extend_from_slice(b"\r\n");
    Ok(())
}

fn check(headers: &[(&str, &[u8])]) -> Result<(), ResponseError> {
    for (i, (name, value)) in headers.iter().enumerate() {
        let token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
        if name.is_empty() || !name.bytes().all(token) {
            return Err(ResponseError::HeaderName(i));
        }
        if OWNED.iter().any(|o| name.eq_ignore_ascii_case(o)) {
            return Err(ResponseError::OwnedHeader(i));
        }
        if value.iter().any(|&b| (b < 0x20 && b != b'\t') || b == 0x7f) {
            return Err(ResponseError::HeaderValue(i));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head<'a>(status: u16, headers: &'a [(&'a str, &'a [u8])]) -> ResponseHead<'a> {
        ResponseHead {
            status: Status::new(status).unwrap(),
            headers,
            version: Version::Http11,
            head_request: false,
            keep_alive: true,
            date: None,
        }
    }

    fn text(out: Vec<u8>) -> String {
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn content_length_responses() {
        let mut out = Vec::new();
        let fields: &[(&str, &[u8])] = &[("Content-Type", b"text/plain")];
        write_response(
            &mut out,
            &ResponseHead { date: Some(HttpDate::from_unix(0)), ..head(200, fields) },
            b"hi",
        )
        .unwrap();
        assert_eq!(
            text(out),
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nDate: Thu, 01 Jan 1970 00:00:00 GMT\r\nContent-Length: 2\r\n\r\nhi"
        );
        let mut out = Vec::new();
        let h = ResponseHead { head_request: true, keep_alive: false, ..head(200, &[]) };
        write_response(&mut out, &h, b"hello").unwrap();
        assert_eq!(text(out), "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\n");
        let mut out = Vec::new();
        write_response(
            &mut out,
            &ResponseHead { version: Version::Http10, ..head(204, &[]) },
            b"x",
        )
        .unwrap();
        assert_eq!(text(out), "HTTP/1.1 204 No Content\r\nConnection: keep-alive\r\n\r\n");
    }

    #[test]
    fn chunked_responses() {
        let mut out = Vec::new();
        let body = write_chunked_head(&mut out, &head(200, &[])).unwrap();
        body.chunk(&mut out, b"hello world, ");
        body.chunk(&mut out, b"");
        body.chunk(&mut out, b"bye");
        body.finish(&mut out);
        assert_eq!(
            text(out),
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nd\r\nhello world, \r\n3\r\nbye\r\n0\r\n\r\n"
        );
        let mut out = Vec::new();
        let body =
            write_chunked_head(&mut out, &ResponseHead { head_request: true, ..head(200, &[]) })
                .unwrap();
        body.chunk(&mut out, b"x");
        body.finish(&mut out);
        assert_eq!(text(out), "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
        let h10 = ResponseHead { version: Version::Http10, ..head(200, &[]) };
        assert_eq!(write_chunked_head(&mut Vec::new(), &h10), Err(ResponseError::ChunkedToHttp10));
    }

    #[test]
    fn refuses_injected_and_owned_headers() {
        type Fields = &'static [(&'static str, &'static [u8])];
        let cases: &[(Fields, ResponseError)] = &[
            (&[("X", b"a\r\nSet-Cookie: x")], ResponseError::HeaderValue(0)),
            (&[("X", b"ok"), ("Bad Name", b"")], ResponseError::HeaderName(1)),
            (&[("", b"")], ResponseError::HeaderName(0)),
            (&[("content-length", b"5")], ResponseError::OwnedHeader(0)),
            (&[("Transfer-Encoding", b"chunked")], ResponseError::OwnedHeader(0)),
            (&[("Connection", b"close")], ResponseError::OwnedHeader(0)),
        ];
        for (fields, expected) in cases {
            let mut out = Vec::new();
            assert_eq!(write_response(&mut out, &head(200, fields), b""), Err(*expected));
            assert!(out.is_empty());
        }
        let mut out = Vec::new();
        let fields: &[(&str, &[u8])] = &[("Date", b"whenever"), ("X", b"\t\x80")];
        write_response(
            &mut out,
            &ResponseHead { date: Some(HttpDate::from_unix(0)), ..head(404, fields) },
            b"",
        )
        .unwrap();
        assert_eq!(
            out,
            b"HTTP/1.1 404 Not Found\r\nDate: whenever\r\nX: \t\x80\r\nContent-Length: 0\r\n\r\n"
        );
        let mut out = Vec::new();
        write_continue(&mut out);
        assert_eq!(out, b"HTTP/1.1 100 Continue\r\n\r\n");
    }
}
