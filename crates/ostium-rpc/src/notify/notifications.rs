//! [`Notifications`]: the sources of a server's notification bits, gathered before it is
//! served.

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::sync::Arc;

use ostium_sys::{Interest, Signal, SignalFd, TimerFd, Token};

use super::hub::{FIRST_SOURCE, SIGNALS};
use super::{Hub, Notifier, NotifyError, Timer};

/// The notification sources of one server: timers, signals, readable descriptors, and
/// [`Notifier`]s for other threads. Build it, keep the handles the server needs (give them
/// to the server object), then pass it to a generated `serve_in_order_notified`.
///
/// ```no_run
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use std::time::Duration;
/// use ostium_rpc::{Notifications, Signal, block_signals};
///
/// block_signals(&[Signal::Hangup])?; // in main, before any thread starts
/// let mut notifications = Notifications::new()?;
/// let tick = notifications.timer(1 << 0)?;
/// tick.set_interval(Duration::from_secs(1), Duration::from_secs(1))?;
/// notifications.signal(1 << 1, Signal::Hangup)?;
/// let notifier = notifications.notifier(); // posts from other threads
/// notifier.post(1 << 2);
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Notifications {
    pub(crate) hub: Arc<Hub>,
    /// The sources, by token − [`FIRST_SOURCE`].
    pub(crate) sources: Vec<Watched>,
    signals: Vec<(Signal, u32)>,
    signal_fd: Option<SignalFd>,
}

/// A descriptor the event thread waits on, and the bits it posts.
#[derive(Debug)]
pub(crate) enum Watched {
    /// Posts on expiry; the expirations are read (and reset) by the event thread.
    Timer(Arc<TimerFd>, u32),
    /// Posts while readable; watched one-shot and re-armed after each handling.
    Readable(OwnedFd, u32),
}

impl Notifications {
    /// No sources yet.
    pub fn new() -> Result<Notifications, NotifyError> {
        let hub = Hub::new().map_err(NotifyError::io("the event thread's epoll set"))?;
        Ok(Notifications {
            hub: Arc::new(hub),
            sources: Vec::new(),
            signals: Vec::new(),
            signal_fd: None,
        })
    }

    /// A handle other threads post bits with.
    pub fn notifier(&self) -> Notifier {
        Notifier { hub: self.hub.clone() }
    }

    /// A timer posting `bits` when it expires; disarmed until set.
    pub fn timer(&mut self, bits: u32) -> Result<Timer, NotifyError> {
        let fd = Arc::new(TimerFd::new().map_err(NotifyError::io("timerfd"))?);
        self.add(fd.as_fd(), Interest::READABLE, false, bits)?;
        self.sources.push(Watched::Timer(fd.clone(), bits));
        Ok(Timer { fd })
    }

    /// Posts `bits` when `signal` arrives. The signal must already be blocked in the calling
    /// thread (and, for it to reach the event thread at all, in every thread of the
    /// process: [`block_signals`](ostium::block_signals) in `main`).
    pub fn signal(&mut self, bits: u32, signal: Signal) -> Result<(), NotifyError> {
        if bits == 0 {
            return Err(NotifyError::NoBits);
        }
        if !ostium_sys::is_blocked(signal).map_err(NotifyError::io("pthread_sigmask"))? {
            return Err(NotifyError::SignalNotBlocked(signal));
        }
        self.signals.push((signal, bits));
        // One signalfd for all the signals, made again with the larger set (closing the old
        // one removes it from the epoll set).
        let set: Vec<Signal> = self.signals.iter().map(|(s, _)| *s).collect();
        let fd = SignalFd::new(&set).map_err(NotifyError::io("signalfd"))?;
        self.signal_fd = None;
        self.hub.poller.add(&fd, SIGNALS, Interest::READABLE).map_err(NotifyError::io("epoll"))?;
        self.signal_fd = Some(fd);
        Ok(())
    }

    /// Posts `bits` whenever `fd` is readable. The event thread watches a duplicate of it,
    /// so the caller keeps `fd` to read from in its handler; the bit comes again after each
    /// handling for as long as the descriptor stays readable.
    pub fn readable(&mut self, bits: u32, fd: BorrowedFd<'_>) -> Result<(), NotifyError> {
        let fd = ostium_sys::duplicate_fd(&fd).map_err(NotifyError::io("dup"))?;
        self.add(fd.as_fd(), Interest::READABLE, true, bits)?;
        self.sources.push(Watched::Readable(fd, bits));
        Ok(())
    }

    /// Registers the next source's descriptor.
    fn add(
        &self,
        fd: BorrowedFd<'_>,
        interest: Interest,
        oneshot: bool,
        bits: u32,
    ) -> Result<(), NotifyError> {
        if bits == 0 {
            return Err(NotifyError::NoBits);
        }
        let token = Token(FIRST_SOURCE + self.sources.len() as u64);
        let poller = &self.hub.poller;
        let added = match oneshot {
            true => poller.add_oneshot(&fd, token, interest),
            false => poller.add(&fd, token, interest),
        };
        added.map_err(NotifyError::io("epoll"))
    }

    /// Reads every pending signal and sets its bits pending.
    pub(crate) fn read_signals(&self) {
        let Some(fd) = &self.signal_fd else { return };
        while let Ok(Some(signal)) = fd.read() {
            let bits = self.signals.iter().filter(|(s, _)| *s == signal).map(|(_, b)| b);
            self.hub.set_pending(bits.fold(0, |all, b| all | b));
        }
    }
}
