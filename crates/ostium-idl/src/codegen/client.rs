//! The client: a type named as the interface, holding an [`ostium_rpc::Stub`], with one
//! method per operation — arguments in order, then leases (`&T` to read, `&mut T` to
//! write or both) — returning the declared error or a `Failure`.

use proc_macro2::TokenStream;
use quote::quote;

use super::convert::{reply_decoder, send};
use super::names::Names;
use super::plan::{ReplyKind, client_return, codec, doc, op_doc, reply_kind};
use crate::model::{Access, Interface, Lease, Operation};

/// The client type and its methods.
pub(crate) fn client(interface: &Interface, names: &Names) -> TokenStream {
    let name = &names.client;
    let title = format!(" A client of `{}`: one method per operation.", interface.name);
    let docs = doc(interface.doc.as_deref());
    let methods = interface.ops.iter().map(|op| method(op, names));
    quote! {
        #[doc = #title]
        #docs
        #[derive(Debug)]
        pub struct #name {
            stub: ::ostium_rpc::Stub,
        }

        impl #name {
            /// Opens the door at `path`.
            pub fn open(
                path: impl ::core::convert::AsRef<::std::path::Path>,
            ) -> ::core::result::Result<Self, ::ostium_rpc::Failure> {
                ::ostium_rpc::Stub::open(path).map(|stub| Self { stub })
            }

            /// Calls through `client`.
            pub fn new(client: ::ostium::Client) -> Self {
                Self { stub: ::ostium_rpc::Stub::new(client) }
            }

            /// Gives each call at most `timeout`; idempotent operations are retried within
            /// it after a server's death.
            pub fn with_timeout(mut self, timeout: ::core::option::Option<::std::time::Duration>) -> Self {
                self.stub.set_timeout(timeout);
                self
            }

            /// The stub the calls go through.
            pub fn stub(&self) -> &::ostium_rpc::Stub {
                &self.stub
            }

            #(#methods)*
        }
    }
}

/// One operation's method.
fn method(op: &Operation, names: &Names) -> TokenStream {
    let name = op.name.to_ident();
    let docs = op_doc(op);
    let params = op.args.iter().map(|arg| {
        let (n, ty) = (arg.name.to_ident(), &arg.value.ty.syn);
        quote!(#n: #ty)
    });
    let lease_params = op.leases.iter().map(|lease| {
        let (n, ty) = (lease.name.to_ident(), &lease.ty.syn);
        match lease.access {
            Access::Read => quote!(#n: &#ty),
            Access::Write | Access::ReadWrite => quote!(#n: &mut #ty),
        }
    });
    let checks = op.leases.iter().filter_map(|lease| max_len_check(op, lease));
    let args = encode_args(op, names);
    let lends = op.leases.iter().map(lend);
    let (operation, variant) = (&names.operation, op.name.to_ident());
    let idempotent = op.idempotent;
    let read = read_reply(op);
    let ret = client_return(op);
    let lint = (op.args.len() + op.leases.len() >= 7)
        .then(|| quote!(#[allow(clippy::too_many_arguments, reason = "one per argument")]));
    quote! {
        #docs
        #lint
        pub fn #name(&self, #(#params,)* #(#lease_params,)*) -> #ret {
            #(#checks)*
            let args = #args;
            let reply = self.stub.call(#operation::#variant as u32, &args, &mut [#(#lends),*], #idempotent)?;
            #read
        }
    }
}

/// The `max_len` check of a `[T]` lease, before anything is sent.
fn max_len_check(op: &Operation, lease: &Lease) -> Option<TokenStream> {
    let max = super::names::int(lease.max_len?.get());
    let (name, op_text, lease_text) =
        (lease.name.to_ident(), op.name.as_str(), lease.name.as_str());
    Some(quote!(::ostium_rpc::check_max_len(#op_text, #lease_text, #name.len(), #max)?;))
}

/// The encoded arguments, an expression of `Vec<u8>`.
fn encode_args(op: &Operation, names: &Names) -> TokenStream {
    let args = names.args(op);
    let codec = codec(op.encoding);
    let fields = op.args.iter().map(|arg| {
        let name = arg.name.to_ident();
        let value = send(&arg.value, op.encoding, quote!(#name));
        if name == value.to_string() { quote!(#name) } else { quote!(#name: #value) }
    });
    quote!(#codec::encode(&#args { #(#fields),* }))
}

/// A lease as lent.
fn lend(lease: &Lease) -> TokenStream {
    let name = lease.name.to_ident();
    match lease.access {
        Access::Read => quote!(::ostium_rpc::lend_read(#name)),
        Access::Write => quote!(::ostium_rpc::lend_write(#name)),
        Access::ReadWrite => quote!(::ostium_rpc::lend_read_write(#name)),
    }
}

/// The reading of the reply: the method's result.
fn read_reply(op: &Operation) -> TokenStream {
    let text = op.name.as_str();
    let decode = reply_decoder(op.reply.ok(), op.encoding);
    match reply_kind(op) {
        ReplyKind::Infallible => quote!(::ostium_rpc::reply::simple(reply, #text, #decode)),
        ReplyKind::CLike(_) => quote!(::ostium_rpc::reply::clike(reply, #text, #decode)),
        ReplyKind::Complex(e) => {
            let e = &e.syn;
            quote! {
                ::ostium_rpc::reply::complex(reply, #text, #decode, ::ostium_rpc::Hubpack::decode::<#e>)
            }
        }
    }
}
