//! From RON values to what an Idol file says: [`decode`] reads Idol's schema over the
//! spanned tree, reporting wrong kinds, missing and duplicate fields, unknown variants and
//! struct names, and yields the unchecked [`ast`].

mod ast;
mod decode;
mod reader;

pub(crate) use ast::{
    AttributedSyntax, ErrorSyntax, InterfaceSyntax, LeaseSyntax, OperationSyntax, RecvSyntax,
    ReplySyntax, Text,
};
pub(crate) use decode::decode;
