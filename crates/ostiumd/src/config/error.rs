//! Configuration errors: what is wrong ([`ErrorKind`]) and where ([`Location`]), rendered
//! like rustc's with the line of text and a caret under the offending part.

use std::fmt;

use super::token::Span;

/// What is wrong with a configuration; [`ConfigError`] says where.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The file is not UTF-8 text.
    InvalidUtf8,
    /// A quoted string does not end on its line.
    UnterminatedString,
    /// A backslash in a string is followed by something other than `"`, `\`, `n` or `t`.
    UnknownEscape,
    /// Something else was found where the parser expected what is named.
    Expected(&'static str),
    /// A statement other than `forward` and `set`.
    UnknownStatement,
    /// A protocol other than `tcp`, `udp` and `http`.
    UnknownProtocol,
    /// A portunusd feature Ostium does not have yet (TLS, `map` routing), named.
    NotSupportedYet(&'static str),
    /// An address that is not `IP:PORT` (`0.0.0.0:80`, `[::1]:8080`).
    BadAddress,
    /// A second forward on a transport address already forwarded.
    DuplicateListen {
        /// The line of the first forward.
        first_line: u32,
    },
    /// A `set` key ostiumd does not know.
    UnknownSetting,
    /// A forward option ostiumd does not know.
    UnknownOption,
    /// A setting or option given twice.
    Duplicate {
        /// The line where it was first given.
        first_line: u32,
    },
    /// Not a whole decimal number.
    BadNumber,
    /// Not a size (`512`, `8K`, `1M`, `2G`).
    BadSize,
    /// Not a duration (`250ms`, `5s`, `2m`, `1h`).
    BadDuration,
    /// Neither `on` nor `off`.
    BadSwitch,
    /// Not a file mode (octal, at most `0777`).
    BadFileMode,
    /// Not a mode (`http`, `bytes`, `handoff`).
    BadMode,
    /// Zero where zero makes no sense, or more than the named maximum.
    OutOfRange(&'static str),
    /// A mode this protocol cannot carry (the message says which modes it can).
    ModeMismatch(&'static str),
    /// An option that does not apply to this forward's mode or protocol.
    NotForMode(&'static str),
    /// `exec` outside a forward block.
    ExecOutsideForward,
    /// A block opened with `{` that is never closed.
    UnclosedBlock,
    /// An empty string where a path or command is needed.
    Empty,
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ErrorKind::InvalidUtf8 => f.write_str("the file is not UTF-8 text"),
            ErrorKind::UnterminatedString => f.write_str("string not closed on its line"),
            ErrorKind::UnknownEscape => f.write_str(r#"unknown escape (use \", \\, \n or \t)"#),
            ErrorKind::Expected(what) => write!(f, "expected {what}"),
            ErrorKind::UnknownStatement => {
                f.write_str("unknown statement (expected `forward` or `set`)")
            }
            ErrorKind::UnknownProtocol => {
                f.write_str("unknown protocol (expected `tcp`, `udp` or `http`)")
            }
            ErrorKind::NotSupportedYet(what) => write!(f, "{what} not supported yet"),
            ErrorKind::BadAddress => {
                f.write_str("not an address (expected IP:PORT, like 0.0.0.0:80 or [::]:80)")
            }
            ErrorKind::DuplicateListen { first_line } => {
                write!(f, "this address is already forwarded, on line {first_line}")
            }
            ErrorKind::UnknownSetting => f.write_str("unknown setting"),
            ErrorKind::UnknownOption => f.write_str("unknown option"),
            ErrorKind::Duplicate { first_line } => {
                write!(f, "given twice (first on line {first_line})")
            }
            ErrorKind::BadNumber => f.write_str("not a whole number"),
            ErrorKind::BadSize => f.write_str("not a size (like 512, 8K, 1M or 2G)"),
            ErrorKind::BadDuration => {
                f.write_str("not a duration (like 250ms, 5s, 2m, 1h, or 30 for seconds)")
            }
            ErrorKind::BadSwitch => f.write_str("expected `on` or `off`"),
            ErrorKind::BadFileMode => {
                f.write_str("not a file mode (octal permission bits, like 0600 or 0666)")
            }
            ErrorKind::BadMode => {
                f.write_str("unknown mode (expected `http`, `bytes` or `handoff`)")
            }
            ErrorKind::OutOfRange(range) => write!(f, "out of range: {range}"),
            ErrorKind::ModeMismatch(why) => write!(f, "mode not possible here: {why}"),
            ErrorKind::NotForMode(why) => write!(f, "option does not apply: {why}"),
            ErrorKind::ExecOutsideForward => {
                f.write_str("`exec` belongs inside a forward's `{ … }` block")
            }
            ErrorKind::UnclosedBlock => f.write_str("block not closed with `}`"),
            ErrorKind::Empty => f.write_str("empty value"),
        }
    }
}

/// Where an error is: the file, the 1-based line and column (in characters), and the
/// text of that line for the rendering.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// The file's name as given to the parser.
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
    /// How many characters to underline (at least 1).
    pub width: u32,
    /// The line's text, without its newline.
    pub text: String,
}

impl Location {
    /// Locates `span` in `src`.
    pub(crate) fn of(file: &str, src: &str, span: Span) -> Location {
        let start = floor_char(src, span.start.min(src.len()));
        let line_start = src[..start].rfind('\n').map_or(0, |k| k + 1);
        let line_end = src[start..].find('\n').map_or(src.len(), |k| start + k);
        let text = src[line_start..line_end].trim_end_matches('\r');
        // The span may start at the line's CR, past its trimmed text.
        let end = floor_char(src, span.end.clamp(start, (line_start + text.len()).max(start)));
        Location {
            file: file.to_owned(),
            line: line_of(src, start),
            column: src[line_start..start].chars().count() as u32 + 1,
            width: (src[start..end].chars().count() as u32).max(1),
            text: text.to_owned(),
        }
    }
}

/// The 1-based line of byte offset `at`.
pub(crate) fn line_of(src: &str, at: usize) -> u32 {
    src.as_bytes()[..at.min(src.len())].iter().filter(|&&b| b == b'\n').count() as u32 + 1
}

fn floor_char(src: &str, mut at: usize) -> usize {
    while !src.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// One configuration error with its location.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// What is wrong.
    pub kind: ErrorKind,
    /// Where.
    pub location: Location,
}

impl fmt::Display for ConfigError {
    /// Renders as rustc does:
    ///
    /// ```text
    /// error: unknown option
    ///  --> ostiumd.conf:3:5
    ///   |
    /// 3 |     max-bdy 1M
    ///   |     ^^^^^^^
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Location { file, line, column, width, text } = &self.location;
        let gutter = line.to_string().len();
        let pad: String = text
            .chars()
            .take(*column as usize - 1)
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        writeln!(f, "error: {}", self.kind)?;
        writeln!(f, "{:gutter$}--> {file}:{line}:{column}", "")?;
        writeln!(f, "{:gutter$} |", "")?;
        writeln!(f, "{line} | {text}")?;
        write!(f, "{:gutter$} | {pad}{}", "", "^".repeat(*width as usize))
    }
}

impl std::error::Error for ConfigError {}

/// Every error found in one configuration, in the order of the text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (k, e) in self.0.iter().enumerate() {
            if k > 0 {
                f.write_str("\n\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}
