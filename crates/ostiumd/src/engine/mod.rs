//! The daemon's engine: what ostiumd does between a client's socket and an application's
//! door.
//!
//! - [`http_conn`]: one client connection in `http` mode, sans I/O — requests in, door
//!   calls out, responses back in request order, each failure with its status.
//! - [`door_pool`]: a loop's connections to a door, opened as concurrency needs them.
//! - [`http_service`]: `http` mode on one loop, gluing the two to the reactor;
//!   [`holds`]: its connections held from reading while the memory budget is spent.
//! - [`bytes_service`] and [`handoff_service`]: the `bytes` and `handoff` modes on TCP;
//!   [`udp_service`]: `bytes` over UDP.
//! - [`admission`]: a forward's connection limits (total, per source, rate), shared by its
//!   loops, and the daemon's [`memory_budget`] for request bytes held in memory.
//! - [`proxy_gate`]: the PROXY header a load balancer sends first, read off the stream.
//! - [`service`]: the service of a loop for a forward, whichever its mode.
//! - [`trim`]: when a loop gives freed memory back to the system.
//! - [`group`]: the loops of one forward, TCP or UDP.
//! - [`daemon`]: every forward's loops and applications, started and stopped in order;
//!   [`identity`]: who it becomes after binding its ports.
//! - [`budget`]: how the descriptors are shared out, so that the control door and the
//!   admin address can never starve the forwards.
//! - [`admin`]: the admin address, `/metrics` and `/healthz`; [`control`]: the control
//!   door (`ostium status|reload|stop`).

pub mod admin;
pub mod admission;
pub mod budget;
pub mod bytes_service;
pub mod control;
pub mod daemon;
pub mod door_pool;
pub mod group;
pub mod handoff_service;
pub mod holds;
pub mod http_conn;
pub mod http_service;
pub mod identity;
pub mod memory_budget;
pub mod proxy_gate;
pub mod service;
pub mod trim;
pub mod udp_service;

#[cfg(test)]
mod http_conn_tests;
