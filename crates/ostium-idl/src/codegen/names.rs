//! The names of generated items, in one place, so that client and server code agree on
//! them and they follow Idol's (`SpiOperation`, `Spi_exchange_ARGS`, `InOrderSpiImpl`).

use proc_macro2::{Ident, Span};

use crate::model::{Interface, Operation};

/// The identifiers of one interface's generated items.
pub(crate) struct Names {
    /// The interface's name: the client type (`Spi`).
    pub(crate) client: Ident,
    /// The operation enum (`SpiOperation`).
    pub(crate) operation: Ident,
    /// The server's namespace of serving functions (`SpiServer`).
    pub(crate) server: Ident,
    /// The three server traits.
    pub(crate) in_order: Ident,
    pub(crate) concurrent: Ident,
    pub(crate) pipelined: Ident,
}

impl Names {
    pub(crate) fn of(interface: &Interface) -> Names {
        let name = interface.name.as_str();
        Names {
            client: ident(name),
            operation: ident(&format!("{name}Operation")),
            server: ident(&format!("{name}Server")),
            in_order: ident(&format!("InOrder{name}Impl")),
            concurrent: ident(&format!("Concurrent{name}Impl")),
            pipelined: ident(&format!("Pipelined{name}Impl")),
        }
    }

    /// The arguments struct of `op` (`Spi_exchange_ARGS`).
    pub(crate) fn args(&self, op: &Operation) -> Ident {
        ident(&format!("{}_{}_ARGS", self.client, op.name))
    }
}

/// An identifier of generated code.
pub(crate) fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

/// `prefix_name`, for an operation's helper functions.
pub(crate) fn prefixed(prefix: &str, op: &Operation) -> Ident {
    ident(&format!("{prefix}_{}", op.name))
}

/// An unsuffixed integer literal (`3`, not `3u32`), as a person would write it.
pub(crate) fn int(value: u32) -> proc_macro2::Literal {
    proc_macro2::Literal::u32_unsuffixed(value)
}
