//! Leases: a lease is readable, writable or both; `max_len` bounds the length of a `[T]`
//! lease, so it is positive and appears on no sized type; and a lease is memory lent as it
//! is, so its type needs a fixed layout (no tuples, `Option` or `str`) whatever the
//! operation's encoding.

use core::num::NonZeroU32;

use crate::error::{Error, ErrorKind, Item};
use crate::model::{Access, Lease, Shape};
use crate::syntax::{LeaseSyntax, Text};

use super::{Validator, names, types};

impl Validator {
    pub(crate) fn lease(&mut self, name: &Text, syntax: &LeaseSyntax) -> Option<Lease> {
        let lease = name.value.clone();
        let checked_name = self.check(names::name(name, Item::Lease));
        let ty = self.check(types::ty(&syntax.ty));
        if let Some(ty) = &ty {
            let reason = match ty.shape {
                Shape::Tuple | Shape::Option => {
                    Some("a lease is memory lent as it is, and this type has no fixed layout")
                }
                Shape::Str => Some("a lease is memory lent as it is: lend text as `[u8]`"),
                _ => None,
            };
            if let Some(reason) = reason {
                let kind = ErrorKind::UnsupportedType { text: ty.text.clone(), reason };
                self.errors.push(Error::new(kind, ty.span));
            }
        }
        let access = Access::from_flags(syntax.read, syntax.write);
        if access.is_none() {
            self.errors.push(Error::new(
                ErrorKind::LeaseWithoutAccess { lease: lease.clone() },
                syntax.span,
            ));
        }
        let max_len = match syntax.max_len {
            None => Some(None),
            Some((n, span)) => match (NonZeroU32::new(n), &ty) {
                (None, _) => {
                    self.errors.push(Error::new(ErrorKind::MaxLenZero { lease }, span));
                    None
                }
                (Some(_), Some(ty)) if ty.is_sized() => {
                    let kind = ErrorKind::MaxLenOnSized { lease, ty: ty.text.clone() };
                    self.errors
                        .push(Error::new(kind, span).note("the type is given here", ty.span));
                    None
                }
                (Some(n), _) => Some(Some(n)),
            },
        };
        Some(Lease {
            name: checked_name?,
            doc: syntax.doc.clone(),
            ty: ty?,
            access: access?,
            max_len: max_len?,
        })
    }
}
