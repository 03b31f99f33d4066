//! `http` mode on one loop: the [`Service`] that reads clients' requests, calls the
//! application's door for each (through the loop's [`DoorPool`]), and writes the
//! responses back.
//!
//! Timers: the header timeout runs from a request's first byte to the end of its head
//! (not renewed by each byte, so a client trickling bytes cannot hold a connection
//! forever), and on a new connection from its opening to its first byte, as HAProxy's
//! `timeout http-request` does, so that a connection sending nothing is no cheaper to hold
//! open than a slow request; the body timeout runs between body bytes, the request timeout
//! from a request's first byte to its last (a body trickled just fast enough still ends),
//! the idle timeout between requests, and one reply timeout per call (504, and the door
//! connection dropped so that a late reply is never taken for another call's).
//!
//! Request bodies past the forward's `body-buffer` are spooled to files and passed to the
//! application as descriptors. [`drain`] is how a loop drains; [`memory`], its share of the
//! daemon's budget for request bytes in memory.

mod drain;
mod memory;

use rustc_hash::FxHashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::SystemTime;

use ostium_reactor::{Buffer, CloseReason, ConnId, Context, Flow, Origin, Readiness, Service};
use ostium_reactor::{TimerId, WatchId};

use super::admission::Admission;
use super::core::{CoreService, ForwardCore};
use super::door_pool::{Done, Job};
use super::door_request::Endpoints;
use super::holds::Holds;
use super::http_conn::Written;
use super::http_conn::{Call, HttpConn, Outcome};
use super::proxy_gate::{Passage, ProxyGate};
use super::trim::TrimPolicy;
use crate::access_log::{AccessLog, AccessRecord, Format, RequestLine};
use crate::config::Forward;
use crate::http::{HttpDate, Limits, Phase, Spool};
use crate::metrics::{DoorErrorKind, ForwardMetrics};

/// The door operation that carries one HTTP request (docs/http-over-doors.md §2).
pub const HTTP_REQUEST: u32 = 1;

type Tag = (ConnId, u64);

/// A client connection.
struct Client {
    http: HttpConn,
    /// The client's address: the socket's peer, or the one a PROXY header names.
    peer: SocketAddr,
    /// The PROXY header, on forwards that expect one.
    gate: ProxyGate,
    /// Admitted under the forward's limits (to release when it closes).
    admitted: bool,
    /// The read timer, and the phase it was set for.
    read_timer: Option<(TimerId, Phase)>,
    /// The whole-request timer: from a request's first byte to its last.
    request_timer: Option<TimerId>,
    /// Reply timers of the calls in flight, by request, and when each call started: a few
    /// at most (one per pipelined request), so a list, which an idle connection frees.
    reply_timers: Vec<(u64, TimerId, std::time::Instant, usize)>,
    /// The request bytes this connection has charged to the memory budget.
    charged: usize,
    /// Of those, the encoded requests at the application.
    in_calls: usize,
    /// The client half-closed: close once its responses are written.
    read_closed: bool,
    /// Nothing has arrived yet: the first byte is due within the header timeout, not the
    /// (longer) idle timeout, so that an empty connection holds a slot no longer than a
    /// slow request would.
    awaiting_first_byte: bool,
}

/// What a timer is for.
#[derive(Clone, Copy, Debug)]
enum TimerFor {
    Read(ConnId),
    /// Whether the memory budget has room for the held connections again.
    Holds,
    Reply(ConnId, u64),
    /// The end of a drain's `shutdown-timeout`.
    DrainDeadline,
}

/// The `http` service of one loop for one forward.
pub struct HttpService {
    core: ForwardCore<Tag>,
    metrics: ForwardMetrics,
    admission: Arc<Admission>,
    /// Where access log lines go, and how they are written (none: no log).
    access_log: Option<(AccessLog, Format)>,
    /// The forward's label in logs.
    label: String,
    limits: Limits,
    /// Where request bodies past the forward's `body-buffer` go.
    spool: Arc<Spool>,
    /// Boxed: the map keeps room for more entries than it holds, and a client is large.
    clients: FxHashMap<ConnId, Box<Client>>,
    timers: FxHashMap<TimerId, TimerFor>,
    /// Scratch lists, kept to avoid allocating per event.
    calls: Vec<Call>,
    out: Vec<u8>,
    /// When to give the memory of closed connections back.
    trim: TrimPolicy,
    /// Connections not read from while the memory budget is spent.
    holds: Holds,
}

impl HttpService {
    /// The service for `forward` on one loop.
    pub fn new(
        forward: Arc<Forward>,
        metrics: ForwardMetrics,
        admission: Arc<Admission>,
        access_log: Option<(AccessLog, Format)>,
    ) -> HttpService {
        HttpService {
            label: format!("{} {}", forward.protocol.name(), forward.listen),
            access_log,
            metrics,
            admission,
            limits: Limits::from(&forward.limits),
            spool: spool_of(&forward),
            core: ForwardCore::new(forward),
            clients: FxHashMap::default(),
            timers: FxHashMap::default(),
            calls: Vec::new(),
            out: Vec::new(),
            trim: TrimPolicy::default(),
            holds: Holds::default(),
        }
    }

    /// Applies a reloaded configuration of the same forward: new connections get the new
    /// limits, every new request the new timeouts and door; requests in flight finish as
    /// they started.
    pub fn reconfigure(&mut self, cx: &mut Context<'_>, forward: Arc<Forward>) {
        self.limits = Limits::from(&forward.limits);
        self.spool = spool_of(&forward);
        self.core.reconfigure(cx, forward);
    }

    /// Admits `conn` under the forward's limits, or answers it 503 and closes it (counted).
    fn admit(&mut self, cx: &mut Context<'_>, conn: ConnId) -> bool {
        let Some(client) = self.clients.get_mut(&conn) else { return false };
        match self.admission.admit(client.peer.ip(), std::time::Instant::now()) {
            Ok(()) => {
                client.admitted = true;
                true
            }
            Err(reason) => {
                self.metrics.refused(reason).inc();
                let mut out = Vec::new();
                let head = crate::http::ResponseHead {
                    status: crate::http::Status::SERVICE_UNAVAILABLE,
                    headers: &[("content-type", b"text/plain; charset=utf-8")],
                    version: crate::http::Version::Http11,
                    head_request: false,
                    keep_alive: false,
                    date: date(),
                };
                let _ = crate::http::write_response(&mut out, &head, b"503 Service Unavailable\n");
                cx.write(conn, &out);
                cx.close(conn);
                false
            }
        }
    }

    /// Client connections open on this loop.
    pub fn clients(&self) -> usize {
        self.clients.len()
    }

    /// Makes a door call for each request in `self.calls`, from `conn`.
    fn start_calls(&mut self, cx: &mut Context<'_>, conn: ConnId) {
        let mut calls = std::mem::take(&mut self.calls);
        for Call { seq, args, body_file, retryable } in calls.drain(..) {
            let Some(client) = self.clients.get_mut(&conn) else { break };
            let timer = cx.set_timer(self.core.forward.timeouts.reply);
            self.timers.insert(timer, TimerFor::Reply(conn, seq));
            client.reply_timers.push((seq, timer, std::time::Instant::now(), args.len()));
            client.in_calls += args.len();
            let fds = body_file.into_iter().collect();
            let job = Job { tag: (conn, seq), op: HTTP_REQUEST, args, retryable, fds };
            self.core.submit(cx, job);
        }
        self.calls = calls;
        self.calls.clear();
        self.deliver(cx);
    }

    /// Hands finished calls to their clients and writes what is ready.
    fn deliver(&mut self, cx: &mut Context<'_>) {
        while let Some(Done { tag: (conn, seq), outcome }) = self.core.done.pop() {
            let Some(client) = self.clients.get_mut(&conn) else { continue };
            if let Some((timer, started)) = take_reply_timer(client, seq) {
                cx.cancel_timer(timer);
                self.timers.remove(&timer);
                self.metrics.request_duration.observe(started.elapsed());
            }
            let outcome = match outcome {
                Ok(reply) => Outcome::Replied(reply.data),
                Err(err) => {
                    self.metrics.door_error(door_error_kind(&err)).inc();
                    Outcome::Failed(err)
                }
            };
            client.http.on_reply(seq, outcome, date());
            self.flush(cx, conn);
        }
    }

    /// Writes `conn`'s ready responses, starts the calls that freed room allows, renews its
    /// read timer, and closes it if it is finished.
    fn flush(&mut self, cx: &mut Context<'_>, conn: ConnId) {
        let Some(client) = self.clients.get_mut(&conn) else { return };
        self.out.clear();
        for written in client.http.take_output(&mut self.out, &mut self.calls) {
            self.metrics.requests.inc(written.status);
            if let Some((log, format)) = &self.access_log {
                log_line(log, *format, &self.label, client.peer, &written);
            }
        }
        if !self.out.is_empty() {
            cx.write(conn, &self.out);
        }
        let finished = client.http.finished() || (client.read_closed && client.http.pending() == 0);
        if finished {
            cx.close(conn);
            return;
        }
        self.arm_read_timer(cx, conn);
        if !self.calls.is_empty() {
            self.start_calls(cx, conn);
        } else if let Some(client) = self.clients.get_mut(&conn)
            && client.http.pending() == 0
        {
            // Idle until the client's next request, maybe for long: hold no memory
            // meanwhile. (Freeing per request, as nginx does, costs a few small allocations
            // per request, below what ostiumd-bench can tell apart; keeping the memory
            // costs a kilobyte per idle keep-alive connection.)
            client.http.release_idle_memory();
            client.reply_timers = Vec::new();
        }
        self.account(cx, conn);
    }

    /// Sets the read timer the connection's phase asks for, unless it is already set for it.
    fn arm_read_timer(&mut self, cx: &mut Context<'_>, conn: ConnId) {
        let Some(client) = self.clients.get_mut(&conn) else { return };
        // A PROXY header is read under the header timeout, like a request's head.
        let phase = if client.gate.is_reading() { Phase::Head } else { client.http.phase() };
        // The request timeout runs while a request is being read, whatever its progress.
        match (phase, client.request_timer) {
            (Phase::Head | Phase::Body, None) => {
                let timer = cx.set_timer(self.core.forward.timeouts.request);
                self.timers.insert(timer, TimerFor::Read(conn));
                client.request_timer = Some(timer);
            }
            (Phase::Idle | Phase::Closed, Some(timer)) => {
                cx.cancel_timer(timer);
                self.timers.remove(&timer);
                client.request_timer = None;
            }
            _ => {}
        }
        if client.read_timer.is_some_and(|(_, set_for)| set_for == phase && phase != Phase::Body) {
            return;
        }
        if let Some((timer, _)) = client.read_timer.take() {
            cx.cancel_timer(timer);
            self.timers.remove(&timer);
        }
        let timeouts = &self.core.forward.timeouts;
        let after = match phase {
            Phase::Idle if client.awaiting_first_byte => timeouts.header,
            Phase::Idle => timeouts.idle,
            Phase::Head => timeouts.header,
            // Renewed by every body byte: the longest wait for the next.
            Phase::Body => timeouts.body,
            // Waiting for replies (the reply timers cover it), or done.
            Phase::Closed => return,
        };
        let timer = cx.set_timer(after);
        self.timers.insert(timer, TimerFor::Read(conn));
        client.read_timer = Some((timer, phase));
    }
}

/// Queues the access log line of a response written to `client` (dropped and counted if
/// the log's writer is behind).
fn log_line(log: &AccessLog, format: Format, forward: &str, client: SocketAddr, written: &Written) {
    let request = written.line.as_ref().map(|(method, target)| RequestLine {
        method,
        target,
        version: written.version.as_str(),
    });
    let record = AccessRecord {
        client,
        time: written.started,
        request,
        status: Some(written.status.code()),
        bytes: written.body_len,
        duration: written.started.elapsed().unwrap_or_default(),
        forward,
    };
    log.write(format.line(&record));
}

/// How a failed door call is counted.
fn door_error_kind(err: &ostium::CallError) -> DoorErrorKind {
    match err {
        ostium::CallError::NoDoor { .. } => DoorErrorKind::Unavailable,
        ostium::CallError::ServerDeath { .. } => DoorErrorKind::Died,
        ostium::CallError::Deadline => DoorErrorKind::Timeout,
        ostium::CallError::Fault(_) => DoorErrorKind::Fault,
        _ => DoorErrorKind::Protocol,
    }
}

/// Removes and returns the reply timer of request `seq`, and when its call started; its
/// encoded request no longer counts as held.
fn take_reply_timer(client: &mut Client, seq: u64) -> Option<(TimerId, std::time::Instant)> {
    let index = client.reply_timers.iter().position(|&(s, ..)| s == seq)?;
    let (_, timer, started, bytes) = client.reply_timers.swap_remove(index);
    client.in_calls -= bytes;
    Some((timer, started))
}

/// Where `forward`'s request bodies go past its `body-buffer`.
fn spool_of(forward: &Forward) -> Arc<Spool> {
    Arc::new(Spool { dir: forward.body_spool.clone(), memory_max: forward.limits.body_buffer })
}

/// The `Date` field of a response written now.
fn date() -> Option<HttpDate> {
    Some(HttpDate::from_system(SystemTime::now()))
}

impl CoreService for HttpService {
    type Tag = Tag;

    fn core(&mut self) -> &mut ForwardCore<Tag> {
        &mut self.core
    }

    fn is_quiet(&self) -> bool {
        self.clients.is_empty()
    }

    fn deliver_finished(&mut self, cx: &mut Context<'_>) {
        self.deliver(cx);
    }
}

impl Service for HttpService {
    fn on_open(&mut self, cx: &mut Context<'_>, conn: ConnId, origin: Origin) {
        let peer = match origin {
            Origin::Accepted(peer) | Origin::Outgoing(peer) => peer,
        };
        if self.core.draining {
            cx.close(conn);
            return;
        }
        self.metrics.connections.inc();
        self.metrics.connections_open.inc();
        // Where the client connected: the configured address may be a wildcard or port 0.
        let local = cx.local_addr(conn).unwrap_or(self.core.forward.listen);
        let client = Client {
            http: match self.access_log {
                Some(_) => HttpConn::new(self.limits),
                None => HttpConn::new(self.limits).without_request_lines(),
            }
            .spooling(Arc::clone(&self.spool))
            .from(Endpoints { client: peer, local }),
            peer,
            gate: ProxyGate::new(self.core.forward.proxy_protocol),
            admitted: false,
            read_timer: None,
            request_timer: None,
            reply_timers: Vec::new(),
            charged: 0,
            in_calls: 0,
            read_closed: false,
            awaiting_first_byte: true,
        };
        self.clients.insert(conn, Box::new(client));
        self.trim.opened(self.clients.len());
        // With a PROXY header, the client it names is the one the limits count.
        if !self.core.forward.proxy_protocol && !self.admit(cx, conn) {
            return;
        }
        self.arm_read_timer(cx, conn);
    }

    fn on_data(
        &mut self,
        cx: &mut Context<'_>,
        conn: ConnId,
        input: &mut Buffer,
        _output: &mut Buffer,
    ) -> Flow {
        let Some(client) = self.clients.get_mut(&conn) else { return Flow::Close };
        if client.awaiting_first_byte {
            // The first-byte timer goes; the phase the bytes bring sets the next one.
            client.awaiting_first_byte = false;
            if let Some((timer, _)) = client.read_timer.take() {
                cx.cancel_timer(timer);
                self.timers.remove(&timer);
            }
        }
        if client.gate.is_reading() {
            match client.gate.feed(input.as_slice()) {
                Ok(Passage::Wait) => {
                    input.clear();
                    self.arm_read_timer(cx, conn);
                    return Flow::Keep;
                }
                Ok(Passage::Through { client: named, rest }) => {
                    client.peer = named.unwrap_or(client.peer);
                    client.http.set_client(client.peer);
                    input.clear();
                    if !self.admit(cx, conn) {
                        return Flow::Keep;
                    }
                    let Some(client) = self.clients.get_mut(&conn) else { return Flow::Close };
                    client.http.on_bytes(&rest, &mut self.calls);
                }
                Err(err) => {
                    tracing::debug!(%err, "a malformed PROXY header; connection closed");
                    return Flow::Close;
                }
            }
        } else {
            client.http.on_bytes(input.as_slice(), &mut self.calls);
            input.clear();
        }
        self.start_calls(cx, conn);
        self.flush(cx, conn);
        Flow::Keep
    }

    fn on_read_closed(
        &mut self,
        cx: &mut Context<'_>,
        conn: ConnId,
        _input: &mut Buffer,
        _output: &mut Buffer,
    ) -> Flow {
        let Some(client) = self.clients.get_mut(&conn) else { return Flow::Close };
        client.read_closed = true;
        if client.http.pending() == 0 {
            return Flow::Close;
        }
        // Answer what was asked, then close (flush does).
        self.flush(cx, conn);
        Flow::Keep
    }

    fn on_timer(&mut self, cx: &mut Context<'_>, timer: TimerId) {
        match self.timers.remove(&timer) {
            Some(TimerFor::Read(conn)) => {
                let Some(client) = self.clients.get_mut(&conn) else { return };
                if client.read_timer.is_some_and(|(t, _)| t == timer) {
                    client.read_timer = None;
                } else if client.request_timer == Some(timer) {
                    client.request_timer = None;
                }
                match client.http.phase() {
                    Phase::Head | Phase::Body => {
                        client.http.on_read_timeout(date());
                        self.flush(cx, conn);
                    }
                    // Idle past the keep-alive timeout: close without a word, as servers do.
                    _ => cx.close(conn),
                }
            }
            Some(TimerFor::Reply(conn, seq)) => {
                self.core.pool.abandon(cx, &(conn, seq), &mut self.core.done);
                self.metrics.door_error(DoorErrorKind::Timeout).inc();
                if let Some(client) = self.clients.get_mut(&conn) {
                    take_reply_timer(client, seq);
                    client.http.on_reply(seq, Outcome::TimedOut, date());
                }
                self.flush(cx, conn);
                self.deliver(cx);
            }
            Some(TimerFor::DrainDeadline) => self.on_drain_deadline(cx),
            Some(TimerFor::Holds) => {
                if let Some(timer) = self.holds.recheck(cx, self.admission.memory()) {
                    self.timers.remove(&timer);
                }
            }
            None => {}
        }
    }

    fn on_turn_end(&mut self, cx: &mut Context<'_>) {
        self.turn_ended(cx);
    }

    fn on_ready(&mut self, cx: &mut Context<'_>, watch: WatchId, ready: Readiness) {
        self.door_ready(cx, watch, ready);
    }

    fn on_close(&mut self, cx: &mut Context<'_>, conn: ConnId, _reason: &CloseReason) {
        let Some(client) = self.clients.remove(&conn) else { return };
        self.metrics.connections_open.dec();
        if client.admitted {
            self.admission.release(client.peer.ip());
        }
        // Calls in flight run to their end and their replies are discarded; the timers go.
        let reads = client.read_timer.map(|(t, _)| t).into_iter().chain(client.request_timer);
        self.admission.memory().charge(client.charged, 0);
        self.holds.forget(conn);
        for timer in client.reply_timers.into_iter().map(|(_, t, _, _)| t).chain(reads) {
            cx.cancel_timer(timer);
            self.timers.remove(&timer);
        }
        self.core.pool.forget_waiting(|&(owner, _)| owner == conn);
        if self.trim.closed(self.clients.len()) {
            ostium_sys::release_free_memory();
        }
        self.stop_if_drained(cx);
    }
}
