//! Header fields: the block of `(name, value)` entries both messages carry
//! (`docs/http-over-doors.md` §4), written from any iterator of byte pairs and read back
//! as a checked [`Headers`] iterator that borrows the message.

use super::error::{DecodeError, EncodeError, ErrorKind};
use super::reader::Reader;
use super::syntax::{check_name, check_value, hop_by_hop};
use super::{MAX_HEADER_BYTES, MAX_HEADERS};

/// The bytes before each entry's name: `name_len` (u16) and `value_len` (u32).
const ENTRY_HEAD: usize = 6;

/// What to do with a field that is ostiumd's business ([`HOP_BY_HOP`], and for a
/// request those its `Connection` names).
///
/// [`HOP_BY_HOP`]: super::HOP_BY_HOP
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HopByHop {
    /// Leave it out, as a proxy does with a client's request.
    Drop,
    /// Refuse the message: an application may not set it.
    Refuse,
}

/// Appends the entries of `headers` to `out`, names in lower case; returns how many were
/// written and how many bytes they took. On error `out` may hold part of the block.
pub(crate) fn write_fields<'h, H>(
    headers: H,
    policy: HopByHop,
    out: &mut Vec<u8>,
) -> Result<(u32, u32), EncodeError>
where
    H: IntoIterator<Item = (&'h [u8], &'h [u8])> + Clone,
{
    let has_connection =
        policy == HopByHop::Drop && headers.clone().into_iter().any(|(n, _)| is_connection(n));
    let start = out.len();
    let mut count: u64 = 0;
    for (index, (name, value)) in headers.clone().into_iter().enumerate() {
        let fail = |kind| EncodeError::new(Some(index), kind);
        check_name(name, true).map_err(|(_, kind)| fail(kind))?;
        if let Some(known) = hop_by_hop(name) {
            match policy {
                HopByHop::Drop => continue,
                HopByHop::Refuse => return Err(fail(ErrorKind::HopByHop(known))),
            }
        }
        if has_connection && named_by_connection(headers.clone(), name) {
            continue;
        }
        check_value(value).map_err(|(_, kind)| fail(kind))?;
        count += 1;
        if count > MAX_HEADERS as u64 {
            return Err(fail(ErrorKind::HeaderCount(count)));
        }
        // Both fit their fields: check_name and check_value bound them far below.
        out.extend_from_slice(&(name.len() as u16).to_le_bytes());
        out.extend_from_slice(&(value.len() as u32).to_le_bytes());
        out.extend(name.iter().map(u8::to_ascii_lowercase));
        out.extend_from_slice(value);
        let len = out.len() - start;
        if len > MAX_HEADER_BYTES {
            return Err(fail(ErrorKind::HeaderBytes(len as u64)));
        }
    }
    // Both are bounded by the limits checked above.
    Ok((count as u32, (out.len() - start) as u32))
}

fn is_connection(name: &[u8]) -> bool {
    name.eq_ignore_ascii_case(b"connection")
}

/// Whether a `Connection` field among `headers` lists `name` (RFC 9110 §7.6.1: a proxy
/// removes the fields the client's `Connection` names).
fn named_by_connection<'h, H>(headers: H, name: &[u8]) -> bool
where
    H: IntoIterator<Item = (&'h [u8], &'h [u8])>,
{
    headers.into_iter().filter(|(n, _)| is_connection(n)).any(|(_, value)| {
        value.split(|&b| b == b',').any(|token| token.trim_ascii().eq_ignore_ascii_case(name))
    })
}

/// Checks the header block `block` (at message offset `base`), which must hold exactly
/// `count` entries, and returns them.
pub(crate) fn read_fields(
    block: &[u8],
    count: u32,
    base: usize,
) -> Result<Headers<'_>, DecodeError> {
    let mut r = Reader::new(block, base);
    for _ in 0..count {
        let at = r.offset();
        let name_len = r.u16("name_len")?;
        let value_len = r.u32("value_len")?;
        if name_len == 0 || usize::from(name_len) > super::MAX_NAME {
            return Err(DecodeError::new(at, ErrorKind::NameLength(u64::from(name_len))));
        }
        if value_len as usize > super::MAX_VALUE {
            let kind = ErrorKind::ValueLength(u64::from(value_len));
            return Err(DecodeError::new(at + 2, kind));
        }
        let name = r.take("name", u64::from(name_len))?;
        check_name(name, false).map_err(|(i, kind)| DecodeError::new(at + ENTRY_HEAD + i, kind))?;
        if let Some(known) = hop_by_hop(name) {
            return Err(DecodeError::new(at + ENTRY_HEAD, ErrorKind::HopByHop(known)));
        }
        let value_at = r.offset();
        let value = r.take("value", u64::from(value_len))?;
        check_value(value).map_err(|(i, kind)| DecodeError::new(value_at + i, kind))?;
    }
    if r.remaining() != 0 {
        let used = (block.len() - r.remaining()) as u64;
        let kind = ErrorKind::HeaderBlockMismatch { declared: block.len() as u64, used };
        return Err(DecodeError::new(r.offset(), kind));
    }
    Ok(Headers { block, remaining: count as usize })
}

/// The header fields of a decoded message, in order, duplicates kept, names in lower
/// case. Iterating cannot fail: the block was checked when the message was decoded.
#[derive(Clone, Debug)]
pub struct Headers<'a> {
    block: &'a [u8],
    remaining: usize,
}

impl<'a> Headers<'a> {
    /// The value of the first field called `name` (given in lower case).
    pub fn get(&self, name: &str) -> Option<&'a [u8]> {
        self.clone().find(|(n, _)| *n == name.as_bytes()).map(|(_, v)| v)
    }
}

impl<'a> Iterator for Headers<'a> {
    type Item = (&'a [u8], &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        // Checked by read_fields; should it not hold, the iteration just ends.
        let mut r = Reader::new(self.block, 0);
        let name_len = r.u16("name_len").ok()?;
        let value_len = r.u32("value_len").ok()?;
        let name = r.take("name", u64::from(name_len)).ok()?;
        let value = r.take("value", u64::from(value_len)).ok()?;
        self.block = self.block.get(r.offset()..)?;
        self.remaining -= 1;
        Some((name, value))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl ExactSizeIterator for Headers<'_> {}
