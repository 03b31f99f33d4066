//! A small readiness reactor on epoll: one single-threaded event loop per core.
//!
//! The design follows "async without async": no futures and no executor, just a loop that
//! waits on epoll and calls a [`Service`] with the bytes that arrived. Its goals:
//!
//! - **Simple.** An [`EventLoop`] is single-threaded; it owns its connections, timers and
//!   buffers and never locks. Several cores mean several loops ([`Runner`]), each with its
//!   own `SO_REUSEPORT` listener, sharing nothing.
//! - **No busy waiting.** A loop with nothing to do is blocked in `epoll_pwait2`, with no
//!   timeout or with the time to its nearest timer. An idle loop makes no system call but
//!   that wait.
//! - **No added latency.** Ready input is read and handed to the service at once, and what
//!   the service writes is sent before the loop waits again; nothing is deferred to a tick.
//! - **Not only request-driven.** Timers are events like readiness ([`Context::set_timer`],
//!   [`Context::set_interval`]); other threads post work through a [`LoopHandle`].
//!
//! # Level-triggered, and why
//!
//! Connections are registered level-triggered: a descriptor is reported for as long as it
//! is ready. That lets the loop read a bounded amount per connection per turn (fairness:
//! one busy connection cannot starve the rest) without having to remember which
//! connections still hold unread data, and stop reading from a connection whose peer does
//! not read its replies (backpressure) simply by dropping its readable interest. The cost
//! edge-triggering would save is an `epoll_ctl` when interest changes; the loop avoids most
//! of those by registering writable interest only while output is pending, and output is
//! usually sent in full at once. Draining is correct either way: a read that does not fill
//! the room offered ends the turn (the kernel had no more), and a read that fills it is
//! followed by another, up to a small bound.
//!
//! # Buffers and limits
//!
//! Each connection has an input and an output [`Buffer`]; their storage comes from a
//! per-loop pool and goes back when they empty, so idle connections hold no buffer memory.
//! Past [`Config::output_high_water`] of unsent output the loop stops reading from that
//! connection until half has been sent; past [`Config::max_input`] or
//! [`Config::max_output`] the connection is closed and the event logged, the loop
//! unaffected. At [`Config::max_connections`] new connections are accepted and closed at
//! once; open connections are untouched.
//!
//! Logs go through `tracing`.

mod buffer;
mod config;
mod connection;
mod context;
mod core;
mod event_loop;
mod handle;
mod handshake;
mod runner;
mod service;
mod slab;
mod timers;

pub use buffer::Buffer;
pub use config::Config;
pub use context::Context;
pub use event_loop::EventLoop;
pub use handle::{Job, LoopHandle};
pub use handshake::{Ack, ConnectState, Handshake};
pub use runner::{Runner, Server};
pub use service::{CloseReason, Flow, Origin, Service};
pub use slab::ConnId;
pub use timers::TimerId;
