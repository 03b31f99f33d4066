//! The elastic thread pool of a door: leader/follower, growing only at a new peak of
//! concurrency.
//!
//! One thread at a time, the *leader*, waits for work (in the door's case: blocked in
//! `epoll_wait` on the door's connections). When work arrives the leader hands leadership
//! to the most recently idle *follower* and does the work itself, so the thread the kernel
//! woke is the one that serves the call: no second handoff on the call's path. If no
//! follower is idle — every thread is busy — exactly one new thread is started to lead
//! (never more than one pending), up to `max_threads`. At the maximum nobody waits for
//! work, and new calls wait in the socket backlog until a thread is free.
//!
//! Idle followers wait in a stack, so the most recently idle is woken first (warm caches)
//! and the ones at the bottom stay cold: those above `min_threads` exit after
//! `idle_timeout`. A busy thread is never stopped. An idle pool is one leader blocked in its
//! wait, and followers at or below the minimum wait without a timeout: no wakeups.
//!
//! A new thread is a [`PoolSeat`] handed to the pool's spawner: `std::thread` by default,
//! or one the door's owner supplies (libdoor's `door_server_create`), which may be slow to
//! serve it or never do. So the lead is only *reserved* for the new thread: a busy thread
//! that finishes first takes it, and the newcomer joins as a follower; a seat dropped
//! unserved gives its place back.

mod seat;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

pub use seat::{PoolSeat, Spawner};

/// How a pool grows and shrinks.
#[derive(Clone, Debug)]
pub(crate) struct PoolConfig {
    /// Threads kept however idle the pool is (at least 1: the leader).
    pub(crate) min_threads: usize,
    /// Threads the pool never exceeds.
    pub(crate) max_threads: usize,
    /// How long a thread above the minimum may stay idle before it exits.
    pub(crate) idle_timeout: Duration,
    /// The name of the pool's threads.
    pub(crate) name: String,
    /// Starts the pool's threads (`None`: `std::thread`).
    pub(crate) spawner: Option<Spawner>,
}

impl Default for PoolConfig {
    fn default() -> PoolConfig {
        PoolConfig {
            min_threads: 1,
            max_threads: 64,
            idle_timeout: Duration::from_secs(10),
            name: "ostium-door".into(),
            spawner: None,
        }
    }
}

/// What a pool's threads do.
pub(crate) trait Work: Send + Sync + 'static {
    /// One unit of work.
    type Item: Send;

    /// Blocks until there is work, or returns `None` when the pool is to stop. Only the
    /// leader calls it, so it is never called by two threads at once.
    fn next(&self) -> Option<Self::Item>;

    /// Does the work; called by many threads at once.
    fn handle(&self, item: Self::Item);
}

/// What a follower is told when it is woken (and, for `Retired`, what it decided).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Signal {
    Wait,
    Lead,
    Exit,
    /// Idle past the timeout and taken out of the pool (already uncounted).
    Retired,
}

/// An idle thread's place to wait.
struct Follower {
    signal: Mutex<Signal>,
    wake: Condvar,
}

impl Follower {
    fn tell(&self, signal: Signal) {
        *lock(&self.signal) = signal;
        self.wake.notify_one();
    }
}

struct State {
    /// A thread is leading, or the lead is reserved for the pending thread.
    leader: bool,
    /// The lead is reserved for the pending thread, which has not begun: the first thread to
    /// look for the lead takes it instead.
    lead_reserved: bool,
    /// Idle followers, most recently idle last.
    idle: Vec<Arc<Follower>>,
    /// Threads alive, the pending one included.
    threads: usize,
    /// A thread has been started (its seat handed to the spawner) and has not begun.
    pending: bool,
    /// The most threads alive at once.
    peak: usize,
    stopping: bool,
}

struct Shared<W> {
    work: W,
    config: PoolConfig,
    state: Mutex<State>,
    /// Signalled when a thread exits.
    exited: Condvar,
}

/// A running pool.
pub(crate) struct Pool<W: Work> {
    shared: Arc<Shared<W>>,
}

/// A snapshot of a pool's threads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolStats {
    /// Threads alive now, a pending one included.
    pub threads: usize,
    /// Threads idle now (not counting the leader).
    pub idle: usize,
    /// The most threads alive at once so far.
    pub peak: usize,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding a pool lock leaves its state consistent (every update is a
    // single assignment), so a poisoned lock is still usable.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<W: Work> Pool<W> {
    /// Starts the pool with one leader; it grows as work requires.
    pub(crate) fn start(work: W, mut config: PoolConfig) -> std::io::Result<Pool<W>> {
        config.min_threads = config.min_threads.max(1);
        config.max_threads = config.max_threads.max(config.min_threads);
        let state = State {
            leader: true,
            lead_reserved: true,
            idle: Vec::new(),
            threads: 1,
            pending: true,
            peak: 1,
            stopping: false,
        };
        let shared =
            Arc::new(Shared { work, config, state: Mutex::new(state), exited: Condvar::new() });
        spawn(&shared)?;
        Ok(Pool { shared })
    }

    /// The work the pool does.
    pub(crate) fn work(&self) -> &W {
        &self.shared.work
    }

    /// How many threads the pool has, and how many are idle.
    pub(crate) fn stats(&self) -> PoolStats {
        let state = lock(&self.shared.state);
        PoolStats { threads: state.threads, idle: state.idle.len(), peak: state.peak }
    }

    /// Waits until every thread has exited (after [`Work::next`] returned `None` and the
    /// work in progress finished). A seat that a custom spawner has not served yet is not
    /// waited for: it may never be, and when it is, it finds the pool stopped and leaves.
    pub(crate) fn wait_stopped(&self) {
        let unserved_may_stay = self.shared.config.spawner.is_some();
        let mut state = lock(&self.shared.state);
        while state.threads > usize::from(unserved_may_stay && state.pending) {
            state = self.shared.exited.wait(state).unwrap_or_else(PoisonError::into_inner);
        }
    }
}

/// Starts one thread. The caller has counted it in `threads` and set `pending`, and
/// reserved the lead for it if it is to lead. A seat dropped unserved (the spawner failed)
/// gives its place back.
fn spawn<W: Work>(shared: &Arc<Shared<W>>) -> std::io::Result<()> {
    let seat = PoolSeat::new(Arc::clone(shared));
    match &shared.config.spawner {
        Some(spawner) => spawner.spawn(seat),
        None => {
            let name = shared.config.name.clone();
            std::thread::Builder::new().name(name).spawn(move || seat.serve()).map(drop)
        }
    }
}

/// A thread's life: lead when it is its turn, otherwise wait as a follower.
fn run<W: Work>(shared: &Arc<Shared<W>>) {
    let mut leading = {
        let mut state = lock(&shared.state);
        state.pending = false;
        if state.stopping {
            drop(state);
            return exit(shared);
        }
        // A thread is started because nobody could lead: it leads unless a thread that
        // finished its work took the lead first.
        std::mem::replace(&mut state.lead_reserved, false)
    };
    let me = Arc::new(Follower { signal: Mutex::new(Signal::Wait), wake: Condvar::new() });
    loop {
        if !leading {
            match follow(shared, &me) {
                Signal::Lead => {}
                Signal::Retired => return,
                _ => return exit(shared),
            }
        }
        let Some(item) = shared.work.next() else {
            stop(shared);
            return exit(shared);
        };
        promote_next(shared);
        if catch_unwind(AssertUnwindSafe(|| shared.work.handle(item))).is_err() {
            static PANICKED: ostium_sys::Throttle = ostium_sys::Throttle::per_second();
            if let Some(suppressed) = PANICKED.pass() {
                tracing::error!(suppressed, "a door worker's work panicked; the worker goes on");
            }
        }
        leading = false;
    }
}

/// Waits until this thread is to lead (`Lead`), to exit (`Exit`), or has been idle too
/// long and left the pool (`Retired`).
fn follow<W: Work>(shared: &Shared<W>, me: &Arc<Follower>) -> Signal {
    {
        let mut state = lock(&shared.state);
        if state.stopping {
            return Signal::Exit;
        }
        if !state.leader {
            state.leader = true;
            return Signal::Lead;
        }
        if state.lead_reserved {
            // The new thread has not begun: lead in its place.
            state.lead_reserved = false;
            return Signal::Lead;
        }
        *lock(&me.signal) = Signal::Wait;
        state.idle.push(Arc::clone(me));
    }
    // Lock order is always the pool's state, then a follower's signal (as `promote_next`
    // and `stop` take them); so the state is read here before the signal is locked.
    loop {
        let above_minimum = lock(&shared.state).threads > shared.config.min_threads;
        let signal = lock(&me.signal);
        if *signal != Signal::Wait {
            return *signal;
        }
        if !above_minimum {
            // At or below the minimum: wait without a timeout, so an idle pool never wakes.
            let signal = me.wake.wait(signal).unwrap_or_else(PoisonError::into_inner);
            if *signal != Signal::Wait {
                return *signal;
            }
            continue;
        }
        let (signal, timeout) = me
            .wake
            .wait_timeout(signal, shared.config.idle_timeout)
            .unwrap_or_else(PoisonError::into_inner);
        if *signal != Signal::Wait {
            return *signal;
        }
        drop(signal);
        if timeout.timed_out() && retire(shared, me) {
            return Signal::Retired;
        }
    }
}

/// Takes an idle thread out of the pool if it is still idle and above the minimum.
fn retire<W: Work>(shared: &Shared<W>, me: &Arc<Follower>) -> bool {
    let mut state = lock(&shared.state);
    if state.threads <= shared.config.min_threads {
        return false;
    }
    let Some(position) = state.idle.iter().position(|f| Arc::ptr_eq(f, me)) else {
        // Promoted or told to exit as the timeout passed: the signal says which.
        return false;
    };
    state.idle.remove(position);
    state.threads -= 1;
    shared.exited.notify_all();
    true
}

/// The leader got work: hand leadership on, to the most recently idle follower, or to a new
/// thread if there is none and the pool may grow.
fn promote_next<W: Work>(shared: &Arc<Shared<W>>) {
    let mut state = lock(&shared.state);
    if let Some(follower) = state.idle.pop() {
        follower.tell(Signal::Lead);
        return;
    }
    if state.threads < shared.config.max_threads && !state.pending && !state.stopping {
        state.threads += 1;
        state.peak = state.peak.max(state.threads);
        state.pending = true;
        state.lead_reserved = true;
        drop(state);
        if let Err(err) = spawn(shared) {
            // The seat, dropped unserved, has given its place back.
            static SPAWN_FAILED: ostium_sys::Throttle = ostium_sys::Throttle::per_second();
            if let Some(suppressed) = SPAWN_FAILED.pass() {
                tracing::warn!(%err, suppressed, "could not start a door worker");
            }
        }
        return;
    }
    // Every thread is busy and the pool is at its maximum (or a new thread is on its way):
    // the next thread to finish its work leads.
    state.leader = false;
}

/// The leader was told to stop: stop every idle follower too.
fn stop<W: Work>(shared: &Shared<W>) {
    let mut state = lock(&shared.state);
    state.stopping = true;
    state.leader = false;
    for follower in state.idle.drain(..) {
        follower.tell(Signal::Exit);
    }
}

fn exit<W: Work>(shared: &Shared<W>) {
    let mut state = lock(&shared.state);
    state.threads -= 1;
    shared.exited.notify_all();
}

/// A seat was dropped unserved: the thread it stood for will not come. If the lead was
/// reserved for it, the most recently idle follower leads, or else the next thread to
/// finish its work.
fn abandon<W: Work>(shared: &Shared<W>) {
    let mut state = lock(&shared.state);
    state.threads -= 1;
    state.pending = false;
    if std::mem::replace(&mut state.lead_reserved, false) {
        match state.idle.pop() {
            Some(follower) => follower.tell(Signal::Lead),
            None => state.leader = false,
        }
    }
    shared.exited.notify_all();
}

#[cfg(test)]
mod tests;
