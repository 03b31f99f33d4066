//! [`Histogram`]: latencies counted in fixed buckets, [`LATENCY_BUCKETS`], with their sum.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The upper bounds of the latency buckets, from 0.5 ms to 10 s: fine where HTTP
/// applications usually answer (a few milliseconds), coarse where only "slow" matters.
/// A last, implicit bucket, `+Inf`, holds the rest.
pub const LATENCY_BUCKETS: [Duration; 14] = [
    Duration::from_micros(500),
    Duration::from_millis(1),
    Duration::from_micros(2_500),
    Duration::from_millis(5),
    Duration::from_millis(10),
    Duration::from_millis(25),
    Duration::from_millis(50),
    Duration::from_millis(100),
    Duration::from_millis(250),
    Duration::from_millis(500),
    Duration::from_secs(1),
    Duration::from_millis(2_500),
    Duration::from_secs(5),
    Duration::from_secs(10),
];

/// Counts of observations per bucket and their sum. Cloning shares the cells.
#[derive(Clone, Debug, Default)]
pub struct Histogram(pub(super) Arc<HistogramCells>);

/// The cells of one histogram series.
#[derive(Debug, Default)]
pub(super) struct HistogramCells {
    /// Observations per bucket, *not* cumulative (one increment per observation); the
    /// last is `+Inf`. Cumulated when rendered, so that `+Inf` and `_count` always agree.
    buckets: [AtomicU64; LATENCY_BUCKETS.len() + 1],
    /// The sum of observations in microseconds: a nanosecond sum would wrap after some
    /// 584 years of request time in total, which ten thousand long polls reach in weeks.
    sum_micros: AtomicU64,
}

/// A consistent-enough reading of a histogram for rendering.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct HistogramSnapshot {
    /// Cumulative counts: observations at most each bound of [`LATENCY_BUCKETS`], then
    /// all of them (`+Inf`, which is also `_count`).
    pub(super) cumulative: [u64; LATENCY_BUCKETS.len() + 1],
    /// The sum of observations in microseconds.
    pub(super) sum_micros: u64,
}

impl Histogram {
    /// Counts one observation in the first bucket whose bound is at least `value`.
    pub fn observe(&self, value: Duration) {
        let index = LATENCY_BUCKETS.partition_point(|bound| *bound < value);
        self.0.buckets[index].fetch_add(1, Ordering::Relaxed);
        // Rounded to the nearest microsecond, so that many short calls do not sum to zero.
        let micros = u64::try_from((value.as_nanos() + 500) / 1_000).unwrap_or(u64::MAX);
        self.0.sum_micros.fetch_add(micros, Ordering::Relaxed);
    }
}

impl HistogramCells {
    pub(super) fn snapshot(&self) -> HistogramSnapshot {
        let mut cumulative = [0; LATENCY_BUCKETS.len() + 1];
        let mut total = 0;
        for (cell, out) in self.buckets.iter().zip(&mut cumulative) {
            total += cell.load(Ordering::Relaxed);
            *out = total;
        }
        HistogramSnapshot { cumulative, sum_micros: self.sum_micros.load(Ordering::Relaxed) }
    }
}
