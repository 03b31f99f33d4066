//! What can be wrong with a `.idol` file: [`ErrorKind`], one variant per rule.
//!
//! The kind says *what* is wrong; [`Diagnostic`](crate::Diagnostic) adds *where*. Each
//! variant's `Display` is the one-sentence headline of the rendered error, and
//! [`ErrorKind::help`] the advice printed under it, if any.

use core::fmt;

use crate::model::Encoding;
use crate::span::Span;

/// The kind of item a name or a duplicate belongs to, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Item {
    /// The interface's `name`.
    Interface,
    /// A key of `ops`.
    Operation,
    /// A key of an operation's `args`.
    Argument,
    /// A key of an operation's `leases`.
    Lease,
    /// A field of a struct, such as `args` or `type`.
    Field,
    /// A key of a map Idol does not interpret (under an unknown field).
    Key,
    /// The conversion function of `From(type, Some("function"))`.
    Function,
}

impl fmt::Display for Item {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Item::Interface => "interface",
            Item::Operation => "operation",
            Item::Argument => "argument",
            Item::Lease => "lease",
            Item::Field => "field",
            Item::Key => "key",
            Item::Function => "function",
        })
    }
}

/// Everything the parser and the validation reject, one variant per rule.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The file is not UTF-8: the span is its first byte that is not.
    NotUtf8,
    /// A character that starts no RON token.
    UnexpectedCharacter(char),
    /// A string literal with no closing quote.
    UnterminatedString,
    /// A block comment with no closing `*/`.
    UnterminatedComment,
    /// A character literal that is unclosed, empty, or holds more than one character.
    InvalidChar,
    /// A backslash escape that RON does not define.
    InvalidEscape,
    /// A number that is neither an integer nor a float, or an integer beyond 128 bits.
    InvalidNumber,
    /// A token where the grammar wants something else (`found` describes the token).
    Unexpected {
        /// What the grammar wanted.
        expected: &'static str,
        /// What the file holds there.
        found: String,
    },
    /// An extension other than `implicit_some` in `#![enable(...)]`.
    UnknownExtension(String),
    /// Values nested deeper than the parser follows (128 levels).
    TooDeep,
    /// The same key twice in one map or struct.
    Duplicate {
        /// What the key names.
        item: Item,
        /// The key.
        name: String,
    },
    /// A struct written with a name other than the one Idol gives it.
    WrongStructName {
        /// The name Idol expects.
        expected: &'static str,
        /// The name in the file.
        found: String,
    },
    /// A required field is absent.
    MissingField {
        /// The field.
        field: &'static str,
    },
    /// A field not allowed where it is written.
    UnknownField {
        /// The field in the file.
        field: String,
        /// The fields allowed there.
        expected: &'static str,
    },
    /// A value of the wrong kind, such as a number where a string belongs.
    WrongKind {
        /// The kind wanted.
        expected: &'static str,
        /// The kind found.
        found: &'static str,
    },
    /// An enum variant that Idol does not define.
    UnknownVariant {
        /// The enum.
        what: &'static str,
        /// The variant in the file.
        found: String,
        /// The variants allowed.
        expected: &'static str,
    },
    /// A bare value where an `Option` belongs, in a file without `implicit_some`.
    BareOption,
    /// An integer beyond the range of its field.
    OutOfRange {
        /// The largest value allowed.
        max: u64,
    },
    /// A name that is not a Rust identifier.
    NotAnIdentifier {
        /// What the name names.
        item: Item,
        /// The name.
        name: String,
    },
    /// A name that is a Rust keyword.
    Keyword {
        /// What the name names.
        item: Item,
        /// The name.
        name: String,
    },
    /// A type string that does not parse as a Rust type.
    NotAType {
        /// The type string.
        text: String,
        /// What the Rust parser said.
        reason: String,
    },
    /// A Rust type that cannot cross a process boundary, such as a reference.
    UnsupportedType {
        /// The type string.
        text: String,
        /// Why.
        reason: &'static str,
    },
    /// An unsized type (`[T]`, `str`) as an argument or a reply: only leases may be unsized.
    Unsized {
        /// The type string.
        text: String,
    },
    /// An argument and a lease of one operation with the same name.
    ArgumentLeaseClash {
        /// The name.
        name: String,
    },
    /// A lease that is neither readable nor writable.
    LeaseWithoutAccess {
        /// The lease.
        lease: String,
    },
    /// `max_len` on a lease whose type has a fixed size.
    MaxLenOnSized {
        /// The lease.
        lease: String,
        /// Its type.
        ty: String,
    },
    /// `max_len: Some(0)`: a lease that can hold nothing.
    MaxLenZero {
        /// The lease.
        lease: String,
    },
    /// A `Complex` error with an encoding other than Hubpack.
    ComplexNeedsHubpack {
        /// The operation's encoding.
        encoding: Encoding,
    },
    /// `FromPrimitive` from a type that is not a primitive integer.
    NotPrimitiveInteger {
        /// The type string.
        text: String,
    },
    /// `FromPrimitive` into a type that is not a named (path) type.
    FromPrimitiveTarget {
        /// The type string.
        text: String,
    },
    /// A type the operation's encoding cannot carry.
    EncodingCannotCarry {
        /// The operation's encoding.
        encoding: Encoding,
        /// The type string.
        text: String,
        /// Why.
        reason: &'static str,
    },
    /// `err: ServerDeath` on an idempotent operation.
    ServerDeathIdempotent,
}

impl ErrorKind {
    /// Advice on how to fix the file, printed as `= help:` under the error.
    pub fn help(&self) -> Option<&'static str> {
        Some(match self {
            ErrorKind::BareOption => {
                "write `Some(value)`, or start the file with `#![enable(implicit_some)]`"
            }
            ErrorKind::Keyword { .. } => "choose another name: generated code uses it as is",
            ErrorKind::Unsized { .. } => "pass unsized data as a lease",
            ErrorKind::ArgumentLeaseClash { .. } => {
                "rename one of them: the generated method takes both as parameters"
            }
            ErrorKind::LeaseWithoutAccess { .. } => "add `read: true`, `write: true`, or both",
            ErrorKind::MaxLenOnSized { .. } => "only a slice lease (`[T]`) has a length to bound",
            ErrorKind::MaxLenZero { .. } => "remove `max_len`, or give it a positive length",
            ErrorKind::ComplexNeedsHubpack { .. } => {
                "add `encoding: Hubpack` to the operation, or use `CLike`"
            }
            ErrorKind::NotPrimitiveInteger { .. } => {
                "use u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128 or isize"
            }
            ErrorKind::FromPrimitiveTarget { .. } => {
                "`FromPrimitive` converts into a named type, such as an enum"
            }
            ErrorKind::EncodingCannotCarry { .. } => "use `encoding: Hubpack`",
            ErrorKind::ServerDeathIdempotent => {
                "an idempotent operation is retried when its server dies, so it never reports \
                 `ServerDeath`: remove `idempotent: true`, or declare another error"
            }
            _ => return None,
        })
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::NotUtf8 => f.write_str("the file is not UTF-8"),
            ErrorKind::UnexpectedCharacter(c) => write!(f, "unexpected character {c:?}"),
            ErrorKind::UnterminatedString => f.write_str("string literal is never closed"),
            ErrorKind::UnterminatedComment => f.write_str("block comment is never closed"),
            ErrorKind::InvalidChar => f.write_str("invalid character literal"),
            ErrorKind::InvalidEscape => f.write_str("unknown escape in string literal"),
            ErrorKind::InvalidNumber => f.write_str("invalid number"),
            ErrorKind::Unexpected { expected, found } => {
                write!(f, "expected {expected}, found {found}")
            }
            ErrorKind::UnknownExtension(e) => {
                write!(f, "unsupported RON extension `{e}`: only `implicit_some` is accepted")
            }
            ErrorKind::TooDeep => f.write_str("values are nested too deeply"),
            ErrorKind::Duplicate { item, name } => write!(f, "duplicate {item} `{name}`"),
            ErrorKind::WrongStructName { expected, found } => {
                write!(f, "expected struct `{expected}`, found `{found}`")
            }
            ErrorKind::MissingField { field } => write!(f, "missing field `{field}`"),
            ErrorKind::UnknownField { field, expected } => {
                write!(f, "unknown field `{field}`, expected {expected}")
            }
            ErrorKind::WrongKind { expected, found } => {
                write!(f, "expected {expected}, found {found}")
            }
            ErrorKind::UnknownVariant { what, found, expected } => {
                write!(f, "unknown {what} `{found}`, expected {expected}")
            }
            ErrorKind::BareOption => f.write_str("expected `Some(..)` or `None`"),
            ErrorKind::OutOfRange { max } => write!(f, "number out of range: at most {max}"),
            ErrorKind::NotAnIdentifier { item, name } => {
                write!(f, "{item} name `{name}` is not a Rust identifier")
            }
            ErrorKind::Keyword { item, name } => {
                write!(f, "{item} name `{name}` is a Rust keyword")
            }
            ErrorKind::NotAType { text, reason } => {
                write!(f, "`{text}` is not a Rust type: {reason}")
            }
            ErrorKind::UnsupportedType { text, reason } => {
                write!(f, "type `{text}` cannot cross a process boundary: {reason}")
            }
            ErrorKind::Unsized { text } => {
                write!(f, "type `{text}` is unsized: arguments and replies must be sized")
            }
            ErrorKind::ArgumentLeaseClash { name } => {
                write!(f, "lease `{name}` has the name of an argument of the same operation")
            }
            ErrorKind::LeaseWithoutAccess { lease } => {
                write!(f, "lease `{lease}` is neither readable nor writable")
            }
            ErrorKind::MaxLenOnSized { lease, ty } => {
                write!(f, "`max_len` on lease `{lease}`, whose type `{ty}` has a fixed size")
            }
            ErrorKind::MaxLenZero { lease } => {
                write!(f, "`max_len` of lease `{lease}` is zero: it could hold nothing")
            }
            ErrorKind::ComplexNeedsHubpack { encoding } => write!(
                f,
                "`Complex` errors are sent with Hubpack, but this operation's encoding is \
                 {encoding}"
            ),
            ErrorKind::NotPrimitiveInteger { text } => {
                write!(f, "`FromPrimitive` needs a primitive integer type, not `{text}`")
            }
            ErrorKind::FromPrimitiveTarget { text } => {
                write!(f, "`FromPrimitive` cannot convert into `{text}`")
            }
            ErrorKind::EncodingCannotCarry { encoding, text, reason } => {
                write!(f, "encoding {encoding} cannot carry `{text}`: {reason}")
            }
            ErrorKind::ServerDeathIdempotent => {
                f.write_str("`ServerDeath` error on an idempotent operation")
            }
        }
    }
}

/// An error before it is located: the kind, the offending span and perhaps a related span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Error {
    pub(crate) kind: ErrorKind,
    pub(crate) span: Span,
    pub(crate) note: Option<(&'static str, Span)>,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, span: Span) -> Self {
        Error { kind, span, note: None }
    }

    /// Adds a note pointing at `span`, such as "first defined here".
    pub(crate) fn note(mut self, label: &'static str, span: Span) -> Self {
        self.note = Some((label, span));
        self
    }
}
