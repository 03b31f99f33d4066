//! Doors for Linux: a process serves calls at a filesystem path, and other processes call it
//! synchronously, passing argument bytes, descriptors and *leases* (memory the server may read
//! or write for the duration of one call), as illumos doors do.
//!
//! This crate starts with the door wire protocol, [`wire`]: a sans-I/O codec of the messages
//! that `docs/door-protocol.md` defines.

pub mod wire;
