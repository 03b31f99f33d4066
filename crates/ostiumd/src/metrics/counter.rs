//! [`Counter`] and [`Gauge`]: one atomic each, shared by the handles of a series.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

/// A count that only goes up: requests, errors, restarts. Cloning shares the count.
///
/// Updates are relaxed: a scrape may see one series a few increments behind another,
/// which Prometheus tolerates, and nothing is ordered by them.
#[derive(Clone, Debug, Default)]
pub struct Counter(pub(super) Arc<AtomicU64>);

impl Counter {
    /// Adds one.
    pub fn inc(&self) {
        self.add(1);
    }

    /// Adds `n`.
    pub fn add(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }

    /// The count now.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// A value that goes up and down: open connections, pool threads. Cloning shares it.
#[derive(Clone, Debug, Default)]
pub struct Gauge(pub(super) Arc<AtomicI64>);

impl Gauge {
    /// Adds one (a connection opened).
    pub fn inc(&self) {
        self.add(1);
    }

    /// Subtracts one (a connection closed).
    pub fn dec(&self) {
        self.add(-1);
    }

    /// Adds `n`, which may be negative.
    pub fn add(&self, n: i64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }

    /// Sets the value (a pool size reported by the application).
    pub fn set(&self, value: i64) {
        self.0.store(value, Ordering::Relaxed);
    }

    /// The value now.
    pub fn get(&self) -> i64 {
        self.0.load(Ordering::Relaxed)
    }
}
