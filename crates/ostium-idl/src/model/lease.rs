//! [`Lease`]: memory the caller lends for one call, and its [`Access`].

use core::num::NonZeroU32;

use super::name::Name;
use super::ty::Type;
use crate::span::Span;

/// A lease of an operation: memory of the caller that the server may read, write, or both,
/// for the duration of the call. Leases are never encoded: the memory is lent as it is, so
/// its type must be a fixed-layout (zerocopy) type whatever the operation's encoding.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Lease {
    /// The lease's name.
    pub name: Name,
    /// `doc:` (and `description:`) of the lease.
    pub doc: Option<String>,
    /// The type lent: `[T]` (any length the caller chooses, up to `max_len`), `[T; N]`, or a
    /// sized `T`. [`Type::is_sized`] and [`Type::element`] tell which.
    pub ty: Type,
    /// What the server may do with it.
    pub access: Access,
    /// The largest number of *elements* of a `[T]` lease the server accepts; `None` if
    /// unbounded. Never set on a sized type. A lease of exactly `max_len` elements is
    /// accepted; one element more is refused.
    pub max_len: Option<NonZeroU32>,
}

/// What the server may do with a lease. A lease allowing neither cannot be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Access {
    /// `read: true`: the server reads it; the client lends `&T`.
    Read,
    /// `write: true`: the server writes it; the client lends `&mut T`.
    Write,
    /// Both: the client lends `&mut T`.
    ReadWrite,
}

impl Access {
    /// Whether the server may read the lease.
    pub const fn readable(self) -> bool {
        matches!(self, Access::Read | Access::ReadWrite)
    }

    /// Whether the server may write the lease.
    pub const fn writable(self) -> bool {
        matches!(self, Access::Write | Access::ReadWrite)
    }

    pub(crate) const fn from_flags(read: bool, write: bool) -> Option<Access> {
        match (read, write) {
            (true, false) => Some(Access::Read),
            (false, true) => Some(Access::Write),
            (true, true) => Some(Access::ReadWrite),
            (false, false) => None,
        }
    }
}

impl Lease {
    /// The span of the lease's name in the file.
    pub fn span(&self) -> Span {
        self.name.span()
    }
}
