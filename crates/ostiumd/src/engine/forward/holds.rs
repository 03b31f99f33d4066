//! [`Holds`]: the connections one loop has stopped reading from because the daemon's
//! [`MemoryBudget`] is spent, and their release once it has room again.
//!
//! Room is made by other connections — of this loop or another — being answered, which
//! this loop is not told of; so while it holds any connection it looks at the budget every
//! [`RECHECK`], and not at all otherwise (an idle loop does not wake).

use std::time::Duration;

use ostium_reactor::{ConnId, Context, TimerId};

use super::memory_budget::MemoryBudget;

/// How often a loop holding connections looks whether the budget has room again.
pub const RECHECK: Duration = Duration::from_millis(10);

/// A loop's held connections.
#[derive(Debug, Default)]
pub struct Holds {
    held: Vec<ConnId>,
    timer: Option<TimerId>,
}

impl Holds {
    /// Stops reading from `conn`; returns the recheck timer if it was just set (the
    /// service routes its expiry to [`Holds::recheck`]).
    pub fn hold(&mut self, cx: &mut Context<'_>, conn: ConnId) -> Option<TimerId> {
        if self.held.contains(&conn) {
            return None;
        }
        cx.hold_reading(conn, true);
        self.held.push(conn);
        if self.timer.is_some() {
            return None;
        }
        let timer = cx.set_interval(RECHECK);
        self.timer = Some(timer);
        Some(timer)
    }

    /// Whether `conn` is held.
    pub fn is_held(&self, conn: ConnId) -> bool {
        self.held.contains(&conn)
    }

    /// The recheck timer fired: if the budget has room, every held connection reads
    /// again and the timer stops (returned, for the service to forget).
    pub fn recheck(&mut self, cx: &mut Context<'_>, budget: &MemoryBudget) -> Option<TimerId> {
        if !budget.has_room() {
            return None;
        }
        for conn in self.held.drain(..) {
            cx.hold_reading(conn, false);
        }
        let timer = self.timer.take()?;
        cx.cancel_timer(timer);
        Some(timer)
    }

    /// `conn` closed.
    pub fn forget(&mut self, conn: ConnId) {
        self.held.retain(|&c| c != conn);
    }
}
