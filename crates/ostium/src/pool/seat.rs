//! [`PoolSeat`]: a place in a door's pool waiting for a thread, and the [`Spawner`] that
//! finds one.
//!
//! A door's pool starts threads as it needs them. By default it starts them itself; a
//! program that must own its threads (libdoor's `door_server_create`, which hands the
//! decision to the C program) supplies a spawner instead, and the pool hands it a seat
//! each time it needs a thread. Whichever thread serves the seat becomes one of the pool's
//! threads until the pool retires it or stops.

use std::sync::Arc;

use super::{Shared, Work};

/// A place in a door's thread pool, waiting for a thread: [`serve`](PoolSeat::serve) it on
/// the thread that is to work for the door. Dropped unserved, it gives its place back, and
/// the pool may ask for a thread again at its next peak.
pub struct PoolSeat {
    pool: Option<Arc<dyn Seated>>,
}

/// What a seat needs of its pool, whatever the pool's work is.
trait Seated: Send + Sync {
    fn serve(self: Arc<Self>);
    fn abandon(&self);
}

impl<W: Work> Seated for Shared<W> {
    fn serve(self: Arc<Self>) {
        super::run(&self);
    }

    fn abandon(&self) {
        super::abandon(self);
    }
}

impl PoolSeat {
    pub(super) fn new<W: Work>(shared: Arc<Shared<W>>) -> PoolSeat {
        PoolSeat { pool: Some(shared) }
    }

    /// Works for the door on this thread: serves its calls as one of its pool's threads,
    /// and returns when the pool retires the thread (idle past the door's `idle_timeout`,
    /// above its minimum) or stops (the door was dropped).
    pub fn serve(mut self) {
        if let Some(pool) = self.pool.take() {
            pool.serve();
        }
    }
}

impl Drop for PoolSeat {
    fn drop(&mut self) {
        if let Some(pool) = self.pool.take() {
            pool.abandon();
        }
    }
}

impl std::fmt::Debug for PoolSeat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PoolSeat").field("served", &self.pool.is_none()).finish()
    }
}

/// Starts a door's threads: given a seat, it arranges for a thread to
/// [`serve`](PoolSeat::serve) it, without serving it on the calling thread (the pool's
/// leader, which has a call to answer). An error, or a seat dropped unserved, counts as a
/// thread that could not start.
#[derive(Clone)]
pub struct Spawner(Arc<dyn Fn(PoolSeat) -> std::io::Result<()> + Send + Sync>);

impl Spawner {
    /// A spawner that calls `spawn` for each thread the pool needs.
    pub fn new(spawn: impl Fn(PoolSeat) -> std::io::Result<()> + Send + Sync + 'static) -> Self {
        Spawner(Arc::new(spawn))
    }

    pub(super) fn spawn(&self, seat: PoolSeat) -> std::io::Result<()> {
        (self.0)(seat)
    }
}

impl std::fmt::Debug for Spawner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Spawner")
    }
}
