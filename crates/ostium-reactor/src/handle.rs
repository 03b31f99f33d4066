//! `LoopHandle`: reaching a loop from other threads — posting work to it, stopping it.

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use ostium_sys::Waker;

use crate::Context;

/// Work posted into a loop, run on the loop's thread with its service and context.
pub type Job<S> = Box<dyn FnOnce(&mut S, &mut Context<'_>) + Send>;

/// What a loop shares with its handles.
pub(crate) struct Shared<S> {
    pub(crate) waker: Waker,
    queue: Mutex<Vec<Job<S>>>,
    /// Set by the first post or stop since the loop last looked, so that a burst of posts
    /// costs one wake-up (one eventfd write) rather than one each.
    notified: AtomicBool,
    stop: AtomicBool,
}

impl<S> Shared<S> {
    pub(crate) fn new() -> io::Result<Shared<S>> {
        Ok(Shared {
            waker: Waker::new()?,
            queue: Mutex::new(Vec::new()),
            notified: AtomicBool::new(false),
            stop: AtomicBool::new(false),
        })
    }

    fn notify(&self) -> io::Result<()> {
        if !self.notified.swap(true, Ordering::AcqRel) {
            self.waker.wake()?;
        }
        Ok(())
    }

    /// Called by the loop when its waker fires: clears the notification, then takes the
    /// jobs. (In that order: a post that lands in between wakes the loop once more, which
    /// is harmless; the other order could leave a job waiting for a wake that never comes.)
    pub(crate) fn take_jobs(&self) -> io::Result<Vec<Job<S>>> {
        self.waker.drain()?;
        self.notified.store(false, Ordering::Release);
        Ok(std::mem::take(&mut *self.queue.lock().unwrap_or_else(PoisonError::into_inner)))
    }

    pub(crate) fn stop_requested(&self) -> bool {
        self.stop.load(Ordering::Acquire)
    }
}

/// A handle to an [`EventLoop`](crate::EventLoop), usable from any thread.
pub struct LoopHandle<S> {
    pub(crate) shared: Arc<Shared<S>>,
}

impl<S> LoopHandle<S> {
    /// Runs `job` on the loop's thread, with its service and a [`Context`], as soon as the
    /// loop has finished what it is doing.
    pub fn post(
        &self,
        job: impl FnOnce(&mut S, &mut Context<'_>) + Send + 'static,
    ) -> io::Result<()> {
        self.shared.queue.lock().unwrap_or_else(PoisonError::into_inner).push(Box::new(job));
        self.shared.notify()
    }

    /// Asks the loop to stop: it closes its listeners and connections and `run` returns.
    pub fn stop(&self) -> io::Result<()> {
        self.shared.stop.store(true, Ordering::Release);
        self.shared.waker.wake()
    }
}

impl<S> Clone for LoopHandle<S> {
    fn clone(&self) -> Self {
        LoopHandle { shared: Arc::clone(&self.shared) }
    }
}

impl<S> std::fmt::Debug for LoopHandle<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoopHandle").finish_non_exhaustive()
    }
}
