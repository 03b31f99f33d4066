//! Notifications, Hubris's second way into a server: events that are not calls, each
//! delivered as bits of a `u32` to the server loop, between calls, never during one.
//!
//! On Hubris the kernel posts notification bits for interrupts, timers and other tasks'
//! `sys_post`; here the sources are what a Linux process waits for:
//!
//! - timers ([`Notifications::timer`] gives a [`Timer`] the server sets and re-sets, as
//!   Hubris's `sys_set_timer`), on a timerfd;
//! - signals ([`Notifications::signal`]), read from a signalfd: the signal must be blocked
//!   in every thread ([`block_signals`](ostium::block_signals), first thing in `main`);
//! - a descriptor becoming readable ([`Notifications::readable`]): a pipe, a socket, an
//!   eventfd; the handler is expected to read what made it readable, since the bit comes
//!   again (once per handling) while it stays readable;
//! - posts from other threads ([`Notifier::post`]).
//!
//! One thread per served server (the *event thread*) waits on an epoll set of these and
//! hands the bits the server accepts ([`NotificationHandler::current_notifications`]) to
//! [`NotificationHandler::handle_notification`], under the same lock as the calls of an
//! `InOrder` server: a notification never runs while a call does. Bits the server does not
//! accept now stay pending, and are handed over once it does (checked after every call).
//! The same thread watches, for closed receive, the process the server is closed on.

mod error;
mod event_thread;
mod handler;
mod hub;
mod notifications;
mod notifier;
mod timer;

pub use error::NotifyError;
pub(crate) use event_thread::{EventThread, Target};
pub use handler::NotificationHandler;
pub(crate) use hub::Hub;
pub use notifications::Notifications;
pub use notifier::Notifier;
pub use timer::Timer;
