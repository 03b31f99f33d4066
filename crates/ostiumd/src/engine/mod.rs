//! The daemon's engine: what ostiumd does between a client's socket and an application's
//! door, in two parts that the folders show.
//!
//! - [`forward`]: one forward on one event loop — the services of each mode (`http`,
//!   `bytes`, `handoff`, UDP), the door pool they call through, the HTTP connection state
//!   machine, the limits a forward admits connections and request bytes under, the PROXY
//!   header, memory trimming.
//! - [`daemon`]: the daemon as a whole — every forward's loops and applications started
//!   and stopped in order, reloads, the identity it takes after binding, the descriptor
//!   budget, the admin address and the control door.

pub mod daemon;
pub mod forward;
