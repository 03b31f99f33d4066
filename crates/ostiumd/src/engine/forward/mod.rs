//! One forward on one event loop: what stands between a client's socket and the
//! application's door.
//!
//! - [`http_conn`]: one client connection in `http` mode, sans I/O — requests in, door
//!   calls out ([`door_request`], the one place a request becomes a call), responses back
//!   in request order, each failure with its status.
//! - [`door_pool`]: a loop's connections to a door, opened as concurrency needs them
//!   ([`MAX_DOOR_CONNECTIONS`](door_pool::MAX_DOOR_CONNECTIONS) at most, for every mode).
//! - [`http_service`]: `http` mode on one loop, gluing the two to the reactor;
//!   [`holds`]: its connections held from reading while the memory budget is spent.
//! - [`bytes_service`] and [`handoff_service`]: the `bytes` and `handoff` modes on TCP;
//!   [`udp_service`]: `bytes` over UDP.
//! - [`admission`]: a forward's connection limits (total, per source, rate), shared by its
//!   loops, and the daemon's [`memory_budget`] for request bytes held in memory.
//! - [`proxy_gate`]: the PROXY header a load balancer sends first, read off the stream.
//! - [`service`]: the service of a loop for a forward, whichever its mode; [`core`]: what
//!   every mode's service holds and does the same way (the door pool and its glue).
//! - [`trim`]: when a loop gives freed memory back to the system.

pub mod admission;
pub mod bytes_service;
pub mod core;
pub mod door_pool;
pub mod door_request;
pub mod handoff_service;
pub mod holds;
pub mod http_conn;
pub mod http_service;
pub mod memory_budget;
pub mod proxy_gate;
pub mod service;
pub mod trim;
pub mod udp_service;

#[cfg(test)]
mod http_conn_tests;
