//! Names: interface, operation, argument and lease names must be Rust identifiers that are
//! not keywords, because generated code uses them as identifiers as they are.

use crate::error::{Error, ErrorKind, Item};
use crate::model::Name;
use crate::syntax::Text;

/// Rust's strict and reserved keywords (edition 2024), and `_`.
const KEYWORDS: &[&str] = &[
    "_", "Self", "abstract", "as", "async", "await", "become", "box", "break", "const", "continue",
    "crate", "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if",
    "impl", "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub",
    "ref", "return", "self", "static", "struct", "super", "trait", "true", "try", "type", "typeof",
    "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Checks that `text` names an `item` properly.
pub(crate) fn name(text: &Text, item: Item) -> Result<Name, Error> {
    let value = &text.value;
    let kind = if KEYWORDS.contains(&value.as_str()) {
        Some(ErrorKind::Keyword { item, name: value.clone() })
    } else if !is_identifier(value) {
        Some(ErrorKind::NotAnIdentifier { item, name: value.clone() })
    } else if syn::parse_str::<syn::Ident>(value).is_err() {
        // A keyword that `syn` knows and the list above does not.
        Some(ErrorKind::Keyword { item, name: value.clone() })
    } else {
        None
    };
    match kind {
        Some(kind) => Err(Error::new(kind, text.span)),
        None => Ok(Name::new(value.clone(), text.span)),
    }
}

/// Whether `s` is an identifier: XID_Start or `_`, then XID_Continue characters.
pub(crate) fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) if first == '_' || unicode_ident::is_xid_start(first) => {
            chars.all(unicode_ident::is_xid_continue)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::Span;

    fn check(s: &str) -> Result<Name, ErrorKind> {
        name(&Text { value: s.to_owned(), span: Span::new(0, 0) }, Item::Argument)
            .map_err(|e| e.kind)
    }

    #[test]
    fn identifiers_pass_and_others_do_not() {
        for ok in ["a", "_a", "device_index", "Spi", "x1", "é"] {
            assert_eq!(check(ok).map(|n| n.to_string()), Ok(ok.to_owned()));
        }
        for bad in ["", "1a", "a-b", "a b", "r#type", "a::b", " a"] {
            assert!(matches!(check(bad), Err(ErrorKind::NotAnIdentifier { .. })), "{bad:?}");
        }
        for kw in ["type", "fn", "self", "Self", "_", "async", "gen", "yield"] {
            assert!(matches!(check(kw), Err(ErrorKind::Keyword { .. })), "{kw:?}");
        }
    }
}
