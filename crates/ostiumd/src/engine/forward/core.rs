//! [`ForwardCore`]: what every mode's service of a forward holds the same way — the
//! forward's settings, the loop's [`DoorPool`] and the calls it finished, whether the loop
//! is draining — and the glue each did by copy: applying a reload, ending a turn (the
//! calls queued go out together), readiness of a door connection, stopping once drained.

use std::sync::Arc;

use ostium_reactor::{Context, Readiness, WatchId};

use super::door_pool::{Done, DoorPool, Job, MAX_DOOR_CONNECTIONS};
use crate::config::Forward;

/// The part of a forward's service that does not depend on its mode; `T` tags the calls.
pub struct ForwardCore<T> {
    /// The forward's settings (a reload replaces them).
    pub forward: Arc<Forward>,
    /// The loop's connections to the forward's door.
    pub pool: DoorPool<T>,
    /// Calls finished, not yet handed to their clients.
    pub done: Vec<Done<T>>,
    /// The daemon is stopping: no new work; the loop stops once idle.
    pub draining: bool,
}

impl<T: PartialEq> ForwardCore<T> {
    /// The core of a loop serving `forward`.
    pub fn new(forward: Arc<Forward>) -> ForwardCore<T> {
        ForwardCore {
            pool: DoorPool::new(&forward.door, MAX_DOOR_CONNECTIONS),
            forward,
            done: Vec::new(),
            draining: false,
        }
    }

    /// A reload of the same forward: new calls go to its door as it is now; what is in
    /// progress finishes as it started.
    pub fn reconfigure(&mut self, cx: &mut Context<'_>, forward: Arc<Forward>) {
        self.pool.retarget(cx, &forward.door);
        self.forward = forward;
    }

    /// Makes a call (finished at once, into `done`, if it cannot be made).
    pub fn submit(&mut self, cx: &mut Context<'_>, job: Job<T>) {
        self.pool.submit(cx, job, &mut self.done);
    }

    /// The end of a loop turn: the calls queued during it go out together.
    pub fn end_turn(&mut self, cx: &mut Context<'_>) {
        self.pool.flush(cx, &mut self.done);
    }

    /// A watched descriptor is ready: returns whether it was one of the pool's (calls may
    /// have finished).
    pub fn on_ready(&mut self, cx: &mut Context<'_>, watch: WatchId, ready: Readiness) -> bool {
        self.pool.on_ready(cx, watch, ready, &mut self.done)
    }

    /// Stops the loop if it is draining and `idle` (nothing of its own in progress).
    pub fn stop_if_drained(&mut self, cx: &mut Context<'_>, idle: bool) {
        if self.draining && idle {
            self.pool.close_all(cx);
            cx.stop();
        }
    }
}
