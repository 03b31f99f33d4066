//! [`Name`]: a validated Rust identifier from the file, with its span.

use core::fmt;

use crate::span::Span;

/// The name of an interface, operation, argument or lease: a Rust identifier that is not a
/// keyword (checked), so that generated code may use it as is.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Name {
    text: String,
    span: Span,
}

impl Name {
    /// Only for names that [`validate`](crate::validate) checked.
    pub(crate) fn new(text: String, span: Span) -> Name {
        Name { text, span }
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The string literal that holds the name in the file.
    pub fn span(&self) -> Span {
        self.span
    }

    /// The name as an identifier for generated code.
    pub fn to_ident(&self) -> syn::Ident {
        syn::Ident::new(&self.text, proc_macro2::Span::call_site())
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}
