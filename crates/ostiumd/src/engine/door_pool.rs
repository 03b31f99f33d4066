//! A loop's connections to one door, opened as concurrency needs them.
//!
//! Each call takes an idle connection, or opens one: so a loop holds as many connections as
//! it has had calls in flight at once, and the application's elastic pool grows to the real
//! concurrency and no further. Connections are watched by the loop (never blocking it):
//! readable while they wait for a `HELLO` or a reply, writable only while a call waits for
//! room. A connection the application closes (it exited or restarted) is dropped when the
//! loop sees the hang-up, and the next call opens a new one, so an application that comes
//! back is reached again with no operator action.
//!
//! A call that cannot even be sent on a reused connection, because the application died
//! while the connection sat idle (the loop had not yet seen the hang-up), is made again
//! once on a new connection if its owner allows it (an idempotent request). A call that
//! was sent and then met the application's death is not: the application may have acted
//! on it, and the owner gets `ServerDeath`.

use std::collections::{HashMap, VecDeque};
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};

use ostium::{CallError, LoopConnection, LoopEvent, Reply};
use ostium_reactor::{Context, Readiness, WatchId};
use ostium_sys::Interest;

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

#[derive(Debug)]
struct Slot<T> {
    conn: LoopConnection,
    /// The call in flight (or waiting for the connection's `HELLO`).
    job: Option<Job<T>>,
    /// Calls answered on this connection.
    served: u64,
    /// The pool's generation when the connection was made: one made before the door's
    /// path last changed is closed when its call ends instead of kept.
    generation: u64,
}

/// The connections of one loop to one door.
#[derive(Debug)]
pub struct DoorPool<T> {
    path: PathBuf,
    slots: HashMap<WatchId, Slot<T>>,
    idle: Vec<WatchId>,
    max_connections: usize,
    /// Jobs waiting for a connection (at `max_connections`).
    waiting: VecDeque<Job<T>>,
    scratch: Vec<u8>,
    /// Bumped each time the door's path changes.
    generation: u64,
}

impl<T: PartialEq> DoorPool<T> {
    /// A pool for the door at `path`, holding at most `max_connections` connections (more
    /// calls wait for one to be free).
    pub fn new(path: &Path, max_connections: usize) -> DoorPool<T> {
        DoorPool {
            path: path.to_path_buf(),
            slots: HashMap::new(),
            idle: Vec::new(),
            max_connections: max_connections.max(1),
            waiting: VecDeque::new(),
            scratch: Vec::new(),
            generation: 0,
        }
    }

    /// Calls from now on go to the door at `path` (a reloaded configuration changed it):
    /// idle connections to the old door close now, busy ones when their call ends.
    pub fn retarget(&mut self, cx: &mut Context<'_>, path: &Path) {
        if path == self.path {
            return;
        }
        self.path = path.to_path_buf();
        self.generation += 1;
        for watch in std::mem::take(&mut self.idle) {
            self.drop_conn(cx, watch);
        }
    }

    /// Connections open, idle or not.
    pub fn connections(&self) -> usize {
        self.slots.len()
    }

    /// Starts `job` on an idle connection, or a new one, or queues it; a job that cannot
    /// start (no door) is finished at once, in `done`.
    pub fn submit(&mut self, cx: &mut Context<'_>, job: Job<T>, done: &mut Vec<Done<T>>) {
        while let Some(watch) = self.idle.pop() {
            if self.slots.contains_key(&watch) {
                return self.start(cx, watch, job, done);
            }
        }
        if self.slots.len() >= self.max_connections {
            self.waiting.push_back(job);
            return;
        }
        let conn = match LoopConnection::connect(&self.path) {
            Ok(conn) => conn,
            Err(err) => return done.push(Done { tag: job.tag, outcome: Err(err) }),
        };
        match cx.watch(&conn, Interest::READABLE) {
            Ok(watch) => {
                // The call goes out when the door's HELLO comes.
                let generation = self.generation;
                self.slots.insert(watch, Slot { conn, job: Some(job), served: 0, generation });
            }
            Err(err) => done.push(Done { tag: job.tag, outcome: Err(CallError::Io(err)) }),
        }
    }

    /// Sends `job` on the idle connection `watch`.
    fn start(
        &mut self,
        cx: &mut Context<'_>,
        watch: WatchId,
        job: Job<T>,
        done: &mut Vec<Done<T>>,
    ) {
        let slot = self.slots.get_mut(&watch).expect("the caller checked");
        let reused = slot.served > 0;
        let fds: Vec<_> = job.fds.iter().map(std::os::fd::AsFd::as_fd).collect();
        match slot.conn.call(job.op, &job.args, &fds) {
            Ok(_) => {
                if slot.conn.wants_write() {
                    let _ = cx.set_watch_interest(watch, Interest::READABLE | Interest::WRITABLE);
                }
                slot.job = Some(Job { fds: Vec::new(), ..job });
            }
            Err(err) => {
                drop(fds);
                self.drop_conn(cx, watch);
                self.finish(cx, job, Err(err), reused, done);
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
                let job = slot.job.take();
                self.drop_conn(cx, watch);
                if let Some(job) = job {
                    self.finish(cx, job, Err(err), false, done);
                }
                return true;
            }
            if !slot.conn.wants_write() {
                let _ = cx.set_watch_interest(watch, Interest::READABLE);
            }
        }
        match slot.conn.on_readable(&mut self.scratch) {
            Ok(None) => {}
            Ok(Some(LoopEvent::Ready)) => match slot.job.take() {
                Some(job) => self.start(cx, watch, job, done),
                None => self.release(cx, watch, done),
            },
            Ok(Some(LoopEvent::Reply(outcome))) => {
                slot.served += 1;
                let job = slot.job.take();
                let broken = slot.conn.is_broken();
                if broken {
                    self.drop_conn(cx, watch);
                } else {
                    self.release(cx, watch, done);
                }
                if let Some(job) = job {
                    done.push(Done { tag: job.tag, outcome });
                }
            }
            Err(err) => {
                // Death after the call went out is the call's: 502, never a retry (the
                // application may have acted on it).
                let job = slot.job.take();
                self.drop_conn(cx, watch);
                if let Some(job) = job {
                    done.push(Done { tag: job.tag, outcome: Err(err) });
                }
            }
        }
        true
    }

    /// A job's call could not be sent: made again once on a new connection if the
    /// connection was a reused one whose application had died while it sat idle (the send
    /// found it closed) and the job allows it, else finished.
    fn finish(
        &mut self,
        cx: &mut Context<'_>,
        job: Job<T>,
        outcome: Result<Reply, CallError>,
        reused: bool,
        done: &mut Vec<Done<T>>,
    ) {
        let died = matches!(outcome, Err(CallError::ServerDeath { .. }));
        if died && reused && job.retryable {
            let job = Job { retryable: false, ..job };
            // The idle connections are likely to the same dead application: close them, and
            // open a new one.
            for watch in std::mem::take(&mut self.idle) {
                self.drop_conn(cx, watch);
            }
            return self.submit(cx, job, done);
        }
        done.push(Done { tag: job.tag, outcome });
    }

    /// The connection `watch` is free: the next waiting job, or the idle list (or closed,
    /// if it is to a door the pool no longer calls).
    fn release(&mut self, cx: &mut Context<'_>, watch: WatchId, done: &mut Vec<Done<T>>) {
        if self.slots.get(&watch).is_some_and(|slot| slot.generation != self.generation) {
            self.drop_conn(cx, watch);
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

    fn drop_conn(&mut self, cx: &mut Context<'_>, watch: WatchId) {
        cx.unwatch(watch);
        self.slots.remove(&watch);
        self.idle.retain(|&w| w != watch);
    }

    /// Gives up on the job tagged `tag`: a waiting job is removed; one in flight has its
    /// connection closed (so its late reply cannot be taken for another call's). Returns
    /// whether there was such a job.
    pub fn abandon(&mut self, cx: &mut Context<'_>, tag: &T, done: &mut Vec<Done<T>>) -> bool {
        if let Some(index) = self.waiting.iter().position(|job| job.tag == *tag) {
            self.waiting.remove(index);
            return true;
        }
        let Some(watch) = self
            .slots
            .iter()
            .find(|(_, s)| s.job.as_ref().is_some_and(|j| j.tag == *tag))
            .map(|(w, _)| *w)
        else {
            return false;
        };
        self.drop_conn(cx, watch);
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
            self.drop_conn(cx, watch);
        }
        self.waiting.clear();
    }
}
