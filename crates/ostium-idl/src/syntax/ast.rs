//! What a `.idol` file says, in Idol's schema but not yet checked: names and types are still
//! the strings of the file, each with its span. [`validate`](crate::validate) turns this into
//! the [`model`](crate::model).

use crate::model::Encoding;
use crate::span::Span;

/// A string of the file (a name, a type, a function) and where it is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Text {
    pub(crate) value: String,
    pub(crate) span: Span,
}

/// `Interface(name: .., ops: {..})`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct InterfaceSyntax {
    pub(crate) name: Text,
    pub(crate) doc: Option<String>,
    pub(crate) ops: Vec<OperationSyntax>,
}

/// One entry of `ops`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct OperationSyntax {
    pub(crate) name: Text,
    pub(crate) doc: Option<String>,
    pub(crate) args: Vec<(Text, AttributedSyntax)>,
    pub(crate) leases: Vec<(Text, LeaseSyntax)>,
    pub(crate) reply: ReplySyntax,
    /// The span of `true` in `idempotent: true`; `None` if the operation is not idempotent.
    pub(crate) idempotent: Option<Span>,
    pub(crate) encoding: Encoding,
    /// The span of the `encoding:` value, if it is written.
    pub(crate) encoding_span: Option<Span>,
}

/// `"type"` or `(type: "type", recv: ..)`: an argument or a reply's value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AttributedSyntax {
    pub(crate) ty: Text,
    pub(crate) recv: RecvSyntax,
}

/// The `recv:` strategy as written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RecvSyntax {
    FromBytes,
    FromPrimitive(Text),
    From(Text, Option<Text>),
}

/// `(type: .., read: .., write: .., max_len: ..)`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LeaseSyntax {
    pub(crate) ty: Text,
    pub(crate) doc: Option<String>,
    pub(crate) read: bool,
    pub(crate) write: bool,
    /// The value of `max_len` and its span.
    pub(crate) max_len: Option<(u32, Span)>,
    /// The whole lease value.
    pub(crate) span: Span,
}

/// `Simple(..)` or `Result(ok: .., err: ..)`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ReplySyntax {
    Simple(AttributedSyntax),
    Result { ok: AttributedSyntax, err: ErrorSyntax, err_span: Span },
}

/// The `err:` of a `Result` reply.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ErrorSyntax {
    CLike(Text),
    Complex(Text),
    ServerDeath,
}
