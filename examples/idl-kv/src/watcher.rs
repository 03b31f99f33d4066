//! [`Watcher`]: the `Events` server — it records what reaches it (calls and notification
//! bits, in order) in a [`Log`] the tests read, and serves one caller alone between `lock`
//! and `unlock` (closed receive).

use std::io::Read;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use ostium::Caller;
use ostium_rpc::{NotificationHandler, Source};

use crate::events::InOrderEventsImpl;

/// What happened in the server, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Happened {
    /// A `hold` call began.
    HoldStart,
    /// A `hold` call ended.
    HoldEnd,
    /// `handle_notification` ran with these bits.
    Notified(u32),
    /// `closed_recv_fail`: the locking client died.
    LockerDied,
}

/// The server's record, shared with the test that serves it.
pub type Log = Arc<Mutex<Vec<Happened>>>;

/// The `Events` server.
#[derive(Debug)]
pub struct Watcher {
    log: Log,
    mask: u32,
    handled: u32,
    locker: Option<Source>,
    /// Read from when the readable bit comes, so that the pipe is drained.
    pub pipe: Option<std::io::PipeReader>,
    /// The bit of the pipe.
    pub pipe_bit: u32,
}

impl Watcher {
    /// A server taking every bit, recording into `log`.
    pub fn new(log: Log) -> Watcher {
        Watcher { log, mask: u32::MAX, handled: 0, locker: None, pipe: None, pipe_bit: 0 }
    }

    fn record(&self, happened: Happened) {
        self.log.lock().unwrap_or_else(PoisonError::into_inner).push(happened);
    }
}

impl InOrderEventsImpl for Watcher {
    fn handled(&mut self, _: &Caller) -> u32 {
        self.handled
    }

    fn set_mask(&mut self, _: &Caller, mask: u32) {
        self.mask = mask;
    }

    fn hold(&mut self, _: &Caller, millis: u32) {
        self.record(Happened::HoldStart);
        std::thread::sleep(Duration::from_millis(millis.into()));
        self.record(Happened::HoldEnd);
    }

    fn lock(&mut self, caller: &Caller) {
        self.locker = Source::of(caller);
    }

    fn unlock(&mut self, _: &Caller) {
        self.locker = None;
    }

    fn recv_source(&self) -> Option<Source> {
        self.locker
    }

    fn closed_recv_fail(&mut self) {
        self.locker = None;
        self.record(Happened::LockerDied);
    }
}

impl NotificationHandler for Watcher {
    fn current_notifications(&self) -> u32 {
        self.mask
    }

    fn handle_notification(&mut self, bits: u32) {
        if bits & self.pipe_bit != 0
            && let Some(pipe) = &mut self.pipe
        {
            // One read takes what the test wrote (it writes less than a pipe's buffer).
            let _ = pipe.read(&mut [0; 64]);
        }
        self.handled |= bits;
        self.record(Happened::Notified(bits));
    }
}
