//! Arguments and reply values, and their receive strategies.
//!
//! What each encoding can carry, and so which strategies it accepts:
//!
//! - A value type is sized: `[T]` and `str` travel only as leases.
//! - `FromPrimitive(P)`: `P` is a primitive integer (`u8` … `u128`, `usize`, `i8` …
//!   `isize`), and the declared type a named type such as an enum (or `Option<E>`, which
//!   `FromPrimitive` returns directly): converting into a primitive, an array or a tuple
//!   means nothing. Any encoding carries the integer.
//! - `From(R, f)`: `R` is a sized type, `f` (if given) a Rust path.
//! - Zerocopy copies memory images, so what travels (the declared type, or `P` or `R` of a
//!   strategy) needs a fixed layout: a tuple other than `()` or an `Option` cannot travel
//!   (write `encoding: Hubpack`, or convert with a strategy). `bool` travels as a byte.
//! - Hubpack and Ssmarshal are serde codecs and carry any of these; whether a type
//!   implements their traits is for the compiler of the generated code to say.

use crate::error::{Error, ErrorKind, Item};
use crate::model::{Encoding, Function, Int, Recv, Shape, Type, ValueType};
use crate::syntax::{AttributedSyntax, RecvSyntax, Text};

use super::{Validator, names, types};

impl Validator {
    /// A sized, sendable type.
    pub(crate) fn sized_ty(&mut self, text: &Text) -> Option<Type> {
        let ty = self.check(types::ty(text))?;
        if !ty.is_sized() {
            self.errors
                .push(Error::new(ErrorKind::Unsized { text: text.value.clone() }, text.span));
            return None;
        }
        Some(ty)
    }

    pub(crate) fn value(
        &mut self,
        syntax: &AttributedSyntax,
        encoding: Encoding,
    ) -> Option<ValueType> {
        let ty = self.sized_ty(&syntax.ty);
        let recv = match &syntax.recv {
            RecvSyntax::FromBytes => Some(Recv::FromBytes),
            RecvSyntax::FromPrimitive(raw) => self.primitive_recv(raw, ty.as_ref()),
            RecvSyntax::From(raw, via) => {
                let raw = self.sized_ty(raw);
                let via = match via {
                    Some(f) => Some(Some(self.function(f)?)),
                    None => Some(None),
                };
                Some(Recv::From { raw: raw?, via: via? })
            }
        };
        let value = ValueType { ty: ty?, recv: recv? };
        if encoding == Encoding::Zerocopy {
            let reason = match value.carried_shape(encoding) {
                Shape::Tuple => Some("a tuple has no fixed layout"),
                Shape::Option => Some("an `Option` has no fixed layout"),
                _ => None,
            };
            if let Some(reason) = reason {
                let carried = match &value.recv {
                    Recv::From { raw, .. } => raw,
                    _ => &value.ty,
                };
                let kind =
                    ErrorKind::EncodingCannotCarry { encoding, text: carried.text.clone(), reason };
                self.errors.push(Error::new(kind, carried.span));
                return None;
            }
        }
        Some(value)
    }

    fn primitive_recv(&mut self, raw: &Text, target: Option<&Type>) -> Option<Recv> {
        let int = Int::from_name(raw.value.trim());
        if int.is_none() {
            let kind = ErrorKind::NotPrimitiveInteger { text: raw.value.clone() };
            self.errors.push(Error::new(kind, raw.span));
        }
        let target = target?;
        if !matches!(target.shape, Shape::Named | Shape::Option) {
            let kind = ErrorKind::FromPrimitiveTarget { text: target.text.clone() };
            self.errors.push(Error::new(kind, target.span));
            return None;
        }
        Some(Recv::FromPrimitive(int?))
    }

    fn function(&mut self, text: &Text) -> Option<Function> {
        let path = syn::parse_str::<syn::Path>(&text.value).ok().filter(|p| {
            p.segments
                .iter()
                .all(|s| s.arguments.is_none() && names::is_identifier(&s.ident.to_string()))
        });
        match path {
            Some(path) => Some(Function { text: text.value.clone(), path, span: text.span }),
            None => {
                let kind =
                    ErrorKind::NotAnIdentifier { item: Item::Function, name: text.value.clone() };
                self.errors.push(Error::new(kind, text.span));
                None
            }
        }
    }
}
