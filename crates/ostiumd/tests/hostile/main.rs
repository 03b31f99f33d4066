//! The hostile-load suite: what an attacker tried against ostiumd and doors, kept as tests
//! so that each defect stays fixed. Every probe is bounded in time and count, uses loopback
//! and Unix sockets only, and stops by itself; a probe that needs root (to act as another
//! user, or to lower a process's limits) says it is skipped when it is not.
//!
//! - [`control_flood`]: another user floods the control door while clients make HTTP
//!   requests; none may fail.
//! - [`door_emfile`]: a door out of descriptors rests from accepting instead of spinning,
//!   logs a bounded number of lines, and serves again once descriptors are free.
//! - [`drain`]: `SIGTERM` during uploads answers the requests already started and `503`s
//!   what cannot finish in time.
//! - [`uploads`]: a thousand slow 1 MB uploads stay under a memory ceiling, and the
//!   memory is given back when they are done.
//! - [`empty_connections`]: connections that send nothing are closed at the header
//!   timeout, not the idle timeout.

#[path = "../common/mod.rs"]
mod common;

mod control_flood;
mod door_emfile;
mod drain;
mod empty_connections;
mod probe;
mod uploads;
