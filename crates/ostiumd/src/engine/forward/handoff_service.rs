//! `handoff` mode on one loop: each accepted TCP connection is taken out of the loop and
//! its socket passed through the door (inetd's `nowait`, portunusd's last protocol); the
//! application's worker owns the connection until its handler returns.
//!
//! The call's arguments are one line of text, `REMOTE LOCAL\n` (the client's address and
//! the address it connected to, as `IP:PORT` or `[IPv6]:PORT`), then any bytes ostiumd
//! had already read from the connection, which the application must treat as the start
//! of the stream; the socket is the call's one descriptor, in blocking mode
//! (docs/ostiumd-modes.md). ostiumd
//! keeps no copy of it: once the call is sent the application holds the only one. The
//! reply is only logged.

use rustc_hash::FxHashMap;
use std::net::SocketAddr;
use std::os::fd::OwnedFd;
use std::sync::Arc;

use ostium_reactor::{Buffer, CloseReason, ConnId, Context, Flow, Origin, Readiness, Service};
use ostium_reactor::{TimerId, WatchId};
use tracing::{debug, warn};

use super::admission::Admission;
use super::core::{CoreService, ForwardCore};
use super::door_pool::{Done, Job};
use super::proxy_gate::{Passage, ProxyGate};
use crate::config::Forward;
use crate::metrics::ForwardMetrics;

/// The door operation that hands over a connection.
pub const HANDOFF: u32 = 1;

/// The `handoff` service of one loop for one TCP forward.
pub struct HandoffService {
    core: ForwardCore<u64>,
    metrics: ForwardMetrics,
    admission: Arc<Admission>,
    next_tag: u64,
    in_flight: usize,
    /// Connections whose PROXY header is being read before they are handed off, with the
    /// timer that bounds it.
    gated: FxHashMap<ConnId, (ProxyGate, TimerId)>,
    timers: FxHashMap<TimerId, ConnId>,
}

impl HandoffService {
    /// The service for `forward` on one loop.
    pub fn new(
        forward: Arc<Forward>,
        metrics: ForwardMetrics,
        admission: Arc<Admission>,
    ) -> HandoffService {
        HandoffService {
            metrics,
            admission,
            core: ForwardCore::new(forward),
            next_tag: 0,
            in_flight: 0,
            gated: FxHashMap::default(),
            timers: FxHashMap::default(),
        }
    }

    /// Takes `conn` out of the loop and passes it through the door, with the client's
    /// address (`client`, from a PROXY header, or the socket's peer) and the bytes already
    /// read after any header (`early`).
    fn hand_off(
        &mut self,
        cx: &mut Context<'_>,
        conn: ConnId,
        client: Option<SocketAddr>,
        early: Vec<u8>,
    ) {
        let Some(detached) = cx.detach(conn) else { return };
        let remote = client.unwrap_or(detached.peer);
        // The rate and per-source limits count handoffs; the connection is the
        // application's from here on, so it is released at once (refused: dropped, closed).
        if let Err(reason) = self.admission.admit(remote.ip(), std::time::Instant::now()) {
            self.metrics.refused(reason).inc();
            return;
        }
        self.admission.release(remote.ip());
        // Where the client connected: the configured address may be a wildcard or port 0.
        let local = detached.socket.local_addr().unwrap_or(self.core.forward.listen);
        let mut args = format!("{remote} {local}\n").into_bytes();
        args.extend_from_slice(&early);
        args.extend_from_slice(&detached.input);
        if !detached.output.is_empty() {
            static OUTPUT_DROPPED: ostium_sys::Throttle = ostium_sys::Throttle::per_second();
            if let Some(suppressed) = OUTPUT_DROPPED.pass() {
                warn!(suppressed, "output pending on a connection to hand off; dropped");
            }
        }
        // Blocking, as inetd and portunusd hand a connection: a plain program's first read
        // waits for the client instead of failing with EAGAIN. ostiumd keeps no copy, so
        // the flag (the open file's, shared by every copy) is the application's alone.
        if let Err(err) = detached.socket.set_nonblocking(false) {
            static NOT_BLOCKING: ostium_sys::Throttle = ostium_sys::Throttle::per_second();
            if let Some(suppressed) = NOT_BLOCKING.pass() {
                warn!(%err, suppressed, "a connection to hand off could not be made blocking; dropped");
            }
            return;
        }
        let fd: OwnedFd = detached.socket.into();
        let tag = self.next_tag;
        self.next_tag += 1;
        self.in_flight += 1;
        let job = Job { tag, op: HANDOFF, args, fds: vec![fd], retryable: false };
        self.core.submit(cx, job);
        self.deliver(cx);
    }

    fn deliver(&mut self, cx: &mut Context<'_>) {
        while let Some(Done { outcome, .. }) = self.core.done.pop() {
            self.in_flight -= 1;
            match outcome {
                Ok(reply) => debug!(status = ?reply.status, "a connection handed off came back"),
                Err(err) => {
                    static HANDOFF_FAILED: ostium_sys::Throttle =
                        ostium_sys::Throttle::per_second();
                    if let Some(suppressed) = HANDOFF_FAILED.pass() {
                        warn!(%err, door = %self.core.forward.door.display(), suppressed, "a handoff failed; the connection is closed");
                    }
                }
            }
        }
        self.stop_if_drained(cx);
    }
}

impl CoreService for HandoffService {
    type Tag = u64;

    fn core(&mut self) -> &mut ForwardCore<u64> {
        &mut self.core
    }

    fn is_quiet(&self) -> bool {
        self.in_flight == 0
    }

    fn deliver_finished(&mut self, cx: &mut Context<'_>) {
        self.deliver(cx);
    }
}

impl Service for HandoffService {
    fn on_open(&mut self, cx: &mut Context<'_>, conn: ConnId, _origin: Origin) {
        if self.core.draining {
            cx.close(conn);
            return;
        }
        if self.core.forward.proxy_protocol {
            // The header comes off the stream first; the handoff waits for it.
            let timer = cx.set_timer(self.core.forward.timeouts.header);
            self.timers.insert(timer, conn);
            self.gated.insert(conn, (ProxyGate::new(true), timer));
            return;
        }
        self.hand_off(cx, conn, None, Vec::new());
    }

    fn on_data(
        &mut self,
        cx: &mut Context<'_>,
        conn: ConnId,
        input: &mut Buffer,
        _: &mut Buffer,
    ) -> Flow {
        let Some((gate, _)) = self.gated.get_mut(&conn) else { return Flow::Close };
        match gate.feed(input.as_slice()) {
            Ok(Passage::Wait) => {
                input.clear();
                Flow::Keep
            }
            Ok(Passage::Through { client, rest }) => {
                input.clear();
                if let Some((_, timer)) = self.gated.remove(&conn) {
                    cx.cancel_timer(timer);
                    self.timers.remove(&timer);
                }
                self.hand_off(cx, conn, client, rest);
                Flow::Keep
            }
            Err(err) => {
                debug!(%err, "a malformed PROXY header; connection closed");
                Flow::Close
            }
        }
    }

    fn on_timer(&mut self, cx: &mut Context<'_>, timer: TimerId) {
        if let Some(conn) = self.timers.remove(&timer) {
            debug!("no PROXY header in time; connection closed");
            self.gated.remove(&conn);
            cx.close(conn);
        }
    }

    fn on_close(&mut self, cx: &mut Context<'_>, conn: ConnId, _reason: &CloseReason) {
        if let Some((_, timer)) = self.gated.remove(&conn) {
            cx.cancel_timer(timer);
            self.timers.remove(&timer);
        }
    }

    fn on_turn_end(&mut self, cx: &mut Context<'_>) {
        self.turn_ended(cx);
    }

    fn on_ready(&mut self, cx: &mut Context<'_>, watch: WatchId, ready: Readiness) {
        self.door_ready(cx, watch, ready);
    }
}
