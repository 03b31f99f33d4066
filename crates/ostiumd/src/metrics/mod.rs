//! The daemon's metrics: counters, gauges and latency histograms kept in atomics, and
//! their rendering in the Prometheus text exposition format (version 0.0.4) for the admin
//! address's `/metrics`.
//!
//! Two sides, meant for two kinds of thread:
//! - the hot path — the event loops — holds handles ([`Counter`], [`Gauge`],
//!   [`Histogram`], [`StatusCounters`]) and updates them with relaxed atomic operations:
//!   no lock, no allocation, no lookup by name;
//! - the cold path — start-up, reload and each scrape — goes through the [`Registry`],
//!   which hands out handles by name and labels and renders every live series.
//!
//! A series lives as long as a handle to it: the registry keeps only weak references, so
//! the series of a forward removed by a reload leave the output once its loops have let
//! go of their handles. Asking again for a live series returns a handle to the same
//! cells, so a forward kept across a reload keeps counting.
//!
//! [`DaemonMetrics`] and [`ForwardMetrics`] name the series ostiumd exposes; the engine
//! uses those rather than the registry directly.

mod counter;
mod daemon;
mod histogram;
mod registry;
mod status;
mod text;

#[cfg(test)]
mod exposition_check;
#[cfg(test)]
mod tests;

pub use counter::{Counter, Gauge};
pub use daemon::{DaemonMetrics, DoorErrorKind, ForwardMetrics, RefusalReason};
pub use histogram::{Histogram, LATENCY_BUCKETS};
pub use registry::{Label, Registry};
pub use status::StatusCounters;

/// The `Content-Type` of a response carrying [`Registry::render`]'s text.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";
