//! Byte spans into the source text, and their lines and columns.
//!
//! Everything the parser produces carries a [`Span`]; a line and a column are computed only
//! when a diagnostic is rendered, so parsing a valid file never counts lines.

use core::ops::Range;

/// A range of bytes `start..end` in the source text of one `.idol` file.
///
/// Both ends lie on `char` boundaries. An empty span (`start == end`) marks a position, such
/// as the end of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    /// Offset of the first byte.
    pub start: usize,
    /// Offset one past the last byte.
    pub end: usize,
}

impl Span {
    /// The span of bytes `start..end`.
    pub const fn new(start: usize, end: usize) -> Self {
        Self { start, end }
    }

    /// The smallest span covering both `self` and `other`.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }

    /// The byte range, to slice the source with.
    pub fn range(self) -> Range<usize> {
        self.start..self.end
    }

    /// The text this span covers in `source`, or `""` if it does not fit `source`.
    pub fn text(self, source: &str) -> &str {
        source.get(self.range()).unwrap_or("")
    }
}

/// A position as people count it: 1-based line and column, columns counted in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LineColumn {
    /// Line number, from 1.
    pub line: usize,
    /// Column number in characters, from 1.
    pub column: usize,
}

impl LineColumn {
    /// Where byte `offset` of `source` lies. Offsets past the end are clamped to the end.
    pub fn of(source: &str, offset: usize) -> LineColumn {
        let offset = floor_char_boundary(source, offset);
        let before = &source[..offset];
        let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = source[line_start..offset].chars().count() + 1;
        LineColumn { line, column }
    }
}

/// The full line of `source` holding byte `offset`, without its line terminator.
pub(crate) fn line_at(source: &str, offset: usize) -> &str {
    let offset = floor_char_boundary(source, offset);
    let start = source[..offset].rfind('\n').map_or(0, |i| i + 1);
    let end = source[offset..].find('\n').map_or(source.len(), |i| offset + i);
    source[start..end].strip_suffix('\r').unwrap_or(&source[start..end])
}

fn floor_char_boundary(source: &str, offset: usize) -> usize {
    let mut offset = offset.min(source.len());
    while !source.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns_count_from_one_in_characters() {
        let src = "ab\n  é x\n";
        assert_eq!(LineColumn::of(src, 0), LineColumn { line: 1, column: 1 });
        assert_eq!(LineColumn::of(src, 3), LineColumn { line: 2, column: 1 });
        // `x` is after two spaces, a two-byte `é` and a space.
        let x = src.find('x').unwrap();
        assert_eq!(LineColumn::of(src, x), LineColumn { line: 2, column: 5 });
        assert_eq!(LineColumn::of(src, 999), LineColumn { line: 3, column: 1 });
        assert_eq!(line_at(src, x), "  é x");
        assert_eq!(line_at("a\r\nb", 0), "a");
    }

    #[test]
    fn spans_join_and_slice() {
        let s = Span::new(4, 6).to(Span::new(1, 2));
        assert_eq!(s, Span::new(1, 6));
        assert_eq!(s.text("0123456"), "12345");
        assert_eq!(Span::new(5, 50).text("abc"), "");
    }
}
