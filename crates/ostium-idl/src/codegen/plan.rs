//! What generation decides once per operation, before any item is emitted: the codec that
//! carries its arguments and reply, and how its reply reads. Emitters consult the plan
//! rather than matching on the encoding themselves.

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::{Encoding, ErrorType, Operation, Reply, Type};

/// The codec type of `ostium_rpc` for an encoding.
pub(crate) fn codec(encoding: Encoding) -> TokenStream {
    match encoding {
        Encoding::Zerocopy => quote!(::ostium_rpc::Zerocopy),
        Encoding::Hubpack => quote!(::ostium_rpc::Hubpack),
        Encoding::Ssmarshal => quote!(::ostium_rpc::Ssmarshal),
    }
}

/// How an operation's reply is shaped, for both sides.
pub(crate) enum ReplyKind<'a> {
    /// `Simple(T)`, or `Result` with `ServerDeath`: the handler returns `T`, the client
    /// gets `Result<T, Failure>`.
    Infallible,
    /// `CLike(E)`: a status code.
    CLike(&'a Type),
    /// `Complex(E)`: a Hubpack-encoded error.
    Complex(&'a Type),
}

/// The reply kind of `op`.
pub(crate) fn reply_kind(op: &Operation) -> ReplyKind<'_> {
    match &op.reply {
        Reply::Simple(_) | Reply::Result { err: ErrorType::ServerDeath, .. } => {
            ReplyKind::Infallible
        }
        Reply::Result { err: ErrorType::CLike(ty), .. } => ReplyKind::CLike(ty),
        Reply::Result { err: ErrorType::Complex(ty), .. } => ReplyKind::Complex(ty),
    }
}

/// What a handler of `op` returns: `T`, or `Result<T, HandlerError<E>>`.
pub(crate) fn handler_return(op: &Operation) -> TokenStream {
    let ok = &op.reply.ok().ty.syn;
    match reply_kind(op) {
        ReplyKind::Infallible => quote!(#ok),
        ReplyKind::CLike(e) | ReplyKind::Complex(e) => {
            let e = &e.syn;
            quote!(::core::result::Result<#ok, ::ostium_rpc::HandlerError<#e>>)
        }
    }
}

/// What a client method of `op` returns.
pub(crate) fn client_return(op: &Operation) -> TokenStream {
    let ok = &op.reply.ok().ty.syn;
    match reply_kind(op) {
        ReplyKind::Infallible => {
            quote!(::core::result::Result<#ok, ::ostium_rpc::Failure>)
        }
        ReplyKind::CLike(e) | ReplyKind::Complex(e) => {
            let e = &e.syn;
            quote!(::core::result::Result<#ok, ::ostium_rpc::RequestError<#e>>)
        }
    }
}

/// `#[doc = …]` attributes of an item's `doc:`, if any.
pub(crate) fn doc(doc: Option<&str>) -> TokenStream {
    match doc {
        Some(text) => {
            let lines =
                text.lines().map(|l| if l.is_empty() { String::new() } else { format!(" {l}") });
            quote!(#(#[doc = #lines])*)
        }
        None => quote!(),
    }
}

/// The rustdoc of an operation's items: its `doc:`, or a line naming it when it has none
/// (so that generated items never lack docs in a crate that warns of missing ones).
pub(crate) fn op_doc(op: &crate::model::Operation) -> TokenStream {
    match op.doc.as_deref() {
        Some(text) => doc(Some(text)),
        None => {
            let line = format!(" Operation {} of the interface, `{}`.", op.number, op.name);
            quote!(#[doc = #line])
        }
    }
}
