//! A loop's connections to one door, opened as concurrency needs them.
//!
//! Each call takes an idle connection, or opens one: so a loop holds as many connections as
//! it has had slow calls in flight at once, and the application's elastic pool grows to the
//! real concurrency and no further. Connections are watched by the loop (never blocking
//! it): readable while they wait for a `HELLO` or replies, writable only while calls wait
//! for room. A connection the application closes (it exited or restarted) is dropped when
//! the loop sees the hang-up, and the next call opens a new one, so an application that
//! comes back is reached again with no operator action.
//!
//! # Fast calls are pipelined
//!
//! Handing each call to a thread of another process costs a wakeup and two context
//! switches, more than a fast handler's work. So calls go out in batches: a call first
//! joins the calls this turn of the loop has already queued on a connection, then takes
//! an idle connection, then (once the loop has twice as many connections as CPUs, enough
//! to keep every CPU of the application busy) queues behind calls in flight, then opens a
//! connection — joining or queueing only on a connection whose calls have been fast (its
//! recent calls took under [`FAST`] each, and the one in flight has not yet taken that
//! long), up to [`DEPTH`] calls (protocol §3.1, `PIPELINING`). Calls queued during a turn
//! go out together at its end ([`DoorPool::flush`]); the application's worker finds them
//! waiting, serves them one after another, and sends the replies together: one wakeup
//! each way for the batch. Until a connection's first reply its speed is unknown and
//! nothing joins it; with handlers slower than [`FAST`], calls spread over connections one
//! each, as the elastic pool wants. The price: a call may wait behind up to `DEPTH - 1`
//! calls that were fast until then.
//!
//! A call that cannot even be sent on a reused connection, because the application died
//! while the connection sat idle (the loop had not yet seen the hang-up), is made again
//! once on a new connection if its owner allows it (an idempotent request). A call that
//! was sent and then met the application's death is not: the application may have acted
//! on it, and the owner gets `ServerDeath`.

use std::collections::VecDeque;

use rustc_hash::{FxHashMap, FxHashSet};
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use ostium::{CallError, LoopConnection, LoopEvent, Reply};
use ostium_reactor::{Context, Readiness, WatchId};
use ostium_sys::Interest;

/// Door connections one loop may hold for one forward, whatever its mode; more
/// concurrent calls wait for one to be free.
pub const MAX_DOOR_CONNECTIONS: usize = 1024;

/// The most calls in flight on one connection.
pub const DEPTH: usize = 8;
/// A connection whose calls take less than this each may have calls queued behind them.
/// As the loop measures it (from the call's queueing to the reply's handling) a call's
/// time includes the loop's own turn, which under load alone is about a millisecond: the
/// bound is set well above that, and far below handlers that wait on anything.
pub const FAST: Duration = Duration::from_millis(5);

/// A call to make: its owner's tag (who gets the outcome), the operation and arguments.
#[derive(Debug)]
pub struct Job<T> {
    /// Who the outcome goes to.
    pub tag: T,
    /// The operation.
    pub op: u32,
    /// The argument bytes.
    pub args: Vec<u8>,
    /// Descriptors passed with the call (closed here once sent).
    pub fds: Vec<OwnedFd>,
    /// Whether the call may be made again if the application died before replying.
    pub retryable: bool,
}

/// A finished call.
#[derive(Debug)]
pub struct Done<T> {
    /// The job's tag.
    pub tag: T,
    /// The reply, or why there is none.
    pub outcome: Result<Reply, CallError>,
}

/// A call in flight: its owner, what to send again if it may be retried, and when it was
/// queued.
#[derive(Debug)]
struct Sent<T> {
    tag: T,
    retry: Option<(u32, Vec<u8>)>,
    at: Instant,
}

#[derive(Debug)]
struct Slot<T> {
    conn: LoopConnection,
    /// The call that waits for the connection's `HELLO` (the one it was opened for).
    opening: Option<Job<T>>,
    /// The calls in flight, in order.
    sent: VecDeque<Sent<T>>,
    /// Calls answered on this connection.
    served: u64,
    /// How long its calls have been taking (an average weighted to the recent ones); `None`
    /// until one was answered.
    service: Option<Duration>,
    /// When its last reply came.
    last_reply: Option<Instant>,
    /// The pool's generation when the connection was made: one made before the door's
    /// path last changed is closed when its calls end instead of kept.
    generation: u64,
}

impl<T> Slot<T> {
    /// Whether a call may be queued behind those in flight.
    fn takes_more(&self, now: Instant) -> bool {
        self.conn.has_room()
            && self.service.is_some_and(|s| s < FAST)
            && self.sent.front().is_none_or(|first| now.duration_since(first.at) < FAST)
    }
}

/// The connections of one loop to one door.
#[derive(Debug)]
pub struct DoorPool<T> {
    path: PathBuf,
    slots: FxHashMap<WatchId, Slot<T>>,
    idle: Vec<WatchId>,
    max_connections: usize,
    /// Jobs waiting for a connection (at `max_connections`).
    waiting: VecDeque<Job<T>>,
    /// Connections with calls queued since the last flush.
    dirty: FxHashSet<WatchId>,
    scratch: Vec<u8>,
    /// Bumped each time the door's path changes.
    generation: u64,
    /// Connections beyond which calls are queued behind fast ones rather than given a
    /// connection of their own: twice the CPUs, enough to keep every CPU of the
    /// application busy with fast calls.
    pipeline_after: usize,
}

impl<T: PartialEq> DoorPool<T> {
    /// A pool for the door at `path`, holding at most `max_connections` connections (more
    /// calls wait for one to be free).
    pub fn new(path: &Path, max_connections: usize) -> DoorPool<T> {
        DoorPool {
            path: path.to_path_buf(),
            slots: FxHashMap::default(),
            idle: Vec::new(),
            max_connections: max_connections.max(1),
            waiting: VecDeque::new(),
            dirty: FxHashSet::default(),
            scratch: Vec::new(),
            generation: 0,
            pipeline_after: 2 * ostium_sys::allowed_cpus().map_or(1, |cpus| cpus.len().max(1)),
        }
    }

    /// Calls from now on go to the door at `path` (a reloaded configuration changed it):
    /// idle connections to the old door close now, busy ones when their calls end.
    pub fn retarget(&mut self, cx: &mut Context<'_>, path: &Path) {
        if path == self.path {
            return;
        }
        self.path = path.to_path_buf();
        self.generation += 1;
        for watch in std::mem::take(&mut self.idle) {
            self.drop_conn(cx, watch, &mut Vec::new());
        }
    }

    /// Connections open, idle or not.
    pub fn connections(&self) -> usize {
        self.slots.len()
    }

    /// Queues `job` on an idle connection, behind fast calls, or on a new connection, or
    /// in the waiting list; a job that cannot start (no door) is finished at once, in
    /// `done`. Queued calls go out at [`flush`](Self::flush).
    pub fn submit(&mut self, cx: &mut Context<'_>, job: Job<T>, done: &mut Vec<Done<T>>) {
        // First with the calls this turn already queued, so that they go out (and come
        // back) together.
        let now = Instant::now();
        let batching = self
            .dirty
            .iter()
            .filter(|w| {
                self.slots
                    .get(w)
                    .is_some_and(|s| s.generation == self.generation && s.takes_more(now))
            })
            .min_by_key(|w| self.slots.get(w).map_or(usize::MAX, |s| s.sent.len()))
            .copied();
        if let Some(watch) = batching {
            return self.start(cx, watch, job, done);
        }
        while let Some(watch) = self.idle.pop() {
            if self.slots.get(&watch).is_some_and(|s| s.conn.is_idle()) {
                return self.start(cx, watch, job, done);
            }
        }
        if self.slots.len() >= self.pipeline_after {
            let behind = self
                .slots
                .iter()
                .filter(|(_, slot)| slot.generation == self.generation && slot.takes_more(now))
                .min_by_key(|(_, slot)| slot.sent.len())
                .map(|(watch, _)| *watch);
            if let Some(watch) = behind {
                return self.start(cx, watch, job, done);
            }
        }
        if self.slots.len() >= self.max_connections {
            self.waiting.push_back(job);
            return;
        }
        let conn = match LoopConnection::connect(&self.path) {
            Ok(conn) => conn,
            // The door's backlog is full (the application accepts more slowly than calls
            // come): the call waits for one of the connections this pool has to be free,
            // as at the pool's limit. With none, nothing would free one: it fails (503).
            Err(CallError::NoDoor { source, .. })
                if source.kind() == std::io::ErrorKind::WouldBlock && !self.slots.is_empty() =>
            {
                return self.waiting.push_back(job);
            }
            Err(err) => return done.push(Done { tag: job.tag, outcome: Err(err) }),
        };
        match cx.watch(&conn, Interest::READABLE) {
            Ok(watch) => {
                let slot = Slot {
                    conn,
                    opening: Some(job),
                    sent: VecDeque::new(),
                    served: 0,
                    service: None,
                    last_reply: None,
                    generation: self.generation,
                };
                self.slots.insert(watch, slot);
            }
            Err(err) => done.push(Done { tag: job.tag, outcome: Err(CallError::io(err)) }),
        }
    }

    /// Queues `job` on the ready connection `watch` (sent at the next flush; a call with
    /// descriptors is sent at once).
    fn start(
        &mut self,
        cx: &mut Context<'_>,
        watch: WatchId,
        job: Job<T>,
        done: &mut Vec<Done<T>>,
    ) {
        let slot = self.slots.get_mut(&watch).expect("the caller checked");
        slot.conn.set_depth(DEPTH);
        let reused = slot.served > 0;
        let queued = if job.fds.is_empty() {
            slot.conn.queue_call(job.op, &job.args)
        } else {
            let fds: Vec<_> = job.fds.iter().map(AsFd::as_fd).collect();
            slot.conn.call(job.op, &job.args, &fds)
        };
        match queued {
            Ok(_) => {
                let retry = job.retryable.then_some((job.op, job.args));
                slot.sent.push_back(Sent { tag: job.tag, retry, at: Instant::now() });
                self.dirty.insert(watch);
            }
            Err(err) => {
                self.drop_conn(cx, watch, done);
                self.failed_to_send(cx, job, err, reused, done);
            }
        }
    }

    /// Sends the calls queued during this turn, connection by connection, each batch in one
    /// system call. Call it at the end of each turn of the loop.
    pub fn flush(&mut self, cx: &mut Context<'_>, done: &mut Vec<Done<T>>) {
        for watch in std::mem::take(&mut self.dirty) {
            let Some(slot) = self.slots.get_mut(&watch) else { continue };
            match slot.conn.flush() {
                Ok(()) if slot.conn.wants_write() => {
                    let _ = cx.set_watch_interest(watch, Interest::READABLE | Interest::WRITABLE);
                }
                Ok(()) => {}
                Err(err) => {
                    // The batch could not be sent: on a reused connection, the application
                    // died while it sat idle, before any of these calls. Those that may be
                    // made again are, once, on a new connection; the others end here.
                    let reused = slot.served > 0;
                    let died = matches!(err, CallError::ServerDeath { .. });
                    let sent = std::mem::take(&mut slot.sent);
                    self.fail_all(cx, watch, err.clone(), done);
                    for call in sent {
                        match call.retry {
                            Some((op, args)) if reused && died => {
                                let job = Job {
                                    tag: call.tag,
                                    op,
                                    args,
                                    fds: Vec::new(),
                                    retryable: false,
                                };
                                for idle in std::mem::take(&mut self.idle) {
                                    self.drop_conn(cx, idle, done);
                                }
                                self.submit(cx, job, done);
                            }
                            _ => {
                                done.push(Done { tag: call.tag, outcome: Err(unsent(err.clone())) })
                            }
                        }
                    }
                }
            }
        }
    }

    /// A watched descriptor is ready: returns false if it is not one of this pool's.
    pub fn on_ready(
        &mut self,
        cx: &mut Context<'_>,
        watch: WatchId,
        ready: Readiness,
        done: &mut Vec<Done<T>>,
    ) -> bool {
        let Some(slot) = self.slots.get_mut(&watch) else { return false };
        if ready.is_writable() {
            if let Err(err) = slot.conn.on_writable() {
                self.fail_all(cx, watch, err, done);
                return true;
            }
            if !slot.conn.wants_write() {
                let _ = cx.set_watch_interest(watch, Interest::READABLE);
            }
        }
        // Every reply that has come (a batch comes together), then what that frees.
        for _ in 0..=DEPTH {
            let Some(slot) = self.slots.get_mut(&watch) else { return true };
            match slot.conn.on_readable(&mut self.scratch) {
                Ok(None) => break,
                Ok(Some(LoopEvent::Ready)) => match slot.opening.take() {
                    Some(job) => self.start(cx, watch, job, done),
                    None => self.release(cx, watch, done),
                },
                Ok(Some(LoopEvent::Reply(outcome))) => {
                    let now = Instant::now();
                    let Some(call) = slot.sent.pop_front() else { break };
                    // This call's own time: from when it was sent, or from the reply before
                    // it if it waited behind that one.
                    let began = slot.last_reply.map_or(call.at, |last| last.max(call.at));
                    let took = now.duration_since(began);
                    slot.service = Some(match slot.service {
                        Some(average) => (average * 7 + took) / 8,
                        None => took,
                    });
                    slot.last_reply = Some(now);
                    slot.served += 1;
                    let broken = slot.conn.is_broken();
                    let free = slot.sent.is_empty();
                    done.push(Done { tag: call.tag, outcome });
                    if broken {
                        self.fail_all(
                            cx,
                            watch,
                            CallError::Protocol(ostium::ProtocolError::Broken),
                            done,
                        );
                        return true;
                    }
                    if free {
                        self.release(cx, watch, done);
                        // Nothing more is due on it, so no read to find that out: should the
                        // application have closed it meanwhile, the (level-triggered) watch
                        // reports that at the next wait.
                        break;
                    }
                }
                Err(err) => {
                    // Death after the calls went out is theirs: never retried (the
                    // application may have acted on them).
                    self.fail_all(cx, watch, err, done);
                    return true;
                }
            }
        }
        true
    }

    /// Closes connection `watch`, its calls in flight (and the one waiting for its
    /// `HELLO`) finishing with `err`.
    fn fail_all(
        &mut self,
        cx: &mut Context<'_>,
        watch: WatchId,
        err: CallError,
        done: &mut Vec<Done<T>>,
    ) {
        if let Some(slot) = self.slots.get_mut(&watch) {
            let opening = slot.opening.take();
            let sent = std::mem::take(&mut slot.sent);
            for call in sent {
                done.push(Done { tag: call.tag, outcome: Err(err.clone()) });
            }
            if let Some(job) = opening {
                done.push(Done { tag: job.tag, outcome: Err(unsent(err.clone())) });
            }
        }
        self.drop_conn(cx, watch, done);
    }

    /// A job's call could not be sent: made again once on a new connection if the
    /// connection was a reused one whose application had died while it sat idle (the send
    /// found it closed) and the job allows it, else finished.
    fn failed_to_send(
        &mut self,
        cx: &mut Context<'_>,
        job: Job<T>,
        err: CallError,
        reused: bool,
        done: &mut Vec<Done<T>>,
    ) {
        let died = matches!(err, CallError::ServerDeath { .. });
        if died && reused && job.retryable {
            let job = Job { retryable: false, ..job };
            // The idle connections are likely to the same dead application: close them, and
            // open a new one.
            for watch in std::mem::take(&mut self.idle) {
                self.drop_conn(cx, watch, done);
            }
            return self.submit(cx, job, done);
        }
        done.push(Done { tag: job.tag, outcome: Err(unsent(err)) });
    }

    /// The connection `watch` has no call in flight: the next waiting job, or the idle list
    /// (or closed, if it is to a door the pool no longer calls).
    fn release(&mut self, cx: &mut Context<'_>, watch: WatchId, done: &mut Vec<Done<T>>) {
        if self.slots.get(&watch).is_some_and(|slot| slot.generation != self.generation) {
            self.drop_conn(cx, watch, done);
            if let Some(job) = self.waiting.pop_front() {
                self.submit(cx, job, done);
            }
            return;
        }
        match self.waiting.pop_front() {
            Some(job) => self.start(cx, watch, job, done),
            None => self.idle.push(watch),
        }
    }

    /// Forgets connection `watch` (its calls, if any, are the caller's to finish).
    fn drop_conn(&mut self, cx: &mut Context<'_>, watch: WatchId, _done: &mut Vec<Done<T>>) {
        cx.unwatch(watch);
        self.slots.remove(&watch);
        self.idle.retain(|&w| w != watch);
        self.dirty.remove(&watch);
    }

    /// Gives up on the job tagged `tag`: a waiting job is removed; one in flight has its
    /// connection closed (so its late reply cannot be taken for another call's), and the
    /// calls queued with it end with [`CallError::Deadline`]. Returns whether there was
    /// such a job.
    pub fn abandon(&mut self, cx: &mut Context<'_>, tag: &T, done: &mut Vec<Done<T>>) -> bool {
        if let Some(index) = self.waiting.iter().position(|job| job.tag == *tag) {
            self.waiting.remove(index);
            return true;
        }
        let found = self.slots.iter().find(|(_, s)| {
            s.sent.iter().any(|c| c.tag == *tag)
                || s.opening.as_ref().is_some_and(|j| j.tag == *tag)
        });
        let Some(watch) = found.map(|(w, _)| *w) else { return false };
        if let Some(slot) = self.slots.get_mut(&watch) {
            slot.sent.retain(|call| call.tag != *tag);
            if slot.opening.as_ref().is_some_and(|job| job.tag == *tag) {
                slot.opening = None;
            }
        }
        self.fail_all(cx, watch, CallError::Deadline, done);
        // A connection is free again for those waiting.
        if let Some(job) = self.waiting.pop_front() {
            self.submit(cx, job, done);
        }
        true
    }

    /// Removes the waiting jobs whose tag matches (their owner is gone); calls in flight
    /// run to their end, and their replies are discarded by the owner.
    pub fn forget_waiting(&mut self, matches: impl Fn(&T) -> bool) {
        self.waiting.retain(|job| !matches(&job.tag));
    }

    /// Drops every connection (the loop is stopping).
    pub fn close_all(&mut self, cx: &mut Context<'_>) {
        for watch in self.slots.keys().copied().collect::<Vec<_>>() {
            self.drop_conn(cx, watch, &mut Vec::new());
        }
        self.waiting.clear();
    }
}

/// What a call that never went out gets when its connection died: the application did not
/// receive it, so it is not a death mid-call (`ServerDeath`, 502) but a door that could not
/// be reached (`NoDoor`, 503; docs/http-over-doors.md §2).
fn unsent(err: CallError) -> CallError {
    match err {
        CallError::ServerDeath { path } => CallError::no_door(
            &path,
            std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "the application closed the connection before the call was sent",
            ),
        ),
        other => other,
    }
}
