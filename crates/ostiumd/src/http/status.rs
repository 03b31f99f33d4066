//! HTTP status codes, with the reason phrases ostiumd writes.

use std::fmt;

/// A three-digit HTTP status code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Status(u16);

impl Status {
    /// 100 Continue: the client may send the body it announced with `Expect`.
    pub const CONTINUE: Status = Status(100);
    /// 200 OK.
    pub const OK: Status = Status(200);
    /// 204 No Content.
    pub const NO_CONTENT: Status = Status(204);
    /// 304 Not Modified.
    pub const NOT_MODIFIED: Status = Status(304);
    /// 400 Bad Request: malformed framing, including every request-smuggling vector.
    pub const BAD_REQUEST: Status = Status(400);
    /// 408 Request Timeout: the headers or body did not arrive in time.
    pub const REQUEST_TIMEOUT: Status = Status(408);
    /// 413 Content Too Large: the body exceeds `max-body`.
    pub const CONTENT_TOO_LARGE: Status = Status(413);
    /// 414 URI Too Long: the request line alone exceeds `max-header-bytes`.
    pub const URI_TOO_LONG: Status = Status(414);
    /// 417 Expectation Failed: an `Expect` other than `100-continue`.
    pub const EXPECTATION_FAILED: Status = Status(417);
    /// 431 Request Header Fields Too Large: `max-header-bytes` or `max-headers` exceeded.
    pub const HEADER_FIELDS_TOO_LARGE: Status = Status(431);
    /// 500 Internal Server Error.
    pub const INTERNAL_SERVER_ERROR: Status = Status(500);
    /// 501 Not Implemented: a transfer coding other than `chunked`.
    pub const NOT_IMPLEMENTED: Status = Status(501);
    /// 502 Bad Gateway: the application failed while serving the request.
    pub const BAD_GATEWAY: Status = Status(502);
    /// 503 Service Unavailable: the application is not running.
    pub const SERVICE_UNAVAILABLE: Status = Status(503);
    /// 504 Gateway Timeout: the application did not reply in time.
    pub const GATEWAY_TIMEOUT: Status = Status(504);
    /// 505 HTTP Version Not Supported.
    pub const VERSION_NOT_SUPPORTED: Status = Status(505);

    /// The status with this code, if it has three digits (100 to 999).
    pub const fn new(code: u16) -> Option<Status> {
        if code >= 100 && code <= 999 { Some(Status(code)) } else { None }
    }

    /// The code.
    pub const fn code(self) -> u16 {
        self.0
    }

    /// Whether a response with this status never has a body (1xx, 204, 304).
    pub const fn forbids_body(self) -> bool {
        self.0 < 200 || self.0 == 204 || self.0 == 304
    }

    /// The reason phrase ostiumd writes (RFC 9110's), or `""` for codes it does not name.
    pub fn reason(self) -> &'static str {
        match self.0 {
            100 => "Continue",
            101 => "Switching Protocols",
            200 => "OK",
            201 => "Created",
            202 => "Accepted",
            204 => "No Content",
            206 => "Partial Content",
            301 => "Moved Permanently",
            302 => "Found",
            303 => "See Other",
            304 => "Not Modified",
            307 => "Temporary Redirect",
            308 => "Permanent Redirect",
            400 => "Bad Request",
            401 => "Unauthorized",
            403 => "Forbidden",
            404 => "Not Found",
            405 => "Method Not Allowed",
            408 => "Request Timeout",
            409 => "Conflict",
            410 => "Gone",
            411 => "Length Required",
            413 => "Content Too Large",
            414 => "URI Too Long",
            415 => "Unsupported Media Type",
            417 => "Expectation Failed",
            422 => "Unprocessable Content",
            429 => "Too Many Requests",
            431 => "Request Header Fields Too Large",
            500 => "Internal Server Error",
            501 => "Not Implemented",
            502 => "Bad Gateway",
            503 => "Service Unavailable",
            504 => "Gateway Timeout",
            505 => "HTTP Version Not Supported",
            _ => "",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.0, self.reason())
    }
}
