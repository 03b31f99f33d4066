//! [`ForwardCore`]: what every mode's service of a forward holds the same way — the
//! forward's settings, the loop's [`DoorPool`] and the calls it finished, whether the loop
//! is draining — and the glue each did by copy: applying a reload, ending a turn (the
//! calls queued go out together), readiness of a door connection, stopping once drained.
//! A mode's service implements [`CoreService`] and has that glue written once.

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

/// A mode's service built on a [`ForwardCore`]: given its core, whether it is quiet and
/// how it hands finished calls on, it has the glue every mode shares.
pub trait CoreService {
    /// What tags the service's door calls.
    type Tag: PartialEq;

    /// The service's core.
    fn core(&mut self) -> &mut ForwardCore<Self::Tag>;

    /// Whether nothing the service started is unfinished (so a drain may stop the loop).
    fn is_quiet(&self) -> bool;

    /// Hands the calls finished (in the core's `done`) to what waits for them.
    fn deliver_finished(&mut self, cx: &mut Context<'_>);

    /// Stops the loop if it is draining and the service is quiet.
    fn stop_if_drained(&mut self, cx: &mut Context<'_>) {
        let quiet = self.is_quiet();
        self.core().stop_if_drained(cx, quiet);
    }

    /// Takes no new work; the loop stops once what is in progress is done.
    fn drain(&mut self, cx: &mut Context<'_>) {
        self.core().draining = true;
        self.stop_if_drained(cx);
    }

    /// The end of a loop turn: the calls queued during it go out together (see
    /// [`DoorPool`]), and those finished are handed on.
    fn turn_ended(&mut self, cx: &mut Context<'_>) {
        self.core().end_turn(cx);
        self.deliver_finished(cx);
    }

    /// A watched descriptor is ready: if it was a door connection's, calls may have finished.
    fn door_ready(&mut self, cx: &mut Context<'_>, watch: WatchId, ready: Readiness) {
        if self.core().on_ready(cx, watch, ready) {
            self.deliver_finished(cx);
        }
    }
}
