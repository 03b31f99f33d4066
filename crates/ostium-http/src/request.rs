//! The request message (`docs/http-over-doors.md` §3): what ostiumd sends as the
//! arguments of an `HTTP_REQUEST` call. [`RequestParts`] is a borrowed view, written with
//! [`encode_request`] straight from a proxy's own decoded request, and read back, checked,
//! with [`decode_request_parts`].

use ::http::Version;

use super::error::{DecodeError, EncodeError, ErrorKind};
use super::fields::{self, Headers, HopByHop};
use super::peer::{AddrFields, Peer};
use super::reader::Reader;
use super::syntax::{check_method, check_target};
use super::{FLAG_BODY_FD, FLAG_TLS, FORMAT_VERSION, MAX_METHOD, MAX_TARGET, REQUEST_MAGIC};

/// The length of the request's fixed header; the method follows it.
pub(crate) const REQUEST_HEAD: usize = 80;
/// Where `header_count` and `headers_len` are, patched once the fields are written.
const COUNT_AT: usize = 60;

/// One HTTP request, borrowed: the fields ostiumd has once it has decoded a request, or a
/// decoded message ([`decode_request_parts`], with `H` = [`Headers`]).
#[derive(Clone, Debug)]
pub struct RequestParts<'a, H = Headers<'a>> {
    /// The method, case as received (`GET`, `POST`, any token).
    pub method: &'a [u8],
    /// The request-target as received: `/path?query`, `*`, an absolute URI or
    /// `host:port`.
    pub target: &'a [u8],
    /// The client's HTTP version.
    pub version: Version,
    /// The client's connection.
    pub peer: Peer,
    /// The header fields in order, duplicates kept: any iterator of `(name, value)` byte
    /// pairs that can be cloned (it is walked more than once), such as
    /// `headers.iter().map(|h| (h.name.as_bytes(), h.value.as_slice()))`. Encoding lowers
    /// the names' case, and drops the fields that are ostiumd's ([`HOP_BY_HOP`], and those
    /// a `Connection` field names).
    ///
    /// [`HOP_BY_HOP`]: super::HOP_BY_HOP
    pub headers: H,
    /// The body (de-chunked), when it travels in the message.
    pub body: &'a [u8],
    /// `Some(len)` when the body travels instead as the call's first descriptor, a file
    /// whose bytes `0..len` are the body (flag `BODY_FD`, §3.3): a proxy that spooled a
    /// large body to a file passes the file. `body` is then empty.
    pub body_in_fd: Option<u64>,
}

/// Encodes `request` as the arguments of an `HTTP_REQUEST` call.
pub fn encode_request<'h, H>(request: &RequestParts<'_, H>) -> Result<Vec<u8>, EncodeError>
where
    H: IntoIterator<Item = (&'h [u8], &'h [u8])> + Clone,
{
    let mut out = Vec::new();
    encode_request_into(request, &mut out)?;
    Ok(out)
}

/// Appends the encoding of `request` to `out` (which keeps its length on error), so that a
/// caller can reuse one buffer.
pub fn encode_request_into<'h, H>(
    request: &RequestParts<'_, H>,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError>
where
    H: IntoIterator<Item = (&'h [u8], &'h [u8])> + Clone,
{
    super::appending(out, |out, start| write_request(request, out, start))
}

fn write_request<'h, H>(
    request: &RequestParts<'_, H>,
    out: &mut Vec<u8>,
    start: usize,
) -> Result<(), EncodeError>
where
    H: IntoIterator<Item = (&'h [u8], &'h [u8])> + Clone,
{
    let fail = |kind| EncodeError::new(None, kind);
    check_method(request.method).map_err(|(_, kind)| fail(kind))?;
    check_target(request.target).map_err(|(_, kind)| fail(kind))?;
    if !super::convert::target_parses(request.target) {
        return Err(fail(ErrorKind::Target));
    }
    let (major, minor) = version_bytes(request.version)
        .ok_or(fail(ErrorKind::HttpVersion { major: u8::MAX, minor: u8::MAX }))?;
    let remote = AddrFields::of(request.peer.remote);
    let local = AddrFields::of(request.peer.local);
    if request.body_in_fd.is_some() && !request.body.is_empty() {
        return Err(fail(ErrorKind::BodyTwice));
    }
    let tls = if request.peer.tls { FLAG_TLS } else { 0 };
    let flags = tls | if request.body_in_fd.is_some() { FLAG_BODY_FD } else { 0 };
    let body_len = request.body_in_fd.unwrap_or(request.body.len() as u64);

    out.reserve(REQUEST_HEAD + request.method.len() + request.target.len() + request.body.len());
    out.extend_from_slice(&REQUEST_MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&flags.to_le_bytes());
    out.extend_from_slice(&[major, minor, remote.family, local.family]);
    out.extend_from_slice(&remote.port.to_le_bytes());
    out.extend_from_slice(&local.port.to_le_bytes());
    out.extend_from_slice(&remote.addr);
    out.extend_from_slice(&local.addr);
    out.extend_from_slice(&remote.scope.to_le_bytes());
    out.extend_from_slice(&local.scope.to_le_bytes());
    // Both lengths were bounded by the checks above, far below u16::MAX.
    out.extend_from_slice(&(request.method.len() as u16).to_le_bytes());
    out.extend_from_slice(&(request.target.len() as u16).to_le_bytes());
    out.extend_from_slice(&[0; 12]); // header_count, headers_len: patched below; reserved
    out.extend_from_slice(&body_len.to_le_bytes());
    out.extend_from_slice(request.method);
    out.extend_from_slice(request.target);
    let (count, len) = fields::write_fields(request.headers.clone(), HopByHop::Drop, out)?;
    patch(out, start + COUNT_AT, count, len);
    out.extend_from_slice(request.body);
    Ok(())
}

/// Writes `header_count` and `headers_len` at `at` in `out`.
pub(crate) fn patch(out: &mut [u8], at: usize, count: u32, len: u32) {
    if let Some(slot) = out.get_mut(at..at + 8) {
        slot[..4].copy_from_slice(&count.to_le_bytes());
        slot[4..].copy_from_slice(&len.to_le_bytes());
    }
}

/// The `(major, minor)` bytes of an HTTP version.
pub(crate) fn version_bytes(version: Version) -> Option<(u8, u8)> {
    [(0, 9), (1, 0), (1, 1), (2, 0), (3, 0)].into_iter().find(|&v| version_of(v) == Some(version))
}

fn version_of((major, minor): (u8, u8)) -> Option<Version> {
    match (major, minor) {
        (0, 9) => Some(Version::HTTP_09),
        (1, 0) => Some(Version::HTTP_10),
        (1, 1) => Some(Version::HTTP_11),
        (2, 0) => Some(Version::HTTP_2),
        (3, 0) => Some(Version::HTTP_3),
        _ => None,
    }
}

/// Checks `msg` as a request message and returns its parts, borrowing it. Everything the
/// format requires is checked (§3.3); nothing is allocated.
pub fn decode_request_parts(msg: &[u8]) -> Result<RequestParts<'_>, DecodeError> {
    let mut r = Reader::new(msg, 0);
    super::check_preamble(&mut r, REQUEST_MAGIC)?;
    let flags = r.u16("flags")?;
    let known = FLAG_TLS | FLAG_BODY_FD;
    if flags & !known != 0 {
        return Err(Reader::error_at(6, ErrorKind::UnknownFlags(flags & !known)));
    }
    let (major, minor) = (r.u8("http_major")?, r.u8("http_minor")?);
    let version = version_of((major, minor))
        .ok_or(Reader::error_at(8, ErrorKind::HttpVersion { major, minor }))?;
    let families = (r.u8("remote_family")?, r.u8("local_family")?);
    let ports = (r.u16("remote_port")?, r.u16("local_port")?);
    let addrs = (r.array::<16>("remote_addr")?, r.array::<16>("local_addr")?);
    let scopes = (r.u32("remote_scope")?, r.u32("local_scope")?);
    let remote = AddrFields { family: families.0, port: ports.0, addr: addrs.0, scope: scopes.0 };
    let local = AddrFields { family: families.1, port: ports.1, addr: addrs.1, scope: scopes.1 };
    let peer = Peer {
        remote: remote.to_addr(10, 16)?,
        local: local.to_addr(11, 32)?,
        tls: flags & FLAG_TLS != 0,
    };
    let method_len = r.u16("method_len")?;
    if method_len == 0 || usize::from(method_len) > MAX_METHOD {
        return Err(Reader::error_at(56, ErrorKind::MethodLength(u64::from(method_len))));
    }
    let target_len = r.u16("target_len")?;
    if target_len == 0 || usize::from(target_len) > MAX_TARGET {
        return Err(Reader::error_at(58, ErrorKind::TargetLength(u64::from(target_len))));
    }
    let (count, headers_len) = super::read_counts(&mut r)?;
    r.reserved::<4>("reserved")?;
    let body_len = r.u64("body_len")?;

    let at = r.offset();
    let method = r.take("method", u64::from(method_len))?;
    check_method(method).map_err(|(i, kind)| DecodeError::new(at + i, kind))?;
    let at = r.offset();
    let target = r.take("target", u64::from(target_len))?;
    check_target(target).map_err(|(i, kind)| DecodeError::new(at + i, kind))?;
    if !super::convert::target_parses(target) {
        return Err(DecodeError::new(at, ErrorKind::Target));
    }
    let at = r.offset();
    let block = r.take("header block", u64::from(headers_len))?;
    let headers = fields::read_fields(block, count, at)?;
    let body_in_fd = (flags & FLAG_BODY_FD != 0).then_some(body_len);
    let body = super::read_body(&mut r, if body_in_fd.is_some() { 0 } else { body_len })?;
    Ok(RequestParts { method, target, version, peer, headers, body, body_in_fd })
}
