//! What a door's threads do: the leader waits on the door's poller and accepts new
//! connections; a worker receives one message from a ready connection and answers it.
//! Who may connect, and for how long, is in [`accept`].

mod accept;

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::fs::MetadataExt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use ostium_sys::unix::{SeqpacketConn, SeqpacketListener};
use ostium_sys::{Events, Interest, Memfd, Poller, Throttle, Token, Waker};
use tracing::{debug, warn};

use super::conn::{Conn, Session};
use super::gate::{Gate, GateLimits};
use super::lease_backing::lease_backing;
use super::reply_slot::ReplySlot;
use super::send::{self, flush_held, send_fault};
use super::{DoorOptions, bind, io_error};
use crate::lease::Backing;
use crate::pool::Work;
use crate::sealed::sealed_memfd;
use crate::transport;
use crate::wire::ring::RingSetup;
use crate::wire::{
    self, Access, Capabilities, Fault, Hello, HelloStatus, InstanceId, Kind, Op, Payload, Reply,
    Side, Status,
};
use crate::{Answer, DoorError, Leases, Request};

/// The handler a door serves.
pub(crate) type Handler = dyn Fn(Request<'_>) -> Answer + Send + Sync;

const WAKER: Token = Token(0);
const LISTENER: Token = Token(1);
/// Connection ids start here, above the poller's reserved tokens, and are never reused.
const FIRST_CONN: u64 = 2;

/// The capabilities every door offers; `CPU_LANES` is added where it helps (§3.2).
const CAPABILITIES: Capabilities =
    Capabilities::MEMFD.union(Capabilities::PIPELINING).union(Capabilities::RING);

/// A door's state, shared by its threads.
pub(crate) struct Served {
    path: PathBuf,
    /// The device and inode of the socket file we bound, so that revoking removes our file
    /// and never a successor's.
    file_id: (u64, u64),
    instance: InstanceId,
    options: DoorOptions,
    /// What this door offers in its `HELLO`.
    capabilities: Capabilities,
    /// The CPUs the door's threads may run on (when it started): the lanes it serves.
    cpus: Vec<usize>,
    handler: Arc<Handler>,
    unref: Option<Box<dyn Fn() + Send + Sync>>,
    poller: Poller,
    waker: Waker,
    listener: Mutex<Option<SeqpacketListener>>,
    conns: Mutex<Conns>,
    /// Events for the leader; only the leader waits, so this lock is never contended.
    events: Mutex<Events>,
    revoked: AtomicBool,
    stopping: AtomicBool,
    /// The origin of connections' activity stamps ([`Conn::touch`]).
    epoch: Instant,
}

struct Conns {
    open: HashMap<u64, Arc<Conn>>,
    next_id: u64,
    /// The connection limits, `HELLO` deadlines and accept pauses.
    gate: Gate,
    /// When the leader next looks for connections idle past `connection_idle_timeout`.
    idle_sweep: Option<Instant>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Served {
    pub(crate) fn new(
        path: PathBuf,
        options: DoorOptions,
        handler: Arc<Handler>,
        unref: Option<Box<dyn Fn() + Send + Sync>>,
    ) -> Result<Served, DoorError> {
        let path_for_errors = path.clone();
        let err = io_error(&path_for_errors);
        let mut options = options;
        options.max_request = options.max_request.max(wire::MIN_MAX_MESSAGE);
        let listener = bind::bind_door(&path, options.mode, 1024)?;
        listener.set_nonblocking(true).map_err(&err)?;
        let metadata = std::fs::symlink_metadata(&path).map_err(&err)?;
        let gate = Gate::new(GateLimits {
            max_connections: options.max_connections,
            max_per_uid: options.max_connections_per_uid.unwrap_or(options.max_connections / 2),
            hello_timeout: options.hello_timeout,
            owner: metadata.uid(),
        });
        let mut instance = [0u8; 16];
        ostium_sys::fill_random(&mut instance).map_err(&err)?;
        let cpus = ostium_sys::allowed_cpus().map_err(&err)?;
        let capabilities = if options.cpu_lanes && cpus.len() > 1 {
            CAPABILITIES.union(Capabilities::CPU_LANES)
        } else {
            CAPABILITIES
        };
        let poller = Poller::new().map_err(&err)?;
        let waker = Waker::new().map_err(&err)?;
        poller.add(&waker, WAKER, Interest::READABLE).map_err(&err)?;
        poller.add(&listener, LISTENER, Interest::READABLE).map_err(&err)?;
        Ok(Served {
            file_id: (metadata.dev(), metadata.ino()),
            path,
            instance: InstanceId(instance),
            options,
            capabilities,
            cpus,
            handler,
            unref,
            poller,
            waker,
            listener: Mutex::new(Some(listener)),
            conns: Mutex::new(Conns {
                open: HashMap::new(),
                next_id: FIRST_CONN,
                gate,
                idle_sweep: None,
            }),
            events: Mutex::new(Events::with_capacity(1)),
            revoked: AtomicBool::new(false),
            stopping: AtomicBool::new(false),
            epoch: Instant::now(),
        })
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn instance(&self) -> InstanceId {
        self.instance
    }

    pub(crate) fn connections(&self) -> usize {
        lock(&self.conns).open.len()
    }

    pub(crate) fn revoke(&self) {
        if self.revoked.swap(true, Ordering::AcqRel) {
            return;
        }
        if let Some(listener) = lock(&self.listener).take() {
            let _ = self.poller.delete(&listener);
        }
        // Remove the path only if it is still the file we bound.
        if let Ok(metadata) = std::fs::symlink_metadata(&self.path)
            && (metadata.dev(), metadata.ino()) == self.file_id
        {
            let _ = std::fs::remove_file(&self.path);
        }
    }

    pub(crate) fn stop(&self) {
        self.stopping.store(true, Ordering::Release);
        // Workers lingering on a connection for its next call stop waiting; a reply in
        // progress still goes out.
        for conn in lock(&self.conns).open.values() {
            let _ = conn.socket.shutdown_read();
        }
        if let Err(err) = self.waker.wake() {
            warn!(%err, "could not wake a door's leader to stop it");
        }
    }

    pub(crate) fn close_all(&self) {
        lock(&self.conns).open.clear();
    }

    /// Receives one message from `conn` and answers it; the connection is re-armed for the
    /// next message, or closed.
    fn serve_one(&self, conn: &Conn) {
        let keep = BUFFERS.with(|buffers| {
            let buffers = &mut *buffers.borrow_mut();
            // The socket's receive timeout is the linger: after the call that made it ready,
            // each further receive waits at most that long for the caller's next call, which
            // is then served by this thread directly, as a thread per connection would,
            // without the pass through the leader and the handoff to a follower.
            loop {
                let outcome = self.receive_and_answer(conn, buffers);
                // A reply is held back only while the connection's next call is waiting
                // (see `send`), so that call is served next, without waiting; the replies go
                // out before this worker could wait or leave.
                let holding = send::holding();
                match outcome {
                    Outcome::Answered if holding => continue,
                    _ if !flush_held(conn) => return false,
                    Outcome::Answered if !self.options.linger.is_zero() => continue,
                    Outcome::Answered | Outcome::Idle => return true,
                    Outcome::Close => return false,
                }
            }
        });
        conn.touch(self.epoch);
        let rearmed = keep
            && self.poller.rearm_oneshot(&conn.socket, Token(conn.id), Interest::READABLE).is_ok();
        if !rearmed {
            self.close(conn);
        }
    }

    fn receive_and_answer(&self, conn: &Conn, buffers: &mut Buffers) -> Outcome {
        Outcome::from_kept(self.receive_and_answer_once(conn, buffers))
    }

    /// Returns whether the connection stays open (`None`: nothing came within the linger).
    fn receive_and_answer_once(&self, conn: &Conn, buffers: &mut Buffers) -> Option<bool> {
        let capacity = self.options.max_request as usize;
        if buffers.incoming.len() < capacity {
            buffers.incoming.resize(capacity, 0);
        }
        let mut fds = Vec::new();
        let received = match conn.socket.recv(&mut buffers.incoming[..capacity], &mut fds) {
            Ok(received) if received.len == 0 => return Some(false),
            Ok(received) => received,
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => return None,
            Err(err) if err.kind() == io::ErrorKind::InvalidData => {
                // Truncated: larger than we accept, or too many descriptors. The start of
                // the message is in the buffer; answer it if it names a call.
                return Some(match wire::call_id(&buffers.incoming[..capacity]) {
                    Some(id) => self.send_fault(conn, id, Fault::RequestTooLarge, buffers),
                    None => false,
                });
            }
            Err(_) => return Some(false),
        };
        conn.note_sender(received.credentials);
        let msg = &buffers.incoming[..received.len];
        Some(match conn.session.get() {
            None => self.answer_hello(conn, msg, fds.len(), &mut buffers.outgoing),
            Some(session) => {
                let session = *session;
                self.keep_to_lane(session.lane);
                let pipelining = session.capabilities.contains(Capabilities::PIPELINING);
                match wire::peek_kind(msg) {
                    Ok(Kind::CallBatch) if pipelining => {
                        self.answer_batch(conn, session, received.len, fds, buffers)
                    }
                    Ok(Kind::RingSetup) => accept_reply_slot(conn, session, msg, fds),
                    _ => self.answer_call(conn, session, received.len, fds, buffers),
                }
            }
        })
    }

    /// Answers a `CALL_BATCH` (§4.6): each call in turn, the replies held and sent together
    /// as a `REPLY_BATCH` (a reply that must travel alone goes out in its place, in order).
    fn answer_batch(
        &self,
        conn: &Conn,
        session: Session,
        len: usize,
        fds: Vec<OwnedFd>,
        buffers: &mut Buffers,
    ) -> bool {
        let batch = buffers.incoming[..len].to_vec();
        let calls = match wire::decode_batch(&batch, fds.len(), Kind::CallBatch) {
            Ok(calls) => calls,
            Err(err) => {
                debug!(%err, "a malformed batch; connection closed");
                return false;
            }
        };
        send::set_in_batch(true);
        let mut kept = true;
        for call in calls {
            buffers.incoming[..call.len()].copy_from_slice(call);
            if !self.answer_call(conn, session, call.len(), Vec::new(), buffers) {
                kept = false;
                break;
            }
        }
        send::set_in_batch(false);
        kept && flush_held(conn)
    }

    /// Keeps the calling worker on `lane`'s CPU, or lets it run anywhere for a connection
    /// without a lane. A worker changes its affinity only when the lane changes, so a
    /// caller that stays on one CPU costs no system call here.
    fn keep_to_lane(&self, lane: Option<usize>) {
        let current = WORKER_LANE.get();
        if current == lane {
            return;
        }
        let outcome = match lane {
            Some(cpu) => ostium_sys::pin_current_thread(cpu),
            None => ostium_sys::set_current_thread_cpus(&self.cpus),
        };
        match outcome {
            Ok(()) => WORKER_LANE.set(lane),
            // Served all the same, only not on the caller's CPU.
            Err(err) => debug!(%err, ?lane, "could not move a door worker to its lane"),
        }
    }

    fn answer_hello(&self, conn: &Conn, msg: &[u8], fds: usize, out: &mut Vec<u8>) -> bool {
        let ours = Hello {
            min_version: wire::VERSION,
            max_version: wire::VERSION,
            max_message: self.options.max_request,
            capabilities: self.capabilities,
            instance: self.instance,
            status: HelloStatus::Accepted,
            lane: None,
        };
        let hello = match Hello::decode(msg, fds, Side::Client) {
            Ok(hello) => hello,
            Err(err) => {
                // §7: a malformed HELLO is answered with status BAD_MESSAGE, then closed.
                debug!(%err, "a malformed hello; connection closed");
                let refusal = Hello { status: HelloStatus::Refused(Fault::BadMessage), ..ours };
                out.clear();
                if refusal.encode(out).is_ok() {
                    let _ = conn.socket.send(out, &[]);
                }
                return false;
            }
        };
        let answer = ours.answer(&hello);
        out.clear();
        if answer.encode(out).is_err() || conn.socket.send(out, &[]).is_err() {
            return false;
        }
        if answer.status != HelloStatus::Accepted {
            return false;
        }
        let capabilities = hello.capabilities.intersection(self.capabilities);
        // A lane the door's threads may not run on is ignored: the calls are served, only
        // not kept to one CPU.
        let lane = hello.lane.map(|cpu| cpu as usize).filter(|cpu| {
            capabilities.contains(Capabilities::CPU_LANES) && self.cpus.contains(cpu)
        });
        let client_max_message = crate::transport::sendable(hello.max_message, &conn.socket);
        let session = Session { client_max_message, capabilities, lane };
        let _ = conn.session.set(session);
        true
    }

    fn answer_call(
        &self,
        conn: &Conn,
        session: Session,
        len: usize,
        mut fds: Vec<OwnedFd>,
        buffers: &mut Buffers,
    ) -> bool {
        let msg = &buffers.incoming[..len];
        if !matches!(wire::peek_kind(msg), Ok(Kind::Call)) {
            debug!("a client sent something other than a call; connection closed");
            return false;
        }
        let view = match wire::decode_call(msg, fds.len()) {
            Ok(view) => view,
            Err(err) => {
                debug!(%err, "a malformed call");
                return match wire::call_id(msg) {
                    Some(id) => self.send_fault(conn, id, Fault::BadMessage, buffers),
                    None => false,
                };
            }
        };
        let header = *view.header();
        let mut leases = Vec::new();
        let outcome = self.run_call(conn, &view, &mut fds, &mut leases, msg);
        drop(fds);
        let kept = match outcome {
            Ok(response) => {
                // What the handler wrote in inline leases goes back in the reply (§5.2).
                let returned: Vec<&[u8]> = leases
                    .iter()
                    .filter_map(|(_, backing)| match backing {
                        Backing::InlineWrite(bytes) => Some(bytes.as_slice()),
                        _ => None,
                    })
                    .collect();
                let mut outgoing = std::mem::take(&mut buffers.outgoing);
                let kept = self.send_response(
                    conn,
                    session,
                    header.id,
                    response,
                    &returned,
                    &mut outgoing,
                );
                buffers.outgoing = outgoing;
                kept
            }
            Err(fault) => self.send_fault(conn, header.id, fault, buffers),
        };
        // The client will likely send the same lease memfds again (its arenas).
        for (_, backing) in leases {
            if let Backing::MemfdShared(map, _, id) = backing {
                conn.keep_lease_map(id, map);
            }
        }
        kept
    }

    /// `CONNECT` (§4.4): a new connection to the door for the caller to hand on, counted
    /// against the caller.
    fn connect_another(&self, conn: &Conn) -> Result<Answer, Fault> {
        let (ours, theirs) = SeqpacketConn::pair().map_err(|_| Fault::RequestTooLarge)?;
        if !self.adopt(ours, Some(conn.caller_now().uid)) {
            return Err(Fault::RequestTooLarge);
        }
        Ok(Answer::ok(Vec::new()).with_fds([OwnedFd::from(theirs)]))
    }

    /// Runs a decoded call: the runtime's checks and reserved operations, then the handler.
    fn run_call<'m>(
        &self,
        conn: &Conn,
        view: &wire::CallView<'m>,
        fds: &mut Vec<OwnedFd>,
        leases: &mut Vec<(Access, Backing)>,
        msg: &'m [u8],
    ) -> Result<Answer, Fault> {
        if self.revoked.load(Ordering::Acquire) {
            return Err(Fault::Revoked);
        }
        let op = match view.header().op {
            // PING carries nothing (§4.4): one that does is malformed.
            Op::PING if !view.args().is_empty() || view.lease_count() > 0 || !fds.is_empty() => {
                return Err(Fault::BadMessage);
            }
            Op::PING => return Ok(Answer::ok(Vec::new())),
            Op::CONNECT if !view.args().is_empty() || view.lease_count() > 0 || !fds.is_empty() => {
                return Err(Fault::BadMessage);
            }
            Op::CONNECT => return self.connect_another(conn),
            // The handler describes its interface if it can (generated Idol servers do);
            // any other answers UNKNOWN_OPERATION, as for any operation it does not know.
            Op::DESCRIBE => Op::DESCRIBE.0,
            op if !op.is_application() => return Err(Fault::UnknownOperation),
            Op(op) => op,
        };
        let layout = view.fds();
        for index in 0..view.lease_count() {
            leases.push(lease_backing(conn, view, index, fds, msg)?);
        }
        let args_map;
        let args: &[u8] = match view.args() {
            Payload::Inline(bytes) => bytes,
            Payload::InMemfd { len } => {
                let index = layout.args().ok_or(Fault::BadMessage)?;
                let fd =
                    fds.get(index).and_then(|fd| fd.try_clone().ok()).ok_or(Fault::BadMessage)?;
                args_map = Memfd::from_fd(fd)
                    .and_then(|m| m.map_sealed())
                    .map_err(|_| Fault::BadMessage)?;
                args_map.as_slice().get(..len as usize).ok_or(Fault::BadMessage)?
            }
        };
        let handler_fds: Vec<OwnedFd> = fds.drain(layout.handler()).collect();
        let request = Request {
            op,
            args,
            fds: handler_fds,
            caller: conn.caller_now(),
            leases: Leases { msg, slots: leases },
        };
        catch_unwind(AssertUnwindSafe(|| (self.handler)(request))).map_err(|_| {
            static PANICKED: Throttle = Throttle::per_second();
            if let Some(suppressed) = PANICKED.pass() {
                warn!(op, door = %self.path.display(), suppressed, "a door handler panicked; the caller gets a fault");
            }
            Fault::HandlerPanicked
        })
    }

    fn send_response(
        &self,
        conn: &Conn,
        session: Session,
        id: u32,
        response: Answer,
        returned: &[&[u8]],
        outgoing: &mut Vec<u8>,
    ) -> bool {
        let Answer { status, data, fds } = response;
        if matches!(status, Status::Fault(_)) || fds.len() > wire::MAX_FDS {
            let fault = match status {
                Status::Fault(fault) => fault,
                _ => Fault::ReplyTooLarge,
            };
            return send_fault(conn, id, fault, outgoing);
        }
        // Data that would make the message larger than the client accepts go in a memfd;
        // returned lease contents cannot, so they alone must fit (the client saw to it).
        let leases_len: usize = returned.iter().map(|l| l.len()).sum();
        if !transport::travels_inline(
            wire::ReplyHeader::SIZE,
            leases_len,
            session.client_max_message,
        ) {
            return send_fault(conn, id, Fault::ReplyTooLarge, outgoing);
        }
        let inline_len = wire::ReplyHeader::SIZE + data.len() + leases_len;
        let memfd = if !transport::travels_inline(inline_len, 0, session.client_max_message) {
            if !session.capabilities.contains(Capabilities::MEMFD) || fds.len() >= wire::MAX_FDS {
                return send_fault(conn, id, Fault::ReplyTooLarge, outgoing);
            }
            match sealed_memfd("ostium-reply", &data) {
                Ok(memfd) => Some(memfd),
                Err(err) => {
                    static NO_MEMFD: Throttle = Throttle::per_second();
                    if let Some(suppressed) = NO_MEMFD.pass() {
                        warn!(%err, suppressed, "could not put a large reply in a memfd");
                    }
                    return send_fault(conn, id, Fault::ReplyTooLarge, outgoing);
                }
            }
        } else {
            None
        };
        let payload = match memfd {
            Some(_) => Payload::InMemfd { len: data.len() as u32 },
            None => Payload::Inline(&data),
        };
        let reply =
            Reply { id, status, data: payload, leases: returned, fd_count: fds.len() as u16 };
        outgoing.clear();
        if reply.encode(outgoing).is_err() {
            return send_fault(conn, id, Fault::ReplyTooLarge, outgoing);
        }
        let mut passed: Vec<BorrowedFd<'_>> = Vec::with_capacity(fds.len() + 1);
        passed.extend(memfd.as_ref().map(|m| m.as_fd()));
        passed.extend(fds.iter().map(|fd| fd.as_fd()));
        send::send(conn, outgoing, &passed)
    }

    fn send_fault(&self, conn: &Conn, id: u32, fault: Fault, buffers: &mut Buffers) -> bool {
        send_fault(conn, id, fault, &mut buffers.outgoing)
    }
}

/// Takes the reply slot a `RING_SETUP` offers (§3.3); returns whether the connection stays
/// open. A client that sends one it may not (without the capability, while pipelining, or
/// a second time) or one that cannot be used broke the protocol and loses the connection.
fn accept_reply_slot(conn: &Conn, session: Session, msg: &[u8], mut fds: Vec<OwnedFd>) -> bool {
    let allowed = session.capabilities.contains(Capabilities::RING)
        && !session.capabilities.contains(Capabilities::PIPELINING)
        && conn.reply_slot.get().is_none();
    if !allowed {
        debug!("a RING_SETUP the connection may not send; connection closed");
        return false;
    }
    let setup = match RingSetup::decode(msg, fds.len()) {
        Ok(setup) => setup,
        Err(err) => {
            debug!(%err, "a malformed RING_SETUP; connection closed");
            return false;
        }
    };
    let Some(fd) = fds.pop() else { return false };
    match ReplySlot::map(setup, fd) {
        Ok(slot) => conn.reply_slot.set(Mutex::new(slot)).is_ok(),
        Err(err) => {
            debug!(%err, "an unusable reply slot; connection closed");
            false
        }
    }
}

/// What receiving on a ready connection came to.
enum Outcome {
    /// A message was answered; the connection stays open.
    Answered,
    /// Nothing came (within the linger); the connection stays open.
    Idle,
    /// The connection is to be closed.
    Close,
}

impl Outcome {
    fn from_kept(kept: Option<bool>) -> Outcome {
        match kept {
            Some(true) => Outcome::Answered,
            None => Outcome::Idle,
            Some(false) => Outcome::Close,
        }
    }
}

/// A worker's message buffers, kept between calls so that serving allocates nothing.
#[derive(Default)]
struct Buffers {
    incoming: Vec<u8>,
    outgoing: Vec<u8>,
}

thread_local! {
    static BUFFERS: RefCell<Buffers> = RefCell::default();
    /// The CPU this worker is kept to, if any.
    static WORKER_LANE: Cell<Option<usize>> = const { Cell::new(None) };
}

/// What the leader found for a worker to do.
pub(crate) struct Ready(Arc<Conn>);

impl Work for Served {
    type Item = Ready;

    fn next(&self) -> Option<Ready> {
        let mut events = lock(&self.events);
        loop {
            if self.stopping.load(Ordering::Acquire) {
                return None;
            }
            let timeout = self.wake_in(Instant::now());
            if let Err(err) = self.poller.wait(&mut events, timeout) {
                warn!(%err, door = %self.path.display(), "waiting on a door failed; stopping it");
                return None;
            }
            // With no deadline set, none can be due: the common case costs no second lock.
            if timeout.is_some() {
                self.on_deadlines(Instant::now());
            }
            let Some(event) = events.iter().next() else { continue };
            match event.token() {
                WAKER => {
                    let _ = self.waker.drain();
                }
                LISTENER => self.accept_all(),
                Token(id) => {
                    if let Some(conn) = lock(&self.conns).open.get(&id) {
                        return Some(Ready(Arc::clone(conn)));
                    }
                }
            }
        }
    }

    fn handle(&self, Ready(conn): Ready) {
        self.serve_one(&conn);
    }
}
