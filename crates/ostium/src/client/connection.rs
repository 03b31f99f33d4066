//! One blocking connection of a [`Client`](crate::Client) to a door: a socket and the
//! sans-I/O [`Core`], driven from the calling thread. The socket's receive timeout keeps
//! the call's deadline; where the server took a reply slot, the caller first sleeps on its
//! futex.

use std::io::{self, IoSlice};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::Path;
use std::time::{Duration, Instant};

use ostium_sys::unix::SeqpacketConn;

use super::core::{Core, NewCall, slot_error};
use super::handshake::Greeting;
use super::reply_slot::{Arrival, FUTEX_WINDOW};
use crate::wire::{self, Capabilities, InstanceId, Op};
use crate::{CallError, Lend, LoopEvent, ProtocolError, Reply};

/// The largest reply message this client accepts inline; larger replies come in a memfd.
pub(crate) const MAX_MESSAGE: u32 = 64 * 1024;

/// How long connecting may wait for the server's `HELLO` when the call has no deadline.
const HELLO_TIMEOUT: Duration = Duration::from_secs(10);

/// What a connection asks of the server beyond memfds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Offer {
    /// The CPU the calls come from (§3.2).
    pub(crate) lane: Option<u32>,
    /// A reply slot (§3.3): for one call at a time.
    pub(crate) reply_slot: bool,
    /// Pipelining and batches (§3.1): for [`Connection::call_batch`]. The protocol does
    /// not combine it with a reply slot.
    pub(crate) pipelining: bool,
}

impl Offer {
    fn greeting(self) -> Greeting {
        let mut capabilities = Capabilities::MEMFD.union(Capabilities::CPU_LANES);
        if self.pipelining {
            capabilities = capabilities.union(Capabilities::PIPELINING);
        } else if self.reply_slot {
            capabilities = capabilities.union(Capabilities::RING);
        }
        Greeting { max_message: MAX_MESSAGE, capabilities, lane: self.lane }
    }
}

pub(crate) struct Connection {
    socket: SeqpacketConn,
    core: Core,
    /// The longest message this connection's socket can send.
    max_send: u32,
    /// The receive timeout set on the socket now, to skip setting it again.
    read_timeout: Option<Duration>,
    incoming: Vec<u8>,
}

/// Leases longer than this travel by default in a memfd both processes map (the
/// connection's arena), shorter ones inline in the message. Chosen by `door-bench
/// --lease-transports inline,memfd`, which times both at each size: see
/// [`Client::set_inline_lease_max`](crate::Client::set_inline_lease_max).
pub const DEFAULT_INLINE_LEASE_MAX: usize = 16 * 1024;

/// The arguments of one call.
pub(crate) struct Outgoing<'a, 'l> {
    pub(crate) op: u32,
    pub(crate) args: &'a [u8],
    pub(crate) leases: &'a mut [Lend<'l>],
    pub(crate) fds: &'a [BorrowedFd<'a>],
    pub(crate) deadline: Option<Instant>,
    /// Leases up to this many bytes travel inline.
    pub(crate) inline_lease_max: usize,
}

impl Connection {
    /// Connects to the door at `path`, exchanges `HELLO`s offering `offer`, and sets up a
    /// reply slot if one was offered and the server agrees.
    pub(crate) fn open(
        path: &Path,
        deadline: Option<Instant>,
        offer: Offer,
    ) -> Result<Connection, CallError> {
        let socket =
            SeqpacketConn::connect(path).map_err(|source| CallError::no_door(path, source))?;
        Self::over(socket, path, deadline, offer)
    }

    /// [`open`](Self::open) on `socket`, already connected to the door at `path`.
    pub(crate) fn over(
        socket: SeqpacketConn,
        path: &Path,
        deadline: Option<Instant>,
        offer: Offer,
    ) -> Result<Connection, CallError> {
        let max_send = crate::transport::sendable(u32::MAX, &socket);
        let core = Core::new(offer.greeting())?;
        let mut conn = Connection {
            socket,
            core,
            max_send,
            read_timeout: None,
            incoming: vec![0; MAX_MESSAGE as usize],
        };
        conn.send(&[], path)?;
        let hello_deadline = deadline.unwrap_or_else(|| Instant::now() + HELLO_TIMEOUT);
        conn.next_event(&mut [], Some(hello_deadline), path)?;
        if let Some(memfd) = conn.core.reply_slot_setup()? {
            conn.send(&[memfd.as_fd()], path)?;
        }
        Ok(conn)
    }

    /// The server's instance id.
    pub(crate) fn instance(&self) -> InstanceId {
        self.core.instance()
    }

    /// The CPU the server keeps this connection's calls on, if it agreed to one.
    pub(crate) fn lane(&self) -> Option<u32> {
        self.core.session().lane
    }

    /// Makes one call and waits for its reply (and what the server wrote in the leases).
    pub(crate) fn call(&mut self, call: Outgoing<'_, '_>, path: &Path) -> Result<Reply, CallError> {
        self.drain_owed_doorbells(call.deadline, path)?;
        self.core.start(NewCall {
            op: call.op,
            args: call.args,
            leases: call.leases,
            owned: Vec::new(),
            fd_count: call.fds.len(),
            deadline: call.deadline,
            now: Instant::now(),
            inline_lease_max: call.inline_lease_max,
        })?;
        if let Some(slot) = self.core.slot() {
            slot.arm().map_err(CallError::io)?;
        }
        let passed = self.core.descriptors(call.fds)?;
        send_on(&self.socket, self.core.message(), &passed, path)?;
        self.receive_reply(call.leases, call.deadline, path)
    }

    /// Makes `calls` pipelined, as few messages as their sizes allow (§4.6), and returns
    /// their outcomes in order; an `Err` is the connection's failure. Each message's
    /// replies are read before the next is sent, so neither side's socket buffer can fill
    /// with the other waiting on it.
    pub(crate) fn call_batch(
        &mut self,
        calls: &[(Op, &[u8])],
        deadline: Option<Instant>,
        path: &Path,
    ) -> Result<Vec<Result<Reply, CallError>>, CallError> {
        self.core.set_depth(wire::MAX_BATCH);
        let mut outcomes = Vec::with_capacity(calls.len());
        let mut waiting = calls.iter();
        loop {
            let now = Instant::now();
            while self.core.has_room() {
                let Some(&(op, args)) = waiting.next() else { break };
                self.core.queue(NewCall::plain(op.0, args, deadline, now))?;
            }
            let Some(transmit) = self.core.transmit() else { return Ok(outcomes) };
            let fds: Vec<BorrowedFd<'_>> = transmit.fds.iter().map(|fd| fd.as_fd()).collect();
            send_on(&self.socket, &transmit.message, &fds, path)?;
            for _ in 0..transmit.calls {
                let outcome = self.next_reply(&mut [], deadline, path)?;
                if !matches!(outcome, Ok(_) | Err(CallError::Fault(_))) {
                    return outcome.map(|_| Vec::new());
                }
                outcomes.push(outcome);
            }
        }
    }

    /// Receives the reply to the call in flight: from the reply slot, sleeping on its futex
    /// for a short while, or from the socket.
    fn receive_reply(
        &mut self,
        leases: &mut [Lend<'_>],
        deadline: Option<Instant>,
        path: &Path,
    ) -> Result<Reply, CallError> {
        if let Some(slot) = self.core.slot() {
            let window = Instant::now() + FUTEX_WINDOW;
            let until = deadline.map_or(window, |d| d.min(window));
            if let Arrival::InSlot(len) = slot.wait(until).map_err(slot_error)? {
                return self.core.reply_in_slot(len, leases);
            }
        }
        self.next_reply(leases, deadline, path)?
    }

    /// The next call's outcome: one waiting from a `REPLY_BATCH`, or the next that comes.
    fn next_reply(
        &mut self,
        leases: &mut [Lend<'_>],
        deadline: Option<Instant>,
        path: &Path,
    ) -> Result<Result<Reply, CallError>, CallError> {
        if let Some(outcome) = self.core.next_ready() {
            return Ok(outcome);
        }
        loop {
            if let Some(LoopEvent::Reply(outcome)) = self.next_event(leases, deadline, path)? {
                return Ok(outcome);
            }
        }
    }

    /// Receives one message and hands it to the core.
    fn next_event(
        &mut self,
        leases: &mut [Lend<'_>],
        deadline: Option<Instant>,
        path: &Path,
    ) -> Result<Option<LoopEvent>, CallError> {
        let mut fds = Vec::new();
        let len = self.receive(&mut fds, deadline, path)?;
        self.core.on_message(&self.incoming[..len], fds, leases, self.max_send)
    }

    /// Reads the doorbells the server still owes for replies taken from the slot, if they
    /// have come, so that they do not pile up in the socket.
    fn drain_owed_doorbells(
        &mut self,
        deadline: Option<Instant>,
        path: &Path,
    ) -> Result<(), CallError> {
        while self.core.owes_doorbells() && self.socket.pending_bytes().map_err(CallError::io)? > 0
        {
            if self.next_event(&mut [], deadline, path)?.is_some() {
                return Err(CallError::Protocol(ProtocolError::Unsolicited));
            }
        }
        Ok(())
    }

    /// Sends the core's last message with `fds`.
    fn send(&self, fds: &[BorrowedFd<'_>], path: &Path) -> Result<(), CallError> {
        send_on(&self.socket, self.core.message(), fds, path)
    }

    /// Receives one message into `incoming`; end of stream or a reset is the server's death,
    /// and passing `deadline` is [`CallError::Deadline`].
    fn receive(
        &mut self,
        fds: &mut Vec<OwnedFd>,
        deadline: Option<Instant>,
        path: &Path,
    ) -> Result<usize, CallError> {
        let timeout = match deadline {
            Some(deadline) => {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err(CallError::Deadline);
                }
                Some(left)
            }
            None => None,
        };
        if timeout != self.read_timeout {
            self.socket.set_read_timeout(timeout).map_err(CallError::io)?;
            self.read_timeout = timeout;
        }
        match self.socket.recv(&mut self.incoming, fds) {
            Ok(received) if received.len == 0 => {
                Err(CallError::ServerDeath { path: path.to_path_buf() })
            }
            Ok(received) => Ok(received.len),
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => Err(CallError::Deadline),
            Err(err) if is_disconnect(&err) => {
                Err(CallError::ServerDeath { path: path.to_path_buf() })
            }
            // Truncated: longer than this client accepts.
            Err(err) if err.kind() == io::ErrorKind::InvalidData => {
                Err(CallError::Protocol(ProtocolError::TooLong))
            }
            Err(err) => Err(CallError::io(err)),
        }
    }
}

/// Sends `message` with `fds` on `socket`; a peer that is gone is the server's death.
fn send_on(
    socket: &SeqpacketConn,
    message: &[u8],
    fds: &[BorrowedFd<'_>],
    path: &Path,
) -> Result<(), CallError> {
    match socket.send_vectored(&[IoSlice::new(message)], fds) {
        Ok(_) => Ok(()),
        Err(err) if is_disconnect(&err) => Err(CallError::ServerDeath { path: path.to_path_buf() }),
        Err(err) => Err(CallError::io(err)),
    }
}

pub(crate) fn is_disconnect(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe | io::ErrorKind::NotConnected
    )
}
