//! The server traits, one per style of DESIGN.md §3: `InOrder…Impl` (`&mut self`),
//! `Concurrent…Impl` (`&self`) and `Pipelined…Impl` (`&self` and a reply token). Every
//! method gets the caller's credentials, the arguments in order, then the leases as typed
//! [`ostium_rpc::Lease`]s; infallible operations return their value directly.

use proc_macro2::TokenStream;
use quote::quote;

use super::names::Names;
use super::plan::{ReplyKind, doc, handler_return, op_doc, reply_kind};
use crate::model::{Access, Interface, Operation, Shape};

/// The style of a server trait.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Style {
    /// `&mut self`, one call at a time.
    InOrder,
    /// `&self`, called from the door's elastic pool.
    Concurrent,
    /// `&self` with a `ReplyToken` the handler may complete later, from any thread.
    Pipelined,
}

impl Style {
    /// Every style.
    pub const ALL: [Style; 3] = [Style::InOrder, Style::Concurrent, Style::Pipelined];

    pub(crate) fn trait_name(self, names: &Names) -> &proc_macro2::Ident {
        match self {
            Style::InOrder => &names.in_order,
            Style::Concurrent => &names.concurrent,
            Style::Pipelined => &names.pipelined,
        }
    }
}

/// The trait of `style`.
pub(crate) fn server_trait(interface: &Interface, names: &Names, style: Style) -> TokenStream {
    let name = style.trait_name(names);
    let methods = interface.ops.iter().map(|op| trait_method(op, style));
    let closed = (style == Style::InOrder).then(closed_receive_methods);
    let (title, bound) = match style {
        Style::InOrder => ("serves one call at a time (`&mut self`)", quote!()),
        Style::Concurrent => ("serves calls concurrently, on the door's pool", quote!(: Sync)),
        Style::Pipelined => ("replies through tokens, later and from any thread", quote!(: Sync)),
    };
    let title = format!(" A server of `{}` that {title}.", interface.name);
    let docs = doc(interface.doc.as_deref());
    quote! {
        #[doc = #title]
        #docs
        pub trait #name #bound {
            #(#methods)*
            #closed
        }
    }
}

/// Hubris's closed receive, with defaults that keep the server open to every caller.
fn closed_receive_methods() -> TokenStream {
    quote! {
        /// The client this server serves alone, if any: while this is `Some`, calls of
        /// other clients wait (Hubris's closed `RECV`). Asked after every call and
        /// notification.
        fn recv_source(&self) -> ::core::option::Option<::ostium_rpc::Source> {
            ::core::option::Option::None
        }

        /// The client named by [`recv_source`](Self::recv_source) died: release it. Until
        /// `recv_source` names another client, the server is open to all.
        fn closed_recv_fail(&mut self) {}
    }
}

/// One operation's method in the trait of `style`.
fn trait_method(op: &Operation, style: Style) -> TokenStream {
    let name = op.name.to_ident();
    let docs = op_doc(op);
    let ret = handler_return(op);
    let unit =
        matches!(reply_kind(op), ReplyKind::Infallible) && op.reply.ok().ty.shape == Shape::Unit;
    let output = if unit { quote!() } else { quote!(-> #ret) };
    let (receiver, token, output) = match style {
        Style::InOrder => (quote!(&mut self), quote!(), output),
        Style::Concurrent => (quote!(&self), quote!(), output),
        Style::Pipelined => {
            (quote!(&self), quote!(reply: ::ostium_rpc::ReplyToken<#ret>,), quote!())
        }
    };
    let params = parameters(op);
    let lint = (op.args.len() + op.leases.len() >= 4)
        .then(|| quote!(#[allow(clippy::too_many_arguments, reason = "one per argument")]));
    quote! {
        #docs
        #lint
        fn #name(#receiver, #token caller: &::ostium::Caller, #(#params),*) #output;
    }
}

/// The arguments and leases of `op` as a handler receives them.
pub(crate) fn parameters(op: &Operation) -> Vec<TokenStream> {
    let args = op.args.iter().map(|arg| {
        let (n, ty) = (arg.name.to_ident(), &arg.value.ty.syn);
        quote!(#n: #ty)
    });
    let leases = op.leases.iter().map(|lease| {
        let (n, ty) = (lease.name.to_ident(), &lease.ty.syn);
        let access = access_marker(lease.access);
        quote!(#n: ::ostium_rpc::Lease<'_, #access, #ty>)
    });
    args.chain(leases).collect()
}

/// `ostium::R`, `W` or `RW`.
pub(crate) fn access_marker(access: Access) -> TokenStream {
    match access {
        Access::Read => quote!(::ostium::R),
        Access::Write => quote!(::ostium::W),
        Access::ReadWrite => quote!(::ostium::RW),
    }
}
