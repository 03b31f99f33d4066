//! Serving a generated server on a door: the checks every call goes through before its
//! handler (restrictions, the reserved `DESCRIBE`), the counters after it, and the glue of
//! the three server styles of DESIGN.md §3.
//!
//! - `InOrder` (`&mut self`): one call at a time, by a mutex around the server object. The
//!   door's pool still grows for concurrent callers, who wait on the mutex. Generated code
//!   serves it through [`in_order`](super::in_order), which adds notifications and closed
//!   receive; [`serve_in_order`] is the plain form.
//! - `Concurrent` (`&self`): handlers run on the elastic pool as calls come.
//! - `Pipelined` (`&self` and a [`ReplyToken`](super::ReplyToken)): served like
//!   `Concurrent`; the generated dispatch waits for the token (see [`token`](super::token)).

use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use super::counters::{Counters, OpStats};
use super::describe::describe;
use super::notify::EventThread;
use super::restrict::{Allowed, Policy};
use ostium::wire::{Fault, Op, Status};
use ostium::{Answer, Door, DoorError, DoorOptions, Request};

/// What a generated server says of its interface.
#[derive(Debug)]
pub struct Service {
    /// The interface's name.
    pub name: &'static str,
    /// The `.idol` text, answered by `DESCRIBE`.
    pub idol: &'static str,
    /// The operations' names, in operation order (numbers from 1).
    pub ops: &'static [&'static str],
    /// The restricted operations, by number.
    pub restrictions: &'static [(u32, Allowed)],
}

/// A generated server being served: the door, and the counters of its operations.
#[derive(Debug)]
pub struct Served {
    door: Door,
    counters: Arc<Counters>,
    /// The server's event thread, if it has one; after `door`, so that it stops after the
    /// last call has finished.
    events: Option<EventThread>,
}

impl Served {
    /// The door. Dropping the `Served` revokes it and waits for the calls in flight.
    pub fn door(&self) -> &Door {
        &self.door
    }

    /// Each operation's counters now, in operation order.
    pub fn counters(&self) -> Vec<OpStats> {
        self.counters.snapshot()
    }

    /// The same, with an event thread that stops when it is dropped.
    pub(crate) fn with_events(mut self, events: EventThread) -> Served {
        self.events = Some(events);
        self
    }
}

/// Serves `handler` (a generated dispatch) at `path`: calls of restricted operations from
/// callers not allowed are answered [`Fault::AccessViolation`] without reaching it,
/// `DESCRIBE` is answered from `service`, and every call is counted.
pub fn serve<H>(
    path: impl AsRef<Path>,
    options: DoorOptions,
    service: &'static Service,
    handler: H,
) -> Result<Served, DoorError>
where
    H: Fn(Request<'_>) -> Answer + Send + Sync + 'static,
{
    let policy = Policy::resolve(service.restrictions);
    let counters = Arc::new(Counters::new(service.ops.len()));
    let counting = counters.clone();
    let door = Door::builder(path).options(options).serve(move |request| {
        if request.op == Op::DESCRIBE.0 {
            return Answer::ok(describe(service, &counting));
        }
        if !policy.permits(request.op, &request.caller) {
            return Answer::fault(Fault::AccessViolation);
        }
        let (op, start) = (request.op, Instant::now());
        let response = handler(request);
        counting.record(op, response.status() != Status::Ok, start.elapsed());
        response
    })?;
    Ok(Served { door, counters, events: None })
}

/// Serves an `InOrder` server: `dispatch` gets `&mut` the server, one call at a time.
///
/// A handler that panicked is answered with a fault by the door; the server object is then
/// used as the panic left it (Rust's `Mutex` poisoning would otherwise stop the door).
pub fn serve_in_order<S: Send + 'static>(
    path: impl AsRef<Path>,
    options: DoorOptions,
    service: &'static Service,
    server: S,
    dispatch: fn(&mut S, Request<'_>) -> Answer,
) -> Result<Served, DoorError> {
    let server = Mutex::new(server);
    serve(path, options, service, move |request| {
        let mut server = server.lock().unwrap_or_else(PoisonError::into_inner);
        dispatch(&mut server, request)
    })
}

/// Serves a `Concurrent` or `Pipelined` server: `dispatch` gets `&` the server, from as
/// many threads as calls come concurrently.
pub fn serve_shared<S: Send + Sync + 'static>(
    path: impl AsRef<Path>,
    options: DoorOptions,
    service: &'static Service,
    server: Arc<S>,
    dispatch: fn(&S, Request<'_>) -> Answer,
) -> Result<Served, DoorError> {
    serve(path, options, service, move |request| dispatch(&server, request))
}
