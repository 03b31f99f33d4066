//! The tokenizer of the configuration language: words, quoted strings, braces and line
//! ends, each with the byte span it came from. Comments (`#` at the start of a token, to
//! the end of the line) and blanks other than newlines are dropped here.

use super::error::ErrorKind;

/// A range of bytes in the source text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    /// Offset of the first byte.
    pub start: usize,
    /// Offset one past the last byte.
    pub end: usize,
}

impl Span {
    pub(crate) fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }
}

/// What a token is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum TokenKind {
    /// A run of characters other than blanks, braces and `"`.
    Word(String),
    /// A `"quoted string"`, its escapes resolved.
    Str(String),
    /// `{`
    Open,
    /// `}`
    Close,
    /// The end of a line.
    Newline,
    /// The end of the text (always the last token).
    Eof,
}

/// One token and where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Token {
    pub(crate) kind: TokenKind,
    pub(crate) span: Span,
}

impl Token {
    /// The text of a word or a string: the value of an option or a statement's argument.
    pub(crate) fn text(&self) -> Option<&str> {
        match &self.kind {
            TokenKind::Word(s) | TokenKind::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The text of a bare word (keywords are never quoted).
    pub(crate) fn word(&self) -> Option<&str> {
        match &self.kind {
            TokenKind::Word(s) => Some(s),
            _ => None,
        }
    }
}

/// Splits `src` into tokens, ending with [`TokenKind::Eof`]; a malformed string is an error
/// at its span and stops the tokenizer (nothing after it could be trusted).
pub(crate) fn tokenize(src: &str) -> Result<Vec<Token>, (ErrorKind, Span)> {
    let bytes = src.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        let kind = match bytes[i] {
            b'\n' => {
                i += 1;
                TokenKind::Newline
            }
            b' ' | b'\t' | b'\r' => {
                i += 1;
                continue;
            }
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'{' => {
                i += 1;
                TokenKind::Open
            }
            b'}' => {
                i += 1;
                TokenKind::Close
            }
            b'"' => {
                let (text, end) = string(src, i)?;
                i = end;
                TokenKind::Str(text)
            }
            _ => {
                while i < bytes.len() && !is_delimiter(bytes[i]) {
                    i += 1;
                }
                TokenKind::Word(src[start..i].to_owned())
            }
        };
        tokens.push(Token { kind, span: Span::new(start, i) });
    }
    tokens.push(Token { kind: TokenKind::Eof, span: Span::new(src.len(), src.len()) });
    Ok(tokens)
}

fn is_delimiter(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'{' | b'}' | b'"')
}

/// Reads the string that opens at `start` (a `"`): its value and the offset past its end.
///
/// Escapes: `\"`, `\\`, `\n`, `\t`. A string ends on its line.
fn string(src: &str, start: usize) -> Result<(String, usize), (ErrorKind, Span)> {
    let mut out = String::new();
    let mut chars = src[start + 1..].char_indices().map(|(k, c)| (start + 1 + k, c));
    while let Some((at, c)) = chars.next() {
        match c {
            '"' => return Ok((out, at + 1)),
            '\n' => break,
            '\\' => match chars.next() {
                Some((_, '"')) => out.push('"'),
                Some((_, '\\')) => out.push('\\'),
                Some((_, 'n')) => out.push('\n'),
                Some((_, 't')) => out.push('\t'),
                Some((next, c)) if c != '\n' => {
                    return Err((ErrorKind::UnknownEscape, Span::new(at, next + c.len_utf8())));
                }
                _ => break,
            },
            c => out.push(c),
        }
    }
    let line_end = src[start..].find('\n').map_or(src.len(), |k| start + k);
    Err((ErrorKind::UnterminatedString, Span::new(start, line_end)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<TokenKind> {
        tokenize(src).unwrap().into_iter().map(|t| t.kind).collect()
    }

    fn word(s: &str) -> TokenKind {
        TokenKind::Word(s.to_owned())
    }

    #[test]
    fn words_braces_newlines_and_comments() {
        use TokenKind::*;
        assert_eq!(
            kinds("forward tcp 0.0.0.0:7 to /a.door{ # hi {\n}\r\n"),
            [
                word("forward"),
                word("tcp"),
                word("0.0.0.0:7"),
                word("to"),
                word("/a.door"),
                Open,
                Newline,
                Close,
                Newline,
                Eof
            ]
        );
        assert_eq!(kinds("a#b"), [word("a#b"), TokenKind::Eof]);
    }

    #[test]
    fn strings_resolve_escapes() {
        assert_eq!(
            kinds(r#"exec "a \"b\" \\ \n\t" x"#),
            [word("exec"), TokenKind::Str("a \"b\" \\ \n\t".into()), word("x"), TokenKind::Eof]
        );
        let t = tokenize("x \"é\"").unwrap();
        assert_eq!(t[1].span, Span::new(2, 6));
    }

    #[test]
    fn malformed_strings_are_located() {
        assert_eq!(tokenize("a \"b\nc"), Err((ErrorKind::UnterminatedString, Span::new(2, 4))));
        assert_eq!(tokenize("a \"b"), Err((ErrorKind::UnterminatedString, Span::new(2, 4))));
        assert_eq!(tokenize("\"\\q\""), Err((ErrorKind::UnknownEscape, Span::new(1, 3))));
        assert_eq!(tokenize("\"\\"), Err((ErrorKind::UnterminatedString, Span::new(0, 2))));
    }
}
