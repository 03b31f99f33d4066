//! The glue that serves the server traits on a door: `SpiServer`, a namespace with the
//! interface's [`Service`](ostium_rpc::Service) description, a `serve_…` and a
//! `dispatch_…` function per style, and per operation one function that decodes the
//! arguments and checks the leases (shared by all styles) and one that encodes the reply.

use proc_macro2::TokenStream;
use quote::quote;

use super::Allowed;
use super::convert::{Conversion, receive, send};
use super::names::{Names, prefixed};
use super::plan::{ReplyKind, codec, handler_return, reply_kind};
use super::server::{Style, parameters};
use crate::model::{Access, Interface, Operation, Shape};

/// The server namespace: service description, serve and dispatch functions, helpers.
pub(crate) fn server_glue(
    interface: &Interface,
    names: &Names,
    idol: &str,
    restrictions: &[(u32, Allowed)],
) -> TokenStream {
    let name = &names.server;
    let service = service(interface, idol, restrictions);
    let styles = Style::ALL.map(|style| serve_fn(names, style));
    let dispatchers = Style::ALL.map(|style| dispatch_fn(interface, names, style));
    let decoders = interface.ops.iter().map(|op| decode_fn(op, names));
    let replies = interface.ops.iter().map(reply_fn);
    let title = format!(" Serving `{}` on a door, in each server style.", interface.name);
    quote! {
        #[doc = #title]
        #[derive(Debug)]
        pub struct #name;

        impl #name {
            #service
            #(#styles)*
            #(#dispatchers)*
            #(#decoders)*
            #(#replies)*
        }
    }
}

/// `SERVICE`: the name, `.idol` text, operation names and restrictions.
fn service(interface: &Interface, idol: &str, restrictions: &[(u32, Allowed)]) -> TokenStream {
    let name = interface.name.as_str();
    let ops = interface.ops.iter().map(|op| op.name.as_str());
    let rules = restrictions.iter().map(|(op, allowed)| {
        let Allowed { owner, uids, gids, users, groups } = allowed;
        let op = super::names::int(*op);
        let (uids, gids) = (uids.iter().map(|u| super::names::int(*u)), gids.iter().map(|g| super::names::int(*g)));
        quote! {
            (#op, ::ostium_rpc::Allowed {
                owner: #owner, uids: &[#(#uids),*], gids: &[#(#gids),*], users: &[#(#users),*], groups: &[#(#groups),*],
            })
        }
    });
    quote! {
        /// The interface as `DESCRIBE` tells it, and its restricted operations.
        pub const SERVICE: ::ostium_rpc::Service = ::ostium_rpc::Service {
            name: #name,
            idol: #idol,
            ops: &[#(#ops),*],
            restrictions: &[#(#rules),*],
        };
    }
}

/// `serve_in_order`, `serve_concurrent` or `serve_pipelined`.
fn serve_fn(names: &Names, style: Style) -> TokenStream {
    let bound = style.trait_name(names);
    let (serve, dispatch) = fn_names(style);
    let doc = format!(" Serves `server` at `path`; see [`{bound}`].");
    let common = quote! {
        path: impl ::core::convert::AsRef<::std::path::Path>,
        options: ::ostium::DoorOptions,
    };
    let result = quote!(::core::result::Result<::ostium_rpc::Served, ::ostium::DoorError>);
    match style {
        Style::InOrder => {
            let notified = super::names::ident("serve_in_order_notified");
            let notified_doc = format!(
                " Serves `server` at `path` with the notification sources of `notifications`, \
                 whose bits go to its `NotificationHandler`; \
                 see [`{bound}`]."
            );
            quote! {
                #[doc = #doc]
                pub fn #serve<S: #bound + Send + 'static>(#common server: S) -> #result {
                    ::ostium_rpc::serve_in_order_with(path, options, &Self::SERVICE, server, Self::in_order_glue::<S>())
                }

                #[doc = #notified_doc]
                pub fn #notified<S: #bound + ::ostium_rpc::NotificationHandler + Send + 'static>(
                    #common
                    server: S,
                    notifications: ::ostium_rpc::Notifications,
                ) -> #result {
                    ::ostium_rpc::serve_in_order_notified(
                        path, options, &Self::SERVICE, server, Self::in_order_glue::<S>(), notifications,
                    )
                }

                fn in_order_glue<S: #bound>() -> ::ostium_rpc::InOrderGlue<S> {
                    ::ostium_rpc::InOrderGlue {
                        dispatch: Self::#dispatch::<S>,
                        recv_source: <S as #bound>::recv_source,
                        closed_recv_fail: <S as #bound>::closed_recv_fail,
                    }
                }
            }
        }
        Style::Concurrent | Style::Pipelined => quote! {
            #[doc = #doc]
            pub fn #serve<S: #bound + Send + 'static>(#common server: ::std::sync::Arc<S>) -> #result {
                ::ostium_rpc::serve_shared(path, options, &Self::SERVICE, server, Self::#dispatch::<S>)
            }
        },
    }
}

fn fn_names(style: Style) -> (proc_macro2::Ident, proc_macro2::Ident) {
    let suffix = match style {
        Style::InOrder => "in_order",
        Style::Concurrent => "concurrent",
        Style::Pipelined => "pipelined",
    };
    (
        super::names::ident(&format!("serve_{suffix}")),
        super::names::ident(&format!("dispatch_{suffix}")),
    )
}

/// The dispatch of one call to a server of `style`.
fn dispatch_fn(interface: &Interface, names: &Names, style: Style) -> TokenStream {
    let bound = style.trait_name(names);
    let (_, dispatch) = fn_names(style);
    let receiver = match style {
        Style::InOrder => quote!(server: &mut S),
        Style::Concurrent | Style::Pipelined => quote!(server: &S),
    };
    let operation = &names.operation;
    let arms = interface.ops.iter().map(|op| dispatch_arm(op, operation, style));
    let body = if interface.ops.is_empty() {
        quote! {
            let _ = (server, request);
            ::ostium::Answer::fault(::ostium::wire::Fault::UnknownOperation)
        }
    } else {
        quote! {
            let ::ostium::Request { op, args, caller, leases, .. } = request;
            let response = match #operation::from_u32(op) {
                #(#arms)*
                ::core::option::Option::None => {
                    ::core::result::Result::Err(::ostium::wire::Fault::UnknownOperation)
                }
            };
            response.unwrap_or_else(::ostium::Answer::fault)
        }
    };
    quote! {
        /// Answers one call with `server`.
        pub fn #dispatch<S: #bound>(#receiver, request: ::ostium::Request<'_>) -> ::ostium::Answer {
            #body
        }
    }
}

/// One operation's arm of a dispatch.
fn dispatch_arm(op: &Operation, operation: &proc_macro2::Ident, style: Style) -> TokenStream {
    let (name, decode, reply) = (op.name.to_ident(), prefixed("serve", op), prefixed("reply", op));
    let params: Vec<_> = op
        .args
        .iter()
        .map(|a| a.name.to_ident())
        .chain(op.leases.iter().map(|l| l.name.to_ident()))
        .collect();
    let unit =
        matches!(reply_kind(op), ReplyKind::Infallible) && op.reply.ok().ty.shape == Shape::Unit;
    let call = match style {
        // Clippy's `unit_arg` forbids passing a call returning `()` as an argument.
        Style::InOrder | Style::Concurrent if unit => quote!({
            server.#name(&caller, #(#params),*);
            Self::#reply(())
        }),
        Style::InOrder | Style::Concurrent => {
            quote!(Self::#reply(server.#name(&caller, #(#params),*)))
        }
        Style::Pipelined => quote!({
            let (reply, pending) = ::ostium_rpc::ReplyToken::new(Self::#reply);
            server.#name(reply, &caller, #(#params),*);
            pending.wait()
        }),
    };
    quote! {
        ::core::option::Option::Some(#operation::#name) => {
            Self::#decode(args, leases, |#(#params),*| #call)
        }
    }
}

/// `serve_op`: decodes the arguments, checks the leases, and calls `handle` with them.
fn decode_fn(op: &Operation, names: &Names) -> TokenStream {
    let (name, args) = (prefixed("serve", op), names.args(op));
    let codec = codec(op.encoding);
    let fields = op.args.iter().map(|a| a.name.to_ident());
    let conversions = op.args.iter().map(|arg| {
        let name = arg.name.to_ident();
        match receive(&arg.value, op.encoding) {
            Conversion::Identity => quote!(),
            Conversion::Plain(f) => quote!(let #name = #f(#name);),
            Conversion::Checked(f) => {
                quote!(let #name = ::ostium_rpc::recv::required(#f(#name))?;)
            }
        }
    });
    let count = proc_macro2::Literal::usize_unsuffixed(op.leases.len());
    let leases = op.leases.iter().enumerate().map(|(index, lease)| {
        let index = proc_macro2::Literal::usize_unsuffixed(index);
        let (lease_name, ty) = (lease.name.to_ident(), &lease.ty.syn);
        let method = match lease.access {
            Access::Read => quote!(read),
            Access::Write => quote!(write),
            Access::ReadWrite => quote!(read_write),
        };
        let max = match lease.max_len {
            Some(max) => {
                let max = super::names::int(max.get());
                quote!(::core::option::Option::Some(#max))
            }
            None => quote!(::core::option::Option::None),
        };
        quote!(let #lease_name = leases.#method::<#ty>(#index, #max)?;)
    });
    let lease_set = match op.leases.len() {
        0 => quote!(::ostium_rpc::LeaseSet::new(leases, 0)?;),
        _ => quote!(let leases = ::ostium_rpc::LeaseSet::new(leases, #count)?;),
    };
    let handler_params = parameters(op).into_iter().map(|p| strip_name(&p));
    let passed = op
        .args
        .iter()
        .map(|a| a.name.to_ident())
        .chain(op.leases.iter().map(|l| l.name.to_ident()));
    quote! {
        fn #name(
            args: &[u8],
            leases: ::ostium::Leases<'_>,
            handle: impl ::core::ops::FnOnce(#(#handler_params),*) -> ::ostium::Answer,
        ) -> ::core::result::Result<::ostium::Answer, ::ostium::wire::Fault> {
            let #args { #(#fields),* } = #codec::decode::<#args>(args).ok_or(::ostium::wire::Fault::BadMessage)?;
            #(#conversions)*
            #lease_set
            #(#leases)*
            ::core::result::Result::Ok(handle(#(#passed),*))
        }
    }
}

/// The type of a `name: Type` parameter.
fn strip_name(param: &TokenStream) -> TokenStream {
    let parsed: syn::FnArg = match syn::parse2(param.clone()) {
        Ok(parsed) => parsed,
        Err(_) => return param.clone(),
    };
    match parsed {
        syn::FnArg::Typed(typed) => {
            let ty = typed.ty;
            quote!(#ty)
        }
        syn::FnArg::Receiver(_) => param.clone(),
    }
}

/// `reply_op`: the handler's return value as a response.
fn reply_fn(op: &Operation) -> TokenStream {
    let name = prefixed("reply", op);
    let ret = handler_return(op);
    let codec = codec(op.encoding);
    let send = send(op.reply.ok(), op.encoding, quote!(value));
    let encode = quote!(|value| #codec::encode(&#send));
    let (param, body) = match reply_kind(op) {
        ReplyKind::Infallible => {
            (quote!(value), quote!(::ostium_rpc::respond::simple(#codec::encode(&#send))))
        }
        ReplyKind::CLike(_) => {
            (quote!(result), quote!(::ostium_rpc::respond::clike(result, #encode)))
        }
        ReplyKind::Complex(_) => (
            quote!(result),
            quote! {
                ::ostium_rpc::respond::complex(result, #encode, |error| ::ostium_rpc::Hubpack::encode(&error))
            },
        ),
    };
    quote! {
        fn #name(#param: #ret) -> ::ostium::Answer {
            #body
        }
    }
}
