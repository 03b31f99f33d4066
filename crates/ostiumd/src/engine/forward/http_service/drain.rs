//! Draining an `http` loop: the listener closed, idle connections closed, requests already
//! started answered with `Connection: close`, and at the deadline `503` for the rest.

use ostium_reactor::{ConnId, Context};

use super::{HttpService, TimerFor, date};
use crate::engine::forward::core::CoreService;

impl HttpService {
    /// Drains (`SIGTERM`, or a forward a reload removed): the listener closes; idle
    /// connections close now; a request already started — its head or body still arriving,
    /// or at the application — is answered, with `Connection: close`; what is not answered
    /// within `deadline` is answered `503`. The loop stops when no client is left.
    pub fn begin_drain(&mut self, cx: &mut Context<'_>, deadline: std::time::Duration) {
        self.core.draining = true;
        cx.close_listeners();
        let timer = cx.set_timer(deadline);
        self.timers.insert(timer, TimerFor::DrainDeadline);
        let conns: Vec<ConnId> = self.clients.keys().copied().collect();
        for conn in conns {
            if let Some(client) = self.clients.get_mut(&conn) {
                client.http.drain();
            }
            self.flush(cx, conn);
        }
        self.stop_if_drained(cx);
    }

    /// The drain's deadline: every client not done yet gets its `503` and is closed.
    pub(super) fn on_drain_deadline(&mut self, cx: &mut Context<'_>) {
        let conns: Vec<ConnId> = self.clients.keys().copied().collect();
        for conn in conns {
            if let Some(client) = self.clients.get_mut(&conn) {
                client.http.on_drain_deadline(date());
            }
            self.flush(cx, conn);
        }
    }
}
