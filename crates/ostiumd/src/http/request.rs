//! A decoded request: its line, header fields, body and trailers, and whether the
//! connection stays open after it.

use super::body::Body;

/// The HTTP version of a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Version {
    /// HTTP/1.0: the connection closes after the response unless the request asked for
    /// `Connection: keep-alive`.
    Http10,
    /// HTTP/1.1: the connection stays open unless either side says `Connection: close`.
    Http11,
}

impl Version {
    /// As written in a request or status line.
    pub fn as_str(self) -> &'static str {
        match self {
            Version::Http10 => "HTTP/1.0",
            Version::Http11 => "HTTP/1.1",
        }
    }
}

/// One header (or trailer) field. The name is a token, as received (compare it without
/// case); the value has its surrounding blanks removed and may hold any byte but
/// controls, including obs-text (bytes 0x80 to 0xFF).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// The field name.
    pub name: String,
    /// The field value.
    pub value: Vec<u8>,
}

/// A whole request.
#[derive(Debug, PartialEq, Eq)]
pub struct Request {
    /// The method (a token: `GET`, `POST`, or any other).
    pub method: String,
    /// The request target, as received (origin form `/path?query`, absolute form, `*`).
    pub target: String,
    /// The version.
    pub version: Version,
    /// The header fields, in order, repeated ones included.
    pub headers: Vec<Header>,
    /// The body, de-chunked: in memory, or spooled to a file.
    pub body: Body,
    /// The trailer fields of a chunked body, kept apart from the headers.
    pub trailers: Vec<Header>,
    /// Whether the connection stays open after the response (the version's default,
    /// changed by `Connection: close` or `keep-alive`). When false, the decoder has
    /// stopped: bytes after this request are never decoded.
    pub keep_alive: bool,
}

impl Request {
    /// The value of the first field called `name` (any case).
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        find(&self.headers, name)
    }

    /// Whether the method is `HEAD`, whose response has no body.
    pub fn is_head(&self) -> bool {
        self.method == "HEAD"
    }
}

pub(crate) fn find<'h>(headers: &'h [Header], name: &str) -> Option<&'h [u8]> {
    headers.iter().find(|h| h.name.eq_ignore_ascii_case(name)).map(|h| h.value.as_slice())
}
