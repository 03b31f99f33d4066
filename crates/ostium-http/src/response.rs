//! The response message (`docs/http-over-doors.md` §4): what the application returns as the
//! reply data of an `HTTP_REQUEST` call. [`ResponseParts`] is a borrowed view, written with
//! [`encode_response_parts`] and read back, checked, with [`decode_response`].

use super::error::{DecodeError, EncodeError, ErrorKind};
use super::fields::{self, Headers, HopByHop};
use super::reader::Reader;
use super::request::patch;
use super::{FORMAT_VERSION, RESPONSE_MAGIC};

/// The length of the response's fixed header; the header block follows it.
pub(crate) const RESPONSE_HEAD: usize = 32;
/// Where `header_count` and `headers_len` are.
const COUNT_AT: usize = 12;

/// One HTTP response, borrowed: what an application answers, or a decoded message
/// ([`decode_response`], with `H` = [`Headers`]).
#[derive(Clone, Debug)]
pub struct ResponseParts<'a, H = Headers<'a>> {
    /// The status, `200..=599` (ostiumd sends `100 Continue` itself, and protocol
    /// switches go through `handoff` mode, so there is no `1xx`).
    pub status: u16,
    /// The header fields, in order, duplicates kept, as `(name, value)` byte pairs. None
    /// may be a framing or hop-by-hop field ([`HOP_BY_HOP`]): ostiumd frames the body
    /// itself, and its length is the body's.
    ///
    /// [`HOP_BY_HOP`]: super::HOP_BY_HOP
    pub headers: H,
    /// The body; empty for 204 and 304.
    pub body: &'a [u8],
}

/// Whether a response of `status` may not have a body.
const fn forbids_body(status: u16) -> bool {
    matches!(status, 204 | 304)
}

/// Encodes `response` as the reply data of an `HTTP_REQUEST` call.
pub fn encode_response_parts<'h, H>(response: &ResponseParts<'_, H>) -> Result<Vec<u8>, EncodeError>
where
    H: IntoIterator<Item = (&'h [u8], &'h [u8])> + Clone,
{
    let mut out = Vec::new();
    encode_response_parts_into(response, &mut out)?;
    Ok(out)
}

/// Appends the encoding of `response` to `out` (which keeps its length on error).
pub fn encode_response_parts_into<'h, H>(
    response: &ResponseParts<'_, H>,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError>
where
    H: IntoIterator<Item = (&'h [u8], &'h [u8])> + Clone,
{
    super::appending(out, |out, start| write_response(response, out, start))
}

fn write_response<'h, H>(
    response: &ResponseParts<'_, H>,
    out: &mut Vec<u8>,
    start: usize,
) -> Result<(), EncodeError>
where
    H: IntoIterator<Item = (&'h [u8], &'h [u8])> + Clone,
{
    let status = response.status;
    if !(200..=599).contains(&status) {
        return Err(EncodeError::new(None, ErrorKind::Status(status)));
    }
    if forbids_body(status) && !response.body.is_empty() {
        return Err(EncodeError::new(None, ErrorKind::BodyNotAllowed(status)));
    }
    out.reserve(RESPONSE_HEAD + response.body.len());
    out.extend_from_slice(&RESPONSE_MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&[0; 2]); // flags: none defined
    out.extend_from_slice(&status.to_le_bytes());
    out.extend_from_slice(&[0; 2 + 12]); // reserved; header_count, headers_len; reserved
    out.extend_from_slice(&(response.body.len() as u64).to_le_bytes());
    let (count, len) = fields::write_fields(response.headers.clone(), HopByHop::Refuse, out)?;
    patch(out, start + COUNT_AT, count, len);
    out.extend_from_slice(response.body);
    Ok(())
}

/// Checks `msg` as a response message and returns its parts, borrowing it. Everything the
/// format requires is checked (§4.2); nothing is allocated.
pub fn decode_response(msg: &[u8]) -> Result<ResponseParts<'_>, DecodeError> {
    let mut r = Reader::new(msg, 0);
    super::check_preamble(&mut r, RESPONSE_MAGIC)?;
    let flags = r.u16("flags")?;
    if flags != 0 {
        return Err(Reader::error_at(6, ErrorKind::UnknownFlags(flags)));
    }
    let status = r.u16("status")?;
    if !(200..=599).contains(&status) {
        return Err(Reader::error_at(8, ErrorKind::Status(status)));
    }
    r.reserved::<2>("reserved")?;
    let (count, headers_len) = super::read_counts(&mut r)?;
    r.reserved::<4>("reserved")?;
    let body_len = r.u64("body_len")?;
    if forbids_body(status) && body_len != 0 {
        return Err(Reader::error_at(24, ErrorKind::BodyNotAllowed(status)));
    }
    let at = r.offset();
    let block = r.take("header block", u64::from(headers_len))?;
    let headers = fields::read_fields(block, count, at)?;
    let body = super::read_body(&mut r, body_len)?;
    Ok(ResponseParts { status, headers, body })
}
