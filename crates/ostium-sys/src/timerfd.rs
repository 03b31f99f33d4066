//! `TimerFd`: a timer as a descriptor, which a poller waits for like a socket.

use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::time::Duration;

use rustix::io::Errno;
use rustix::time::{Itimerspec, TimerfdClockId, TimerfdFlags, TimerfdTimerFlags, Timespec};

use crate::error::{Named, retry_on_intr};

/// A timerfd on `CLOCK_MONOTONIC`: readable once it has expired, until
/// [`read_expirations`](TimerFd::read_expirations) collects the count.
///
/// The monotonic clock is the one `std::time::Instant` reads: wall-clock changes do not move
/// it. The descriptor is non-blocking, so reading it never waits.
#[derive(Debug)]
pub struct TimerFd {
    fd: OwnedFd,
}

impl TimerFd {
    /// `timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK)`: a disarmed timer.
    pub fn new() -> io::Result<TimerFd> {
        let fd = rustix::time::timerfd_create(
            TimerfdClockId::Monotonic,
            TimerfdFlags::CLOEXEC | TimerfdFlags::NONBLOCK,
        )
        .named(|| "timerfd_create(CLOCK_MONOTONIC)")?;
        Ok(TimerFd { fd })
    }

    /// `timerfd_settime`: expires once, `after` from now, replacing any earlier setting.
    ///
    /// A zero `after` expires at once (to the kernel, a zero time would mean "disarm").
    pub fn set_oneshot(&self, after: Duration) -> io::Result<()> {
        self.set(after, Duration::ZERO)
    }

    /// `timerfd_settime`: expires `first` from now, then every `every`, replacing any
    /// earlier setting. A zero `every` makes it a one-shot timer.
    pub fn set_interval(&self, first: Duration, every: Duration) -> io::Result<()> {
        self.set(first, every)
    }

    /// `timerfd_settime` with zero: stops the timer. Expirations not yet read are dropped.
    pub fn disarm(&self) -> io::Result<()> {
        let zero = Itimerspec {
            it_interval: timespec(Duration::ZERO),
            it_value: timespec(Duration::ZERO),
        };
        rustix::time::timerfd_settime(&self.fd, TimerfdTimerFlags::empty(), &zero)
            .named(|| "timerfd_settime(disarm)")?;
        Ok(())
    }

    /// `read`: how many times the timer has expired since the last read (or since it was
    /// set), resetting the count; 0 if it has not expired yet. Never waits.
    pub fn read_expirations(&self) -> io::Result<u64> {
        let mut count = [0u8; 8];
        match retry_on_intr(|| rustix::io::read(&self.fd, &mut count)) {
            Ok(_) => Ok(u64::from_ne_bytes(count)),
            Err(Errno::AGAIN) => Ok(0),
            Err(errno) => Err(errno.into()),
        }
    }

    fn set(&self, first: Duration, every: Duration) -> io::Result<()> {
        // A zero first expiration would disarm the timer; the earliest real one is 1 ns.
        let first = first.max(Duration::from_nanos(1));
        let spec = Itimerspec { it_interval: timespec(every), it_value: timespec(first) };
        rustix::time::timerfd_settime(&self.fd, TimerfdTimerFlags::empty(), &spec)
            .named(|| "timerfd_settime")?;
        Ok(())
    }
}

impl AsFd for TimerFd {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

/// A relative `Duration` as a `timespec`, saturating at the largest number of seconds.
fn timespec(duration: Duration) -> Timespec {
    Timespec {
        tv_sec: duration.as_secs().try_into().unwrap_or(i64::MAX),
        tv_nsec: duration.subsec_nanos().into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustix::event::{PollFd, PollFlags, poll};
    use std::time::Instant;

    /// Waits (up to a second) until `timer` is readable; whether it became so.
    fn wait_readable(timer: &TimerFd) -> bool {
        let limit = timespec(Duration::from_secs(1));
        loop {
            let mut fds = [PollFd::new(timer, PollFlags::IN)];
            match poll(&mut fds, Some(&limit)) {
                Ok(n) => return n == 1,
                Err(Errno::INTR) => continue,
                Err(errno) => panic!("poll: {errno}"),
            }
        }
    }

    #[test]
    fn a_oneshot_fires_once_and_not_before_its_time() {
        let timer = TimerFd::new().unwrap();
        let start = Instant::now();
        timer.set_oneshot(Duration::from_millis(30)).unwrap();
        assert_eq!(timer.read_expirations().unwrap(), 0);
        assert!(wait_readable(&timer));
        assert!(start.elapsed() >= Duration::from_millis(30), "{:?}", start.elapsed());
        assert_eq!(timer.read_expirations().unwrap(), 1);
        std::thread::sleep(Duration::from_millis(10));
        assert_eq!(timer.read_expirations().unwrap(), 0);
    }

    #[test]
    fn a_zero_oneshot_fires_at_once() {
        let timer = TimerFd::new().unwrap();
        timer.set_oneshot(Duration::ZERO).unwrap();
        assert!(wait_readable(&timer));
        assert_eq!(timer.read_expirations().unwrap(), 1);
    }

    #[test]
    fn an_interval_counts_its_expirations() {
        let timer = TimerFd::new().unwrap();
        let start = Instant::now();
        let every = Duration::from_millis(10);
        timer.set_interval(every, every).unwrap();
        std::thread::sleep(Duration::from_millis(75));
        let count = timer.read_expirations().unwrap();
        let most = (start.elapsed().as_millis() / 10) as u64;
        assert!((7..=most).contains(&count), "{count} expirations in {:?}", start.elapsed());
        // It keeps going after a read.
        assert!(wait_readable(&timer));
        assert!(timer.read_expirations().unwrap() >= 1);
    }

    #[test]
    fn disarm_stops_the_timer() {
        let timer = TimerFd::new().unwrap();
        timer.set_interval(Duration::from_millis(5), Duration::from_millis(5)).unwrap();
        timer.disarm().unwrap();
        std::thread::sleep(Duration::from_millis(30));
        assert_eq!(timer.read_expirations().unwrap(), 0);
    }

    #[test]
    fn the_descriptor_is_cloexec_and_nonblocking() {
        let timer = TimerFd::new().unwrap();
        assert!(rustix::io::fcntl_getfd(&timer).unwrap().contains(rustix::io::FdFlags::CLOEXEC));
        assert!(rustix::fs::fcntl_getfl(&timer).unwrap().contains(rustix::fs::OFlags::NONBLOCK));
    }
}
