//! The RON parser: tokens to a spanned [`Document`].
//!
//! Grammar (as far as `.idol` files need it, plus the rest of RON's values so that the
//! fields Idol ignores may hold anything):
//!
//! ```text
//! document  = extension* value EOF
//! extension = "#" "!" "[" "enable" "(" ident ("," ident)* ","? ")" "]"
//! value     = string | char | number | "true" | "false"
//!           | "[" (value ",")* value? "]"
//!           | "{" (value ":" value ",")* (value ":" value)? "}"
//!           | ident? "(" ")"                          -- unit, or empty tuple struct
//!           | ident? "(" (ident ":" value ","?)* ")"  -- struct
//!           | ident? "(" (value ","?)* ")"            -- tuple, `Some(x)`, variant
//!           | ident                                   -- unit variant: `None`, `Hubpack`
//! ```
//!
//! Nesting is limited to [`MAX_DEPTH`] levels so that hostile input cannot overflow the
//! stack.

use super::token::{Tok, Token, tokenize};
use super::value::{Document, Field, Kind, Name, Value};
use crate::error::{Error, ErrorKind};
use crate::span::Span;

/// How deeply values may nest.
pub(crate) const MAX_DEPTH: usize = 128;

/// Parses a whole RON document.
pub(crate) fn parse(src: &str) -> Result<Document, Error> {
    let tokens = tokenize(src)?;
    let mut parser = Parser { src, tokens, pos: 0, depth: 0 };
    let implicit_some = parser.extensions()?;
    let value = parser.value()?;
    let end = parser.peek();
    if end.tok != Tok::Eof {
        return Err(parser.unexpected("end of file"));
    }
    Ok(Document { implicit_some, value })
}

struct Parser<'a> {
    src: &'a str,
    tokens: Vec<Token>,
    pos: usize,
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> &Token {
        // The last token is always `Eof`, and `bump` never moves past it.
        &self.tokens[self.pos.min(self.tokens.len() - 1)]
    }

    fn peek_second(&self) -> &Tok {
        self.tokens.get(self.pos + 1).map_or(&Tok::Eof, |t| &t.tok)
    }

    fn bump(&mut self) -> Token {
        let token = self.peek().clone();
        if token.tok != Tok::Eof {
            self.pos += 1;
        }
        token
    }

    fn is_punct(&self, c: char) -> bool {
        self.peek().tok == Tok::Punct(c)
    }

    fn unexpected(&self, expected: &'static str) -> Error {
        let token = self.peek();
        let found = match &token.tok {
            Tok::Ident(s) => format!("`{s}`"),
            Tok::Str(_) => "a string".to_owned(),
            Tok::Char(_) => "a character".to_owned(),
            Tok::Number => "a number".to_owned(),
            Tok::Punct(c) => format!("`{c}`"),
            Tok::Eof => "end of file".to_owned(),
        };
        Error::new(ErrorKind::Unexpected { expected, found }, token.span)
    }

    fn expect_punct(&mut self, c: char, expected: &'static str) -> Result<Span, Error> {
        if self.is_punct(c) { Ok(self.bump().span) } else { Err(self.unexpected(expected)) }
    }

    fn name(&mut self, expected: &'static str) -> Result<Name, Error> {
        match &self.peek().tok {
            Tok::Ident(text) => {
                let text = text.clone();
                Ok(Name { text, span: self.bump().span })
            }
            _ => Err(self.unexpected(expected)),
        }
    }

    /// `#![enable(...)]` attributes; whether `implicit_some` is among them.
    fn extensions(&mut self) -> Result<bool, Error> {
        let mut implicit_some = false;
        while self.is_punct('#') {
            self.bump();
            self.expect_punct('!', "`!`")?;
            self.expect_punct('[', "`[`")?;
            let enable = self.name("`enable`")?;
            if enable.text != "enable" {
                let found = format!("`{}`", enable.text);
                return Err(Error::new(
                    ErrorKind::Unexpected { expected: "`enable`", found },
                    enable.span,
                ));
            }
            self.expect_punct('(', "`(`")?;
            self.comma_list(')', "`,` or `)`", |p| {
                let ext = p.name("an extension name")?;
                match ext.text.as_str() {
                    "implicit_some" => implicit_some = true,
                    _ => return Err(Error::new(ErrorKind::UnknownExtension(ext.text), ext.span)),
                }
                Ok(())
            })?;
            self.expect_punct(']', "`]`")?;
        }
        Ok(implicit_some)
    }

    /// Items separated by commas (a trailing one allowed) up to and including `close`;
    /// returns the span of `close`.
    fn comma_list(
        &mut self,
        close: char,
        expected: &'static str,
        mut item: impl FnMut(&mut Self) -> Result<(), Error>,
    ) -> Result<Span, Error> {
        loop {
            if self.is_punct(close) {
                return Ok(self.bump().span);
            }
            item(self)?;
            if self.is_punct(',') {
                self.bump();
            } else if !self.is_punct(close) {
                return Err(self.unexpected(expected));
            }
        }
    }

    fn value(&mut self) -> Result<Value, Error> {
        if self.depth >= MAX_DEPTH {
            return Err(Error::new(ErrorKind::TooDeep, self.peek().span));
        }
        self.depth += 1;
        let value = self.value_inner();
        self.depth -= 1;
        value
    }

    fn value_inner(&mut self) -> Result<Value, Error> {
        let token = self.peek().clone();
        let start = token.span;
        let kind = match token.tok {
            Tok::Str(s) => {
                self.bump();
                Kind::Str(s)
            }
            Tok::Char(c) => {
                self.bump();
                Kind::Char(c)
            }
            Tok::Number => {
                self.bump();
                number(start.text(self.src))
                    .ok_or_else(|| Error::new(ErrorKind::InvalidNumber, start))?
            }
            Tok::Punct('[') => {
                self.bump();
                let mut items = Vec::new();
                let end = self.comma_list(']', "`,` or `]`", |p| {
                    items.push(p.value()?);
                    Ok(())
                })?;
                return Ok(Value { kind: Kind::List(items), span: start.to(end) });
            }
            Tok::Punct('{') => {
                self.bump();
                let mut entries = Vec::new();
                let end = self.comma_list('}', "`,` or `}`", |p| {
                    let key = p.value()?;
                    p.expect_punct(':', "`:`")?;
                    entries.push((key, p.value()?));
                    Ok(())
                })?;
                return Ok(Value { kind: Kind::Map(entries), span: start.to(end) });
            }
            Tok::Punct('(') => return self.parens(None, start),
            Tok::Ident(text) => {
                self.bump();
                match text.as_str() {
                    "true" => Kind::Bool(true),
                    "false" => Kind::Bool(false),
                    _ => {
                        let name = Name { text, span: start };
                        if self.is_punct('(') {
                            return self.parens(Some(name), start);
                        }
                        Kind::Unit(name)
                    }
                }
            }
            Tok::Punct(_) | Tok::Eof => return Err(self.unexpected("a value")),
        };
        Ok(Value { kind, span: start })
    }

    /// A struct, tuple or unit from its `(`; `name` is the identifier before it, if any.
    fn parens(&mut self, name: Option<Name>, start: Span) -> Result<Value, Error> {
        self.expect_punct('(', "`(`")?;
        let is_struct =
            matches!(self.peek().tok, Tok::Ident(_)) && *self.peek_second() == Tok::Punct(':');
        if is_struct {
            let mut fields = Vec::new();
            let end = self.comma_list(')', "`,` or `)`", |p| {
                let name = p.name("a field name")?;
                p.expect_punct(':', "`:`")?;
                fields.push(Field { name, value: p.value()? });
                Ok(())
            })?;
            Ok(Value { kind: Kind::Struct { name, fields }, span: start.to(end) })
        } else {
            let mut items = Vec::new();
            let end = self.comma_list(')', "`,` or `)`", |p| {
                items.push(p.value()?);
                Ok(())
            })?;
            Ok(Value { kind: Kind::Tuple { name, items }, span: start.to(end) })
        }
    }
}

/// Reads a number token: an integer (decimal, `0x`, `0o`, `0b`, `_` separators, a sign) or a
/// decimal float.
pub(crate) fn number(text: &str) -> Option<Kind> {
    let (negative, body) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let (radix, digits) = [("0x", 16), ("0o", 8), ("0b", 2)]
        .into_iter()
        .find_map(|(prefix, radix)| body.strip_prefix(prefix).map(|d| (radix, d)))
        .unwrap_or((10, body));
    let digits: String = digits.chars().filter(|&c| c != '_').collect();
    if !digits.is_empty() && digits.chars().all(|c| c.is_digit(radix)) {
        let magnitude = i128::try_from(u128::from_str_radix(&digits, radix).ok()?).ok()?;
        return Some(Kind::Int(if negative { -magnitude } else { magnitude }));
    }
    let float_chars = |c: char| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-');
    if radix == 10 && digits.chars().all(float_chars) && digits.parse::<f64>().is_ok() {
        return Some(Kind::Float);
    }
    None
}
