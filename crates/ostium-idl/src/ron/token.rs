//! The RON tokenizer: source text to [`Token`]s with spans, comments and whitespace dropped.
//!
//! It knows the lexical grammar of RON as far as `.idol` files can use it: identifiers (and
//! raw identifiers `r#type`), strings with escapes, raw strings `r#"…"#`, characters,
//! numbers (checked later by the parser), punctuation, `//` line comments and nested `/* */`
//! block comments. It stops at the first error.

use crate::error::{Error, ErrorKind};
use crate::span::Span;

/// What a token is. Strings and characters are already unescaped.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    /// An identifier, `r#` stripped from a raw one.
    Ident(String),
    /// A string literal's value.
    Str(String),
    /// A character literal's value.
    Char(char),
    /// A number; its text is the token's span, read by the parser.
    Number,
    /// One of `( ) [ ] { } , : # !`.
    Punct(char),
    /// The end of the source, with an empty span.
    Eof,
}

/// A token and the bytes it came from.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub(crate) tok: Tok,
    pub(crate) span: Span,
}

/// Splits `src` into tokens, ending with [`Tok::Eof`].
pub(crate) fn tokenize(src: &str) -> Result<Vec<Token>, Error> {
    let mut lexer = Lexer { src, pos: 0 };
    let mut tokens = Vec::new();
    loop {
        lexer.skip_blank()?;
        let start = lexer.pos;
        let Some(c) = lexer.peek() else {
            tokens.push(Token { tok: Tok::Eof, span: Span::new(start, start) });
            return Ok(tokens);
        };
        let tok = lexer.token(c)?;
        tokens.push(Token { tok, span: Span::new(start, lexer.pos) });
    }
}

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
}

impl Lexer<'_> {
    fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    fn peek_at(&self, n: usize) -> Option<char> {
        self.src[self.pos..].chars().nth(n)
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn error(&self, kind: ErrorKind, start: usize) -> Error {
        Error::new(kind, Span::new(start, self.pos))
    }

    /// An unterminated string starting at `start`: its span runs to the end of that line.
    fn unterminated(&self, start: usize) -> Error {
        let end = self.src[start..].find('\n').map_or(self.src.len(), |n| start + n);
        Error::new(ErrorKind::UnterminatedString, Span::new(start, end))
    }

    /// Skips whitespace and comments.
    fn skip_blank(&mut self) -> Result<(), Error> {
        loop {
            match (self.peek(), self.peek_at(1)) {
                (Some(c), _) if c.is_whitespace() => {
                    self.bump();
                }
                (Some('/'), Some('/')) => {
                    let rest = &self.src[self.pos..];
                    self.pos += rest.find('\n').unwrap_or(rest.len());
                }
                (Some('/'), Some('*')) => self.block_comment()?,
                _ => return Ok(()),
            }
        }
    }

    fn block_comment(&mut self) -> Result<(), Error> {
        let start = self.pos;
        let mut depth = 0usize;
        loop {
            match (self.bump(), self.peek()) {
                (Some('/'), Some('*')) => {
                    self.bump();
                    depth += 1;
                }
                (Some('*'), Some('/')) => {
                    self.bump();
                    depth -= 1;
                    if depth == 0 {
                        return Ok(());
                    }
                }
                (Some(_), _) => {}
                (None, _) => {
                    return Err(Error::new(
                        ErrorKind::UnterminatedComment,
                        Span::new(start, start + 2),
                    ));
                }
            }
        }
    }

    fn token(&mut self, c: char) -> Result<Tok, Error> {
        let start = self.pos;
        match c {
            '(' | ')' | '[' | ']' | '{' | '}' | ',' | ':' | '#' | '!' => {
                self.bump();
                Ok(Tok::Punct(c))
            }
            '"' => {
                self.bump();
                self.string(start).map(Tok::Str)
            }
            '\'' => self.char_literal(start),
            'r' if matches!(self.peek_at(1), Some('"' | '#')) && self.raw_string_ahead() => {
                self.raw_string(start).map(Tok::Str)
            }
            'r' if self.peek_at(1) == Some('#') => {
                self.pos += 2;
                match self.peek() {
                    Some(c) if is_ident_start(c) => Ok(Tok::Ident(self.ident())),
                    _ => Err(self.error(ErrorKind::UnexpectedCharacter('#'), start + 1)),
                }
            }
            c if c.is_ascii_digit() => Ok(self.number()),
            '+' | '-' if self.peek_at(1).is_some_and(|c| c.is_ascii_digit()) => {
                self.bump();
                Ok(self.number())
            }
            c if is_ident_start(c) => Ok(Tok::Ident(self.ident())),
            c => {
                self.bump();
                Err(self.error(ErrorKind::UnexpectedCharacter(c), start))
            }
        }
    }

    fn ident(&mut self) -> String {
        let start = self.pos;
        self.bump();
        while self.peek().is_some_and(unicode_ident::is_xid_continue) {
            self.bump();
        }
        self.src[start..self.pos].to_owned()
    }

    /// Digits, letters, `_` and `.`, and a sign right after a decimal exponent's `e`.
    fn number(&mut self) -> Tok {
        let hex = self.src[self.pos..].starts_with("0x");
        while let Some(c) = self.peek() {
            let sign = matches!(c, '+' | '-') && !hex && self.src[..self.pos].ends_with(['e', 'E']);
            if c.is_ascii_alphanumeric() || c == '_' || c == '.' || sign {
                self.bump();
            } else {
                break;
            }
        }
        Tok::Number
    }

    /// After the opening quote: the string's value up to the closing quote.
    fn string(&mut self, start: usize) -> Result<String, Error> {
        let mut value = String::new();
        loop {
            match self.bump() {
                None => return Err(self.unterminated(start)),
                Some('"') => return Ok(value),
                Some('\\') => value.push(self.escape()?),
                Some(c) => value.push(c),
            }
        }
    }

    /// After a backslash: the escaped character.
    fn escape(&mut self) -> Result<char, Error> {
        let start = self.pos - 1;
        let c = match self.bump() {
            Some('"') => '"',
            Some('\\') => '\\',
            Some('\'') => '\'',
            Some('/') => '/',
            Some('b') => '\u{8}',
            Some('f') => '\u{c}',
            Some('n') => '\n',
            Some('r') => '\r',
            Some('t') => '\t',
            Some('0') => '\0',
            Some('x') => {
                let code = self.hex_digits(2, 2).filter(|&v| v <= 0x7f);
                code.and_then(char::from_u32)
                    .ok_or_else(|| self.error(ErrorKind::InvalidEscape, start))?
            }
            Some('u') if self.peek() == Some('{') => {
                self.bump();
                let code = self.hex_digits(1, 6);
                if self.bump() != Some('}') {
                    return Err(self.error(ErrorKind::InvalidEscape, start));
                }
                code.and_then(char::from_u32)
                    .ok_or_else(|| self.error(ErrorKind::InvalidEscape, start))?
            }
            Some('u') => {
                let code = self.hex_digits(4, 4);
                code.and_then(char::from_u32)
                    .ok_or_else(|| self.error(ErrorKind::InvalidEscape, start))?
            }
            _ => return Err(self.error(ErrorKind::InvalidEscape, start)),
        };
        Ok(c)
    }

    /// Between `min` and `max` hex digits, as a number.
    fn hex_digits(&mut self, min: usize, max: usize) -> Option<u32> {
        let mut value = 0u32;
        let mut count = 0;
        while count < max {
            let Some(d) = self.peek().and_then(|c| c.to_digit(16)) else { break };
            self.bump();
            value = value * 16 + d;
            count += 1;
        }
        (count >= min).then_some(value)
    }

    fn char_literal(&mut self, start: usize) -> Result<Tok, Error> {
        self.bump();
        let c = match self.bump() {
            Some('\\') => self.escape()?,
            Some(c) if c != '\'' && c != '\n' => c,
            _ => return Err(self.error(ErrorKind::InvalidChar, start)),
        };
        if self.peek() != Some('\'') {
            return Err(self.error(ErrorKind::InvalidChar, start));
        }
        self.bump();
        Ok(Tok::Char(c))
    }

    /// Whether `r`, hashes and a quote start a raw string here.
    fn raw_string_ahead(&self) -> bool {
        self.src[self.pos + 1..].trim_start_matches('#').starts_with('"')
    }

    fn raw_string(&mut self, start: usize) -> Result<String, Error> {
        self.bump(); // r
        let hashes =
            self.src[self.pos..].len() - self.src[self.pos..].trim_start_matches('#').len();
        self.pos += hashes + 1; // hashes and the quote
        let close = format!("\"{}", "#".repeat(hashes));
        match self.src[self.pos..].find(&close) {
            Some(len) => {
                let value = self.src[self.pos..self.pos + len].to_owned();
                self.pos += len + close.len();
                Ok(value)
            }
            None => Err(self.unterminated(start)),
        }
    }
}

fn is_ident_start(c: char) -> bool {
    c == '_' || unicode_ident::is_xid_start(c)
}
