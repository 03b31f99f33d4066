//! The one validation pass: what the file says ([`syntax`](crate::syntax)) to the model
//! ([`Interface`]) that both client and server generation consume, so both accept exactly
//! the same files.
//!
//! Rules, each reported at the offending text and checked by a test in
//! `tests/rejections.rs`:
//!
//! - names of the interface, operations, arguments and leases are Rust identifiers and not
//!   keywords ([`names`]);
//! - type strings are Rust types that can cross a process boundary ([`types`]);
//! - arguments and replies are sized; an argument and a lease never share a name;
//! - leases are readable, writable or both; `max_len` is positive and only on `[T]`
//!   ([`lease`]);
//! - receive strategies fit their types and the operation's encoding ([`value`]);
//! - `Complex` errors need Hubpack, and `ServerDeath` is no error of an idempotent
//!   operation ([`reply`]).
//!
//! Duplicate keys and struct names are the parser's part, rejected before this pass.

mod lease;
mod names;
mod reply;
mod types;
mod value;

use core::num::NonZeroU32;

use crate::error::{Error, ErrorKind, Item};
use crate::model::{Arg, Interface, Name, Operation};
use crate::syntax::{InterfaceSyntax, OperationSyntax, Text};

/// Checks every rule; `Err` holds every error found, in no particular order.
pub(crate) fn validate(syntax: &InterfaceSyntax) -> Result<Interface, Vec<Error>> {
    let mut v = Validator { errors: Vec::new() };
    let name = v.name(&syntax.name, Item::Interface);
    let ops: Vec<_> = syntax.ops.iter().enumerate().map(|(i, op)| v.operation(i, op)).collect();
    let ops: Option<Vec<_>> = ops.into_iter().collect();
    match (name, ops) {
        (Some(name), Some(ops)) if v.errors.is_empty() => {
            Ok(Interface { name, doc: syntax.doc.clone(), ops })
        }
        _ => Err(v.errors),
    }
}

/// Collects errors while building the model.
pub(crate) struct Validator {
    pub(crate) errors: Vec<Error>,
}

impl Validator {
    /// Records the error of `result`, if any.
    pub(crate) fn check<T>(&mut self, result: Result<T, Error>) -> Option<T> {
        result.map_err(|e| self.errors.push(e)).ok()
    }

    fn name(&mut self, text: &Text, item: Item) -> Option<Name> {
        self.check(names::name(text, item))
    }

    fn operation(&mut self, index: usize, op: &OperationSyntax) -> Option<Operation> {
        let name = self.name(&op.name, Item::Operation);
        let args: Vec<Option<Arg>> = op
            .args
            .iter()
            .map(|(arg, value)| {
                let name = self.name(arg, Item::Argument);
                let value = self.value(value, op.encoding);
                Some(Arg { name: name?, value: value? })
            })
            .collect();
        let leases: Vec<_> =
            op.leases.iter().map(|(name, lease)| self.lease(name, lease)).collect();
        for (lease, _) in &op.leases {
            if let Some((arg, _)) = op.args.iter().find(|(arg, _)| arg.value == lease.value) {
                let kind = ErrorKind::ArgumentLeaseClash { name: lease.value.clone() };
                self.errors.push(
                    Error::new(kind, lease.span).note("the argument is defined here", arg.span),
                );
            }
        }
        let reply = self.reply(op);
        Some(Operation {
            name: name?,
            // At least 1; a file cannot hold 2^32 operations.
            number: u32::try_from(index + 1)
                .ok()
                .and_then(NonZeroU32::new)
                .unwrap_or(NonZeroU32::MAX),
            doc: op.doc.clone(),
            args: args.into_iter().collect::<Option<_>>()?,
            leases: leases.into_iter().collect::<Option<_>>()?,
            reply: reply?,
            idempotent: op.idempotent.is_some(),
            encoding: op.encoding,
        })
    }
}
