//! `ostium_rpc`: the runtime that code generated from `.idol` files calls (as
//! idol-runtime is for Hubris). Applications use its types in the signatures of generated
//! code; its functions are for the generated code itself.
//!
//! - Errors, Hubris's split: [`RequestError`] (the declared error, or a [`Failure`] of the
//!   call) for clients, [`HandlerError`] for handlers.
//! - Encodings: [`Zerocopy`], [`Hubpack`], [`Ssmarshal`], each `encode`/`decode`, strict.
//! - Receiving: [`recv`] conversions, where a bad value is [`Fault::BadMessage`].
//! - Leases of any zerocopy type: [`lend_read`] and friends on the client, [`Lease`] in the
//!   handler.
//! - Calls: [`Stub`], with idempotent retry within the deadline; [`reply`] decodes replies.
//! - Serving: [`serve_in_order`], [`serve_shared`] (Concurrent and Pipelined, with
//!   [`ReplyToken`]), restrictions ([`Allowed`]), counters and `DESCRIBE` ([`describe`]).
//! - Hubris's server loop for `InOrder` servers ([`serve_in_order_with`],
//!   [`serve_in_order_notified`]): [`notify`] bits from timers, signals, readable
//!   descriptors and other threads ([`NotificationHandler`], [`Notifications`],
//!   [`Notifier`]), and closed receive on one client [`Source`].
//!
//! [`Fault::BadMessage`]: ostium::wire::Fault::BadMessage

mod codec;
mod counters;
pub mod describe;
mod error;
mod in_order;
mod lease;
mod lend;
pub mod notify;
pub mod recv;
pub mod reply;
pub mod respond;
mod restrict;
mod serve;
mod source;
mod stub;
pub mod token;

pub use codec::{Hubpack, Ssmarshal, Zerocopy, max_size};
pub use counters::{Counters, OpStats};
pub use error::{Failure, HandlerError, RequestError};
pub use in_order::{InOrderGlue, serve_in_order_notified, serve_in_order_with};
pub use lease::{Leasable, Lease, LeaseSet};
pub use lend::{check_max_len, lend_read, lend_read_write, lend_write};
pub use notify::{NotificationHandler, Notifications, Notifier, NotifyError, Timer};
pub use ostium_sys::{Signal, block_signals};
pub use restrict::{Allowed, Policy};
pub use serve::{Served, Service, serve, serve_in_order, serve_shared};
pub use source::Source;
pub use stub::{DEFAULT_RETRY_WINDOW, Stub};
pub use token::{Pending, ReplyToken};

// The crates generated code names, re-exported so that a crate using generated code needs
// none of them as a dependency of its own (only for deriving their traits on its types).
pub use hubpack;
pub use num_traits;
pub use serde;
pub use ssmarshal;
pub use zerocopy;
