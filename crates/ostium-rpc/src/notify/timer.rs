//! [`Timer`]: a notification source the server sets, and sets again, from its handlers
//! (Hubris's `sys_set_timer`), on a timerfd.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use ostium_sys::TimerFd;

/// A timer that posts its bits when it expires. Cheap to clone; every clone sets the same
/// timer. Setting it replaces the earlier setting.
#[derive(Clone, Debug)]
pub struct Timer {
    pub(crate) fd: Arc<TimerFd>,
}

impl Timer {
    /// Expires once, `after` from now.
    pub fn set_after(&self, after: Duration) -> io::Result<()> {
        self.fd.set_oneshot(after)
    }

    /// Expires `first` from now, then every `every`. Expirations the server has not yet
    /// handled make one notification.
    pub fn set_interval(&self, first: Duration, every: Duration) -> io::Result<()> {
        self.fd.set_interval(first, every)
    }

    /// Stops the timer; an expiration not yet seen by the event thread is dropped.
    pub fn cancel(&self) -> io::Result<()> {
        self.fd.disarm()
    }
}
