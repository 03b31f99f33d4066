//! One connection of a client to a door: the `HELLO` exchange, then one call at a time.

use std::io::{self, IoSlice};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::Path;
use std::time::{Duration, Instant};

use ostium_sys::Memfd;
use ostium_sys::unix::SeqpacketConn;

use crate::transport;
use crate::wire::ring::{Doorbell, RingSetup};
use crate::wire::{self, Capabilities, InstanceId, Kind, Payload};
use crate::{CallError, Lend, ProtocolError, Reply};

use super::arena::Arenas;
use super::encode::{self, CallParts, Limits};
use super::handshake::Greeting;
use super::reply_slot::{Arrival, ClientSlot, FUTEX_WINDOW};

/// The largest reply message this client accepts inline; larger replies come in a memfd.
pub(crate) const MAX_MESSAGE: u32 = 64 * 1024;

/// What this client supports (and [`Capabilities::RING`] unless told not to use it).
const CAPABILITIES: Capabilities = Capabilities::MEMFD.union(Capabilities::CPU_LANES);

/// How long connecting may wait for the server's `HELLO` when the call has no deadline.
const HELLO_TIMEOUT: Duration = Duration::from_secs(10);

pub(crate) struct Connection {
    socket: SeqpacketConn,
    pub(crate) instance: InstanceId,
    /// The CPU the server keeps this connection's calls on, if it agreed to one.
    pub(crate) lane: Option<u32>,
    server_max_message: u32,
    capabilities: Capabilities,
    /// The receive timeout set on the socket now, to skip setting it again.
    read_timeout: Option<Duration>,
    incoming: Vec<u8>,
    outgoing: Vec<u8>,
    /// The memfds kept for large leases.
    arenas: Arenas,
    /// Where replies arrive, if the server takes a reply slot (§3.3).
    slot: Option<ClientSlot>,
}

/// Leases longer than this travel by default in a memfd both processes map (the
/// connection's arena), shorter ones inline in the message. Chosen by `door-bench
/// --lease-transports inline,memfd`, which times both at each size: see
/// [`Client::set_inline_lease_max`](crate::Client::set_inline_lease_max).
pub const DEFAULT_INLINE_LEASE_MAX: usize = 16 * 1024;

/// The arguments of one call.
pub(crate) struct Outgoing<'a, 'l> {
    pub(crate) id: u32,
    pub(crate) op: u32,
    pub(crate) args: &'a [u8],
    pub(crate) leases: &'a mut [Lend<'l>],
    pub(crate) fds: &'a [BorrowedFd<'a>],
    pub(crate) deadline: Option<Instant>,
    /// Leases up to this many bytes travel inline.
    pub(crate) inline_lease_max: usize,
}

impl Connection {
    /// Connects to the door at `path` and exchanges `HELLO`s, asking for `lane` (the CPU
    /// the calls will come from), and sets up a reply slot if `reply_slot` and the server
    /// agrees.
    pub(crate) fn open(
        path: &Path,
        deadline: Option<Instant>,
        lane: Option<u32>,
        reply_slot: bool,
    ) -> Result<Connection, CallError> {
        let socket =
            SeqpacketConn::connect(path).map_err(|source| CallError::no_door(path, source))?;
        let mut conn = Connection {
            socket,
            instance: InstanceId::ZERO,
            lane: None,
            server_max_message: wire::MIN_MAX_MESSAGE,
            capabilities: Capabilities::NONE,
            read_timeout: None,
            incoming: vec![0; MAX_MESSAGE as usize],
            outgoing: Vec::with_capacity(256),
            arenas: Arenas::default(),
            slot: None,
        };
        let ours = if reply_slot { CAPABILITIES.union(Capabilities::RING) } else { CAPABILITIES };
        let greeting = Greeting { max_message: MAX_MESSAGE, capabilities: ours, lane };
        greeting.hello(&mut conn.outgoing)?;
        conn.send(&[])?;
        let hello_deadline = deadline.unwrap_or_else(|| Instant::now() + HELLO_TIMEOUT);
        let mut fds = Vec::new();
        let len = conn.receive(&mut fds, Some(hello_deadline), path)?;
        let sendable = |theirs| transport::sendable(theirs, &conn.socket);
        let session = greeting.settle(&conn.incoming[..len], fds.len(), sendable)?;
        conn.instance = session.instance;
        conn.server_max_message = session.server_max_message;
        conn.capabilities = session.capabilities;
        conn.lane = session.lane;
        if conn.capabilities.contains(Capabilities::RING) {
            conn.set_up_reply_slot()?;
        }
        Ok(conn)
    }

    /// Gives the server a reply slot as large as the largest reply message we accept.
    fn set_up_reply_slot(&mut self) -> Result<(), CallError> {
        let setup = RingSetup { slot_len: MAX_MESSAGE };
        let (slot, memfd) = ClientSlot::create(setup).map_err(CallError::io)?;
        self.outgoing.clear();
        setup.encode(&mut self.outgoing)?;
        self.send(&[memfd.as_fd()])?;
        self.slot = Some(slot);
        Ok(())
    }

    /// Makes one call and waits for its reply: where its leases and arguments travel, the
    /// message, the descriptors, the send, the reply, and what the server wrote in the
    /// leases.
    pub(crate) fn call(&mut self, call: Outgoing<'_, '_>, path: &Path) -> Result<Reply, CallError> {
        self.drain_owed_doorbells(call.deadline, path)?;
        let parts = CallParts {
            id: call.id,
            op: call.op,
            args: call.args,
            leases: call.leases,
            fd_count: call.fds.len(),
            deadline_ms: deadline_ms(call.deadline),
            inline_lease_max: call.inline_lease_max,
        };
        let limits = Limits {
            server_max_message: self.server_max_message,
            reply_max_message: MAX_MESSAGE,
            memfd: self.capabilities.contains(Capabilities::MEMFD),
        };
        let encoded = encode::encode(&parts, limits, &mut self.arenas, &mut self.outgoing)?;
        let passed = encode::descriptors(&encoded, &self.arenas, call.fds)?;
        if let Some(slot) = &self.slot {
            slot.arm().map_err(CallError::io)?;
        }
        self.send(&passed).map_err(|err| match err {
            CallError::Io(err) if is_disconnect(&err) => {
                CallError::ServerDeath { path: path.to_path_buf() }
            }
            other => other,
        })?;
        let mut fds = Vec::new();
        let len = self.receive_reply(&mut fds, call.deadline, path)?;
        let view =
            encode::check_reply(&self.incoming[..len], fds.len(), call.id, encoded.returned)?;
        encode::write_back(call.leases, &encoded.homes, &self.arenas, &view)?;
        reply_of(&view, fds)
    }

    /// Receives the reply to the call in flight into `incoming`: from the reply slot,
    /// sleeping on its futex for a short while, or from the socket.
    fn receive_reply(
        &mut self,
        fds: &mut Vec<OwnedFd>,
        deadline: Option<Instant>,
        path: &Path,
    ) -> Result<usize, CallError> {
        let Some(slot) = self.slot.as_mut() else { return self.receive(fds, deadline, path) };
        let window = Instant::now() + FUTEX_WINDOW;
        match slot.wait(deadline.map_or(window, |d| d.min(window))).map_err(slot_error)? {
            Arrival::InSlot(len) => {
                slot.copy_reply(len, &mut self.incoming).map_err(slot_error)?;
                slot.received();
                return Ok(len);
            }
            Arrival::OnSocket | Arrival::Later => {}
        }
        loop {
            let len = self.receive(fds, deadline, path)?;
            let Some(slot) = self.slot.as_mut() else { return Ok(len) };
            let msg = &self.incoming[..len];
            if wire::peek_kind(msg) != Ok(Kind::Doorbell) {
                slot.received();
                return Ok(len);
            }
            let bell = Doorbell::decode(msg, fds.len())?;
            if !slot.doorbell(bell.seq) {
                continue;
            }
            let Arrival::InSlot(len) = slot.published().map_err(slot_error)? else {
                return Err(CallError::Protocol(ProtocolError::StrayDoorbell));
            };
            slot.copy_reply(len, &mut self.incoming).map_err(slot_error)?;
            slot.received();
            return Ok(len);
        }
    }

    /// Reads the doorbells the server still owes for replies taken from the slot, if they
    /// have come, so that they do not pile up in the socket.
    fn drain_owed_doorbells(
        &mut self,
        deadline: Option<Instant>,
        path: &Path,
    ) -> Result<(), CallError> {
        while self.slot.as_ref().is_some_and(|slot| slot.owed_doorbells() > 0)
            && self.socket.pending_bytes().map_err(CallError::io)? > 0
        {
            let mut fds = Vec::new();
            let len = self.receive(&mut fds, deadline, path)?;
            let bell = Doorbell::decode(&self.incoming[..len], fds.len())?;
            if let Some(slot) = self.slot.as_mut() {
                slot.doorbell(bell.seq);
            }
        }
        Ok(())
    }

    fn send(&self, fds: &[BorrowedFd<'_>]) -> Result<(), CallError> {
        self.socket
            .send_vectored(&[IoSlice::new(&self.outgoing)], fds)
            .map(drop)
            .map_err(CallError::io)
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

/// The data and descriptors of a successful reply (its data copied out of the message, or
/// out of the memfd it came in).
pub(crate) fn reply_of(
    view: &wire::ReplyView<'_>,
    mut fds: Vec<OwnedFd>,
) -> Result<Reply, CallError> {
    let layout = view.fds();
    let data = match view.data() {
        Payload::Inline(bytes) => bytes.to_vec(),
        Payload::InMemfd { len } => {
            let index =
                layout.data().ok_or(CallError::Protocol(ProtocolError::BadDataMemfd(None)))?;
            let fd = fds[index].try_clone().map_err(CallError::io)?;
            let map = Memfd::from_fd(fd).and_then(|m| m.map_sealed()).map_err(|err| {
                CallError::Protocol(ProtocolError::BadDataMemfd(Some(err.kind())))
            })?;
            map.as_slice()
                .get(..len as usize)
                .ok_or(CallError::Protocol(ProtocolError::BadDataMemfd(None)))?
                .to_vec()
        }
    };
    let returned_fds: Vec<OwnedFd> = fds.drain(layout.returned()).collect();
    Ok(Reply { status: view.status(), data, fds: returned_fds })
}

/// A reply slot that says something impossible is the server breaking the protocol.
fn slot_error(err: io::Error) -> CallError {
    match err.kind() {
        io::ErrorKind::InvalidData => CallError::Protocol(ProtocolError::BadSlot),
        _ => CallError::io(err),
    }
}

/// What a call's deadline leaves the server, in whole milliseconds (at least 1).
fn deadline_ms(deadline: Option<Instant>) -> Option<std::num::NonZeroU32> {
    let left = deadline?.saturating_duration_since(Instant::now()).as_millis();
    std::num::NonZeroU32::new(u32::try_from(left).unwrap_or(u32::MAX).max(1))
}

pub(crate) fn is_disconnect(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe | io::ErrorKind::NotConnected
    )
}
