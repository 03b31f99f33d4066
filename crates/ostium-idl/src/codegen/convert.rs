//! Receive strategies (`recv:`) as code: the sender turns the declared type into what
//! travels, the receiver turns it back, and a value with no counterpart is found out there.
//!
//! A conversion is [`Conversion::Identity`] (the declared type travels), `Plain` (a
//! function that cannot fail, such as a `bool` from its byte), or `Checked` (a function
//! returning `Option<T>`, `None` for a bad value), so that generated code never wraps an
//! infallible value in `Some` only to unwrap it. Conversions are function paths, not
//! closures, so that clippy finds no redundant closure in generated code.

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::{Encoding, Recv, Shape, Type, ValueType};

/// How received bytes of a value become the declared type.
pub(crate) enum Conversion {
    /// The declared type travels.
    Identity,
    /// An infallible function of the carried value.
    Plain(TokenStream),
    /// A function of the carried value returning `Option<T>`.
    Checked(TokenStream),
}

/// The receiver's conversion of the carried type into the declared type of `value`.
pub(crate) fn receive(value: &ValueType, encoding: Encoding) -> Conversion {
    let ty = &value.ty.syn;
    match &value.recv {
        Recv::FromBytes if value.ty.shape == Shape::Bool && !encoding.is_serde() => {
            Conversion::Plain(quote!(::ostium_rpc::recv::bool_from_byte))
        }
        Recv::FromBytes => Conversion::Identity,
        Recv::FromPrimitive(int) => {
            let method = crate::codegen::names::ident(&int.from_primitive_method());
            let from = quote!(::ostium_rpc::num_traits::FromPrimitive);
            match option_inner(&value.ty) {
                // `FromPrimitive` gives the `Option` itself: no value is a bad one.
                Some(inner) => Conversion::Plain(quote!(<#inner as #from>::#method)),
                None => Conversion::Checked(quote!(<#ty as #from>::#method)),
            }
        }
        Recv::From { raw, via: None } => {
            let raw_ty = &raw.syn;
            Conversion::Plain(quote!(<#ty as ::core::convert::From<#raw_ty>>::from))
        }
        Recv::From { via: Some(function), .. } => {
            let path = &function.path;
            Conversion::Checked(quote!(#path))
        }
    }
}

/// The sender's expression turning `value_expr` (of the declared type) into what travels.
pub(crate) fn send(value: &ValueType, encoding: Encoding, expr: TokenStream) -> TokenStream {
    let carried = value.carried(encoding);
    match &value.recv {
        Recv::FromBytes if value.ty.shape == Shape::Bool && !encoding.is_serde() => {
            quote!(::ostium_rpc::recv::bool_to_byte(#expr))
        }
        Recv::FromBytes => expr,
        // `None` travels as the primitive's largest value, which no variant may use.
        Recv::FromPrimitive(_) if option_inner(&value.ty).is_some() => quote! {
            match #expr {
                ::core::option::Option::Some(value) => value as #carried,
                ::core::option::Option::None => #carried::MAX,
            }
        },
        Recv::FromPrimitive(_) => quote!(#expr as #carried),
        Recv::From { .. } => quote!(<#carried as ::core::convert::From<_>>::from(#expr)),
    }
}

/// The client's decoder of a reply value: an expression of type `fn(&[u8]) -> Option<T>`.
pub(crate) fn reply_decoder(value: &ValueType, encoding: Encoding) -> TokenStream {
    let codec = crate::codegen::plan::codec(encoding);
    let carried = value.carried(encoding);
    match receive(value, encoding) {
        Conversion::Identity => quote!(#codec::decode::<#carried>),
        Conversion::Plain(f) => quote!(|bytes: &[u8]| #codec::decode::<#carried>(bytes).map(#f)),
        Conversion::Checked(f) => {
            quote!(|bytes: &[u8]| #codec::decode::<#carried>(bytes).and_then(#f))
        }
    }
}

/// `E` of `Option<E>`.
fn option_inner(ty: &Type) -> Option<&syn::Type> {
    if ty.shape != Shape::Option {
        return None;
    }
    let syn::Type::Path(path) = &ty.syn else { return None };
    let syn::PathArguments::AngleBracketed(args) = &path.path.segments.last()?.arguments else {
        return None;
    };
    match args.args.first()? {
        syn::GenericArgument::Type(inner) => Some(inner),
        _ => None,
    }
}
