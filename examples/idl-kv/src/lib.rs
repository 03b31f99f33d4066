//! A key-value store defined in Idol (`idl/kv.idol`), with its client and server generated
//! by `ostium-idl` in `build.rs`, and a store served in each server style. The tests call
//! the generated client against the generated server on real doors, in one process and
//! across processes (`kv-server`). `Events` ([`Watcher`]) is the server of the tests of
//! notifications and closed receive.

#![forbid(unsafe_code)]

mod corpus;
mod loopback;
mod store;
mod types;
mod watcher;

pub use corpus::{spi, user_leds};
pub use loopback::Loopback;
pub use store::{Piped, Shared, Store};
pub use types::{Entry, KeyProblem, KvError, Mode, Stats};
pub use watcher::{Happened, Log, Watcher};

/// The generated code: the `Kv` client, the `KvOperation` enum, the server traits
/// `InOrderKvImpl`, `ConcurrentKvImpl`, `PipelinedKvImpl`, and `KvServer`.
pub mod kv {
    use crate::types::*;

    include!(concat!(env!("OUT_DIR"), "/kv.rs"));
}

/// The generated `Events` code (`idl/events.idol`): notifications and closed receive.
pub mod events {
    include!(concat!(env!("OUT_DIR"), "/events.rs"));
}
