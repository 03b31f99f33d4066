//! Finds the end of a header (or trailer) section as bytes arrive, checking its line
//! structure on the way: every line ends in CRLF (no CR or LF alone), no line is folded,
//! the section fits its byte and field limits. It resumes where it stopped, so that bytes
//! trickling in are scanned once, and it reports the first fault in byte order, so that
//! the result does not depend on how the bytes were split.

use super::error::ErrorKind;

/// Which section is scanned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Section {
    /// A request line, then header fields.
    Head,
    /// Trailer fields after the last chunk (possibly none).
    Trailers,
}

/// The progress of one scan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Scanner {
    section: Section,
    /// Where to resume: every byte before it is checked.
    pos: usize,
    /// Field lines ended so far (the request line not counted).
    fields: usize,
    /// Whether any line has ended.
    line_ended: bool,
}

/// A section found whole.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Found {
    /// Its length, through the CRLF of the empty line that ends it.
    pub(crate) len: usize,
    /// How many field lines it holds.
    pub(crate) fields: usize,
}

impl Scanner {
    pub(crate) fn new(section: Section) -> Self {
        Scanner { section, pos: 0, fields: 0, line_ended: false }
    }

    /// Scans the section at the start of `buf` (which only grows between calls): its end
    /// if it is complete, `None` if more bytes are needed, or the fault and its offset.
    ///
    /// `max_bytes` bounds the section, its final CRLF included; `max_fields` its fields.
    pub(crate) fn scan(
        &mut self,
        buf: &[u8],
        max_bytes: usize,
        max_fields: usize,
    ) -> Result<Option<Found>, (ErrorKind, usize)> {
        let end = buf.len().min(max_bytes);
        let mut i = self.pos;
        while i < end {
            let line_start = i == 0 || buf[i - 1] == b'\n';
            match buf[i] {
                b' ' | b'\t'
                    if line_start && (self.line_ended || self.section == Section::Trailers) =>
                {
                    return Err((ErrorKind::ObsoleteFold, i));
                }
                b'\r' if i + 1 == buf.len() => break,
                b'\r' if buf[i + 1] != b'\n' => return Err((ErrorKind::BareLineEnd, i)),
                b'\n' if i == 0 || buf[i - 1] != b'\r' => return Err((ErrorKind::BareLineEnd, i)),
                b'\n' => {
                    let empty = i == 1 || buf[i - 2] == b'\n';
                    if empty && !self.line_ended && self.section == Section::Head {
                        return Err((ErrorKind::RequestLine, i - 1));
                    }
                    if empty {
                        return Ok(Some(Found { len: i + 1, fields: self.fields }));
                    }
                    if self.line_ended || self.section == Section::Trailers {
                        self.fields += 1;
                        if self.fields > max_fields {
                            return Err((self.too_many(), i));
                        }
                    }
                    self.line_ended = true;
                }
                _ => {}
            }
            i += 1;
        }
        self.pos = i;
        if i >= max_bytes {
            return Err((self.too_large(), max_bytes));
        }
        Ok(None)
    }

    fn too_many(&self) -> ErrorKind {
        match self.section {
            Section::Head => ErrorKind::TooManyHeaders,
            Section::Trailers => ErrorKind::TrailersTooLarge,
        }
    }

    fn too_large(&self) -> ErrorKind {
        match self.section {
            Section::Head if !self.line_ended => ErrorKind::UriTooLong,
            Section::Head => ErrorKind::HeadersTooLarge,
            Section::Trailers => ErrorKind::TrailersTooLarge,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(section: Section, input: &[u8]) -> Result<Option<Found>, (ErrorKind, usize)> {
        Scanner::new(section).scan(input, 32, 2)
    }

    #[test]
    fn finds_the_end() {
        let head = b"GET / HTTP/1.1\r\nA: b\r\n\r\nrest";
        assert_eq!(scan(Section::Head, head), Ok(Some(Found { len: 24, fields: 1 })));
        assert_eq!(scan(Section::Trailers, b"\r\nx"), Ok(Some(Found { len: 2, fields: 0 })));
        assert_eq!(scan(Section::Trailers, b"A: b\r\n\r\n"), Ok(Some(Found { len: 8, fields: 1 })));
        assert_eq!(scan(Section::Head, b"GET / HTTP/1.1\r"), Ok(None));
    }

    #[test]
    fn faults_in_byte_order() {
        use ErrorKind::*;
        assert_eq!(scan(Section::Head, b"GET / HTTP/1.1\nA: b\r\n\r\n"), Err((BareLineEnd, 14)));
        assert_eq!(scan(Section::Head, b"GET / HTTP/1.1\r\nA:\rb\r\n\r\n"), Err((BareLineEnd, 18)));
        assert_eq!(
            scan(Section::Head, b"GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n"),
            Err((ObsoleteFold, 22))
        );
        assert_eq!(scan(Section::Head, b"\r\n\r\n"), Err((RequestLine, 0)));
        assert_eq!(
            scan(Section::Head, b"G / HTTP/1.1\r\nA:1\r\nB:2\r\nC:3\r\n"),
            Err((TooManyHeaders, 28))
        );
        assert_eq!(scan(Section::Head, &[b'x'; 40]), Err((UriTooLong, 32)));
        assert_eq!(
            scan(Section::Head, b"GET / HTTP/1.1\r\nAAAAAAAAAAAAAAAAAAAA"),
            Err((HeadersTooLarge, 32))
        );
        assert_eq!(scan(Section::Trailers, b" A: b\r\n\r\n"), Err((ObsoleteFold, 0)));
    }

    #[test]
    fn resumes_where_it_stopped() {
        let head = b"GET / HTTP/1.1\r\nA: b\r\n\r\n";
        let mut s = Scanner::new(Section::Head);
        for n in 0..head.len() {
            assert_eq!(s.scan(&head[..n], 64, 4), Ok(None), "{n}");
        }
        assert_eq!(s.scan(head, 64, 4), Ok(Some(Found { len: head.len(), fields: 1 })));
    }
}
