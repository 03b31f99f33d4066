//! One client connection in `http` mode, sans I/O: the bytes the client sent go in, the
//! requests to call the application with come out, and the responses go back in the
//! order the requests came, whatever order their replies arrive in (pipelining).
//!
//! The engine owns the sockets, the door connections and the clock; this type owns the
//! HTTP rules: which status each failure gets, when `100 Continue` is written, when the
//! connection closes.

use std::collections::VecDeque;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use ostium::CallError;
use ostium::wire::Fault;

use crate::http::{
    Decoder, Event, HttpDate, HttpError, Limits, Phase, Request, ResponseHead, Spool, Status,
    Version, write_continue, write_response,
};

pub use super::door_request::Call;
use super::door_request::{Endpoints, door_call};

/// The addresses of a connection not told them (in tests).
const UNKNOWN: SocketAddr = SocketAddr::new(std::net::IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0);

/// Requests decoded ahead of their responses, at most: past this many the connection's
/// further bytes wait in the decoder, so a client cannot queue unbounded work.
pub const MAX_PIPELINE: usize = 16;

/// How a door call for a request ended, as far as the client's response goes.
#[derive(Debug)]
pub enum Outcome {
    /// The application replied with these bytes (a response message).
    Replied(Vec<u8>),
    /// The call failed.
    Failed(CallError),
    /// No reply came within the reply timeout.
    TimedOut,
    /// The request could not be put in the door format (a method or target too long for
    /// it, say): no call was made.
    Unencodable,
}

/// One response slot, in request order.
#[derive(Debug)]
struct Slot {
    seq: u64,
    version: Version,
    head_request: bool,
    keep_alive: bool,
    /// The bytes to write, once known.
    bytes: Option<Vec<u8>>,
    /// The status written, for the access log.
    status: Option<Status>,
    /// The request's method and target (none for `100 Continue` and undecodable
    /// requests), for the access log.
    line: Option<(String, String)>,
    /// When the request was decoded.
    started: std::time::SystemTime,
    /// The response body's length.
    body_len: u64,
}

/// A response written, as the access log and the metrics see it.
#[derive(Debug)]
pub struct Written {
    /// Its status.
    pub status: Status,
    /// The request's method and target, if it was decoded.
    pub line: Option<(String, String)>,
    /// The request's version.
    pub version: Version,
    /// When the request was decoded.
    pub started: std::time::SystemTime,
    /// The response body's length.
    pub body_len: u64,
}

/// The state of one client connection in `http` mode.
pub struct HttpConn {
    decoder: Decoder,
    slots: VecDeque<Slot>,
    next_seq: u64,
    /// No more requests will be read: after the last response, close.
    closing: bool,
    /// The daemon is draining: the request being read (if any) is the last one.
    draining: bool,
    /// Whether each request's method and target are kept for [`Written::line`].
    keep_lines: bool,
    /// The addresses the door calls carry.
    endpoints: Endpoints,
}

impl HttpConn {
    /// A connection whose requests are held to `limits`.
    pub fn new(limits: Limits) -> HttpConn {
        HttpConn {
            decoder: Decoder::new(limits),
            slots: VecDeque::new(),
            next_seq: 0,
            closing: false,
            draining: false,
            keep_lines: true,
            endpoints: Endpoints { client: UNKNOWN, local: UNKNOWN },
        }
    }

    /// The same, for a client at `endpoints` (what its door calls say).
    pub fn from(self, endpoints: Endpoints) -> HttpConn {
        HttpConn { endpoints, ..self }
    }

    /// The client is another than the socket's peer: the one a PROXY header named.
    pub fn set_client(&mut self, client: SocketAddr) {
        self.endpoints.client = client;
    }

    /// The same, spooling request bodies past `spool.memory_max` to unlinked files.
    pub fn spooling(self, spool: Arc<Spool>) -> HttpConn {
        HttpConn { decoder: self.decoder.spooling(spool), ..self }
    }

    /// The heap bytes the connection holds for requests being read (for the daemon's
    /// request-memory budget).
    pub fn memory(&self) -> usize {
        self.decoder.memory()
    }

    /// Moves the body being read to its spool file now, if it is in memory
    /// ([`Decoder::spill_body`]).
    pub fn spill_body(&mut self) -> std::io::Result<()> {
        self.decoder.spill_body()
    }

    /// The same, keeping no request lines ([`Written::line`] is `None`): for a forward
    /// without an access log, which would copy two strings per request for nothing.
    pub fn without_request_lines(self) -> HttpConn {
        HttpConn { keep_lines: false, ..self }
    }

    /// Takes bytes the client sent and returns the requests now complete, to call the
    /// application with (none past [`MAX_PIPELINE`] unanswered).
    pub fn on_bytes(&mut self, bytes: &[u8], calls: &mut Vec<Call>) {
        self.decoder.feed(bytes);
        self.decode(calls);
    }

    /// Decodes what the decoder holds, as far as the pipeline allows.
    fn decode(&mut self, calls: &mut Vec<Call>) {
        while !self.closing && self.slots.len() < MAX_PIPELINE {
            match self.decoder.decode() {
                Ok(None) => return,
                Ok(Some(Event::Continue)) => self.push_interim(),
                Ok(Some(Event::Request(mut request))) => {
                    // Draining: the request that was arriving is answered, and is the last.
                    request.keep_alive &= !self.draining;
                    let seq = self.push_slot(&request);
                    if !request.keep_alive {
                        self.closing = true;
                    }
                    match door_call(seq, request, self.endpoints) {
                        Ok(call) => calls.push(call),
                        Err(err) => {
                            tracing::debug!(%err, "a request the door format cannot carry: 400");
                            self.on_reply(seq, Outcome::Unencodable, None);
                        }
                    }
                }
                Err(err) => self.push_error(&err),
            }
        }
    }

    fn push_slot(&mut self, request: &Request) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.slots.push_back(Slot {
            seq,
            version: request.version,
            head_request: request.is_head(),
            keep_alive: request.keep_alive,
            bytes: None,
            status: None,
            line: self.keep_lines.then(|| (request.method.clone(), request.target.clone())),
            started: std::time::SystemTime::now(),
            body_len: 0,
        });
        seq
    }

    /// `100 Continue`, written after every earlier response.
    fn push_interim(&mut self) {
        let mut bytes = Vec::new();
        write_continue(&mut bytes);
        let seq = self.next_seq;
        self.next_seq += 1;
        self.slots.push_back(Slot {
            seq,
            version: Version::Http11,
            head_request: false,
            keep_alive: true,
            bytes: Some(bytes),
            status: None,
            line: None,
            started: std::time::SystemTime::now(),
            body_len: 0,
        });
    }

    /// A request that could not be decoded: its error status, then the connection closes.
    fn push_error(&mut self, err: &HttpError) {
        self.push_last_answer(err.status(), None);
    }

    /// Queues `status` as the last answer of the connection (after the responses before
    /// it), which then closes.
    fn push_last_answer(&mut self, status: Status, date: Option<HttpDate>) {
        let seq = self.next_seq;
        self.next_seq += 1;
        let mut slot = Slot {
            seq,
            version: Version::Http11,
            head_request: false,
            keep_alive: false,
            bytes: None,
            status: None,
            line: None,
            started: std::time::SystemTime::now(),
            body_len: 0,
        };
        fill_error(&mut slot, status, date);
        self.slots.push_back(slot);
        self.closing = true;
    }

    /// The outcome of request `seq`'s call. `date` is for the `Date` field.
    pub fn on_reply(&mut self, seq: u64, outcome: Outcome, date: Option<HttpDate>) {
        let Some(slot) = self.slots.iter_mut().find(|s| s.seq == seq && s.bytes.is_none()) else {
            return;
        };
        match outcome {
            Outcome::Replied(data) => fill_response(slot, &data, date),
            Outcome::Failed(err) => fill_error(slot, failure_status(&err), date),
            Outcome::TimedOut => fill_error(slot, Status::GATEWAY_TIMEOUT, date),
            Outcome::Unencodable => fill_error(slot, Status::BAD_REQUEST, date),
        }
    }

    /// Appends to `out` the responses that are ready, in request order, and returns the
    /// statuses written (for the access log). More requests may then be decoded: they
    /// are added to `calls`.
    pub fn take_output(&mut self, out: &mut Vec<u8>, calls: &mut Vec<Call>) -> Vec<Written> {
        let mut written = Vec::new();
        while self.slots.front().is_some_and(|s| s.bytes.is_some()) {
            let slot = self.slots.pop_front().expect("checked above");
            out.extend_from_slice(slot.bytes.as_deref().unwrap_or_default());
            if let Some(status) = slot.status {
                written.push(Written {
                    status,
                    line: slot.line,
                    version: slot.version,
                    started: slot.started,
                    body_len: slot.body_len,
                });
            }
            if !slot.keep_alive {
                // A response that closes the connection ends it: nothing after it is sent.
                self.closing = true;
                self.slots.clear();
            }
        }
        self.decode(calls);
        written
    }

    /// The daemon is draining: a request already started (its head or body still
    /// arriving) is read to its end and answered, and is the connection's last; with none
    /// started, no more requests are read. Either way the last response says
    /// `Connection: close`, and the connection closes after it — at once if nothing is
    /// pending (an idle keep-alive connection).
    pub fn drain(&mut self) {
        self.draining = true;
        if matches!(self.decoder.phase(), Phase::Head | Phase::Body) {
            return;
        }
        self.closing = true;
        if let Some(last) = self.slots.back_mut()
            && last.bytes.is_none()
        {
            last.keep_alive = false;
        }
    }

    /// The drain's deadline has passed: the first request not yet answered (still being
    /// read, or at the application) is answered `503` with `Connection: close`, after the
    /// responses before it; the connection then closes.
    pub fn on_drain_deadline(&mut self, date: Option<HttpDate>) {
        self.closing = true;
        match self.slots.iter_mut().find(|slot| slot.bytes.is_none()) {
            Some(slot) => {
                slot.keep_alive = false;
                fill_error(slot, Status::SERVICE_UNAVAILABLE, date);
            }
            None if matches!(self.decoder.phase(), Phase::Head | Phase::Body) => {
                self.push_last_answer(Status::SERVICE_UNAVAILABLE, date);
            }
            None => {}
        }
    }

    /// Whether everything has been answered and the connection is to close.
    pub fn finished(&self) -> bool {
        self.closing && self.slots.is_empty()
    }

    /// Gives back the memory an idle connection (every request answered, no byte of the
    /// next one read) does not need: the decoder's buffer and the response slots; the next
    /// request allocates them again. With thousands of idle keep-alive connections, what
    /// each holds is what counts.
    pub fn release_idle_memory(&mut self) {
        if self.slots.is_empty() {
            self.slots = VecDeque::new();
            self.decoder.release_idle_buffer();
        }
    }

    /// Requests whose responses are not written yet.
    pub fn pending(&self) -> usize {
        self.slots.len()
    }

    /// Which timeout applies now: the decoder's phase, except that a connection waiting
    /// for its responses is not idle (the reply timeout covers it).
    pub fn phase(&self) -> Phase {
        match self.decoder.phase() {
            Phase::Idle if !self.slots.is_empty() => Phase::Closed,
            phase => phase,
        }
    }

    /// The headers or body did not arrive in time: answer 408 after the responses before
    /// it, then close. Nothing more is read.
    pub fn on_read_timeout(&mut self, date: Option<HttpDate>) {
        self.push_last_answer(Status::REQUEST_TIMEOUT, date);
    }
}

impl std::fmt::Debug for HttpConn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpConn")
            .field("phase", &self.decoder.phase())
            .field("pending", &self.slots.len())
            .field("closing", &self.closing)
            .finish()
    }
}

/// The status a failed call gets (docs/http-over-doors.md §2).
fn failure_status(err: &CallError) -> Status {
    match err {
        CallError::NoDoor { .. } => Status::SERVICE_UNAVAILABLE,
        CallError::Deadline => Status::GATEWAY_TIMEOUT,
        CallError::Fault(Fault::HandlerPanicked) => Status::INTERNAL_SERVER_ERROR,
        CallError::Fault(Fault::RequestTooLarge) => Status::CONTENT_TOO_LARGE,
        CallError::Fault(Fault::DeadlineExceeded) => Status::GATEWAY_TIMEOUT,
        CallError::Fault(Fault::Revoked) => Status::SERVICE_UNAVAILABLE,
        _ => Status::BAD_GATEWAY,
    }
}

/// The response an application's reply describes, or 502 if it describes none that can
/// be written.
fn fill_response(slot: &mut Slot, data: &[u8], date: Option<HttpDate>) {
    let parts = match ostium_http::decode_response(data) {
        Ok(parts) => parts,
        Err(err) => {
            static MALFORMED: ostium_sys::Throttle = ostium_sys::Throttle::per_second();
            if let Some(suppressed) = MALFORMED.pass() {
                tracing::warn!(%err, suppressed, "the application's response is malformed: 502");
            }
            return fill_error(slot, Status::BAD_GATEWAY, date);
        }
    };
    let Some(status) = Status::new(parts.status) else {
        return fill_error(slot, Status::BAD_GATEWAY, date);
    };
    let headers: Vec<(&str, &[u8])> = parts
        .headers
        .clone()
        .filter_map(|(name, value)| Some((std::str::from_utf8(name).ok()?, value)))
        .collect();
    let head = ResponseHead {
        status,
        headers: &headers,
        version: slot.version,
        head_request: slot.head_request,
        keep_alive: slot.keep_alive,
        date,
    };
    let mut bytes = Vec::with_capacity(parts.body.len() + 256);
    match write_response(&mut bytes, &head, parts.body) {
        Ok(()) => {
            slot.bytes = Some(bytes);
            slot.status = Some(status);
            slot.body_len = if slot.head_request { 0 } else { parts.body.len() as u64 };
        }
        Err(err) => {
            static UNWRITABLE: ostium_sys::Throttle = ostium_sys::Throttle::per_second();
            if let Some(suppressed) = UNWRITABLE.pass() {
                tracing::warn!(%err, suppressed, "the application's response cannot be written: 502");
            }
            fill_error(slot, Status::BAD_GATEWAY, date);
        }
    }
}

/// A short plain-text response with `status`.
fn fill_error(slot: &mut Slot, status: Status, date: Option<HttpDate>) {
    let body = format!("{} {}\n", status.code(), status.reason());
    let headers: [(&str, &[u8]); 1] = [("content-type", b"text/plain; charset=utf-8")];
    let head = ResponseHead {
        status,
        headers: &headers,
        version: slot.version,
        head_request: slot.head_request,
        keep_alive: slot.keep_alive,
        date,
    };
    let mut bytes = Vec::with_capacity(body.len() + 128);
    // Our own fields and a status we chose: nothing here can be refused.
    let _ = write_response(&mut bytes, &head, body.as_bytes());
    slot.bytes = Some(bytes);
    slot.status = Some(status);
    slot.body_len = if slot.head_request { 0 } else { body.len() as u64 };
}
