//! `Config`: the limits and sizes of one event loop.

use std::time::Duration;

/// The limits and sizes of an [`EventLoop`](crate::EventLoop).
#[derive(Clone, Debug)]
pub struct Config {
    /// The most connections (accepted and outgoing) open at once. At the maximum, a new
    /// connection is accepted and closed at once, so its client learns at once (end of
    /// stream) instead of waiting in the listen backlog; open connections are untouched.
    pub max_connections: usize,
    /// Bytes asked of the kernel per read, and the size of the pooled buffer blocks.
    pub read_chunk: usize,
    /// The most unconsumed input a connection may hold; past it the connection is closed.
    pub max_input: usize,
    /// The most unsent output a connection may hold; past it the connection is closed.
    pub max_output: usize,
    /// Unsent output at which the loop stops reading from a connection, until half of it
    /// has been sent. A peer that does not read is slowed down instead of buffered for.
    pub output_high_water: usize,
    /// How long a closing connection may take to send its remaining output.
    pub close_timeout: Duration,
    /// The most events handled per wait.
    pub events_per_wait: usize,
    /// The most connections accepted per listener readiness, before the loop turns to
    /// its other work.
    pub accept_batch: usize,
    /// Free buffer blocks a loop keeps for reuse.
    pub pooled_buffers: usize,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            max_connections: 10_000,
            read_chunk: 16 * 1024,
            max_input: 1024 * 1024,
            max_output: 4 * 1024 * 1024,
            output_high_water: 64 * 1024,
            close_timeout: Duration::from_secs(10),
            events_per_wait: 256,
            accept_batch: 64,
            pooled_buffers: 256,
        }
    }
}
