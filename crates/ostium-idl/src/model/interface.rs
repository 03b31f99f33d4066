//! [`Interface`] and [`Operation`]: a validated `.idol` file, as generators consume it.

use core::num::NonZeroU32;

use super::encoding::Encoding;
use super::lease::Lease;
use super::name::Name;
use super::reply::Reply;
use super::value::Arg;

/// A validated interface: every rule of the validation pass holds (see the crate docs), for client and
/// server generation alike.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Interface {
    /// The interface's name (`name:`).
    pub name: Name,
    /// The interface's `doc:` (and `description:`), if any.
    pub doc: Option<String>,
    /// The operations in the order of the file, which numbers them.
    pub ops: Vec<Operation>,
}

/// One operation of an interface.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Operation {
    /// The operation's name: its key in `ops`.
    pub name: Name,
    /// The operation number on the wire: its place in `ops`, counting from 1 as Idol does.
    /// Reordering the operations of a file changes the numbers, and so the protocol.
    pub number: NonZeroU32,
    /// `doc:` and `description:` (joined by a blank line if both are present), to become
    /// rustdoc on generated items.
    pub doc: Option<String>,
    /// The arguments, in order: the order of the generated parameters and of the encoding.
    pub args: Vec<Arg>,
    /// The leases, in order: their index is their place here.
    pub leases: Vec<Lease>,
    /// What the operation returns.
    pub reply: Reply,
    /// Whether a client may call it again after the server died mid-call.
    pub idempotent: bool,
    /// How arguments and reply travel.
    pub encoding: Encoding,
}

impl Interface {
    /// The operation named `name`.
    pub fn op(&self, name: &str) -> Option<&Operation> {
        self.ops.iter().find(|op| op.name.as_str() == name)
    }

    /// The operation numbered `number`.
    pub fn op_by_number(&self, number: u32) -> Option<&Operation> {
        let index = usize::try_from(number.checked_sub(1)?).ok()?;
        self.ops.get(index)
    }
}
