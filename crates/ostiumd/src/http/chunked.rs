//! The chunked transfer coding of request bodies (RFC 9112 §7.1), decoded as bytes
//! arrive: chunk-size lines with optional extensions (checked, then ignored), chunk data,
//! the CRLF after it, and the trailer section.
//!
//! A chunk-size line is hex digits (any number, but the value must fit 64 bits), optional
//! blanks, optional `;extensions` of visible characters and blanks, then CRLF; it may be
//! at most [`MAX_SIZE_LINE`] bytes. Faults are found in byte order, so that they do not
//! depend on how the bytes were split.

use super::body::{Body, Spool};
use super::error::ErrorKind;
use super::head::parse_trailers;
use super::request::Header;
use super::scan::{Scanner, Section};

/// The longest chunk-size line, extensions and CRLF included.
pub(crate) const MAX_SIZE_LINE: usize = 4096;

/// Where the decoder is in the body.
#[derive(Clone, Debug)]
enum State {
    /// Before a chunk-size line.
    Size,
    /// Inside a chunk's data, with this many bytes to go.
    Data(u64),
    /// After a chunk's data, before its CRLF.
    DataEnd,
    /// After the last chunk: the trailer section, scanned so far.
    Trailers(Scanner),
}

/// The decoder of one chunked body.
#[derive(Clone, Debug)]
pub(crate) struct Chunked {
    state: State,
}

/// What one call to [`Chunked::decode`] achieved.
#[derive(Debug)]
pub(crate) struct Progress {
    /// Input bytes used; the caller drops them.
    pub(crate) consumed: usize,
    /// The trailer fields, once the body is complete.
    pub(crate) done: Option<Vec<Header>>,
}

/// The limits a chunked body is held to.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ChunkLimits {
    pub(crate) max_body: u64,
    pub(crate) max_trailer_bytes: usize,
    pub(crate) max_trailers: usize,
}

impl Chunked {
    pub(crate) fn new() -> Self {
        Chunked { state: State::Size }
    }

    /// Decodes what it can of `input` (the body's bytes not yet consumed), appending data
    /// to `body`. A fault comes with its offset in `input`.
    pub(crate) fn decode(
        &mut self,
        input: &[u8],
        body: &mut Body,
        spool: Option<&Spool>,
        limits: ChunkLimits,
    ) -> Result<Progress, (ErrorKind, usize)> {
        let mut pos = 0;
        loop {
            let rest = &input[pos..];
            match &mut self.state {
                State::Size => {
                    let located = |(kind, at)| (kind, pos + at);
                    let Some((size, len)) = size_line(rest).map_err(located)? else { break };
                    let room = limits.max_body - body.len();
                    if size > room {
                        return Err((ErrorKind::BodyTooLarge, pos));
                    }
                    pos += len;
                    self.state = if size == 0 {
                        State::Trailers(Scanner::new(Section::Trailers))
                    } else {
                        State::Data(size)
                    };
                }
                State::Data(left) => {
                    let n = rest.len().min(usize::try_from(*left).unwrap_or(usize::MAX));
                    if n == 0 {
                        break;
                    }
                    body.append(&rest[..n], spool).map_err(|_| (ErrorKind::BodySpool, pos))?;
                    pos += n;
                    *left -= n as u64;
                    if *left == 0 {
                        self.state = State::DataEnd;
                    }
                }
                State::DataEnd => match rest {
                    [] | [b'\r'] => break,
                    [b'\r', b'\n', ..] => {
                        pos += 2;
                        self.state = State::Size;
                    }
                    [b'\r', ..] => return Err((ErrorKind::ChunkEnd, pos + 1)),
                    _ => return Err((ErrorKind::ChunkEnd, pos)),
                },
                State::Trailers(scanner) => {
                    let found = scanner
                        .scan(rest, limits.max_trailer_bytes, limits.max_trailers)
                        .map_err(|(kind, at)| (kind, pos + at))?;
                    let Some(found) = found else { break };
                    let trailers = parse_trailers(&rest[..found.len], found.fields)
                        .map_err(|(kind, at)| (kind, pos + at))?;
                    return Ok(Progress { consumed: pos + found.len, done: Some(trailers) });
                }
            }
        }
        Ok(Progress { consumed: pos, done: None })
    }
}

/// A complete chunk-size line at the start of `input`: its size and length; `None` if it
/// has not all arrived.
fn size_line(input: &[u8]) -> Result<Option<(u64, usize)>, (ErrorKind, usize)> {
    let window = &input[..input.len().min(MAX_SIZE_LINE)];
    let Some(lf) = window.iter().position(|&b| b == b'\n') else {
        return if input.len() >= MAX_SIZE_LINE {
            Err((ErrorKind::ChunkSize, MAX_SIZE_LINE))
        } else {
            Ok(None)
        };
    };
    let mut size: u64 = 0;
    let mut i = 0;
    while let Some(digit) = input.get(i).and_then(|&b| (b as char).to_digit(16)) {
        size = size
            .checked_mul(16)
            .and_then(|s| s.checked_add(u64::from(digit)))
            .ok_or((ErrorKind::ChunkSize, i))?;
        i += 1;
    }
    if i == 0 {
        return Err((ErrorKind::ChunkSize, 0));
    }
    // Blanks (BWS) may come only before an extension's `;`: "3 " alone is refused, as
    // parsers that disagree on it are a smuggling vector.
    let digits_end = i;
    while matches!(input[i], b' ' | b'\t') {
        i += 1;
    }
    if i != digits_end && input[i] != b';' {
        return Err((ErrorKind::ChunkSize, digits_end));
    }
    if input[i] == b';' {
        // Extensions: visible characters, blanks and obs-text; their syntax is not used.
        while i < lf && (input[i] >= 0x20 && input[i] != 0x7f || input[i] == b'\t') {
            i += 1;
        }
    }
    if i + 1 != lf || input[i] != b'\r' {
        return Err((ErrorKind::ChunkSize, i));
    }
    Ok(Some((size, lf + 1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: ChunkLimits =
        ChunkLimits { max_body: 100, max_trailer_bytes: 64, max_trailers: 4 };

    type Decoded = (usize, Vec<u8>, Option<Vec<Header>>);

    fn decode(input: &[u8]) -> Result<Decoded, (ErrorKind, usize)> {
        let mut body = Body::default();
        let p = Chunked::new().decode(input, &mut body, None, LIMITS)?;
        Ok((p.consumed, body.in_memory().unwrap().to_vec(), p.done))
    }

    #[test]
    fn decodes_chunks_extensions_and_trailers() {
        let input = b"5;a=b;c=\"d e\"\r\nhello\r\n0A ;x\r\n0123456789\r\n0\r\nX-Sum: 1\r\n\r\nnext";
        let (consumed, body, trailers) = decode(input).unwrap();
        assert_eq!(consumed, input.len() - 4);
        assert_eq!(body, b"hello0123456789");
        assert_eq!(trailers.unwrap(), [Header { name: "X-Sum".into(), value: b"1".to_vec() }]);
        assert_eq!(decode(b"0\r\n\r\n").unwrap().2, Some(vec![]));
    }

    #[test]
    fn waits_for_more() {
        assert_eq!(decode(b"5\r").unwrap(), (0, vec![], None));
        assert_eq!(decode(b"5\r\nhel").unwrap(), (6, b"hel".to_vec(), None));
        assert_eq!(decode(b"5\r\nhello\r").unwrap(), (8, b"hello".to_vec(), None));
        assert_eq!(decode(b"0\r\nX: 1\r\n").unwrap(), (3, vec![], None));
    }

    #[test]
    fn refuses_malformed_sizes() {
        use ErrorKind::*;
        assert_eq!(decode(b"\r\n").unwrap_err(), (ChunkSize, 0));
        assert_eq!(decode(b"x\r\n").unwrap_err(), (ChunkSize, 0));
        assert_eq!(decode(b"-1\r\n").unwrap_err(), (ChunkSize, 0));
        assert_eq!(decode(b"0x5\r\n").unwrap_err(), (ChunkSize, 1));
        assert_eq!(decode(b"5\n").unwrap_err(), (ChunkSize, 1));
        assert_eq!(decode(b"5\r\r\n").unwrap_err(), (ChunkSize, 1));
        assert_eq!(decode(b"5;a\x01\r\n").unwrap_err(), (ChunkSize, 3));
        assert_eq!(decode(b"5 x\r\n").unwrap_err(), (ChunkSize, 1));
        assert_eq!(decode(b"5 \r\n").unwrap_err(), (ChunkSize, 1), "blanks only before `;`");
        assert_eq!(decode(b"10000000000000000\r\n").unwrap_err(), (ChunkSize, 16));
        assert_eq!(decode(b"fffffffffffffffff\r\n").unwrap_err(), (ChunkSize, 16));
        assert_eq!(decode(&[b'0'; MAX_SIZE_LINE]).unwrap_err(), (ChunkSize, MAX_SIZE_LINE));
        assert_eq!(decode(b"65\r\n").unwrap_err(), (BodyTooLarge, 0));
        assert_eq!(decode(b"5\r\nhelloX").unwrap_err(), (ChunkEnd, 8));
        assert_eq!(decode(b"5\r\nhello\rX").unwrap_err(), (ChunkEnd, 9));
        assert_eq!(decode(b"5\r\nhello\r\n0\rx\n").unwrap_err(), (ChunkSize, 11));
        assert_eq!(decode(b"0\r\nX: 1\n\r\n").unwrap_err(), (BareLineEnd, 7));
        assert_eq!(decode(b"0\r\nX : 1\r\n\r\n").unwrap_err(), (Trailer, 4));
        assert_eq!(decode(b"0\r\n a: 1\r\n\r\n").unwrap_err(), (ObsoleteFold, 3));
    }
}
