//! [`AccessRecord`]: what an access log line says about one request.

use std::net::SocketAddr;
use std::time::{Duration, SystemTime};

/// One request, as the engine saw it. Borrowed, so that logging copies nothing before
/// formatting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AccessRecord<'a> {
    /// The client: the socket's peer, or the address a PROXY header reported.
    pub client: SocketAddr,
    /// When the request's first byte arrived (the common format's convention).
    pub time: SystemTime,
    /// The request line; `None` in `bytes` and `handoff` modes, which have none.
    pub request: Option<RequestLine<'a>>,
    /// The response's status; `None` where there is no HTTP status.
    pub status: Option<u16>,
    /// Bytes of response body sent (of the reply, in `bytes` mode).
    pub bytes: u64,
    /// From the request's first byte to its response queued for writing.
    pub duration: Duration,
    /// The forward that served it, as named in metrics (`http 127.0.0.1:8080`).
    pub forward: &'a str,
}

/// An HTTP request line, as received.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestLine<'a> {
    /// `GET`, `POST`, …
    pub method: &'a str,
    /// The request target: `/path?query`, an absolute URI or `*`.
    pub target: &'a str,
    /// `HTTP/1.1` or `HTTP/1.0`.
    pub version: &'a str,
}

/// The record the format tests start from: the common log format's classic example
/// (10 Oct 2000 13:55:36 -0700, here in UTC, plus 250 ms).
#[cfg(test)]
pub(super) fn example(request: Option<RequestLine<'_>>) -> AccessRecord<'_> {
    AccessRecord {
        client: "192.0.2.1:56324".parse().expect("an address"),
        time: SystemTime::UNIX_EPOCH + Duration::from_millis(971_211_336_250),
        request,
        status: Some(200),
        bytes: 2326,
        duration: Duration::from_millis(3),
        forward: "http 127.0.0.1:8080",
    }
}
