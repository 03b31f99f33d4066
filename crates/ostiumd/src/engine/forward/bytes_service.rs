//! `bytes` mode over TCP on one loop: the request is everything the client sends until it
//! half-closes, one door call carries it, and the reply's data are written back before
//! the connection closes (portunusd's first protocol, without its single 1 KiB read).
//!
//! Bounded: a request larger than `max-body`, a client that pauses longer than
//! `body-timeout` between bytes or takes longer than `request-timeout` in all, and an
//! application slower than `reply-timeout` each end the connection (logged), with
//! nothing written: this mode has no way to say what went wrong, so it says nothing.

use rustc_hash::FxHashMap;
use std::sync::Arc;

use ostium_reactor::{Buffer, CloseReason, ConnId, Context, Flow, Origin, Readiness, Service};
use ostium_reactor::{TimerId, WatchId};
use tracing::debug;

use super::admission::Admission;
use super::core::{CoreService, ForwardCore};
use super::door_pool::{Done, Job};
use super::proxy_gate::{Passage, ProxyGate};
use crate::config::Forward;
use crate::metrics::ForwardMetrics;

/// The door operation that carries a request's bytes.
pub const BYTES_REQUEST: u32 = 1;

/// A client connection.
struct Client {
    /// The PROXY header, on forwards that expect one.
    gate: ProxyGate,
    request: Vec<u8>,
    /// The body timer (renewed by each read), and the whole request's.
    pause_timer: Option<TimerId>,
    request_timer: Option<TimerId>,
    /// The call is made; its reply timer.
    reply_timer: Option<TimerId>,
}

/// The `bytes` service of one loop for one TCP forward.
pub struct BytesService {
    core: ForwardCore<ConnId>,
    metrics: ForwardMetrics,
    admission: Arc<Admission>,
    /// The admitted connections' client addresses (released when they close).
    admitted: FxHashMap<ConnId, std::net::IpAddr>,
    clients: FxHashMap<ConnId, Client>,
    timers: FxHashMap<TimerId, ConnId>,
}

impl BytesService {
    /// The service for `forward` on one loop.
    pub fn new(
        forward: Arc<Forward>,
        metrics: ForwardMetrics,
        admission: Arc<Admission>,
    ) -> BytesService {
        BytesService {
            metrics,
            admission,
            admitted: FxHashMap::default(),
            core: ForwardCore::new(forward),
            clients: FxHashMap::default(),
            timers: FxHashMap::default(),
        }
    }

    fn set_timer(
        &mut self,
        cx: &mut Context<'_>,
        conn: ConnId,
        after: std::time::Duration,
    ) -> TimerId {
        let timer = cx.set_timer(after);
        self.timers.insert(timer, conn);
        timer
    }

    fn cancel(&mut self, cx: &mut Context<'_>, timer: Option<TimerId>) {
        if let Some(timer) = timer {
            cx.cancel_timer(timer);
            self.timers.remove(&timer);
        }
    }

    fn deliver(&mut self, cx: &mut Context<'_>) {
        while let Some(Done { tag: conn, outcome }) = self.core.done.pop() {
            let Some(client) = self.clients.get_mut(&conn) else { continue };
            let timer = client.reply_timer.take();
            self.cancel(cx, timer);
            match outcome {
                Ok(reply) => {
                    cx.write(conn, &reply.data);
                }
                Err(err) => debug!(%err, "a bytes call failed; closing the connection"),
            }
            cx.close(conn);
        }
    }
}

impl CoreService for BytesService {
    type Tag = ConnId;

    fn core(&mut self) -> &mut ForwardCore<ConnId> {
        &mut self.core
    }

    fn is_quiet(&self) -> bool {
        self.clients.is_empty()
    }

    fn deliver_finished(&mut self, cx: &mut Context<'_>) {
        self.deliver(cx);
    }
}

impl Service for BytesService {
    fn on_open(&mut self, cx: &mut Context<'_>, conn: ConnId, origin: Origin) {
        if self.core.draining {
            cx.close(conn);
            return;
        }
        let (Origin::Accepted(peer) | Origin::Outgoing(peer)) = origin;
        match self.admission.admit(peer.ip(), std::time::Instant::now()) {
            Ok(()) => {
                self.admitted.insert(conn, peer.ip());
            }
            Err(reason) => {
                // Refused: closed with nothing written, as this mode says nothing.
                self.metrics.refused(reason).inc();
                cx.close(conn);
                return;
            }
        }
        let mut client = Client {
            gate: ProxyGate::new(self.core.forward.proxy_protocol),
            request: Vec::new(),
            pause_timer: None,
            request_timer: None,
            reply_timer: None,
        };
        let timeouts = self.core.forward.timeouts;
        client.pause_timer = Some(self.set_timer(cx, conn, timeouts.body));
        client.request_timer = Some(self.set_timer(cx, conn, timeouts.request));
        self.clients.insert(conn, client);
    }

    fn on_data(
        &mut self,
        cx: &mut Context<'_>,
        conn: ConnId,
        input: &mut Buffer,
        _: &mut Buffer,
    ) -> Flow {
        let Some(client) = self.clients.get_mut(&conn) else { return Flow::Close };
        if client.reply_timer.is_some() {
            // Bytes after the half-close cannot come; anything else is ignored.
            input.clear();
            return Flow::Keep;
        }
        let bytes = if client.gate.is_reading() {
            match client.gate.feed(input.as_slice()) {
                Ok(Passage::Wait) => Vec::new(),
                Ok(Passage::Through { rest, .. }) => rest,
                Err(err) => {
                    debug!(%err, "a malformed PROXY header; connection closed");
                    return Flow::Close;
                }
            }
        } else {
            input.as_slice().to_vec()
        };
        input.clear();
        if (client.request.len() + bytes.len()) as u64 > self.core.forward.limits.max_body {
            debug!(
                limit = self.core.forward.limits.max_body,
                "a bytes request over max-body; closed"
            );
            return Flow::Close;
        }
        client.request.extend_from_slice(&bytes);
        let pause = client.pause_timer.take();
        self.cancel(cx, pause);
        let timer = self.set_timer(cx, conn, self.core.forward.timeouts.body);
        if let Some(client) = self.clients.get_mut(&conn) {
            client.pause_timer = Some(timer);
        }
        Flow::Keep
    }

    fn on_read_closed(
        &mut self,
        cx: &mut Context<'_>,
        conn: ConnId,
        input: &mut Buffer,
        out: &mut Buffer,
    ) -> Flow {
        if !input.is_empty() && self.on_data(cx, conn, input, out) == Flow::Close {
            return Flow::Close;
        }
        let Some(client) = self.clients.get_mut(&conn) else { return Flow::Close };
        if client.gate.is_reading() {
            debug!("the connection ended inside its PROXY header; closed");
            return Flow::Close;
        }
        let (pause, whole) = (client.pause_timer.take(), client.request_timer.take());
        let request = std::mem::take(&mut client.request);
        self.cancel(cx, pause);
        self.cancel(cx, whole);
        let timer = self.set_timer(cx, conn, self.core.forward.timeouts.reply);
        if let Some(client) = self.clients.get_mut(&conn) {
            client.reply_timer = Some(timer);
        }
        let job =
            Job { tag: conn, op: BYTES_REQUEST, args: request, fds: Vec::new(), retryable: false };
        self.core.submit(cx, job);
        self.deliver(cx);
        Flow::Keep
    }

    fn on_timer(&mut self, cx: &mut Context<'_>, timer: TimerId) {
        let Some(conn) = self.timers.remove(&timer) else { return };
        debug!("a bytes connection timed out; closed");
        self.core.pool.abandon(cx, &conn, &mut self.core.done);
        cx.close(conn);
        self.deliver(cx);
    }

    fn on_turn_end(&mut self, cx: &mut Context<'_>) {
        self.turn_ended(cx);
    }

    fn on_ready(&mut self, cx: &mut Context<'_>, watch: WatchId, ready: Readiness) {
        self.door_ready(cx, watch, ready);
    }

    fn on_close(&mut self, cx: &mut Context<'_>, conn: ConnId, _reason: &CloseReason) {
        if let Some(ip) = self.admitted.remove(&conn) {
            self.admission.release(ip);
        }
        let Some(client) = self.clients.remove(&conn) else { return };
        for timer in [client.pause_timer, client.request_timer, client.reply_timer] {
            self.cancel(cx, timer);
        }
        self.core.pool.forget_waiting(|&owner| owner == conn);
        self.stop_if_drained(cx);
    }
}
