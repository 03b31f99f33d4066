//! [`Client`]: calling a door, from as many threads as you like.

mod arena;
mod connection;
mod core;
mod encode;
mod handshake;
mod lend;
mod loop_conn;
mod reply;
mod reply_slot;

use std::os::fd::{BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::CallError;
use crate::wire::{InstanceId, Op};

pub use connection::DEFAULT_INLINE_LEASE_MAX;
use connection::{Connection, Offer, Outgoing};
pub use lend::{Lend, OwnedLend};
pub use loop_conn::{LoopConnection, LoopEvent, LoopOptions};
pub use reply::{ApplicationError, Reply};

/// How a call is made beyond its operation and arguments ([`Client::call_with`]); the
/// default is no lease, no descriptor, no deadline, no retry.
#[derive(Debug, Default)]
pub struct CallOptions<'a, 'l> {
    /// Memory lent to the server for the call, in order (its `Leased` views).
    pub leases: &'a mut [Lend<'l>],
    /// Descriptors passed to the handler (the server gets its own copies; these stay open).
    pub fds: &'a [BorrowedFd<'a>],
    /// When to stop waiting for the reply ([`CallError::Deadline`]).
    pub deadline: Option<Instant>,
    /// The operation is idempotent: if the server dies or is not there, connect and call
    /// again until the deadline (without a deadline, no retry is made).
    pub retry: bool,
}

/// A door's client. Calls block the calling thread until the reply, the deadline, or the
/// server's death. The client is shared by many threads: each concurrent call uses its own
/// connection, and connections are kept for reuse.
///
/// Where the server offers CPU lanes, connections are kept per CPU: a call takes one of
/// the lane of the CPU its thread runs on at that instant, so that the server's worker
/// runs where the caller does (the call and the reply are then handoffs on one CPU, not
/// wakeups of another). A client that calls from N CPUs keeps up to N connections per
/// concurrent caller. A door whose file is gone (detached, or revoked), or that has none
/// ([`Client::adopt_unnamed`]), stays callable through the connections already made,
/// whatever their lane: a call waits for one of them to be free.
#[derive(Debug)]
pub struct Client {
    path: PathBuf,
    /// Idle connections by lane: index 0 for connections without one, `cpu + 1` for the
    /// lane of `cpu`.
    idle: Mutex<Vec<Vec<Connection>>>,
    /// Signalled when a connection goes back to `idle`, or is dropped.
    returned: Condvar,
    /// Connections taken from `idle` or made, and not yet put back or dropped.
    out: AtomicUsize,
    /// Callers waiting on `returned` (changed under the `idle` lock), so that putting a
    /// connection back costs no wakeup system call when nobody waits.
    waiting: AtomicUsize,
    /// The server answered `CONNECT` with `UNKNOWN_OPERATION`.
    connect_unsupported: AtomicBool,
    /// The server offers lanes (as of the last connection made).
    lanes: AtomicBool,
    /// Leases up to this many bytes travel inline.
    inline_lease_max: AtomicUsize,
    /// New connections offer the server a reply slot (§3.3).
    reply_slot: AtomicBool,
    /// Idle connections that pipeline, for [`Client::call_batch`].
    pipelined: Mutex<Vec<Connection>>,
    /// The instance id of the server last connected to.
    instance: Mutex<InstanceId>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection").field("instance", &self.instance()).finish_non_exhaustive()
    }
}

impl Client {
    /// Connects to the door at `path` (so that a door that is not there is reported now).
    pub fn open(path: impl AsRef<Path>) -> Result<Client, CallError> {
        let path = path.as_ref().to_path_buf();
        let conn = Connection::open(&path, None, Self::first_offer())?;
        Ok(Self::with_first(path, conn))
    }

    /// A client of the door at `path` whose first connection is `socket`, a Unix
    /// `SOCK_SEQPACKET` socket already connected to that door (as a C program's `open` of
    /// a door makes it): the `HELLO` is exchanged on it now, and concurrent calls later
    /// connect to `path` as [`open`](Self::open)'s client does.
    pub fn adopt(path: impl AsRef<Path>, socket: OwnedFd) -> Result<Client, CallError> {
        let path = path.as_ref().to_path_buf();
        let socket = ostium_sys::unix::SeqpacketConn::from_fd(socket).map_err(CallError::io)?;
        let conn = Connection::over(socket, &path, None, Self::first_offer())?;
        Ok(Self::with_first(path, conn))
    }

    /// A client of a door that has no path, reached only through `socket`, a Unix
    /// `SOCK_SEQPACKET` socket connected to it (one end of a socket pair whose other end the
    /// door's server adopted): the `HELLO` is exchanged on it now. A call that finds every
    /// connection busy waits for one, and asks the door through it for another
    /// (`CONNECT`), so that the connections follow the peak of concurrent calls.
    pub fn adopt_unnamed(socket: OwnedFd) -> Result<Client, CallError> {
        Self::adopt(PathBuf::new(), socket)
    }

    /// What the first connection asks for: the lane of the CPU the caller runs on, a reply
    /// slot.
    fn first_offer() -> Offer {
        Offer { lane: Some(current_lane()), reply_slot: true, pipelining: false }
    }

    fn with_first(path: PathBuf, conn: Connection) -> Client {
        let client = Client {
            path,
            idle: Mutex::new(Vec::new()),
            returned: Condvar::new(),
            out: AtomicUsize::new(1),
            waiting: AtomicUsize::new(0),
            connect_unsupported: AtomicBool::new(false),
            lanes: AtomicBool::new(conn.lane().is_some()),
            inline_lease_max: AtomicUsize::new(DEFAULT_INLINE_LEASE_MAX),
            reply_slot: AtomicBool::new(true),
            pipelined: Mutex::new(Vec::new()),
            instance: Mutex::new(conn.instance()),
        };
        client.put_idle(conn);
        client
    }

    /// Sets the size up to which a lease travels inline, copied into the call message (and,
    /// if writable, back in the reply); larger leases travel in a memfd the connection
    /// keeps for them. The default, [`DEFAULT_INLINE_LEASE_MAX`], is where the two cost the
    /// same in `door-bench`; `0` sends every lease in a memfd. A lease that would make the
    /// message larger than the server accepts goes in a memfd whatever this says.
    pub fn set_inline_lease_max(&self, bytes: usize) {
        self.inline_lease_max.store(bytes, Ordering::Relaxed);
    }

    /// Sets whether connections receive replies through a slot of memory shared with the
    /// server, the caller sleeping on a futex (protocol §3.3; on by default, where the
    /// server offers it), or only on the socket. Connections already made are closed, so
    /// that the next call connects as told; for comparisons, as in `door-bench`.
    pub fn set_reply_slot(&self, enabled: bool) {
        self.reply_slot.store(enabled, Ordering::Relaxed);
        self.idle.lock().unwrap_or_else(PoisonError::into_inner).clear();
    }

    /// The door's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The instance id of the server this client last connected to: it changes when the
    /// server restarts.
    pub fn instance(&self) -> InstanceId {
        *self.instance.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Calls operation `op` with `args`, waiting as long as it takes.
    pub fn call(&self, op: impl Into<Op>, args: &[u8]) -> Result<Reply, CallError> {
        self.call_with(op, args, CallOptions::default())
    }

    /// Calls operation `op` with `args` as `options` say: leases lent, descriptors passed,
    /// a deadline, retry of an idempotent operation. What the server writes in `Write` and
    /// `ReadWrite` leases is in their buffers when this returns `Ok`; after an error they are
    /// as the caller left them (or, if the server died mid-call, possibly partly written).
    ///
    /// ```no_run
    /// # fn f(client: &ostium::Client) -> Result<(), ostium::CallError> {
    /// use std::time::{Duration, Instant};
    /// use ostium::{CallOptions, Lend};
    ///
    /// let mut sum = [0u8; 8];
    /// let options = CallOptions {
    ///     leases: &mut [Lend::Read(b"some bytes"), Lend::Write(&mut sum)],
    ///     deadline: Some(Instant::now() + Duration::from_secs(1)),
    ///     retry: true,
    ///     ..CallOptions::default()
    /// };
    /// client.call_with(3, b"", options)?;
    /// # Ok(()) }
    /// ```
    pub fn call_with(
        &self,
        op: impl Into<Op>,
        args: &[u8],
        options: CallOptions<'_, '_>,
    ) -> Result<Reply, CallError> {
        let CallOptions { leases, fds, deadline, retry } = options;
        let op = op.into().0;
        let Some(until) = deadline.filter(|_| retry) else {
            return self.call_once(op, args, leases, fds, deadline);
        };
        // Idempotent: if the server dies or is not there (restarting, say), connect and call
        // again until the deadline.
        let mut backoff = Duration::from_millis(1);
        loop {
            match self.call_once(op, args, leases, fds, deadline) {
                Err(CallError::ServerDeath { .. } | CallError::NoDoor { .. })
                    if Instant::now() + backoff < until =>
                {
                    std::thread::sleep(backoff);
                    backoff = (backoff * 2).min(Duration::from_millis(100));
                }
                outcome => return outcome,
            }
        }
    }

    /// One attempt of a call, on an idle connection of the caller's lane or a new one.
    fn call_once(
        &self,
        op: u32,
        args: &[u8],
        leases: &mut [Lend<'_>],
        fds: &[BorrowedFd<'_>],
        deadline: Option<Instant>,
    ) -> Result<Reply, CallError> {
        let mut conn = self.checkout(deadline)?;
        let inline_lease_max = self.inline_lease_max.load(Ordering::Relaxed);
        let call = Outgoing { op, args, leases, fds, deadline, inline_lease_max };
        let outcome = conn.call(call, &self.path);
        // After a fault the connection is in step; after anything else its state is unknown
        // (a late reply may still come), so it is dropped.
        if matches!(outcome, Ok(_) | Err(CallError::Fault(_))) {
            self.put_idle(conn);
        } else {
            self.discard(conn);
        }
        outcome
    }

    /// A connection for a call: an idle one of the caller's lane, or a new one, or (when
    /// none can be made) the next of any lane to be free.
    fn checkout(&self, deadline: Option<Instant>) -> Result<Connection, CallError> {
        let lane = self.lanes.load(Ordering::Relaxed).then(current_lane);
        if let Some(conn) = self.take_idle(lane) {
            return Ok(conn);
        }
        let reply_slot = self.reply_slot.load(Ordering::Relaxed);
        match self.connect(deadline, Offer { lane, reply_slot, pipelining: false }) {
            Ok(conn) => {
                self.out.fetch_add(1, Ordering::Relaxed);
                Ok(conn)
            }
            // The door's name is gone (detached, or revoked), or it never had one, but
            // connections made before may still call it, and ask it for another.
            Err(err @ CallError::NoDoor { .. }) => {
                let (conn, waited) = self.wait_any_idle(deadline).ok_or(err)?;
                if !waited {
                    return Ok(conn);
                }
                let offer = Offer { lane, reply_slot, pipelining: false };
                Ok(self.grow_through(conn, offer, deadline))
            }
            Err(err) => Err(err),
        }
    }

    /// A new connection made through `conn` (the reserved `CONNECT`), so that the next time
    /// this many callers call at once none waits; `conn` itself if the server cannot make
    /// one (an older server is not asked again).
    fn grow_through(
        &self,
        mut conn: Connection,
        offer: Offer,
        deadline: Option<Instant>,
    ) -> Connection {
        if self.connect_unsupported.load(Ordering::Relaxed) {
            return conn;
        }
        let mut no_leases = [];
        let call = Outgoing {
            op: Op::CONNECT.0,
            args: &[],
            leases: &mut no_leases,
            fds: &[],
            deadline,
            inline_lease_max: 0,
        };
        let socket = match conn.call(call, &self.path) {
            Ok(mut reply) if reply.fds.len() == 1 => reply.fds.pop(),
            Err(CallError::Fault(crate::Fault::UnknownOperation)) => {
                self.connect_unsupported.store(true, Ordering::Relaxed);
                None
            }
            _ => None,
        };
        let grown = socket.and_then(|socket| {
            let socket = ostium_sys::unix::SeqpacketConn::from_fd(socket).ok()?;
            Connection::over(socket, &self.path, deadline, offer).ok()
        });
        match grown {
            Some(grown) => {
                // `conn` goes back for the next caller; `grown` is out in its place.
                self.out.fetch_add(1, Ordering::Relaxed);
                self.put_idle(conn);
                grown
            }
            None => conn,
        }
    }

    /// Drops a connection that was out, telling callers waiting for one.
    fn discard(&self, conn: Connection) {
        drop(conn);
        let _idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        self.out.fetch_sub(1, Ordering::Relaxed);
        if self.waiting.load(Ordering::Relaxed) > 0 {
            self.returned.notify_all();
        }
    }

    /// Makes `calls` (operation and arguments each) pipelined on one connection, in order:
    /// they travel together in `CALL_BATCH` messages as large as the server takes (protocol
    /// §3.1, §4.6), and the server answers each message's calls together, so a batch costs a
    /// round trip per message rather than per call. Returns each call's outcome (a fault is
    /// that call's `Err`); the outer `Err` is a failure of the connection, after which
    /// which calls ran is unknown. A server that does not pipeline gets the calls one by one.
    ///
    /// ```no_run
    /// # fn f(client: &ostium::Client) -> Result<(), ostium::CallError> {
    /// let outcomes = client.call_batch(&[(1.into(), b"a"), (1.into(), b"b")], None)?;
    /// assert_eq!(outcomes.len(), 2);
    /// # Ok(()) }
    /// ```
    pub fn call_batch(
        &self,
        calls: &[(Op, &[u8])],
        deadline: Option<Instant>,
    ) -> Result<Vec<Result<Reply, CallError>>, CallError> {
        let idle = self.pipelined.lock().unwrap_or_else(PoisonError::into_inner).pop();
        let mut conn = match idle {
            Some(conn) => conn,
            None => {
                self.connect(deadline, Offer { lane: None, reply_slot: false, pipelining: true })?
            }
        };
        let outcomes = conn.call_batch(calls, deadline, &self.path)?;
        self.pipelined.lock().unwrap_or_else(PoisonError::into_inner).push(conn);
        Ok(outcomes)
    }

    /// A new connection to the door, for another process to call it through (a Unix
    /// socket the receiver makes a client of with [`Client::adopt_unnamed`], or libdoor's
    /// `door_call`): the reserved `CONNECT` operation, which needs no access to the door's
    /// path. An older server answers `UNKNOWN_OPERATION`.
    pub fn connect_another(&self) -> Result<OwnedFd, CallError> {
        let mut reply = self.call(Op::CONNECT, &[])?;
        let malformed = || CallError::Protocol(crate::ProtocolError::MissingConnection);
        if reply.fds.len() != 1 {
            return Err(malformed());
        }
        reply.fds.pop().ok_or_else(malformed)
    }

    /// Calls the reserved `PING` operation.
    pub fn ping(&self) -> Result<(), CallError> {
        self.call(Op::PING, &[]).map(drop)
    }

    fn take_idle(&self, lane: Option<u32>) -> Option<Connection> {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        let conn = idle.get_mut(lane_index(lane))?.pop()?;
        self.out.fetch_add(1, Ordering::Relaxed);
        Some(conn)
    }

    /// An idle connection of any lane, waiting (until `deadline`) while every connection
    /// is busy, and whether it had to; `None` if there is none to wait for.
    fn wait_any_idle(&self, deadline: Option<Instant>) -> Option<(Connection, bool)> {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        let mut waited = false;
        loop {
            if let Some(conn) = idle.iter_mut().find_map(Vec::pop) {
                self.out.fetch_add(1, Ordering::Relaxed);
                return Some((conn, waited));
            }
            waited = true;
            if self.out.load(Ordering::Relaxed) == 0 {
                return None;
            }
            let left = match deadline {
                None => None,
                Some(deadline) => Some(deadline.checked_duration_since(Instant::now())?),
            };
            self.waiting.fetch_add(1, Ordering::Relaxed);
            idle = match left {
                None => self.returned.wait(idle).unwrap_or_else(PoisonError::into_inner),
                Some(left) => {
                    self.returned.wait_timeout(idle, left).unwrap_or_else(PoisonError::into_inner).0
                }
            };
            self.waiting.fetch_sub(1, Ordering::Relaxed);
        }
    }

    fn put_idle(&self, conn: Connection) {
        let index = lane_index(conn.lane());
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() <= index {
            idle.resize_with(index + 1, Vec::new);
        }
        idle[index].push(conn);
        self.out.fetch_sub(1, Ordering::Relaxed);
        if self.waiting.load(Ordering::Relaxed) > 0 {
            self.returned.notify_one();
        }
    }

    fn connect(&self, deadline: Option<Instant>, offer: Offer) -> Result<Connection, CallError> {
        if self.path.as_os_str().is_empty() {
            let unnamed = std::io::Error::new(std::io::ErrorKind::NotFound, "the door has no path");
            return Err(CallError::no_door(&self.path, unnamed));
        }
        let conn = Connection::open(&self.path, deadline, offer)?;
        if offer.lane.is_some() {
            self.lanes.store(conn.lane().is_some(), Ordering::Relaxed);
        }
        let mut instance = self.instance.lock().unwrap_or_else(PoisonError::into_inner);
        if *instance != conn.instance() {
            // A new server: connections to the old one are dead, even if unnoticed yet.
            *instance = conn.instance();
            self.idle.lock().unwrap_or_else(PoisonError::into_inner).clear();
            self.pipelined.lock().unwrap_or_else(PoisonError::into_inner).clear();
        }
        Ok(conn)
    }
}

/// The lane of the CPU the calling thread runs on now.
fn current_lane() -> u32 {
    u32::try_from(ostium_sys::current_cpu()).unwrap_or(0)
}

/// Where connections of `lane` wait in [`Client::idle`].
fn lane_index(lane: Option<u32>) -> usize {
    lane.map_or(0, |cpu| cpu as usize + 1)
}
