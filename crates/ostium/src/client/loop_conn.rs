//! [`LoopConnection`]: a connection to a door for an event loop, which must never wait.
//!
//! [`Client`](crate::Client) blocks the calling thread until the reply comes, which is what
//! a program's own threads want. An event loop serving many sockets (ostiumd's) cannot
//! wait on one: it registers the connection's descriptor with its poller, starts a call
//! with [`LoopConnection::call`], and hands the connection each readiness it reports
//! ([`on_readable`](LoopConnection::on_readable), [`on_writable`](LoopConnection::on_writable))
//! until the reply comes out. Nothing here blocks or keeps time: deadlines are the loop's
//! timers, and a call whose deadline passes is abandoned by dropping the connection (its
//! late reply would otherwise be taken for the next call's).
//!
//! One call at a time per connection by default, as the door serves a connection's calls
//! in order: a loop that wants concurrency opens more connections, and the door's pool
//! grows to match them. With a server that pipelines (protocol §3.1), a loop may allow
//! more ([`set_depth`](LoopConnection::set_depth)) and queue calls
//! ([`queue_call`](LoopConnection::queue_call)) that go out together at
//! [`flush`](LoopConnection::flush): the server's worker finds them all waiting and sends
//! the replies together, so a batch costs one wakeup each way instead of one per call.

use std::collections::VecDeque;
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};

use ostium_sys::unix::SeqpacketConn;

use super::arena::Arenas;
use super::connection::{MAX_MESSAGE, is_disconnect, reply_of};
use super::encode::{self, CallParts, Limits};
use super::handshake::Greeting;
use crate::transport;
use crate::wire::{self, Capabilities, Hello, InstanceId};
use crate::{CallError, InvalidCall, ProtocolError, Reply};

/// What a connection is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Our `HELLO` is sent; the server's has not come yet.
    Greeting,
    /// Ready for calls (see `in_flight`).
    Ready,
    /// The server refused us, died, or broke the protocol; only dropping is left.
    Broken,
}

/// What this client offers: memfds and pipelining, no lane (an event loop's thread does
/// not move between CPUs for one call) and no reply slot (it waits on its poller).
const GREETING: Greeting = Greeting {
    max_message: MAX_MESSAGE,
    capabilities: Capabilities::MEMFD.union(Capabilities::PIPELINING),
    lane: None,
};

/// What [`LoopConnection::on_readable`] found.
#[derive(Debug)]
pub enum LoopEvent {
    /// The server's `HELLO` came: the connection is ready for calls.
    Ready,
    /// The reply of the call in flight, or the fault the server answered it with
    /// ([`CallError::Fault`]); the connection is ready for the next call either way.
    Reply(Result<Reply, CallError>),
}

/// A connection to a door driven by an event loop (see the [module](self) doc).
pub struct LoopConnection {
    socket: SeqpacketConn,
    /// The door's path, for errors.
    path: PathBuf,
    state: State,
    instance: InstanceId,
    server_max_message: u32,
    capabilities: Capabilities,
    next_id: u32,
    /// The calls sent or queued whose replies have not come, in order.
    in_flight: VecDeque<u32>,
    /// The most calls allowed in flight (1 unless the server pipelines).
    depth: usize,
    /// Calls queued with [`queue_call`](Self::queue_call), not yet sent.
    outbox: Vec<Vec<u8>>,
    /// Replies that came in a `REPLY_BATCH`, not yet handed out.
    ready: VecDeque<LoopEvent>,
    /// A call the socket had no room for: its message and the descriptors it carries.
    unsent: Option<(Vec<u8>, Vec<OwnedFd>)>,
    /// Messages received from the server (see [`messages_received`](Self::messages_received)).
    received: u64,
}

impl std::fmt::Debug for LoopConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoopConnection")
            .field("state", &self.state)
            .field("instance", &self.instance)
            .finish_non_exhaustive()
    }
}

impl LoopConnection {
    /// Connects to the door at `path` without waiting and sends our `HELLO`; the server's
    /// comes later, as [`LoopEvent::Ready`]. A door whose backlog is full fails with
    /// [`CallError::NoDoor`] whose source is `WouldBlock`: try again later.
    pub fn connect(path: &Path) -> Result<LoopConnection, CallError> {
        let socket = SeqpacketConn::connect_nonblocking(path)
            .map_err(|source| CallError::no_door(path, source))?;
        let mut hello = Vec::with_capacity(Hello::SIZE);
        GREETING.hello(&mut hello)?;
        // A new connection's socket buffer is empty: a 48-byte message always fits.
        socket.send(&hello, &[]).map_err(CallError::io)?;
        Ok(LoopConnection {
            socket,
            path: path.to_path_buf(),
            state: State::Greeting,
            instance: InstanceId::ZERO,
            server_max_message: wire::MIN_MAX_MESSAGE,
            capabilities: Capabilities::NONE,
            next_id: 1,
            in_flight: VecDeque::new(),
            depth: 1,
            outbox: Vec::new(),
            ready: VecDeque::new(),
            unsent: None,
            received: 0,
        })
    }

    /// The server's instance id (zero until [`LoopEvent::Ready`]).
    pub fn instance(&self) -> InstanceId {
        self.instance
    }

    /// Whether no call is in flight and one may be started now.
    pub fn is_idle(&self) -> bool {
        self.state == State::Ready && self.in_flight.is_empty()
    }

    /// Whether the server's `HELLO` has come (and the connection is not broken).
    pub fn is_ready(&self) -> bool {
        self.state == State::Ready
    }

    /// Whether another call may be started or queued now (fewer than the depth in flight).
    pub fn has_room(&self) -> bool {
        self.state == State::Ready && self.in_flight.len() < self.depth
    }

    /// Messages received from the server, its `HELLO` included; a `REPLY_BATCH` counts
    /// once however many replies it carries. Replies per message tell how well the calls
    /// were batched (each message is a wakeup).
    pub fn messages_received(&self) -> u64 {
        self.received
    }

    /// Calls in flight (sent or queued, not yet answered).
    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    /// Allows up to `depth` calls in flight, if the server pipelines (else 1). Call it once
    /// the connection is ready.
    pub fn set_depth(&mut self, depth: usize) {
        let pipelines = self.capabilities.contains(Capabilities::PIPELINING);
        self.depth = if pipelines { depth.max(1) } else { 1 };
    }

    /// Whether the connection is of no further use (drop it).
    pub fn is_broken(&self) -> bool {
        self.state == State::Broken
    }

    /// Whether calls wait for room in the socket: watch for writability and call
    /// [`on_writable`](Self::on_writable).
    pub fn wants_write(&self) -> bool {
        self.unsent.is_some() || !self.outbox.is_empty() && self.state == State::Ready
    }

    /// Starts a call of `op` with `args` and `fds` (passed on: the server gets its own
    /// copies), sending it now. Arguments larger than the server takes in a message travel
    /// in a sealed memfd. Returns the call's id; its reply comes as [`LoopEvent::Reply`].
    pub fn call(&mut self, op: u32, args: &[u8], fds: &[BorrowedFd<'_>]) -> Result<u32, CallError> {
        self.check_room()?;
        // Calls queued earlier go first: order is the protocol's.
        self.flush()?;
        if self.unsent.is_some() || !self.outbox.is_empty() {
            return Err(CallError::Invalid(InvalidCall::NotReady));
        }
        let (id, bytes, memfd) = self.encode(op, args, fds.len())?;
        let mut passed: Vec<BorrowedFd<'_>> = Vec::with_capacity(fds.len() + 1);
        passed.extend(memfd.as_ref().map(|m| m.as_fd()));
        passed.extend_from_slice(fds);
        if passed.len() > wire::MAX_FDS {
            return Err(CallError::Invalid(InvalidCall::TooManyDescriptors(passed.len())));
        }
        self.in_flight.push_back(id);
        match self.socket.send(&bytes, &passed) {
            Ok(_) => Ok(id),
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                let owned = passed
                    .iter()
                    .map(|fd| fd.try_clone_to_owned())
                    .collect::<io::Result<Vec<OwnedFd>>>()
                    .map_err(CallError::io)?;
                self.unsent = Some((bytes, owned));
                Ok(id)
            }
            Err(err) => Err(self.broken_by(err)),
        }
    }

    /// Queues a call of `op` with `args` (no descriptors), sent with the others queued at
    /// the next [`flush`](Self::flush). Arguments too large for a message travel in a
    /// memfd, which is a descriptor: such a call is sent at once (after those queued).
    pub fn queue_call(&mut self, op: u32, args: &[u8]) -> Result<u32, CallError> {
        self.check_room()?;
        if !transport::travels_inline(wire::CallHeader::SIZE, args.len(), self.server_max_message) {
            return self.call(op, args, &[]);
        }
        let (id, bytes, _) = self.encode(op, args, 0)?;
        self.in_flight.push_back(id);
        self.outbox.push(bytes);
        Ok(id)
    }

    /// Sends the queued calls, together: as `CALL_BATCH` messages of as many calls as fit
    /// the server's largest message (§4.6), so that the server's worker is woken once for
    /// them. What the socket has no room for waits for [`on_writable`](Self::on_writable).
    pub fn flush(&mut self) -> Result<(), CallError> {
        while !self.outbox.is_empty() && self.unsent.is_none() {
            let (taken, message) = self.next_batch();
            match self.socket.send(&message, &[]) {
                Ok(_) => {
                    self.outbox.drain(..taken);
                }
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                    self.outbox.drain(..taken);
                    self.unsent = Some((message, Vec::new()));
                }
                Err(err) => return Err(self.broken_by(err)),
            }
        }
        Ok(())
    }

    /// The next message to send of the outbox, and how many calls it holds: a `CALL_BATCH`
    /// of as many as fit, or the first call alone.
    fn next_batch(&mut self) -> (usize, Vec<u8>) {
        let max = self.server_max_message as usize;
        let mut count = 0;
        let mut len = wire::BATCH_HEADER;
        for call in self.outbox.iter().take(wire::MAX_BATCH) {
            if len + wire::ENTRY_HEADER + call.len() > max {
                break;
            }
            len += wire::ENTRY_HEADER + call.len();
            count += 1;
        }
        if count < 2 || !self.capabilities.contains(Capabilities::PIPELINING) {
            return (1, std::mem::take(&mut self.outbox[0]));
        }
        let calls: Vec<&[u8]> = self.outbox[..count].iter().map(Vec::as_slice).collect();
        let mut batch = Vec::with_capacity(len);
        // Within the limits checked above: it encodes.
        let _ = wire::encode_batch(wire::Kind::CallBatch, &calls, &mut batch);
        (count, batch)
    }

    fn check_room(&self) -> Result<(), CallError> {
        if self.has_room() { Ok(()) } else { Err(CallError::Invalid(InvalidCall::NotReady)) }
    }

    /// The next call's id, its message, and the memfd of its arguments if they need one
    /// (encoded as the blocking client encodes its calls: `encode`).
    fn encode(
        &mut self,
        op: u32,
        args: &[u8],
        fds: usize,
    ) -> Result<(u32, Vec<u8>, Option<ostium_sys::Memfd>), CallError> {
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1).max(1);
        let parts = CallParts {
            id,
            op,
            args,
            leases: &[],
            fd_count: fds,
            deadline_ms: None,
            inline_lease_max: 0,
        };
        let limits = Limits {
            server_max_message: self.server_max_message,
            reply_max_message: MAX_MESSAGE,
            memfd: self.capabilities.contains(Capabilities::MEMFD),
        };
        let mut bytes = Vec::with_capacity(wire::CallHeader::SIZE + args.len());
        // No leases, so no arena is ever used.
        let encoded = encode::encode(&parts, limits, &mut Arenas::default(), &mut bytes)?;
        Ok((id, bytes, encoded.args_memfd))
    }

    /// Sends what waited for room in the socket, if it has some now.
    pub fn on_writable(&mut self) -> Result<(), CallError> {
        if let Some((bytes, fds)) = self.unsent.take() {
            let borrowed: Vec<BorrowedFd<'_>> = fds.iter().map(|fd| fd.as_fd()).collect();
            match self.socket.send(&bytes, &borrowed) {
                Ok(_) => {}
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                    self.unsent = Some((bytes, fds));
                    return Ok(());
                }
                Err(err) => return Err(self.broken_by(err)),
            }
        }
        self.flush()
    }

    /// Receives what has come, one message at most, into `scratch` (a buffer the loop
    /// lends every connection, so that idle connections hold none): `Ok(None)` if nothing
    /// had. An error means the connection is broken: [`CallError::ServerDeath`] when the
    /// server closed it (or died), with a call in flight or not.
    pub fn on_readable(&mut self, scratch: &mut Vec<u8>) -> Result<Option<LoopEvent>, CallError> {
        if let Some(event) = self.ready.pop_front() {
            return Ok(Some(event));
        }
        if scratch.len() < MAX_MESSAGE as usize {
            scratch.resize(MAX_MESSAGE as usize, 0);
        }
        let mut fds = Vec::new();
        let len = match self.socket.recv(scratch, &mut fds) {
            Ok(received) if received.len == 0 => return Err(self.died()),
            Ok(received) => received.len,
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => return Ok(None),
            Err(err) if is_disconnect(&err) => return Err(self.died()),
            Err(err) => return Err(self.broken_by(err)),
        };
        self.received += 1;
        let msg = &scratch[..len];
        if self.state == State::Ready && matches!(wire::peek_kind(msg), Ok(wire::Kind::ReplyBatch))
        {
            return self.replied_batch(msg, fds.len());
        }
        match (self.state, self.in_flight.front().copied()) {
            (State::Greeting, _) => self.greeted(msg, fds.len()).map(Some),
            (State::Ready, Some(id)) => {
                self.in_flight.pop_front();
                Ok(Some(LoopEvent::Reply(self.replied(id, msg, fds))))
            }
            _ => {
                self.state = State::Broken;
                Err(CallError::Protocol(ProtocolError::Unsolicited))
            }
        }
    }

    /// The replies of a `REPLY_BATCH`, each to the next call in flight: the first is
    /// returned, the others wait in `ready`.
    fn replied_batch(&mut self, msg: &[u8], fds: usize) -> Result<Option<LoopEvent>, CallError> {
        let replies = wire::decode_batch(msg, fds, wire::Kind::ReplyBatch).map_err(|err| {
            self.state = State::Broken;
            CallError::from(err)
        })?;
        for reply in replies {
            let Some(id) = self.in_flight.pop_front() else {
                self.state = State::Broken;
                return Err(CallError::Protocol(ProtocolError::Unsolicited));
            };
            let outcome = self.replied(id, reply, Vec::new());
            self.ready.push_back(LoopEvent::Reply(outcome));
        }
        Ok(self.ready.pop_front())
    }

    fn greeted(&mut self, msg: &[u8], fds: usize) -> Result<LoopEvent, CallError> {
        let sendable = |theirs| transport::sendable(theirs, &self.socket);
        let session = GREETING.settle(msg, fds, sendable).inspect_err(|_| {
            self.state = State::Broken;
        })?;
        self.instance = session.instance;
        self.server_max_message = session.server_max_message;
        self.capabilities = session.capabilities;
        self.state = State::Ready;
        Ok(LoopEvent::Ready)
    }

    /// The outcome of call `id` from its reply `msg`; a reply that breaks the protocol
    /// breaks the connection too.
    fn replied(&mut self, id: u32, msg: &[u8], fds: Vec<OwnedFd>) -> Result<Reply, CallError> {
        let no_leases = wire::WritableLeases::of(&[]);
        let outcome = encode::check_reply(msg, fds.len(), id, no_leases)
            .and_then(|view| reply_of(&view, fds));
        if !matches!(outcome, Ok(_) | Err(CallError::Fault(_))) {
            self.state = State::Broken;
        }
        outcome
    }

    fn died(&mut self) -> CallError {
        self.state = State::Broken;
        CallError::ServerDeath { path: self.path.clone() }
    }

    fn broken_by(&mut self, err: io::Error) -> CallError {
        self.state = State::Broken;
        if is_disconnect(&err) {
            CallError::ServerDeath { path: self.path.clone() }
        } else {
            CallError::io(err)
        }
    }
}

impl AsFd for LoopConnection {
    /// The socket, to register with the loop's poller (readable, and writable while
    /// [`wants_write`](LoopConnection::wants_write)).
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.socket.as_fd()
    }
}
