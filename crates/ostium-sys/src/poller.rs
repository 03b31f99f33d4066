//! `Poller`: readiness notification with epoll.

use std::io;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rustix::event::epoll::{self, EventData, EventFlags};
use rustix::io::Errno;
use rustix::time::Timespec;

use crate::error::Named;
use crate::{Interest, Token};

/// An epoll instance: descriptors registered with a [`Token`] and an [`Interest`], and a
/// [`wait`](Poller::wait) that returns the tokens of those that are ready.
///
/// [`add`](Poller::add) registers level-triggered: a descriptor is reported at every wait
/// until the condition is gone (its data read, its buffer drained).
/// [`add_edge_triggered`](Poller::add_edge_triggered) registers edge-triggered: a descriptor
/// is reported once each time it becomes ready (each arrival of data, say), and the caller
/// must drain it or remember to come back. See `ostium-reactor` for when each is the right
/// choice.
#[derive(Debug)]
pub struct Poller {
    epoll: OwnedFd,
}

impl Poller {
    /// `epoll_create1(EPOLL_CLOEXEC)`: a new, empty poller.
    pub fn new() -> io::Result<Poller> {
        let epoll = epoll::create(epoll::CreateFlags::CLOEXEC).named(|| "epoll_create1")?;
        Ok(Poller { epoll })
    }

    /// `epoll_ctl(EPOLL_CTL_ADD)`: start watching `fd` for `interest`, reporting `token`,
    /// level-triggered.
    pub fn add(&self, fd: &impl AsFd, token: Token, interest: Interest) -> io::Result<()> {
        self.control(Op::Add, fd, token, interest.epoll_flags())
    }

    /// `epoll_ctl(EPOLL_CTL_MOD)`: change the interest (and token) of a registered `fd`,
    /// level-triggered.
    pub fn modify(&self, fd: &impl AsFd, token: Token, interest: Interest) -> io::Result<()> {
        self.control(Op::Modify, fd, token, interest.epoll_flags())
    }

    /// `epoll_ctl(EPOLL_CTL_ADD)` with `EPOLLET`: start watching `fd` for `interest`,
    /// edge-triggered.
    pub fn add_edge_triggered(
        &self,
        fd: &impl AsFd,
        token: Token,
        interest: Interest,
    ) -> io::Result<()> {
        self.control(Op::Add, fd, token, interest.epoll_flags() | EventFlags::ET)
    }

    /// `epoll_ctl(EPOLL_CTL_MOD)` with `EPOLLET`: change the interest (and token) of `fd`,
    /// edge-triggered. The kernel checks readiness as it modifies: if `fd` is ready for the
    /// new interest now, an event is reported at the next wait, so re-adding an interest
    /// never misses data that arrived while it was off.
    pub fn modify_edge_triggered(
        &self,
        fd: &impl AsFd,
        token: Token,
        interest: Interest,
    ) -> io::Result<()> {
        self.control(Op::Modify, fd, token, interest.epoll_flags() | EventFlags::ET)
    }

    /// `epoll_ctl(EPOLL_CTL_ADD)` with `EPOLLONESHOT`: start watching `fd` for `interest`;
    /// after its first event it is disabled until [`rearm_oneshot`](Poller::rearm_oneshot).
    ///
    /// With several threads waiting on one poller, a one-shot registration is reported to
    /// exactly one of them, which then owns the descriptor until it re-arms it.
    pub fn add_oneshot(&self, fd: &impl AsFd, token: Token, interest: Interest) -> io::Result<()> {
        self.control(Op::Add, fd, token, interest.epoll_flags() | EventFlags::ONESHOT)
    }

    /// `epoll_ctl(EPOLL_CTL_MOD)` with `EPOLLONESHOT`: re-enables a one-shot registration.
    /// The kernel checks readiness as it re-arms, so input that arrived while it was
    /// disabled is reported.
    pub fn rearm_oneshot(
        &self,
        fd: &impl AsFd,
        token: Token,
        interest: Interest,
    ) -> io::Result<()> {
        self.control(Op::Modify, fd, token, interest.epoll_flags() | EventFlags::ONESHOT)
    }

    fn control(&self, op: Op, fd: &impl AsFd, token: Token, flags: EventFlags) -> io::Result<()> {
        let data = EventData::new_u64(token.0);
        match op {
            Op::Add => epoll::add(&self.epoll, fd, data, flags).named(|| "epoll_ctl(ADD)"),
            Op::Modify => epoll::modify(&self.epoll, fd, data, flags).named(|| "epoll_ctl(MOD)"),
        }
    }

    /// `epoll_ctl(EPOLL_CTL_DEL)`: stop watching `fd`.
    ///
    /// Closing a descriptor removes it too; this is for a descriptor that stays open.
    pub fn delete(&self, fd: &impl AsFd) -> io::Result<()> {
        epoll::delete(&self.epoll, fd).named(|| "epoll_ctl(DEL)")
    }

    /// `epoll_pwait2`: waits until a registered descriptor is ready or `timeout` passes
    /// (`None`: no timeout), and fills `events` with what is ready.
    ///
    /// The timeout has nanosecond precision (no rounding to milliseconds). Returns the number
    /// of events; zero means the timeout passed. A wait interrupted by a signal returns zero
    /// events too, so the caller recomputes its deadline as it would after a timeout. Nothing
    /// is allocated: `events` keeps its capacity from call to call.
    ///
    /// Where `epoll_pwait2` is missing (kernels before 5.11, some seccomp sandboxes, tools
    /// such as valgrind), the first `ENOSYS` switches the process to `epoll_wait` with the
    /// timeout rounded *up* to whole milliseconds: coarser, but still never early, and never
    /// a zero timeout that would make a caller spin.
    pub fn wait(&self, events: &mut Events, timeout: Option<Duration>) -> io::Result<usize> {
        events.list.clear();
        if !PWAIT2_MISSING.load(Ordering::Relaxed) {
            let spec = timeout.map(|t| Timespec {
                tv_sec: t.as_secs().try_into().unwrap_or(i64::MAX),
                tv_nsec: t.subsec_nanos().into(),
            });
            let buffer = rustix::buffer::spare_capacity(&mut events.list);
            match epoll::wait(&self.epoll, buffer, spec.as_ref()) {
                Ok(n) => return Ok(n),
                Err(Errno::INTR) => return Ok(0),
                Err(Errno::NOSYS) => PWAIT2_MISSING.store(true, Ordering::Relaxed),
                Err(errno) => return Err(errno.into()),
            }
        }
        self.wait_millis(events, timeout)
    }

    /// `epoll_wait` with the timeout in whole milliseconds, rounded up.
    fn wait_millis(&self, events: &mut Events, timeout: Option<Duration>) -> io::Result<usize> {
        let millis = timeout.map_or(-1, |t| {
            let rounded_up = t.as_nanos().div_ceil(1_000_000);
            libc::c_int::try_from(rounded_up).unwrap_or(libc::c_int::MAX)
        });
        let capacity = events.list.capacity();
        let raw = &mut events.fallback;
        if raw.len() < capacity {
            raw.resize(capacity, libc::epoll_event { events: 0, u64: 0 });
        }
        let room = libc::c_int::try_from(capacity).unwrap_or(libc::c_int::MAX);
        // SAFETY: `raw` holds at least `room` initialized `epoll_event`s, which the kernel may
        // overwrite during the call; `self.epoll` is an open epoll descriptor.
        let n = unsafe { libc::epoll_wait(self.epoll.as_raw_fd(), raw.as_mut_ptr(), room, millis) };
        let Ok(n) = usize::try_from(n) else {
            let err = io::Error::last_os_error();
            return if err.kind() == io::ErrorKind::Interrupted { Ok(0) } else { Err(err) };
        };
        events.list.extend(raw[..n].iter().map(|ev| epoll::Event {
            flags: EventFlags::from_bits_retain(ev.events),
            data: EventData::new_u64(ev.u64),
        }));
        Ok(n)
    }
}

/// Set once `epoll_pwait2` has failed with `ENOSYS`: from then on, waits use `epoll_wait`.
static PWAIT2_MISSING: AtomicBool = AtomicBool::new(false);

/// The `epoll_ctl` operations that take an interest.
enum Op {
    Add,
    Modify,
}

/// Reusable storage for the events one [`Poller::wait`] returns.
pub struct Events {
    list: Vec<epoll::Event>,
    /// Room for `epoll_wait`, used only where `epoll_pwait2` is missing.
    fallback: Vec<libc::epoll_event>,
}

// SAFETY: rustix's `epoll::Event` is not `Send` only because its data may hold a pointer;
// this crate stores only `u64` tokens there (`EventData::new_u64`), never pointers, so moving
// or sharing the list between threads shares nothing but integers.
unsafe impl Send for Events {}
// SAFETY: as for `Send`: the list holds plain integers, and `&Events` only reads them.
unsafe impl Sync for Events {}

impl Events {
    /// Room for up to `capacity` events per wait (at least one).
    pub fn with_capacity(capacity: usize) -> Events {
        Events { list: Vec::with_capacity(capacity.max(1)), fallback: Vec::new() }
    }

    /// How many events the last wait returned.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// Whether the last wait returned no event.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The events of the last wait.
    pub fn iter(&self) -> impl Iterator<Item = Event> + '_ {
        self.list.iter().map(|raw| Event { token: Token(raw.data.u64()), flags: raw.flags })
    }
}

impl std::fmt::Debug for Events {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// One ready registration: its token and what it is ready for.
#[derive(Clone, Copy)]
pub struct Event {
    token: Token,
    flags: EventFlags,
}

impl Event {
    /// The token the descriptor was registered with.
    pub fn token(&self) -> Token {
        self.token
    }

    /// Ready to read, or at end of stream, or in error (a read will say which).
    pub fn is_readable(&self) -> bool {
        self.flags
            .intersects(EventFlags::IN | EventFlags::RDHUP | EventFlags::HUP | EventFlags::ERR)
    }

    /// Ready to write, or in error (a write will say which).
    pub fn is_writable(&self) -> bool {
        self.flags.intersects(EventFlags::OUT | EventFlags::HUP | EventFlags::ERR)
    }

    /// The peer has finished sending (`EPOLLRDHUP` or `EPOLLHUP`): once the data already
    /// received is read, a read returns end of stream. Edge-triggered readers use it to keep
    /// reading past a short read, since no further edge will announce the end.
    pub fn is_read_closed(&self) -> bool {
        self.flags.intersects(EventFlags::RDHUP | EventFlags::HUP)
    }

    /// The descriptor is in error (`EPOLLERR`).
    pub fn is_error(&self) -> bool {
        self.flags.contains(EventFlags::ERR)
    }

    /// Both directions are closed (`EPOLLHUP`).
    pub fn is_hangup(&self) -> bool {
        self.flags.contains(EventFlags::HUP)
    }
}

impl std::fmt::Debug for Event {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Event").field("token", &self.token).field("flags", &self.flags).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::os::unix::net::UnixStream;
    use std::time::Instant;

    #[test]
    fn reports_the_token_of_a_ready_descriptor() {
        let poller = Poller::new().unwrap();
        let (mut a, b) = UnixStream::pair().unwrap();
        poller.add(&b, Token(42), Interest::READABLE).unwrap();
        let mut events = Events::with_capacity(8);
        assert_eq!(poller.wait(&mut events, Some(Duration::ZERO)).unwrap(), 0);
        a.write_all(b"x").unwrap();
        assert_eq!(poller.wait(&mut events, Some(Duration::from_secs(5))).unwrap(), 1);
        let event = events.iter().next().unwrap();
        assert_eq!(event.token(), Token(42));
        assert!(event.is_readable());
        assert!(!event.flags.contains(EventFlags::OUT));
    }

    #[test]
    fn level_triggered_readiness_repeats_until_drained() {
        let poller = Poller::new().unwrap();
        let (mut a, b) = UnixStream::pair().unwrap();
        poller.add(&b, Token(1), Interest::READABLE).unwrap();
        a.write_all(b"x").unwrap();
        let mut events = Events::with_capacity(8);
        for _ in 0..3 {
            assert_eq!(poller.wait(&mut events, Some(Duration::from_secs(5))).unwrap(), 1);
        }
    }

    #[test]
    fn edge_triggered_readiness_is_reported_once_per_arrival() {
        let poller = Poller::new().unwrap();
        let (mut a, b) = UnixStream::pair().unwrap();
        poller.add_edge_triggered(&b, Token(3), Interest::READABLE).unwrap();
        let mut events = Events::with_capacity(8);
        a.write_all(b"x").unwrap();
        assert_eq!(poller.wait(&mut events, Some(Duration::from_secs(5))).unwrap(), 1);
        // Not drained, but no new edge: nothing more is reported.
        assert_eq!(poller.wait(&mut events, Some(Duration::ZERO)).unwrap(), 0);
        a.write_all(b"y").unwrap();
        assert_eq!(poller.wait(&mut events, Some(Duration::from_secs(5))).unwrap(), 1);
        // Modifying re-checks readiness: the unread bytes are reported again.
        poller.modify_edge_triggered(&b, Token(4), Interest::READABLE).unwrap();
        assert_eq!(poller.wait(&mut events, Some(Duration::ZERO)).unwrap(), 1);
        assert_eq!(events.iter().next().unwrap().token(), Token(4));
        assert!(!events.iter().next().unwrap().is_read_closed());
        drop(a);
        assert_eq!(poller.wait(&mut events, Some(Duration::from_secs(5))).unwrap(), 1);
        assert!(events.iter().next().unwrap().is_read_closed());
    }

    #[test]
    fn a_oneshot_registration_reports_once_until_rearmed() {
        let poller = Poller::new().unwrap();
        let (mut a, b) = UnixStream::pair().unwrap();
        poller.add_oneshot(&b, Token(5), Interest::READABLE).unwrap();
        let mut events = Events::with_capacity(8);
        a.write_all(b"x").unwrap();
        assert_eq!(poller.wait(&mut events, Some(Duration::from_secs(5))).unwrap(), 1);
        a.write_all(b"y").unwrap();
        assert_eq!(poller.wait(&mut events, Some(Duration::ZERO)).unwrap(), 0, "disabled");
        poller.rearm_oneshot(&b, Token(5), Interest::READABLE).unwrap();
        assert_eq!(poller.wait(&mut events, Some(Duration::ZERO)).unwrap(), 1, "re-armed");
    }

    #[test]
    fn modify_and_delete_change_what_is_reported() {
        let poller = Poller::new().unwrap();
        let (_a, b) = UnixStream::pair().unwrap();
        poller.add(&b, Token(1), Interest::READABLE).unwrap();
        let mut events = Events::with_capacity(8);
        assert_eq!(poller.wait(&mut events, Some(Duration::ZERO)).unwrap(), 0);
        poller.modify(&b, Token(2), Interest::BOTH).unwrap();
        assert_eq!(poller.wait(&mut events, Some(Duration::ZERO)).unwrap(), 1);
        let event = events.iter().next().unwrap();
        assert_eq!(event.token(), Token(2));
        assert!(event.is_writable());
        poller.delete(&b).unwrap();
        assert_eq!(poller.wait(&mut events, Some(Duration::ZERO)).unwrap(), 0);
    }

    #[test]
    fn the_millisecond_fallback_reports_events_and_rounds_timeouts_up() {
        let poller = Poller::new().unwrap();
        let (mut a, b) = UnixStream::pair().unwrap();
        poller.add(&b, Token(9), Interest::READABLE).unwrap();
        let mut events = Events::with_capacity(4);
        let timeout = Duration::from_micros(300);
        let start = Instant::now();
        assert_eq!(poller.wait_millis(&mut events, Some(timeout)).unwrap(), 0);
        assert!(start.elapsed() >= timeout, "never early, even rounded");
        a.write_all(b"x").unwrap();
        assert_eq!(poller.wait_millis(&mut events, Some(Duration::from_secs(5))).unwrap(), 1);
        let event = events.iter().next().unwrap();
        assert_eq!(event.token(), Token(9));
        assert!(event.is_readable());
    }

    #[test]
    fn sub_millisecond_timeouts_are_honoured() {
        let poller = Poller::new().unwrap();
        let mut events = Events::with_capacity(1);
        let timeout = Duration::from_micros(300);
        let start = Instant::now();
        assert_eq!(poller.wait(&mut events, Some(timeout)).unwrap(), 0);
        // Never early. (How late is a matter of scheduling, so it is not asserted here.)
        assert!(start.elapsed() >= timeout);
    }
}
