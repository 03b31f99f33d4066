//! Why a request was refused ([`ErrorKind`], each with its status) and where in the
//! connection's byte stream ([`HttpError`]). Every decode error ends the connection: after
//! the error response, ostiumd closes it, since framing can no longer be trusted.

use std::fmt;

use super::status::Status;

/// What is wrong with a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The request line is malformed (method, target, spacing). 400.
    RequestLine,
    /// The request line alone does not fit in `max-header-bytes`. 414.
    UriTooLong,
    /// The request line and headers do not fit in `max-header-bytes`. 431.
    HeadersTooLarge,
    /// More header fields than `max-headers`. 431.
    TooManyHeaders,
    /// A header field name that is not a token, or a blank before its colon. 400.
    HeaderName,
    /// A header field value with a forbidden byte (a control character). 400.
    HeaderValue,
    /// A line folded onto the previous one (obs-fold). 400.
    ObsoleteFold,
    /// A CR not followed by LF, or an LF not preceded by CR. 400.
    BareLineEnd,
    /// An HTTP version other than 1.0 and 1.1. 505.
    Version,
    /// An HTTP/1.1 request without exactly one `Host`, or an HTTP/1.0 one with several. 400.
    Host,
    /// A `Content-Length` that is not a decimal number. 400.
    ContentLength,
    /// `Content-Length` given more than once, even with equal values. 400.
    RepeatedContentLength,
    /// Both `Content-Length` and `Transfer-Encoding`. 400.
    LengthAndTransferEncoding,
    /// `Transfer-Encoding` in an HTTP/1.0 request. 400.
    TransferEncodingHttp10,
    /// A `Transfer-Encoding` whose last coding is not `chunked`, or with `chunked` twice. 400.
    ChunkedNotLast,
    /// A transfer coding other than `chunked` before the final `chunked`. 501.
    UnsupportedCoding,
    /// The body exceeds `max-body`. 413.
    BodyTooLarge,
    /// A chunk-size line that is not hex digits and extensions ending in CRLF, or whose
    /// size overflows. 400.
    ChunkSize,
    /// Chunk data not followed by CRLF. 400.
    ChunkEnd,
    /// A malformed trailer section. 400.
    Trailer,
    /// A trailer section beyond `max-header-bytes` or `max-headers`. 431.
    TrailersTooLarge,
    /// An `Expect` other than `100-continue`. 417.
    Expectation,
    /// The body could not be written to its spool file (`body-spool` unwritable or
    /// full). 500: the server's fault, not the client's.
    BodySpool,
}

impl ErrorKind {
    /// The status of the response that refuses the request.
    pub fn status(self) -> Status {
        match self {
            ErrorKind::UriTooLong => Status::URI_TOO_LONG,
            ErrorKind::HeadersTooLarge
            | ErrorKind::TooManyHeaders
            | ErrorKind::TrailersTooLarge => Status::HEADER_FIELDS_TOO_LARGE,
            ErrorKind::Version => Status::VERSION_NOT_SUPPORTED,
            ErrorKind::UnsupportedCoding => Status::NOT_IMPLEMENTED,
            ErrorKind::BodyTooLarge => Status::CONTENT_TOO_LARGE,
            ErrorKind::Expectation => Status::EXPECTATION_FAILED,
            ErrorKind::BodySpool => Status::INTERNAL_SERVER_ERROR,
            _ => Status::BAD_REQUEST,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            ErrorKind::RequestLine => "malformed request line",
            ErrorKind::UriTooLong => "request line too long",
            ErrorKind::HeadersTooLarge => "headers too large",
            ErrorKind::TooManyHeaders => "too many header fields",
            ErrorKind::HeaderName => "invalid header field name",
            ErrorKind::HeaderValue => "invalid header field value",
            ErrorKind::ObsoleteFold => "folded header line",
            ErrorKind::BareLineEnd => "CR or LF alone where CRLF is required",
            ErrorKind::Version => "unsupported HTTP version",
            ErrorKind::Host => "missing or repeated Host",
            ErrorKind::ContentLength => "malformed Content-Length",
            ErrorKind::RepeatedContentLength => "repeated Content-Length",
            ErrorKind::LengthAndTransferEncoding => "both Content-Length and Transfer-Encoding",
            ErrorKind::TransferEncodingHttp10 => "Transfer-Encoding in an HTTP/1.0 request",
            ErrorKind::ChunkedNotLast => "chunked is not the final transfer coding, exactly once",
            ErrorKind::UnsupportedCoding => "unsupported transfer coding",
            ErrorKind::BodyTooLarge => "body too large",
            ErrorKind::ChunkSize => "malformed chunk size line",
            ErrorKind::ChunkEnd => "chunk data not followed by CRLF",
            ErrorKind::Trailer => "malformed trailer section",
            ErrorKind::TrailersTooLarge => "trailer section too large",
            ErrorKind::Expectation => "unsupported expectation",
            ErrorKind::BodySpool => "the body could not be spooled",
        }
    }
}

/// A refused request: what is wrong, and the offset in the connection's byte stream
/// (counted from its first byte) of the byte where the problem was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct HttpError {
    /// What is wrong.
    pub kind: ErrorKind,
    /// Where, in bytes from the start of the connection.
    pub offset: u64,
}

impl HttpError {
    /// The status of the response that refuses the request; the connection is then
    /// closed.
    pub fn status(&self) -> Status {
        self.kind.status()
    }
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {} ({})", self.kind.describe(), self.offset, self.status())
    }
}

impl std::error::Error for HttpError {}
