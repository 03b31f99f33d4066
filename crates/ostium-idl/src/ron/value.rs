//! The spanned RON value tree the parser builds: every value, key and struct name keeps the
//! bytes it came from, and maps and structs keep every entry in order, duplicates included,
//! so that the layer above can report a duplicate with both of its places.

use crate::span::Span;

/// A RON document: its extensions and its one value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Document {
    /// Whether `#![enable(implicit_some)]` is in force: a bare `v` means `Some(v)`.
    pub(crate) implicit_some: bool,
    pub(crate) value: Value,
}

/// A value and its span.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Value {
    pub(crate) kind: Kind,
    pub(crate) span: Span,
}

/// An identifier and its span: a struct, variant or field name.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Name {
    pub(crate) text: String,
    pub(crate) span: Span,
}

/// A `name: value` field of a struct.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Field {
    pub(crate) name: Name,
    pub(crate) value: Value,
}

/// The kinds of RON value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    /// `true` or `false`.
    Bool(bool),
    /// An integer, signed or not.
    Int(i128),
    /// A float (its value is of no use to Idol, only its presence).
    Float,
    /// A string literal.
    Str(String),
    /// A character literal.
    Char(char),
    /// `[a, b]`.
    List(Vec<Value>),
    /// `{k: v}`, entries in order.
    Map(Vec<(Value, Value)>),
    /// `Name(a: 1)` or `(a: 1)`.
    Struct { name: Option<Name>, fields: Vec<Field> },
    /// `Name(1, 2)`, `(1, 2)`, `Some(x)` or `()`.
    Tuple { name: Option<Name>, items: Vec<Value> },
    /// A bare identifier other than `true` and `false`: a unit variant such as `None`,
    /// `Hubpack` or `ServerDeath`.
    Unit(Name),
}

impl Kind {
    /// The kind's description in messages ("found a string").
    pub(crate) fn describe(&self) -> &'static str {
        match self {
            Kind::Bool(_) => "a boolean",
            Kind::Int(_) => "an integer",
            Kind::Float => "a float",
            Kind::Str(_) => "a string",
            Kind::Char(_) => "a character",
            Kind::List(_) => "a list",
            Kind::Map(_) => "a map",
            Kind::Struct { .. } => "a struct",
            Kind::Tuple { items, .. } if items.is_empty() => "`()`",
            Kind::Tuple { .. } => "a tuple",
            Kind::Unit(_) => "an identifier",
        }
    }
}
