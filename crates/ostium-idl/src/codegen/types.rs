//! Items both sides share: the operation enum and the arguments struct of each operation.

use proc_macro2::TokenStream;
use quote::quote;

use super::names::Names;
use super::plan::op_doc;
use crate::model::{Encoding, Interface, Operation};

/// `enum SpiOperation { read = 1, … }`, numbered as on the wire, as Idol generates it.
pub(crate) fn operation_enum(interface: &Interface, names: &Names) -> TokenStream {
    let name = &names.operation;
    let variants = interface.ops.iter().map(|op| {
        let variant = op.name.to_ident();
        let number = super::names::int(op.number.get());
        let docs = op_doc(op);
        quote!(#docs #variant = #number)
    });
    let from = interface.ops.iter().map(|op| {
        let (variant, number) = (op.name.to_ident(), super::names::int(op.number.get()));
        quote!(#number => ::core::option::Option::Some(Self::#variant))
    });
    let text = interface.ops.iter().map(|op| {
        let (variant, text) = (op.name.to_ident(), op.name.as_str());
        quote!(Self::#variant => #text)
    });
    let title = format!(" The operations of `{}`, numbered as on the wire.", interface.name);
    let empty = interface.ops.is_empty();
    let name_body = if empty { quote!(match self {}) } else { quote!(match self { #(#text,)* }) };
    quote! {
        #[doc = #title]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[allow(non_camel_case_types, reason = "variants are the operations' names, as in Idol")]
        #[repr(u32)]
        pub enum #name { #(#variants,)* }

        impl #name {
            /// The operation numbered `number`.
            pub const fn from_u32(number: u32) -> ::core::option::Option<Self> {
                match number {
                    #(#from,)*
                    _ => ::core::option::Option::None,
                }
            }

            /// The operation's name in the interface.
            pub const fn name(self) -> &'static str {
                #name_body
            }
        }
    }
}

/// The struct that carries `op`'s arguments, in the operation's encoding.
pub(crate) fn args_struct(op: &Operation, names: &Names) -> TokenStream {
    let name = names.args(op);
    let fields: Vec<_> = op
        .args
        .iter()
        .map(|arg| {
            let (field, ty) = (arg.name.to_ident(), arg.value.carried(op.encoding));
            let doc = format!(" `{}` as it travels.", arg.name);
            quote!(#[doc = #doc] pub #field: #ty)
        })
        .collect();
    let title = format!(" The arguments of `{}` as they travel.", op.name);
    let header = quote! {
        #[doc = #title]
        #[allow(non_camel_case_types, reason = "named as Idol names it")]
    };
    match op.encoding {
        Encoding::Zerocopy => quote! {
            #header
            #[derive(
                ::ostium_rpc::zerocopy::IntoBytes,
                ::ostium_rpc::zerocopy::FromBytes,
                ::ostium_rpc::zerocopy::Immutable,
                ::ostium_rpc::zerocopy::KnownLayout,
            )]
            #[zerocopy(crate = "::ostium_rpc::zerocopy")]
            #[repr(C, packed)]
            pub struct #name { #(#fields,)* }
        },
        Encoding::Hubpack | Encoding::Ssmarshal => {
            let sizes = op.args.iter().map(|arg| {
                let ty = arg.value.carried(op.encoding);
                quote!(<#ty as ::ostium_rpc::hubpack::SerializedSize>::MAX_SIZE)
            });
            let sizes: Vec<_> = sizes.collect();
            let sum = if sizes.is_empty() { quote!(0) } else { quote!(#(#sizes)+*) };
            let size = (op.encoding == Encoding::Hubpack).then(|| {
                quote! {
                    impl ::ostium_rpc::hubpack::SerializedSize for #name {
                        const MAX_SIZE: usize = #sum;
                    }
                }
            });
            quote! {
                #header
                #[derive(::ostium_rpc::serde::Serialize, ::ostium_rpc::serde::Deserialize)]
                #[serde(crate = "::ostium_rpc::serde")]
                pub struct #name { #(#fields,)* }
                #size
            }
        }
    }
}

/// `INCOMING_SIZE`: the largest arguments message of any operation (the maximum, not the
/// sum: one call is received at a time per buffer). Ssmarshal arguments have no bound
/// their codec states, and are not counted.
pub(crate) fn incoming_size(interface: &Interface, names: &Names) -> TokenStream {
    let sizes = interface.ops.iter().filter_map(|op| {
        let args = names.args(op);
        match op.encoding {
            Encoding::Zerocopy => Some(quote!(::core::mem::size_of::<#args>())),
            Encoding::Hubpack => {
                Some(quote!(<#args as ::ostium_rpc::hubpack::SerializedSize>::MAX_SIZE))
            }
            Encoding::Ssmarshal => None,
        }
    });
    quote! {
        /// The largest arguments message of any operation, in bytes.
        pub const INCOMING_SIZE: usize = ::ostium_rpc::max_size(&[#(#sizes),*]);
    }
}
