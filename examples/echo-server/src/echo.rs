//! The echo service: what one loop does with its connections.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use ostium_reactor::{Buffer, CloseReason, ConnId, Context, Flow, Origin, Service, TimerId};

/// Echoes input, and broadcasts the number of active connections on a timer.
pub(crate) struct Echo {
    /// Active connections across all loops of the server.
    active: Arc<AtomicUsize>,
    status_interval: Option<Duration>,
}

impl Echo {
    pub(crate) fn new(active: Arc<AtomicUsize>, status_interval: Option<Duration>) -> Echo {
        Echo { active, status_interval }
    }
}

impl Service for Echo {
    fn on_start(&mut self, cx: &mut Context<'_>) {
        if let Some(every) = self.status_interval {
            cx.set_interval(every);
        }
    }

    fn on_open(&mut self, _cx: &mut Context<'_>, _conn: ConnId, _origin: Origin) {
        self.active.fetch_add(1, Ordering::Relaxed);
    }

    fn on_data(
        &mut self,
        _cx: &mut Context<'_>,
        _conn: ConnId,
        input: &mut Buffer,
        output: &mut Buffer,
    ) -> Flow {
        input.move_to(output);
        Flow::Keep
    }

    fn on_timer(&mut self, cx: &mut Context<'_>, _timer: TimerId) {
        let active = self.active.load(Ordering::Relaxed);
        cx.broadcast(format!("Server status: {active} active connections\n").as_bytes());
    }

    fn on_close(&mut self, _cx: &mut Context<'_>, _conn: ConnId, reason: &CloseReason) {
        self.active.fetch_sub(1, Ordering::Relaxed);
        tracing::debug!(?reason, "connection closed");
    }
}
