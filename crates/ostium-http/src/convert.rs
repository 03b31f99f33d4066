//! Between the format and the `http` crate's types: what an application in Rust sees
//! ([`decode_request`], [`encode_response`]) and what a Rust client sends and reads
//! ([`encode_http_request`], [`decode_http_response`]).
//!
//! `http::HeaderMap` keeps the values of one name together, in order, but not the
//! interleaving of different names; HTTP gives that interleaving no meaning (RFC 9110
//! §5.3), so nothing is lost that a recipient may use.

use ::http::header::{HeaderMap, HeaderName, HeaderValue};
use ::http::{Method, Request, Response, StatusCode, Uri};

use super::Peer;
use super::error::{DecodeError, EncodeError, ErrorKind};
use super::fields::Headers;
use super::request::{REQUEST_HEAD, RequestParts, decode_request_parts, encode_request};
use super::response::{RESPONSE_HEAD, ResponseParts, decode_response, encode_response_parts};

/// Whether `target` (already through the format's byte checks) parses as a URI. Origin
/// form always does, so only the rare other forms pay for a parse.
pub(crate) fn target_parses(target: &[u8]) -> bool {
    target.first() == Some(&b'/') || target == b"*" || Uri::try_from(target).is_ok()
}

/// Decodes a request message into the `http` crate's request, with its [`Peer`] as an
/// extension. A message whose body is in a descriptor (flag `BODY_FD`) needs
/// [`decode_request_with_fds`].
pub fn decode_request(msg: &[u8]) -> Result<Request<Vec<u8>>, DecodeError> {
    decode_request_with_fds(msg, Vec::new())
}

/// Decodes a request message and the descriptors its call carried into the `http`
/// crate's request, with its [`Peer`] as an extension: what [`serve`](super::serve) hands
/// the application. A body in a descriptor (flag `BODY_FD`) is read from it, `body_len`
/// bytes from offset 0.
pub fn decode_request_with_fds(
    msg: &[u8],
    fds: Vec<std::os::fd::OwnedFd>,
) -> Result<Request<Vec<u8>>, DecodeError> {
    let parts = decode_request_parts(msg)?;
    let body = match parts.body_in_fd {
        None => parts.body.to_vec(),
        Some(len) => read_body_fd(fds, len)?,
    };
    let method_at = REQUEST_HEAD;
    let target_at = method_at + parts.method.len();
    let headers_at = target_at + parts.target.len();
    // The format's checks are at least as strict as the crate's, but a disagreement must
    // be an error, not a panic.
    let method = Method::from_bytes(parts.method)
        .map_err(|_| DecodeError::new(method_at, ErrorKind::MethodByte(first(parts.method))))?;
    let uri =
        Uri::try_from(parts.target).map_err(|_| DecodeError::new(target_at, ErrorKind::Target))?;
    let headers = header_map(parts.headers, headers_at)?;
    let mut request = Request::new(body);
    *request.method_mut() = method;
    *request.uri_mut() = uri;
    *request.version_mut() = parts.version;
    *request.headers_mut() = headers;
    request.extensions_mut().insert(parts.peer);
    Ok(request)
}

/// Reads the `len` bytes of a body passed as the first of `fds` (flag `BODY_FD`).
fn read_body_fd(fds: Vec<std::os::fd::OwnedFd>, len: u64) -> Result<Vec<u8>, DecodeError> {
    use std::os::unix::fs::FileExt;
    let fd = fds.into_iter().next().ok_or(DecodeError::new(6, ErrorKind::MissingBodyFd))?;
    let unreadable = |kind| DecodeError::new(72, ErrorKind::BodyFdRead(kind));
    let len = usize::try_from(len).map_err(|_| unreadable(std::io::ErrorKind::OutOfMemory))?;
    let mut body = Vec::new();
    body.try_reserve_exact(len).map_err(|_| unreadable(std::io::ErrorKind::OutOfMemory))?;
    body.resize(len, 0);
    std::fs::File::from(fd).read_exact_at(&mut body, 0).map_err(|e| unreadable(e.kind()))?;
    Ok(body)
}

/// Decodes a response message into the `http` crate's response.
pub fn decode_http_response(msg: &[u8]) -> Result<Response<Vec<u8>>, DecodeError> {
    let parts = decode_response(msg)?;
    let status = StatusCode::from_u16(parts.status)
        .map_err(|_| DecodeError::new(8, ErrorKind::Status(parts.status)))?;
    let headers = header_map(parts.headers, RESPONSE_HEAD)?;
    let mut response = Response::new(parts.body.to_vec());
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    Ok(response)
}

/// The fields of a checked block (at message offset `at`) as a `HeaderMap`.
fn header_map(headers: Headers<'_>, at: usize) -> Result<HeaderMap, DecodeError> {
    let bad = |kind| DecodeError::new(at, kind);
    let mut map = HeaderMap::try_with_capacity(headers.len())
        .map_err(|_| bad(ErrorKind::HeaderCount(headers.len() as u64)))?;
    for (name, value) in headers {
        let name =
            HeaderName::from_bytes(name).map_err(|_| bad(ErrorKind::NameByte(first(name))))?;
        let value = HeaderValue::from_bytes(value).map_err(|_| bad(ErrorKind::ValueByte(0)))?;
        map.try_append(name, value).map_err(|_| bad(ErrorKind::HeaderCount(0)))?;
    }
    Ok(map)
}

/// Encodes the application's response as reply data. A response the format cannot carry
/// (a framing field, a `1xx` status, a body with 204 or 304) is an error, which
/// [`serve`](super::serve) answers with a 500 of its own.
pub fn encode_response(response: &Response<Vec<u8>>) -> Result<Vec<u8>, EncodeError> {
    encode_response_parts(&ResponseParts {
        status: response.status().as_u16(),
        headers: Fields(response.headers()),
        body: response.body(),
    })
}

/// Encodes a request given as the `http` crate's type, which must carry its [`Peer`] as
/// an extension. The target is the URI as given (origin form unless it has a scheme).
pub fn encode_http_request(request: &Request<Vec<u8>>) -> Result<Vec<u8>, EncodeError> {
    let peer =
        *request.extensions().get::<Peer>().ok_or(EncodeError::new(None, ErrorKind::NoPeer))?;
    let uri = request.uri();
    let target = match (uri.scheme(), uri.authority(), uri.path_and_query()) {
        (None, None, Some(path)) => path.as_str().to_owned(),
        (None, None, None) => "/".to_owned(),
        _ => uri.to_string(),
    };
    encode_request(&RequestParts {
        method: request.method().as_str().as_bytes(),
        target: target.as_bytes(),
        version: request.version(),
        peer,
        headers: Fields(request.headers()),
        body: request.body(),
        body_in_fd: None,
    })
}

/// The first byte of a part the format has checked to be non-empty, for an error.
fn first(bytes: &[u8]) -> u8 {
    bytes.first().copied().unwrap_or_default()
}

/// A `HeaderMap`'s fields as the byte pairs the encoders take; unlike the map's own
/// iterator, it can be cloned (walked more than once).
#[derive(Clone, Copy)]
struct Fields<'a>(&'a HeaderMap);

type Pair<'a> = (&'a [u8], &'a [u8]);

impl<'a> IntoIterator for Fields<'a> {
    type Item = Pair<'a>;
    type IntoIter = std::iter::Map<::http::header::Iter<'a, HeaderValue>, PairOf<'a>>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(pair as PairOf<'a>)
    }
}

type PairOf<'a> = fn((&'a HeaderName, &'a HeaderValue)) -> Pair<'a>;

fn pair<'a>((name, value): (&'a HeaderName, &'a HeaderValue)) -> Pair<'a> {
    (name.as_str().as_bytes(), value.as_bytes())
}
