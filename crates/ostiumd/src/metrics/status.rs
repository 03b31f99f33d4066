//! [`StatusCounters`]: one counter per HTTP status code for one set of labels, indexed by
//! the code, so that counting a response needs no lookup and no lock.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::http::Status;

/// The codes a [`Status`] may have: 100 to 999.
const FIRST: u16 = 100;
const SLOTS: usize = 900;

/// Responses counted by status code, rendered as one series per code seen, with a
/// `status` label. Cloning shares the counts.
#[derive(Clone, Debug, Default)]
pub struct StatusCounters(pub(super) Arc<StatusCells>);

/// Seven kilobytes per forward buys an index instead of a map on the hot path.
#[derive(Debug)]
pub(super) struct StatusCells {
    counts: Box<[AtomicU64]>,
}

impl Default for StatusCells {
    fn default() -> Self {
        StatusCells { counts: (0..SLOTS).map(|_| AtomicU64::new(0)).collect() }
    }
}

impl StatusCounters {
    /// Counts one response with `status`.
    pub fn inc(&self, status: Status) {
        let slot = usize::from(status.code() - FIRST);
        self.0.counts[slot].fetch_add(1, Ordering::Relaxed);
    }

    /// The count for `status` now.
    pub fn get(&self, status: Status) -> u64 {
        self.0.counts[usize::from(status.code() - FIRST)].load(Ordering::Relaxed)
    }

    /// The codes counted at least once, ascending, with their counts now.
    pub fn seen(&self) -> Vec<(u16, u64)> {
        self.0.nonzero().collect()
    }
}

impl StatusCells {
    /// The codes counted at least once, ascending, with their counts.
    pub(super) fn nonzero(&self) -> impl Iterator<Item = (u16, u64)> + '_ {
        (FIRST..).zip(self.counts.iter()).filter_map(|(code, cell)| {
            let n = cell.load(Ordering::Relaxed);
            (n > 0).then_some((code, n))
        })
    }
}
