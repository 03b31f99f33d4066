//! HTTP/1.1 for ostiumd's `http` mode, sans I/O: a request decoder per connection and a
//! response serializer. Neither reads a socket or a clock.
//!
//! The engine feeds a [`Decoder`] the bytes it reads and takes [`Event`]s out: requests in
//! the order they came (keep-alive and pipelining), `Continue` when a client awaits
//! `100 Continue`, or an [`HttpError`] whose [`status`](HttpError::status) it answers
//! before closing. [`Decoder::phase`] says which timeout applies (header, body, idle).
//! Responses are written with [`write_response`] or [`write_chunked_head`].
//!
//! Request framing is strict, because ostiumd stands in front of applications and any
//! leniency is a request-smuggling vector (the rules, where the RFCs leave a choice):
//! - lines end in CRLF; a CR or LF alone is refused (400), as is obs-fold (400); one
//!   empty line before a request line is ignored;
//! - `Content-Length` must be digits, given once (even a repeated equal value is refused,
//!   400), and never with `Transfer-Encoding` (400);
//! - `Transfer-Encoding` must end in `chunked`, given once (else 400); other codings are
//!   not implemented (501); HTTP/1.0 requests may not use it (400);
//! - chunk sizes are hex that fits 64 bits, extensions are checked and ignored, chunk data
//!   ends in CRLF, trailers are kept apart from the headers (all 400 otherwise);
//! - HTTP/1.1 requests carry exactly one `Host` (400);
//! - the head is bounded by `max-header-bytes` (414 if the request line alone overflows,
//!   else 431) and `max-headers` (431); the body by `max-body` (413, before reading a body
//!   whose `Content-Length` is too large, and before `100 Continue`).

mod body;
mod chunked;
mod date;
mod decoder;
mod error;
mod framing;
mod head;
mod request;
mod response;
mod scan;
mod status;

#[cfg(test)]
mod tests;

pub use body::{Body, Spool};
pub use date::HttpDate;
pub use decoder::{Decoder, Event, Limits, Phase};
pub use error::{ErrorKind, HttpError};
pub use request::{Header, Request, Version};
pub use response::{
    ChunkedBody, ResponseError, ResponseHead, write_chunked_head, write_continue, write_response,
};
pub use status::Status;
