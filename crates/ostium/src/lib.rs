//! Doors for Linux: a process serves calls at a filesystem path, and other processes call it
//! synchronously, passing argument bytes, descriptors and *leases* (memory the server may read
//! or write for the duration of one call), as illumos doors do.
//!
//! - [`Door`]: serve a handler at a path, on an elastic pool of threads that grows only
//!   when concurrency reaches a new peak (leader/follower: the thread the kernel wakes serves
//!   the call) and shrinks back when idle; revoke, unref, caller credentials, descriptors.
//!   No local user can take a door down: connections are bounded in number, per user
//!   and in time ([`DoorOptions`]), and running out of descriptors rests the accept loop
//!   instead of spinning it.
//! - [`Client`]: call a door from many threads, with deadlines, `ServerDeath` on a lost
//!   server, and reconnection across restarts for idempotent calls. Replies come through a
//!   slot of memory shared with the server, the caller asleep on a futex (protocol §3.3);
//!   [`Client::call_batch`] pipelines many calls in few messages.
//! - [`LoopConnection`]: the same calls for an event loop, which never waits. Both clients
//!   drive one sans-I/O connection core, so each has every feature of the protocol.
//! - [`wire`]: the versioned wire protocol, a sans-I/O codec of the messages that
//!   `docs/door-protocol.md` defines. Payloads too large for a message travel in sealed
//!   memfds.
//!
//! Doors only: HTTP over doors is the `ostium-http` crate, and the runtime of code
//! generated from Idol interfaces the `ostium-rpc` crate, each built on this one.
//!
//! - [`Leases`]: memory a caller lends for one call, inline in the message or in a memfd
//!   both processes map, seen by the handler as [`Leased<R>`], [`Leased<W>`] or
//!   [`Leased<RW>`] with every access checked.
//!
//! # Example
//!
//! A door that answers operation 1 with its arguments in upper case, and a call to it:
//!
//! ```
//! use ostium::{Answer, Client, Door};
//!
//! let path = std::env::temp_dir().join(format!("shout-{}.door", std::process::id()));
//! let door = Door::builder(&path).serve(|request| {
//!     Answer::ok(request.args.to_ascii_uppercase())
//! })?;
//! let reply = Client::open(door.path())?.call(1, b"psst")?;
//! assert_eq!(reply.data, b"PSST");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod wire;

/// The README's Rust examples, compiled and run as doctests so that they stay true.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeExamples;

mod client;
mod door;
mod error;
mod lease;
mod pool;
mod request;
mod sealed;
mod transport;

pub use client::{
    ApplicationError, CallOptions, Client, DEFAULT_INLINE_LEASE_MAX, Lend, LoopConnection,
    LoopEvent, LoopOptions, OwnedLend, Reply,
};
pub use door::{Door, DoorBuilder, DoorOptions};
pub use error::{CallError, DoorError, InvalidCall, ProtocolError};
pub use lease::{LeaseError, Leased, Leases, R, RW, Readable, W, Writable};
pub use pool::{PoolSeat, PoolStats, Spawner};
pub use request::{Answer, Caller, Request};
pub use wire::Fault;
