//! HTTP over doors: the message format that carries one HTTP request to an application
//! and its response back (`docs/http-over-doors.md`), as a sans-I/O codec, and [`serve`],
//! which serves a Rust application written against the `http` crate's types.
//!
//! ostiumd decodes a client's HTTP/1.1 request, encodes it with [`encode_request`] and
//! calls operation [`HTTP_REQUEST`] of the application's door with it; the application
//! decodes it, handles it, and replies with an encoded response, which ostiumd reads with
//! [`decode_response`] and writes to the client with its own framing. Bodies too large for
//! one door message travel in memfds, as the door protocol does for any payload, so the
//! format itself only states lengths.
//!
//! | side | encode | decode |
//! |---|---|---|
//! | ostiumd (borrowed parts) | [`encode_request`] ([`RequestParts`]) | [`decode_response`] ([`ResponseParts`]) |
//! | application | [`encode_response`] (`http::Response`) | [`decode_request`] (`http::Request`) |
//! | a Rust client | [`encode_http_request`] | [`decode_http_response`] |
//! | either, borrowed | [`encode_response_parts`] | [`decode_request_parts`] |
//!
//! Decoding checks everything the format requires before returning; a length is an
//! allegation until compared with the bytes there are; no input makes a decoder panic
//! (see `fuzz/` and the property tests). Errors are located: a [`DecodeError`] names the
//! byte offset and what is wrong there, an [`EncodeError`] the header field at fault.
//!
//! # Example
//!
//! ```
//! use ostium_http::{Peer, RequestParts, decode_request, encode_request};
//!
//! let peer = Peer::new("192.0.2.7:50000".parse()?, "127.0.0.1:8080".parse()?);
//! let headers: &[(&[u8], &[u8])] = &[(b"Host", b"example.org"), (b"Connection", b"close")];
//! let msg = encode_request(&RequestParts {
//!     method: b"GET",
//!     target: b"/hello?who=you",
//!     version: http::Version::HTTP_11,
//!     peer,
//!     headers: headers.iter().copied(),
//!     body: b"",
//!     body_in_fd: None,
//! })?;
//!
//! let request = decode_request(&msg)?;
//! assert_eq!(request.uri().query(), Some("who=you"));
//! assert_eq!(request.headers()["host"], "example.org");
//! assert!(request.headers().get("connection").is_none()); // ostiumd's business
//! assert_eq!(request.extensions().get::<Peer>(), Some(&peer));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod convert;
mod error;
mod fields;
mod peer;
mod reader;
mod request;
mod response;
mod serve;
mod syntax;

#[cfg(test)]
mod tests;

pub use convert::{
    decode_http_response, decode_request, decode_request_with_fds, encode_http_request,
    encode_response,
};
pub use error::{DecodeError, EncodeError, ErrorKind};
pub use fields::Headers;
pub use peer::Peer;
pub use request::{RequestParts, decode_request_parts, encode_request, encode_request_into};
pub use response::{
    ResponseParts, decode_response, encode_response_parts, encode_response_parts_into,
};
pub use serve::serve;
pub use syntax::HOP_BY_HOP;

use reader::Reader;

/// The door operation that carries one HTTP request (§2).
pub const HTTP_REQUEST: u32 = 1;

/// The first four bytes of a request message.
pub const REQUEST_MAGIC: [u8; 4] = *b"OHRQ";
/// The first four bytes of a response message.
pub const RESPONSE_MAGIC: [u8; 4] = *b"OHRS";
/// The version of the format this module speaks.
pub const FORMAT_VERSION: u16 = 1;
/// Request flag bit 0: the client's connection is TLS.
pub const FLAG_TLS: u16 = 1;
/// Request flag bit 1: the body is not in the message but in the call's first
/// descriptor, a file whose bytes `0..body_len` are the body (§3.3).
pub const FLAG_BODY_FD: u16 = 2;

/// The longest method, in bytes.
pub const MAX_METHOD: usize = 64;
/// The longest request-target, in bytes (a proxy answers 414 beyond).
pub const MAX_TARGET: usize = 32 * 1024;
/// The most header fields in one message.
pub const MAX_HEADERS: usize = 10_000;
/// The longest header block (entries with their lengths), in bytes.
pub const MAX_HEADER_BYTES: usize = 2 * 1024 * 1024;
/// The longest field name, in bytes.
pub const MAX_NAME: usize = 256;
/// The longest field value, in bytes.
pub const MAX_VALUE: usize = 64 * 1024;

/// Runs `write`, which appends a message to `out` from offset `start`, and takes back
/// what it wrote if it fails, so that a caller's buffer is never left with half a message.
fn appending(
    out: &mut Vec<u8>,
    write: impl FnOnce(&mut Vec<u8>, usize) -> Result<(), EncodeError>,
) -> Result<(), EncodeError> {
    let start = out.len();
    let outcome = write(out, start);
    if outcome.is_err() {
        out.truncate(start);
    }
    outcome
}

/// Reads and checks a message's `magic` and `version`.
fn check_preamble(r: &mut Reader<'_>, magic: [u8; 4]) -> Result<(), DecodeError> {
    let found = r.array::<4>("magic")?;
    if found != magic {
        return Err(Reader::error_at(0, ErrorKind::BadMagic(found)));
    }
    match r.u16("version")? {
        FORMAT_VERSION => Ok(()),
        other => Err(Reader::error_at(4, ErrorKind::UnsupportedVersion(other))),
    }
}

/// Reads and bounds `header_count` and `headers_len`.
fn read_counts(r: &mut Reader<'_>) -> Result<(u32, u32), DecodeError> {
    let at = r.offset();
    let count = r.u32("header_count")?;
    if count as usize > MAX_HEADERS {
        return Err(Reader::error_at(at, ErrorKind::HeaderCount(u64::from(count))));
    }
    let len = r.u32("headers_len")?;
    if len as usize > MAX_HEADER_BYTES {
        return Err(Reader::error_at(at + 4, ErrorKind::HeaderBytes(u64::from(len))));
    }
    Ok((count, len))
}

/// Reads the body of `body_len` bytes, which must end the message.
fn read_body<'a>(r: &mut Reader<'a>, body_len: u64) -> Result<&'a [u8], DecodeError> {
    let body = r.take("body", body_len)?;
    match r.remaining() {
        0 => Ok(body),
        extra => Err(Reader::error_at(r.offset(), ErrorKind::TrailingBytes { extra })),
    }
}
