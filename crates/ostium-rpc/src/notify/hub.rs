//! [`Hub`]: what the event thread shares with the server's calls and its notifiers — the
//! epoll set, the pending bits, and the process a closed receive watches.

use std::io;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Mutex, PoisonError};

use ostium_sys::{Interest, Poller, ProcessFd, Token, Waker};
use tracing::warn;

use crate::Source;

/// The waker's token: posts, and stopping.
pub(crate) const WAKER: Token = Token(0);
/// The signalfd's token.
pub(crate) const SIGNALS: Token = Token(1);
/// Tokens of the sources added by [`Notifications`](super::Notifications) start here.
pub(crate) const FIRST_SOURCE: u64 = 2;
/// A watched process's token has this bit set, and its watch's generation in the others,
/// so that an event of a watch since replaced is recognised as stale.
pub(crate) const PROCESS: u64 = 1 << 63;

/// The event thread's shared state.
#[derive(Debug)]
pub(crate) struct Hub {
    pub(crate) poller: Poller,
    waker: Waker,
    pending: AtomicU32,
    stopping: AtomicBool,
    watch: Mutex<Watch>,
}

#[derive(Debug, Default)]
struct Watch {
    process: Option<ProcessFd>,
    generation: u64,
}

impl Hub {
    pub(crate) fn new() -> io::Result<Hub> {
        let poller = Poller::new()?;
        let waker = Waker::new()?;
        poller.add(&waker, WAKER, Interest::READABLE)?;
        Ok(Hub {
            poller,
            waker,
            pending: AtomicU32::new(0),
            stopping: AtomicBool::new(false),
            watch: Mutex::default(),
        })
    }

    /// Sets `bits` pending and wakes the event thread.
    pub(crate) fn post(&self, bits: u32) {
        self.set_pending(bits);
        self.wake();
    }

    /// Sets `bits` pending, without waking anyone (the event thread's own sources).
    pub(crate) fn set_pending(&self, bits: u32) {
        self.pending.fetch_or(bits, Ordering::AcqRel);
    }

    /// Takes the pending bits of `mask` (leaving the others pending).
    pub(crate) fn take(&self, mask: u32) -> u32 {
        if self.pending.load(Ordering::Acquire) & mask == 0 {
            return 0;
        }
        self.pending.fetch_and(!mask, Ordering::AcqRel) & mask
    }

    /// Whether any of `mask` is pending.
    pub(crate) fn is_pending(&self, mask: u32) -> bool {
        self.pending.load(Ordering::Acquire) & mask != 0
    }

    pub(crate) fn wake(&self) {
        if let Err(err) = self.waker.wake() {
            warn!(%err, "could not wake a server's event thread");
        }
    }

    pub(crate) fn drain_waker(&self) {
        let _ = self.waker.drain();
    }

    pub(crate) fn stop(&self) {
        self.stopping.store(true, Ordering::Release);
        self.wake();
    }

    pub(crate) fn is_stopping(&self) -> bool {
        self.stopping.load(Ordering::Acquire)
    }

    /// Watches `source`'s process for its exit, in place of the one watched before (none
    /// for `None`). Returns the watch's generation, which the event thread passes back
    /// when the process exits. Fails if the process has already gone.
    pub(crate) fn watch(&self, source: Option<Source>) -> io::Result<u64> {
        let mut watch = self.watch.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(old) = watch.process.take() {
            let _ = self.poller.delete(&old);
        }
        watch.generation += 1;
        let Some(source) = source else { return Ok(watch.generation) };
        let process = ProcessFd::open(source.pid())?;
        let token = Token(PROCESS | watch.generation);
        // Level-triggered and removed once reported: an exited process stays readable.
        self.poller.add(&process, token, Interest::READABLE)?;
        watch.process = Some(process);
        Ok(watch.generation)
    }
}
