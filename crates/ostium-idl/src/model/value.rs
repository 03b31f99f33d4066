//! What travels in a message: [`ValueType`], a type and the [`Recv`] strategy that turns
//! the bytes received into it. Arguments and replies are value types; leases are not.

use super::encoding::Encoding;
use super::name::Name;
use super::ty::{Int, Shape, Type, named};
use crate::span::Span;

/// An argument's or a reply's type and how the receiving side produces it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ValueType {
    /// The type the application sees: the client passes it, the server's handler gets it.
    pub ty: Type,
    /// How the received form becomes [`ty`](Self::ty).
    pub recv: Recv,
}

/// How the receiving side turns what travels into the declared type (`recv:`).
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant, reason = "built once per file; boxing only burdens generators")]
pub enum Recv {
    /// The declared type itself travels (the default). Under Zerocopy a `bool` travels as a
    /// byte, any non-zero byte meaning `true`.
    FromBytes,
    /// A primitive integer travels and `num_traits::FromPrimitive` makes the declared type
    /// (an enum, usually) of it; a value with no counterpart is a bad message.
    FromPrimitive(Int),
    /// Another type travels and is converted by `From`/`Into` (`via: None`) or by calling
    /// the named function.
    From {
        /// The type that travels.
        raw: Type,
        /// The conversion function, if not `From`.
        via: Option<Function>,
    },
}

/// The conversion function of `From(type, Some("function"))`: a Rust path.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Function {
    /// The path as written.
    pub text: String,
    /// The path parsed by `syn`.
    pub path: syn::Path,
    /// The string literal in the file.
    pub span: Span,
}

impl ValueType {
    /// The type that travels in a message of `encoding`: the raw type of a `FromPrimitive`
    /// or `From` strategy, `u8` for a `bool` under Zerocopy, otherwise the declared type.
    pub fn carried(&self, encoding: Encoding) -> syn::Type {
        match &self.recv {
            Recv::FromPrimitive(int) => int.to_syn(),
            Recv::From { raw, .. } => raw.syn.clone(),
            Recv::FromBytes if self.ty.shape == Shape::Bool && !encoding.is_serde() => named("u8"),
            Recv::FromBytes => self.ty.syn.clone(),
        }
    }

    /// The shape of what travels, as [`carried`](Self::carried) describes it.
    pub fn carried_shape(&self, encoding: Encoding) -> Shape {
        match &self.recv {
            Recv::FromPrimitive(int) => Shape::Int(*int),
            Recv::From { raw, .. } => raw.shape,
            Recv::FromBytes if self.ty.shape == Shape::Bool && !encoding.is_serde() => {
                Shape::Int(Int::U8)
            }
            Recv::FromBytes => self.ty.shape,
        }
    }

    /// Whether the receiving side converts what travels (and may find it invalid).
    pub fn converts(&self, encoding: Encoding) -> bool {
        self.carried_shape(encoding) != self.ty.shape || !matches!(self.recv, Recv::FromBytes)
    }
}

/// An argument: its name and value type.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Arg {
    /// The argument's name.
    pub name: Name,
    /// Its type and receive strategy.
    pub value: ValueType,
}
