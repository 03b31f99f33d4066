//! The validated model of an interface: what code generation consumes.
//!
//! Every value here passed the one validation pass; types are parsed (`syn::Type`) and
//! classified, names are identifiers, and each item keeps its span for later messages.

mod encoding;
mod interface;
mod lease;
mod name;
mod reply;
mod ty;
mod value;

pub use encoding::Encoding;
pub use interface::{Interface, Operation};
pub use lease::{Access, Lease};
pub use name::Name;
pub use reply::{ErrorType, Reply};
pub use ty::{Int, Shape, Type};
pub use value::{Arg, Function, Recv, ValueType};
