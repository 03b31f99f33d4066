//! The daemon's engine: what ostiumd does between a client's socket and an application's
//! door.
//!
//! - [`http_conn`]: one client connection in `http` mode, sans I/O — requests in, door
//!   calls out, responses back in request order, each failure with its status.

pub mod http_conn;

#[cfg(test)]
mod http_conn_tests;
