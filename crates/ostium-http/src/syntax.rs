//! Which bytes may stand where: methods, targets, field names and values, and the fields
//! that belong to ostiumd rather than to the application (`docs/http-over-doors.md` §5).
//!
//! Each check returns the offset (within the part checked) and kind of the first bad byte,
//! so the decoder can locate it in the message and the encoder can name the part.

use super::error::ErrorKind;
use super::{MAX_METHOD, MAX_NAME, MAX_TARGET, MAX_VALUE};

/// The fields a message may never carry, in either direction: the connection's framing
/// and hop-by-hop fields, which ostiumd reads and writes itself (RFC 9110 §7.6.1, RFC
/// 9112 §6–§7), and `expect`, which ostiumd answers itself.
pub const HOP_BY_HOP: [&str; 9] = [
    "connection",
    "content-length",
    "expect",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// The entry of [`HOP_BY_HOP`] that `name` is, in any case.
pub(crate) fn hop_by_hop(name: &[u8]) -> Option<&'static str> {
    HOP_BY_HOP.into_iter().find(|h| h.as_bytes().eq_ignore_ascii_case(name))
}

/// RFC 9110's `tchar`.
pub(crate) const fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'!' | b'#'
                | b'$'
                | b'%'
                | b'&'
                | b'\''
                | b'*'
                | b'+'
                | b'-'
                | b'.'
                | b'^'
                | b'_'
                | b'`'
                | b'|'
                | b'~'
        )
}

/// The first byte of `bytes` for which `ok` fails, with its index.
fn first_bad(bytes: &[u8], ok: impl Fn(u8) -> bool) -> Option<(usize, u8)> {
    bytes.iter().position(|&b| !ok(b)).and_then(|i| Some((i, *bytes.get(i)?)))
}

/// A method: 1 to [`MAX_METHOD`] token characters, case kept.
pub(crate) fn check_method(method: &[u8]) -> Result<(), (usize, ErrorKind)> {
    if method.is_empty() || method.len() > MAX_METHOD {
        return Err((0, ErrorKind::MethodLength(method.len() as u64)));
    }
    match first_bad(method, is_tchar) {
        Some((at, b)) => Err((at, ErrorKind::MethodByte(b))),
        None => Ok(()),
    }
}

/// A target byte: visible ASCII, but not those RFC 3986 never allows unencoded in a URI
/// and common URI parsers refuse (`"`, `<`, `>`, `` ` ``), nor `#` (a request-target has
/// no fragment).
const fn is_target_byte(b: u8) -> bool {
    matches!(b, 0x21..=0x7E) && !matches!(b, b'"' | b'#' | b'<' | b'>' | b'`')
}

/// A target: 1 to [`MAX_TARGET`] target bytes in one of the four forms of RFC 9112 §3.2:
/// origin (`/path?query`), asterisk (`*`), absolute (`scheme://…`) or authority
/// (`host:port`). Absolute and authority forms are checked further by a URI parser
/// (`convert::target_parses`), in both directions.
pub(crate) fn check_target(target: &[u8]) -> Result<(), (usize, ErrorKind)> {
    if target.is_empty() || target.len() > MAX_TARGET {
        return Err((0, ErrorKind::TargetLength(target.len() as u64)));
    }
    if let Some((at, b)) = first_bad(target, is_target_byte) {
        return Err((at, ErrorKind::TargetByte(b)));
    }
    match target {
        [b'/', ..] | [b'*'] => Ok(()),
        // Absolute form starts with a scheme, authority form with a host: both with a
        // letter or digit, and neither may be `*` followed by more.
        [first, ..] if first.is_ascii_alphanumeric() || *first == b'[' => Ok(()),
        _ => Err((0, ErrorKind::Target)),
    }
}

/// A field name as the format carries it: 1 to [`MAX_NAME`] token characters, lower
/// case. With `any_case`, upper-case letters pass too (the encoder lowers them).
pub(crate) fn check_name(name: &[u8], any_case: bool) -> Result<(), (usize, ErrorKind)> {
    if name.is_empty() || name.len() > MAX_NAME {
        return Err((0, ErrorKind::NameLength(name.len() as u64)));
    }
    let ok = |b: u8| is_tchar(b) && (any_case || !b.is_ascii_uppercase());
    match first_bad(name, ok) {
        Some((at, b)) => Err((at, ErrorKind::NameByte(b))),
        None => Ok(()),
    }
}

/// A field value: at most [`MAX_VALUE`] bytes, none a control but HTAB (obs-text, bytes
/// 0x80 to 0xFF, is allowed, as RFC 9110 §5.5 does).
pub(crate) fn check_value(value: &[u8]) -> Result<(), (usize, ErrorKind)> {
    if value.len() > MAX_VALUE {
        return Err((0, ErrorKind::ValueLength(value.len() as u64)));
    }
    match first_bad(value, |b| b == b'\t' || (b >= 0x20 && b != 0x7F)) {
        Some((at, b)) => Err((at, ErrorKind::ValueByte(b))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        for ok in ["/", "/a?b=c&d", "*", "http://h/x", "h.example:443", "[::1]:80", "/{}|\\^"] {
            assert_eq!(check_target(ok.as_bytes()), Ok(()), "{ok}");
        }
        assert_eq!(check_target(b""), Err((0, ErrorKind::TargetLength(0))));
        assert_eq!(check_target(b"/a b"), Err((2, ErrorKind::TargetByte(b' '))));
        assert_eq!(check_target(b"/a#f"), Err((2, ErrorKind::TargetByte(b'#'))));
        assert_eq!(check_target(b"/\xc3\xa9"), Err((1, ErrorKind::TargetByte(0xc3))));
        assert_eq!(check_target(b"?a"), Err((0, ErrorKind::Target)));
        assert_eq!(check_target(b"**"), Err((0, ErrorKind::Target)));
    }

    #[test]
    fn names_and_values() {
        assert_eq!(check_name(b"x-a", false), Ok(()));
        assert_eq!(check_name(b"X-a", false), Err((0, ErrorKind::NameByte(b'X'))));
        assert_eq!(check_name(b"X-a", true), Ok(()));
        assert_eq!(check_name(b"a:b", true), Err((1, ErrorKind::NameByte(b':'))));
        assert_eq!(check_value(b"a\tb \x80\xff"), Ok(()));
        assert_eq!(check_value(b"a\r\n"), Err((1, ErrorKind::ValueByte(b'\r'))));
        assert_eq!(check_value(b"\x7f"), Err((0, ErrorKind::ValueByte(0x7f))));
        assert_eq!(hop_by_hop(b"Transfer-Encoding"), Some("transfer-encoding"));
        assert_eq!(hop_by_hop(b"host"), None);
    }
}
