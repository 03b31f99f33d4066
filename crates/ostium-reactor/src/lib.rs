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
//! - **Not only its own sockets.** A service can have the loop watch descriptors it owns
//!   (door connections, UDP sockets) and do their I/O itself, and can take a TCP
//!   connection out of the loop, still open, to hand it to another process.
//!
//! # Edge-triggered, and why
//!
//! Connections are registered edge-triggered: epoll reports a connection once each time it
//! becomes ready (each arrival of data), not at every wait while it stays ready. We first
//! built the loop level-triggered, for its simplicity, and measured both under the echo
//! benchmark (50 connections, one message in flight each, same run, same load): the same
//! throughput and CPU, but level-triggered p99 latency 1.3–1.4× higher. A level-triggered
//! descriptor is put back on epoll's ready list each time it is reported, and that
//! reordering serves some connections twice in the time others wait; edge-triggered
//! reports come in arrival order, and the tail matched tokio's.
//!
//! Draining is what edge-triggering asks for, and the loop does it this way: it reads until
//! a read comes back short (the kernel had no more, and any later data raises a new edge),
//! the end of stream, or `WouldBlock`. A connection that still has input after a few full
//! reads (its per-turn budget, so one busy peer cannot starve the others) is put on a list
//! the loop reads again on its next turn, after a wait that does not block. Reading pauses
//! under backpressure by dropping the readable interest; adding it back with
//! `EPOLL_CTL_MOD` makes the kernel check readiness again, so input that arrived meanwhile
//! is reported. Writable interest is registered only while output is pending, and output
//! is usually sent in full at once, so most messages cost no `epoll_ctl` at all.
//! Listeners and the waker stay level-triggered: they are few, and a listener that stops
//! accepting at its batch limit must be reported again.
//!
//! # Watches: level-triggered, and why
//!
//! [`Context::watch`] registers a descriptor the service owns; the loop reports its
//! readiness to [`Service::on_ready`] and never reads or writes it. These registrations
//! are level-triggered, unlike connections. The loop drains a connection itself, so it can
//! keep the edge-triggered contract; for a foreign descriptor it cannot, and the service
//! often should not: a door client takes one reply message per callback, a UDP service a
//! bounded batch of datagrams. Level-triggered, whatever is left is reported again at the
//! next turn, so taking one message at a time loses nothing, and one busy descriptor gets
//! one callback per turn — bounded work, like the connections' read budget. Edge-triggered,
//! a service that stopped one message short of `WouldBlock` would never hear of the rest.
//!
//! The price is that a readiness the service ignores comes back at every turn. So the
//! rules are: ask for writable only while there is something to send; drop readable (or
//! pause the watch with [`Context::set_watch_interest`]`(id, None)`) while the service will
//! not read; unwatch after end of stream or an error, which epoll reports whatever the
//! interest. Keep them and an idle watched descriptor costs nothing: no event, no wakeup.
//!
//! The loop registers its own duplicate of the descriptor (one more descriptor per watch),
//! so it can always change or remove the registration exactly, even if the service has
//! closed its own number meanwhile; [`Context::unwatch`] removes the registration and
//! closes that duplicate, and the service's descriptor is never touched. Watches end when
//! the loop stops, without a callback.
//!
//! # Detaching connections
//!
//! [`Context::detach`] takes an established connection out of the loop without closing
//! it: its socket (unregistered, still non-blocking) and, as [`Detached`], the bytes read
//! and not consumed and those written and not yet sent, so that whoever takes it — another
//! process, through a door, in ostiumd's `handoff` mode — loses nothing. The id ends there:
//! the service has the connection in hand, so [`Service::on_close`] is not called for it.
//!
//! # UDP
//!
//! There is no datagram path inside the loop: a UDP socket is a watched descriptor like
//! any other. Bind a group with [`udp_socket_group`] (one `SO_REUSEPORT` member per loop,
//! the kernel spreading datagrams by source), give member `i` to the service of loop `i`,
//! watch it for readable, and in `on_ready` answer a bounded batch of datagrams with
//! `recv_from` and `send_to`. Everything the loop promises holds without new machinery: no
//! blocking (the socket is non-blocking), no busy loop (level-triggered on readable only),
//! bounded work per turn (the batch).
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
mod detach;
mod event_loop;
mod group;
mod handle;
mod handshake;
mod runner;
mod service;
mod slab;
mod timers;
mod tokens;
mod watch;

pub use buffer::Buffer;
pub use config::Config;
pub use context::Context;
pub use detach::Detached;
pub use event_loop::EventLoop;
pub use group::{tcp_listener_group, udp_socket_group};
pub use handle::{Job, LoopHandle};
pub use handshake::{Ack, ConnectState, Handshake};
pub use runner::{Runner, Server};
pub use service::{CloseReason, Flow, Origin, Service};
pub use slab::ConnId;
pub use timers::TimerId;
pub use watch::{Readiness, WatchId};
