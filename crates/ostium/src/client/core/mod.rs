//! The sans-I/O core of a client's connection to a door, which both clients drive: the
//! blocking [`Client`](crate::Client) from its callers' threads, and the
//! [`LoopConnection`](crate::LoopConnection) of an event loop.
//!
//! Bytes and descriptors in, bytes and descriptors out, in the manner of rustls: the core
//! writes the `HELLO`, encodes calls (their arguments and leases inline, in the
//! connection's arenas or in memfds), queues pipelined calls and batches them, matches
//! what the server sends — a reply, a `REPLY_BATCH`, a `DOORBELL` for a reply in the slot —
//! to the calls in flight, and writes leases back. It holds no socket, never waits and
//! reads no clock: the driver sends what it makes, receives what comes and hands it in,
//! and gives the time a call's deadline is measured from. So a feature of the protocol is
//! written here once, and both clients have it.

mod receive;
mod send;

use std::collections::VecDeque;
use std::os::fd::OwnedFd;
use std::time::Instant;

use ostium_sys::Memfd;

use super::arena::Arenas;
use super::encode::LeaseHome;
use super::handshake::{Greeting, Session};
use super::reply_slot::ClientSlot;
use crate::wire::ring::RingSetup;
use crate::wire::{Capabilities, InstanceId, WritableLeases};
use crate::{CallError, Lend, OwnedLend, ProtocolError, Reply};

/// What a connection is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Our `HELLO` is made; the server's has not come yet.
    Greeting,
    /// Ready for calls.
    Ready,
    /// The server refused us, died, or broke the protocol; only dropping is left.
    Broken,
}

/// One call to start: what [`Core::start`] and [`Core::queue`] encode.
pub(crate) struct NewCall<'a, 'l> {
    pub(crate) op: u32,
    pub(crate) args: &'a [u8],
    /// Borrowed leases, written back from the reply the driver hands in with them.
    pub(crate) leases: &'a [Lend<'l>],
    /// Owned leases, kept with the call and returned in its [`Reply::leases`].
    pub(crate) owned: Vec<OwnedLend>,
    /// Descriptors the handler gets.
    pub(crate) fd_count: usize,
    pub(crate) deadline: Option<Instant>,
    /// The driver's clock, which the deadline is measured from.
    pub(crate) now: Instant,
    /// Leases up to this many bytes travel inline.
    pub(crate) inline_lease_max: usize,
}

impl NewCall<'_, '_> {
    /// A call of `op` with `args` and nothing else.
    pub(crate) fn plain(
        op: u32,
        args: &[u8],
        deadline: Option<Instant>,
        now: Instant,
    ) -> NewCall<'_, 'static> {
        NewCall {
            op,
            args,
            leases: &[],
            owned: Vec::new(),
            fd_count: 0,
            deadline,
            now,
            inline_lease_max: 0,
        }
    }
}

/// A call sent or queued whose reply has not come.
struct InFlight {
    id: u32,
    returned: WritableLeases,
    homes: Vec<LeaseHome>,
    args_memfd: Option<Memfd>,
    owned: Vec<OwnedLend>,
}

/// A queued call's message and the memfd of its arguments, if they need one.
struct Queued {
    message: Vec<u8>,
    args_memfd: Option<Memfd>,
}

/// A message for the driver to send, with the descriptors it carries and the number of
/// calls in it.
pub(crate) struct Transmit {
    pub(crate) message: Vec<u8>,
    pub(crate) fds: Vec<OwnedFd>,
    pub(crate) calls: usize,
}

/// A client connection's protocol state (see the [module](self) doc).
pub(crate) struct Core {
    greeting: Greeting,
    state: State,
    session: Session,
    next_id: u32,
    in_flight: VecDeque<InFlight>,
    /// The most calls allowed in flight (1 unless the server pipelines).
    depth: usize,
    outbox: VecDeque<Queued>,
    /// Replies that came in a `REPLY_BATCH`, not yet handed out.
    ready: VecDeque<Result<Reply, CallError>>,
    arenas: Arenas,
    /// Where replies arrive, if the server took a reply slot (§3.3).
    slot: Option<ClientSlot>,
    /// The message made last (`HELLO`, `RING_SETUP`, or a call [`start`](Self::start)ed).
    out: Vec<u8>,
    /// Where a reply is copied out of the slot.
    slot_buf: Vec<u8>,
    /// Messages received (see [`received`](Self::received)).
    received: u64,
}

impl Core {
    /// A connection that offers `greeting`; its `HELLO` is [`message`](Self::message).
    pub(crate) fn new(greeting: Greeting) -> Result<Core, CallError> {
        let mut out = Vec::with_capacity(256);
        greeting.hello(&mut out)?;
        Ok(Core {
            greeting,
            state: State::Greeting,
            session: Session::before_hello(),
            next_id: 1,
            in_flight: VecDeque::new(),
            depth: 1,
            outbox: VecDeque::new(),
            ready: VecDeque::new(),
            arenas: Arenas::default(),
            slot: None,
            out,
            slot_buf: Vec::new(),
            received: 0,
        })
    }

    /// The message made last, to send.
    pub(crate) fn message(&self) -> &[u8] {
        &self.out
    }

    pub(crate) fn session(&self) -> &Session {
        &self.session
    }

    pub(crate) fn instance(&self) -> InstanceId {
        self.session.instance
    }

    pub(crate) fn is_ready(&self) -> bool {
        self.state == State::Ready
    }

    pub(crate) fn is_broken(&self) -> bool {
        self.state == State::Broken
    }

    /// Calls sent or queued, not yet answered.
    pub(crate) fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    /// Whether another call may be started or queued now.
    pub(crate) fn has_room(&self) -> bool {
        self.is_ready() && self.in_flight.len() < self.depth
    }

    /// Whether calls are queued, waiting for [`transmit`](Self::transmit).
    pub(crate) fn has_queued(&self) -> bool {
        !self.outbox.is_empty()
    }

    /// Messages received from the server, its `HELLO` included.
    pub(crate) fn received(&self) -> u64 {
        self.received
    }

    /// Allows up to `depth` calls in flight, if the server pipelines (else 1).
    pub(crate) fn set_depth(&mut self, depth: usize) {
        let pipelines = self.session.capabilities.contains(Capabilities::PIPELINING);
        self.depth = if pipelines { depth.max(1) } else { 1 };
    }

    pub(crate) fn has_slot(&self) -> bool {
        self.slot.is_some()
    }

    /// The reply slot, for a driver that sleeps on it.
    pub(crate) fn slot(&mut self) -> Option<&mut ClientSlot> {
        self.slot.as_mut()
    }

    /// Doorbells the server still owes for replies already taken from the slot.
    pub(crate) fn owes_doorbells(&self) -> bool {
        self.slot.as_ref().is_some_and(|slot| slot.owed_doorbells() > 0)
    }

    /// Marks the connection broken, for an error the driver met (the socket's).
    pub(crate) fn break_off(&mut self) {
        self.state = State::Broken;
    }

    /// Makes a reply slot, if the server agreed to one, and its `RING_SETUP` as
    /// [`message`](Self::message): the memfd returned goes with it.
    pub(crate) fn reply_slot_setup(&mut self) -> Result<Option<Memfd>, CallError> {
        if !self.session.capabilities.contains(Capabilities::RING) || self.slot.is_some() {
            return Ok(None);
        }
        let setup = RingSetup { slot_len: self.greeting.max_message };
        let (slot, memfd) = ClientSlot::create(setup).map_err(CallError::io)?;
        self.out.clear();
        setup.encode(&mut self.out)?;
        self.slot = Some(slot);
        Ok(Some(memfd))
    }
}

/// A reply slot that says something impossible is the server breaking the protocol.
pub(crate) fn slot_error(err: std::io::Error) -> CallError {
    match err.kind() {
        std::io::ErrorKind::InvalidData => CallError::Protocol(ProtocolError::BadSlot),
        _ => CallError::io(err),
    }
}
