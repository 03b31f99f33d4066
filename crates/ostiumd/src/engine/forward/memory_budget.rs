//! [`MemoryBudget`]: the request bytes all of ostiumd's connections together may hold in
//! memory (`set request-memory`, 64 MiB by default).
//!
//! Every connection's share is what its requests hold in the heap: the decoder's buffer
//! (a head being read, pipelined requests behind it), a body below `body-buffer` (larger
//! ones are on disk), and the encoded requests at the application. Each loop charges its
//! connections' shares as they change; a connection whose read finds the budget spent is
//! held — nothing more is read from it, so TCP pushes back on its client — until answers
//! free enough. Nothing is refused and no allocation fails: past the budget, clients wait
//! (their timeouts still run).

use std::sync::atomic::{AtomicUsize, Ordering};

/// The daemon's budget for request bytes in memory, shared by every loop.
#[derive(Debug)]
pub struct MemoryBudget {
    limit: usize,
    used: AtomicUsize,
}

impl MemoryBudget {
    /// A budget of `limit` bytes.
    pub fn new(limit: u64) -> MemoryBudget {
        MemoryBudget {
            limit: usize::try_from(limit).unwrap_or(usize::MAX),
            used: AtomicUsize::new(0),
        }
    }

    /// A connection's share went from `from` bytes to `to`.
    pub fn charge(&self, from: usize, to: usize) {
        if to > from {
            self.used.fetch_add(to - from, Ordering::Relaxed);
        } else {
            self.used.fetch_sub(from - to, Ordering::Relaxed);
        }
    }

    /// Whether the connections hold more than the budget.
    pub fn exceeded(&self) -> bool {
        self.used() > self.limit
    }

    /// Whether held connections may read again: the use is back below seven eighths of
    /// the budget (a margin, so that resuming does not at once exceed it again).
    pub fn has_room(&self) -> bool {
        self.used() <= self.limit - self.limit / 8
    }

    /// The bytes charged now.
    pub fn used(&self) -> usize {
        self.used.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charges_add_up_and_the_limit_and_the_margin_hold() {
        let budget = MemoryBudget::new(800);
        budget.charge(0, 500);
        budget.charge(0, 300);
        assert!(!budget.exceeded());
        budget.charge(300, 301);
        assert!(budget.exceeded());
        budget.charge(500, 400);
        assert!(!budget.exceeded() && !budget.has_room(), "701 is within, not below 700");
        budget.charge(400, 399);
        assert!(budget.has_room());
        budget.charge(399, 0);
        budget.charge(301, 0);
        assert_eq!(budget.used(), 0);
    }
}
