//! Per-operation counters of a served interface: calls, errors (any status but success)
//! and latency, kept with relaxed atomics so that counting costs a call nothing it would
//! notice, and read through [`Counters::snapshot`] and the `DESCRIBE` operation.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The counters of each operation of one interface, indexed by operation number − 1.
#[derive(Debug)]
pub struct Counters {
    ops: Vec<OpCounters>,
}

#[derive(Debug, Default)]
struct OpCounters {
    calls: AtomicU64,
    errors: AtomicU64,
    nanos: AtomicU64,
    max_nanos: AtomicU64,
}

/// One operation's counters at one instant.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OpStats {
    /// Calls answered (successes and errors; calls refused before dispatch are not).
    pub calls: u64,
    /// Calls answered with an application error or a fault.
    pub errors: u64,
    /// The time spent in the handler, summed over calls.
    pub total: Duration,
    /// The longest call.
    pub max: Duration,
}

impl Counters {
    /// Counters for `ops` operations, all zero.
    pub fn new(ops: usize) -> Counters {
        Counters { ops: (0..ops).map(|_| OpCounters::default()).collect() }
    }

    /// Counts one call of operation `op` that took `elapsed`.
    pub fn record(&self, op: u32, failed: bool, elapsed: Duration) {
        let Some(c) = op.checked_sub(1).and_then(|i| self.ops.get(i as usize)) else {
            return;
        };
        let nanos = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
        c.calls.fetch_add(1, Ordering::Relaxed);
        c.errors.fetch_add(u64::from(failed), Ordering::Relaxed);
        c.nanos.fetch_add(nanos, Ordering::Relaxed);
        c.max_nanos.fetch_max(nanos, Ordering::Relaxed);
    }

    /// Every operation's counters now, in operation order.
    pub fn snapshot(&self) -> Vec<OpStats> {
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let stats = |c: &OpCounters| OpStats {
            calls: get(&c.calls),
            errors: get(&c.errors),
            total: Duration::from_nanos(get(&c.nanos)),
            max: Duration::from_nanos(get(&c.max_nanos)),
        };
        self.ops.iter().map(stats).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_operation() {
        let counters = Counters::new(2);
        counters.record(2, false, Duration::from_micros(5));
        counters.record(2, true, Duration::from_micros(9));
        counters.record(7, true, Duration::ZERO);
        counters.record(0, true, Duration::ZERO);
        let stats = counters.snapshot();
        assert_eq!(stats[0], OpStats::default());
        assert_eq!((stats[1].calls, stats[1].errors), (2, 1));
        assert_eq!(
            (stats[1].total, stats[1].max),
            (Duration::from_micros(14), Duration::from_micros(9))
        );
    }
}
