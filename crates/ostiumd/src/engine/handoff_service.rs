//! `handoff` mode on one loop: each accepted TCP connection is taken out of the loop and
//! its socket passed through the door (inetd's `nowait`, portunusd's last protocol); the
//! application's worker owns the connection until its handler returns.
//!
//! The call's arguments are one line of text, `REMOTE LOCAL\n` (the client's address and
//! the address it connected to, as `IP:PORT` or `[IPv6]:PORT`), then any bytes ostiumd
//! had already read from the connection, which the application must treat as the start
//! of the stream; the socket is the call's one descriptor (docs/ostiumd-modes.md). ostiumd
//! keeps no copy of it: once the call is sent the application holds the only one. The
//! reply is only logged.

use std::os::fd::OwnedFd;
use std::sync::Arc;

use ostium_reactor::{Buffer, ConnId, Context, Flow, Origin, Readiness, Service, WatchId};
use tracing::{debug, warn};

use super::door_pool::{Done, DoorPool, Job};
use crate::config::Forward;

/// The door operation that hands over a connection.
pub const HANDOFF: u32 = 1;

/// The `handoff` service of one loop for one TCP forward.
pub struct HandoffService {
    forward: Arc<Forward>,
    pool: DoorPool<u64>,
    next_tag: u64,
    in_flight: usize,
    done: Vec<Done<u64>>,
    draining: bool,
}

impl HandoffService {
    /// The service for `forward` on one loop.
    pub fn new(forward: Arc<Forward>) -> HandoffService {
        HandoffService {
            pool: DoorPool::new(&forward.door, super::http_service::MAX_DOOR_CONNECTIONS),
            forward,
            next_tag: 0,
            in_flight: 0,
            done: Vec::new(),
            draining: false,
        }
    }

    /// Stops taking connections; the loop stops once the handoffs in progress are sent.
    pub fn begin_drain(&mut self, cx: &mut Context<'_>) {
        self.draining = true;
        self.stop_if_drained(cx);
    }

    /// Applies a reloaded configuration of the same forward to what comes next; what is
    /// in progress finishes as it started.
    pub fn reconfigure(&mut self, cx: &mut Context<'_>, forward: Arc<Forward>) {
        self.pool.retarget(cx, &forward.door);
        self.forward = forward;
    }

    fn stop_if_drained(&mut self, cx: &mut Context<'_>) {
        if self.draining && self.in_flight == 0 {
            self.pool.close_all(cx);
            cx.stop();
        }
    }

    fn deliver(&mut self, cx: &mut Context<'_>) {
        while let Some(Done { outcome, .. }) = self.done.pop() {
            self.in_flight -= 1;
            match outcome {
                Ok(reply) => debug!(status = ?reply.status, "a connection handed off came back"),
                Err(err) => {
                    warn!(%err, door = %self.forward.door.display(), "a handoff failed; the connection is closed")
                }
            }
        }
        self.stop_if_drained(cx);
    }
}

impl Service for HandoffService {
    fn on_open(&mut self, cx: &mut Context<'_>, conn: ConnId, _origin: Origin) {
        if self.draining {
            cx.close(conn);
            return;
        }
        let Some(detached) = cx.detach(conn) else { return };
        let mut args = format!("{} {}\n", detached.peer, self.forward.listen).into_bytes();
        args.extend_from_slice(&detached.input);
        if !detached.output.is_empty() {
            warn!("output pending on a connection to hand off; dropped");
        }
        let fd: OwnedFd = detached.socket.into();
        let tag = self.next_tag;
        self.next_tag += 1;
        self.in_flight += 1;
        let job = Job { tag, op: HANDOFF, args, fds: vec![fd], retryable: false };
        self.pool.submit(cx, job, &mut self.done);
        self.deliver(cx);
    }

    fn on_data(&mut self, _: &mut Context<'_>, _: ConnId, _: &mut Buffer, _: &mut Buffer) -> Flow {
        // Connections are detached as they open: none is ever read here.
        Flow::Close
    }

    fn on_ready(&mut self, cx: &mut Context<'_>, watch: WatchId, ready: Readiness) {
        if self.pool.on_ready(cx, watch, ready, &mut self.done) {
            self.deliver(cx);
        }
    }
}
