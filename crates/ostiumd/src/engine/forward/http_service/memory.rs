//! An `http` loop's share of the daemon's budget for request bytes in memory
//! ([`MemoryBudget`](crate::engine::memory_budget::MemoryBudget)), and what it does when
//! the budget is spent.

use ostium_reactor::{ConnId, Context};

use super::{HttpService, TimerFor};
use crate::http::Phase;

impl HttpService {
    /// Charges `conn`'s request bytes in memory to the budget. While the budget is spent,
    /// a request being read goes on (so that it ends and frees what it holds), its body
    /// moved to disk if it was in memory; a connection between requests is held from
    /// reading the next until the budget has room.
    pub(super) fn account(&mut self, cx: &mut Context<'_>, conn: ConnId) {
        let Some(client) = self.clients.get_mut(&conn) else { return };
        let budget = self.admission.memory();
        if budget.exceeded() {
            match client.http.phase() {
                // On error the body stays in memory; its next byte will try the spool
                // again, and fail the request (500) if it still cannot.
                Phase::Body => drop(client.http.spill_body()),
                Phase::Idle | Phase::Closed => {
                    if let Some(timer) = self.holds.hold(cx, conn) {
                        self.timers.insert(timer, TimerFor::Holds);
                    }
                }
                // A head is bounded by max-header-bytes, and must end to free anything.
                Phase::Head => {}
            }
        }
        let Some(client) = self.clients.get_mut(&conn) else { return };
        let share = client.http.memory() + client.in_calls;
        budget.charge(client.charged, share);
        client.charged = share;
    }
}
