//! `Waker`: wake a blocked poller from another thread, with an eventfd.

use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use rustix::event::{EventfdFlags, eventfd};
use rustix::io::Errno;

use crate::error::{Named, retry_on_intr};

/// An eventfd that another thread writes to wake a [`Poller`](crate::Poller) waiting on it.
///
/// Register it for readable interest. Many [`wake`](Waker::wake)s before the poller looks
/// add up in the eventfd's counter and make one readable event; [`drain`](Waker::drain)
/// resets the counter.
#[derive(Debug)]
pub struct Waker {
    fd: OwnedFd,
}

impl Waker {
    /// `eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)`.
    pub fn new() -> io::Result<Waker> {
        let fd = eventfd(0, EventfdFlags::CLOEXEC | EventfdFlags::NONBLOCK).named(|| "eventfd")?;
        Ok(Waker { fd })
    }

    /// Adds one to the counter, making the eventfd readable. Safe to call from any thread.
    pub fn wake(&self) -> io::Result<()> {
        match retry_on_intr(|| rustix::io::write(&self.fd, &1u64.to_ne_bytes())) {
            // The counter is at its maximum: the poller has not looked for 2^64 - 2 wakes, and
            // it is readable already, which is all a wake has to achieve.
            Ok(_) | Err(Errno::AGAIN) => Ok(()),
            Err(errno) => Err(errno.into()),
        }
    }

    /// Resets the counter, so the eventfd is no longer readable. Returns how many wakes had
    /// been made since the last drain.
    pub fn drain(&self) -> io::Result<u64> {
        let mut count = [0u8; 8];
        match retry_on_intr(|| rustix::io::read(&self.fd, &mut count)) {
            Ok(_) => Ok(u64::from_ne_bytes(count)),
            Err(Errno::AGAIN) => Ok(0),
            Err(errno) => Err(errno.into()),
        }
    }
}

impl AsFd for Waker {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Events, Interest, Poller, Token};
    use std::sync::Arc;
    use std::time::Duration;

    #[test]
    fn a_wake_from_another_thread_ends_a_blocked_wait() {
        let poller = Poller::new().unwrap();
        let waker = Arc::new(Waker::new().unwrap());
        poller.add(&*waker, Token(7), Interest::READABLE).unwrap();
        let remote = Arc::clone(&waker);
        let thread = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            remote.wake().unwrap();
        });
        let mut events = Events::with_capacity(4);
        // No timeout: only the wake can end this wait.
        assert_eq!(poller.wait(&mut events, None).unwrap(), 1);
        assert_eq!(events.iter().next().unwrap().token(), Token(7));
        thread.join().unwrap();
    }

    #[test]
    fn wakes_coalesce_into_one_event() {
        let poller = Poller::new().unwrap();
        let waker = Waker::new().unwrap();
        poller.add(&waker, Token(1), Interest::READABLE).unwrap();
        for _ in 0..5 {
            waker.wake().unwrap();
        }
        let mut events = Events::with_capacity(4);
        assert_eq!(poller.wait(&mut events, Some(Duration::ZERO)).unwrap(), 1);
        assert_eq!(waker.drain().unwrap(), 5);
        assert_eq!(poller.wait(&mut events, Some(Duration::ZERO)).unwrap(), 0);
        assert_eq!(waker.drain().unwrap(), 0);
    }
}
