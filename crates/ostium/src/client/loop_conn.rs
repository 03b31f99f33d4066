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
//!
//! The protocol itself is the sans-I/O core the blocking [`Client`](crate::Client) drives
//! too: leases ([`OwnedLend`], which travel with the call), a lane and a reply slot
//! ([`LoopOptions`]) work here as there.

use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::time::Instant;

use ostium_sys::unix::SeqpacketConn;

use super::connection::{MAX_MESSAGE, is_disconnect};
use super::core::{Core, NewCall, Transmit};
use super::handshake::Greeting;
use crate::wire::{Capabilities, InstanceId};
use crate::{CallError, InvalidCall, OwnedLend, Reply};

/// What a [`LoopConnection`] asks of the server beyond memfds and pipelining.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoopOptions {
    /// The CPU the loop's thread runs on, to have the server's worker for this connection
    /// run there too (protocol §3.2).
    pub lane: Option<u32>,
    /// Replies through a slot of memory shared with the server (protocol §3.3), each
    /// announced by a `DOORBELL` (a loop never sleeps on the slot's futex). The protocol
    /// does not combine it with pipelining, so such a connection has a depth of 1.
    pub reply_slot: bool,
}

impl LoopOptions {
    fn greeting(self) -> Greeting {
        let extra = if self.reply_slot { Capabilities::RING } else { Capabilities::PIPELINING };
        let lanes = if self.lane.is_some() { Capabilities::CPU_LANES } else { Capabilities::NONE };
        Greeting {
            max_message: MAX_MESSAGE,
            capabilities: Capabilities::MEMFD.union(extra).union(lanes),
            lane: self.lane,
        }
    }
}

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
    core: Core,
    /// The longest message this connection's socket can send.
    max_send: u32,
    /// A message the socket had no room for, and the descriptors it carries.
    unsent: Option<Transmit>,
}

impl std::fmt::Debug for LoopConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoopConnection")
            .field("ready", &self.core.is_ready())
            .field("instance", &self.core.instance())
            .finish_non_exhaustive()
    }
}

impl LoopConnection {
    /// Connects to the door at `path` without waiting and sends our `HELLO`; the server's
    /// comes later, as [`LoopEvent::Ready`]. A door whose backlog is full fails with
    /// [`CallError::NoDoor`] whose source is `WouldBlock`: try again later.
    pub fn connect(path: &Path) -> Result<LoopConnection, CallError> {
        Self::connect_with(path, LoopOptions::default())
    }

    /// [`connect`](Self::connect), asking for what `options` say.
    pub fn connect_with(path: &Path, options: LoopOptions) -> Result<LoopConnection, CallError> {
        let socket = SeqpacketConn::connect_nonblocking(path)
            .map_err(|source| CallError::no_door(path, source))?;
        let core = Core::new(options.greeting())?;
        // A new connection's socket buffer is empty: a 48-byte message always fits.
        socket.send(core.message(), &[]).map_err(CallError::io)?;
        let max_send = crate::transport::sendable(u32::MAX, &socket);
        Ok(LoopConnection { socket, path: path.to_path_buf(), core, max_send, unsent: None })
    }

    /// The server's instance id (zero until [`LoopEvent::Ready`]).
    pub fn instance(&self) -> InstanceId {
        self.core.instance()
    }

    /// The CPU the server keeps this connection's calls on, if it agreed to the lane asked.
    pub fn lane(&self) -> Option<u32> {
        self.core.session().lane
    }

    /// Whether replies come through a reply slot (asked for, and the server agreed).
    pub fn has_reply_slot(&self) -> bool {
        self.core.has_slot()
    }

    /// Whether no call is in flight and one may be started now.
    pub fn is_idle(&self) -> bool {
        self.core.is_ready() && self.core.in_flight() == 0
    }

    /// Whether the server's `HELLO` has come (and the connection is not broken).
    pub fn is_ready(&self) -> bool {
        self.core.is_ready()
    }

    /// Whether another call may be started or queued now (fewer than the depth in flight).
    pub fn has_room(&self) -> bool {
        self.core.has_room()
    }

    /// Messages received from the server, its `HELLO` included; a `REPLY_BATCH` counts
    /// once however many replies it carries. Replies per message tell how well the calls
    /// were batched (each message is a wakeup).
    pub fn messages_received(&self) -> u64 {
        self.core.received()
    }

    /// Calls in flight (sent or queued, not yet answered).
    pub fn in_flight(&self) -> usize {
        self.core.in_flight()
    }

    /// Allows up to `depth` calls in flight, if the server pipelines (else 1). Call it once
    /// the connection is ready.
    pub fn set_depth(&mut self, depth: usize) {
        self.core.set_depth(depth);
    }

    /// Whether the connection is of no further use (drop it).
    pub fn is_broken(&self) -> bool {
        self.core.is_broken()
    }

    /// Whether calls wait for room in the socket: watch for writability and call
    /// [`on_writable`](Self::on_writable).
    pub fn wants_write(&self) -> bool {
        self.unsent.is_some() || self.core.has_queued() && self.core.is_ready()
    }

    /// Starts a call of `op` with `args` and `fds` (passed on: the server gets its own
    /// copies), sending it now. Arguments larger than the server takes in a message travel
    /// in a sealed memfd. Returns the call's id; its reply comes as [`LoopEvent::Reply`].
    pub fn call(&mut self, op: u32, args: &[u8], fds: &[BorrowedFd<'_>]) -> Result<u32, CallError> {
        self.call_with(op, args, fds, Vec::new())
    }

    /// [`call`](Self::call), lending `leases` to the server: they come back, with what the
    /// server wrote, in the reply's [`Reply::leases`].
    pub fn call_with(
        &mut self,
        op: u32,
        args: &[u8],
        fds: &[BorrowedFd<'_>],
        leases: Vec<OwnedLend>,
    ) -> Result<u32, CallError> {
        if !self.core.has_room() {
            return Err(CallError::Invalid(InvalidCall::NotReady));
        }
        // Calls queued earlier go first: order is the protocol's.
        self.flush()?;
        if self.unsent.is_some() || self.core.has_queued() {
            return Err(CallError::Invalid(InvalidCall::NotReady));
        }
        let mut call = NewCall::plain(op, args, None, Instant::now());
        call.fd_count = fds.len();
        call.owned = leases;
        call.inline_lease_max = super::DEFAULT_INLINE_LEASE_MAX;
        let id = self.core.start(call)?;
        let passed = self.core.descriptors(fds)?;
        match self.socket.send(self.core.message(), &passed) {
            Ok(_) => Ok(id),
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                let fds = passed
                    .iter()
                    .map(|fd| fd.try_clone_to_owned())
                    .collect::<io::Result<Vec<OwnedFd>>>()
                    .map_err(CallError::io)?;
                let message = self.core.message().to_vec();
                self.unsent = Some(Transmit { message, fds, calls: 1 });
                Ok(id)
            }
            Err(err) => Err(self.broken_by(err)),
        }
    }

    /// Queues a call of `op` with `args` (no descriptors), sent with the others queued at
    /// the next [`flush`](Self::flush), in as few `CALL_BATCH` messages as fit (§4.6).
    /// Arguments too large for a message travel in a memfd, and such a call goes alone.
    pub fn queue_call(&mut self, op: u32, args: &[u8]) -> Result<u32, CallError> {
        self.core.queue(NewCall::plain(op, args, None, Instant::now()))
    }

    /// Sends the queued calls, together, so that the server's worker is woken once for
    /// them. What the socket has no room for waits for [`on_writable`](Self::on_writable).
    pub fn flush(&mut self) -> Result<(), CallError> {
        while self.unsent.is_none() {
            let Some(transmit) = self.core.transmit() else { return Ok(()) };
            self.send(transmit)?;
        }
        Ok(())
    }

    /// Sends `transmit`, or keeps it for when the socket has room.
    fn send(&mut self, transmit: Transmit) -> Result<(), CallError> {
        let fds: Vec<BorrowedFd<'_>> = transmit.fds.iter().map(|fd| fd.as_fd()).collect();
        match self.socket.send(&transmit.message, &fds) {
            Ok(_) => Ok(()),
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                drop(fds);
                self.unsent = Some(transmit);
                Ok(())
            }
            Err(err) => Err(self.broken_by(err)),
        }
    }

    /// Sends what waited for room in the socket, if it has some now.
    pub fn on_writable(&mut self) -> Result<(), CallError> {
        if let Some(transmit) = self.unsent.take() {
            self.send(transmit)?;
            if self.unsent.is_some() {
                return Ok(());
            }
        }
        self.flush()
    }

    /// Receives what has come, one message at most, into `scratch` (a buffer the loop
    /// lends every connection, so that idle connections hold none): `Ok(None)` if nothing
    /// had. An error means the connection is broken: [`CallError::ServerDeath`] when the
    /// server closed it (or died), with a call in flight or not.
    pub fn on_readable(&mut self, scratch: &mut Vec<u8>) -> Result<Option<LoopEvent>, CallError> {
        if let Some(outcome) = self.core.next_ready() {
            return Ok(Some(LoopEvent::Reply(outcome)));
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
        let event = self.core.on_message(&scratch[..len], fds, &mut [], self.max_send)?;
        if matches!(event, Some(LoopEvent::Ready)) {
            self.set_up_reply_slot()?;
        }
        Ok(event)
    }

    /// Sends the `RING_SETUP` of a reply slot, if one was asked for and the server agreed.
    fn set_up_reply_slot(&mut self) -> Result<(), CallError> {
        let Some(memfd) = self.core.reply_slot_setup()? else { return Ok(()) };
        let message = self.core.message().to_vec();
        self.send(Transmit { message, fds: vec![memfd.into()], calls: 0 })
    }

    fn died(&mut self) -> CallError {
        self.core.break_off();
        CallError::ServerDeath { path: self.path.clone() }
    }

    fn broken_by(&mut self, err: io::Error) -> CallError {
        self.core.break_off();
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
