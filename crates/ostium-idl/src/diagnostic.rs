//! Located errors, rendered like rustc's: [`Diagnostic`] and [`Diagnostics`].
//!
//! ```text
//! error: duplicate operation `read`
//!   --> spi.idol:20:9
//!    |
//! 20 |         "read": (
//!    |         ^^^^^^
//!    |
//! note: first defined here
//!   --> spi.idol:6:9
//!    |
//!  6 |         "read": (
//!    |         ------
//! ```

use core::fmt;

use crate::error::{Error, ErrorKind};
use crate::span::{LineColumn, Span, line_at};

/// One error in a `.idol` file, located: what is wrong, where, and the text there.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Diagnostic {
    /// What is wrong.
    pub kind: ErrorKind,
    /// The file's name, as given to [`parse`](crate::parse).
    pub file: String,
    /// The offending bytes of the source.
    pub span: Span,
    /// Where the offending text starts.
    pub at: LineColumn,
    /// The offending text (its first line, if it spans several).
    pub text: String,
    /// The whole source line holding the start of the offending text.
    pub source_line: String,
    /// A related place, such as where a duplicate was first defined.
    pub note: Option<Note>,
}

/// A place related to a [`Diagnostic`], with a label saying how.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Note {
    /// How the place relates to the error, such as "first defined here".
    pub label: &'static str,
    /// The bytes of the place.
    pub span: Span,
    /// Where the place starts.
    pub at: LineColumn,
    /// The text of the place (its first line, if it spans several).
    pub text: String,
    /// The whole source line holding the start of the place.
    pub source_line: String,
}

impl Diagnostic {
    pub(crate) fn locate(file: &str, source: &str, error: Error) -> Diagnostic {
        let Error { kind, span, note } = error;
        let text = first_line(span, source);
        let note = note.map(|(label, span)| Note {
            label,
            span,
            at: LineColumn::of(source, span.start),
            text: first_line(span, source),
            source_line: line_at(source, span.start).to_owned(),
        });
        Diagnostic {
            kind,
            file: file.to_owned(),
            span,
            at: LineColumn::of(source, span.start),
            text,
            source_line: line_at(source, span.start).to_owned(),
            note,
        }
    }

    /// The one-sentence headline, without location.
    pub fn message(&self) -> String {
        self.kind.to_string()
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Rendered whole first, so that the output never ends with a newline.
        let mut out = String::new();
        self.render(&mut out)?;
        f.write_str(out.trim_end_matches('\n'))
    }
}

impl Diagnostic {
    fn render(&self, f: &mut impl fmt::Write) -> fmt::Result {
        let width = self.at.line.max(self.note.as_ref().map_or(0, |n| n.at.line)).to_string().len();
        writeln!(f, "error: {}", self.kind)?;
        let marked = self.text.chars().count();
        snippet(f, width, &self.file, self.at, &self.source_line, marked, '^')?;
        if let Some(note) = &self.note {
            writeln!(f, "{:width$} |", "")?;
            writeln!(f, "note: {}", note.label)?;
            let marked = note.text.chars().count();
            snippet(f, width, &self.file, note.at, &note.source_line, marked, '-')?;
        }
        if let Some(help) = self.kind.help() {
            writeln!(f, "{:width$} |", "")?;
            write!(f, "{:width$} = help: {help}", "")?;
        }
        Ok(())
    }
}

fn first_line(span: Span, source: &str) -> String {
    span.text(source).lines().next().unwrap_or("").to_owned()
}

/// Writes ` --> file:line:col`, the source line and a marker under `marked` characters.
fn snippet(
    f: &mut impl fmt::Write,
    width: usize,
    file: &str,
    at: LineColumn,
    line: &str,
    marked: usize,
    mark: char,
) -> fmt::Result {
    writeln!(f, "{:width$}--> {file}:{}:{}", "", at.line, at.column)?;
    writeln!(f, "{:width$} |", "")?;
    let shown: String = line.chars().map(|c| if c == '\t' { ' ' } else { c }).collect();
    writeln!(f, "{:>width$} | {shown}", at.line)?;
    let available = line.chars().count().saturating_sub(at.column - 1);
    let marked = marked.clamp(1, available.max(1));
    let pad = at.column - 1;
    writeln!(f, "{:width$} | {:pad$}{}", "", "", mark.to_string().repeat(marked))
}

/// Every error found in one `.idol` file, in the order of the file. Never empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostics(Vec<Diagnostic>);

impl Diagnostics {
    pub(crate) fn new(file: &str, source: &str, mut errors: Vec<Error>) -> Diagnostics {
        debug_assert!(!errors.is_empty());
        errors.sort_by_key(|e| e.span.start);
        Diagnostics(errors.into_iter().map(|e| Diagnostic::locate(file, source, e)).collect())
    }

    /// The errors, in the order of the file.
    pub fn iter(&self) -> core::slice::Iter<'_, Diagnostic> {
        self.0.iter()
    }

    /// How many errors there are (at least one).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always `false`: there is at least one error.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The first error in the file.
    pub fn first(&self) -> Option<&Diagnostic> {
        self.0.first()
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a Diagnostics {
    type Item = &'a Diagnostic;
    type IntoIter = core::slice::Iter<'a, Diagnostic>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n\n")?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}
impl std::error::Error for Diagnostic {}
