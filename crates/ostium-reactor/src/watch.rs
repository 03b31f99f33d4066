//! Watches: descriptors the service owns and reads itself, whose readiness the loop reports
//! ([`Context::watch`](crate::Context::watch),
//! [`Service::on_ready`](crate::Service::on_ready)).
//!
//! The loop registers a *duplicate* of the service's descriptor (`F_DUPFD_CLOEXEC`), never
//! the service's own number. epoll keys a registration by descriptor number *and* open
//! file, and removes it by itself only when the file's last descriptor closes anywhere. Had
//! the loop registered the service's number, a service that closed it without unwatching
//! first (while a copy lived on elsewhere: a descriptor passed to another process, say)
//! would leave behind a registration no `EPOLL_CTL_DEL` can reach — its number gone or
//! reused — and, level-triggered, reported at every wait: a loop that spins. With its own
//! duplicate the loop can always change or remove the registration exactly, and closing
//! the duplicate at `unwatch` touches nothing of the service's.

use std::io;
use std::os::fd::{AsFd, OwnedFd};

use ostium_sys::{Event, Interest, Poller, duplicate_fd};

use crate::slab::{Key, Slab};

/// A loop's name for one of its watches, valid until [`Context::unwatch`] and never reused
/// for another watch of that loop.
///
/// [`Context::unwatch`]: crate::Context::unwatch
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WatchId {
    index: u32,
    generation: u32,
}

impl Key for WatchId {
    fn from_parts(index: u32, generation: u32) -> WatchId {
        WatchId { index, generation }
    }

    fn index(self) -> u32 {
        self.index
    }

    fn generation(self) -> u32 {
        self.generation
    }
}

/// What a watched descriptor is ready for, as told to
/// [`Service::on_ready`](crate::Service::on_ready).
///
/// Readiness is a promise that one operation will not wait, not that it will succeed: a
/// read may still return end of stream, an error, or (rarely) `WouldBlock`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Readiness(u8);

const READABLE: u8 = 1;
const WRITABLE: u8 = 2;
const READ_CLOSED: u8 = 4;
const HANGUP: u8 = 8;
const ERROR: u8 = 16;

impl Readiness {
    pub(crate) fn of(event: &Event) -> Readiness {
        let bits = [
            (event.is_readable(), READABLE),
            (event.is_writable(), WRITABLE),
            (event.is_read_closed(), READ_CLOSED),
            (event.is_hangup(), HANGUP),
            (event.is_error(), ERROR),
        ];
        Readiness(bits.iter().filter(|(set, _)| *set).fold(0, |all, (_, bit)| all | bit))
    }

    /// A read will not wait: data, a message, end of stream, or an error to collect.
    pub fn is_readable(self) -> bool {
        self.0 & READABLE != 0
    }

    /// A write will not wait: room to send, or an error to collect.
    pub fn is_writable(self) -> bool {
        self.0 & WRITABLE != 0
    }

    /// The peer has finished sending (`EPOLLRDHUP` or `EPOLLHUP`): once what was already
    /// received is read, reads return end of stream.
    pub fn is_read_closed(self) -> bool {
        self.0 & READ_CLOSED != 0
    }

    /// Both directions are closed (`EPOLLHUP`): the peer has gone.
    pub fn is_hangup(self) -> bool {
        self.0 & HANGUP != 0
    }

    /// The descriptor has a pending error (`EPOLLERR`); the next operation returns it.
    pub fn is_error(self) -> bool {
        self.0 & ERROR != 0
    }
}

impl std::fmt::Debug for Readiness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names = [
            (READABLE, "READABLE"),
            (WRITABLE, "WRITABLE"),
            (READ_CLOSED, "READ_CLOSED"),
            (HANGUP, "HANGUP"),
            (ERROR, "ERROR"),
        ];
        let mut set = f.debug_set();
        for (bit, name) in names {
            if self.0 & bit != 0 {
                set.entry(&format_args!("{name}"));
            }
        }
        set.finish()
    }
}

/// One watch: the loop's duplicate of the service's descriptor, and its interest (`None`
/// while paused: not registered with the poller at all).
struct Watch {
    fd: OwnedFd,
    interest: Option<Interest>,
}

/// The watches of a loop, registered level-triggered (the crate doc says why).
pub(crate) struct Watches {
    slab: Slab<Watch, WatchId>,
}

impl Watches {
    pub(crate) fn new() -> Watches {
        Watches { slab: Slab::with_capacity(u32::MAX as usize) }
    }

    /// Registers a duplicate of `fd` for `interest`.
    pub(crate) fn add(
        &mut self,
        poller: &Poller,
        fd: &impl AsFd,
        interest: Interest,
    ) -> io::Result<WatchId> {
        let watch = Watch { fd: duplicate_fd(fd)?, interest: Some(interest) };
        let id = self.slab.insert(watch).map_err(|_| io::Error::other("too many watches"))?;
        let watch = self.slab.get(id).expect("just inserted");
        if let Err(err) = poller.add(&watch.fd, id.token(), interest) {
            self.slab.remove(id);
            return Err(err);
        }
        Ok(id)
    }

    /// Changes what a watch waits for; `None` pauses it (unregistered: nothing is reported,
    /// not even a hang-up, until an interest is set again).
    pub(crate) fn set_interest(
        &mut self,
        poller: &Poller,
        id: WatchId,
        interest: Option<Interest>,
    ) -> io::Result<()> {
        let Some(watch) = self.slab.get_mut(id) else {
            return Err(io::Error::new(io::ErrorKind::NotFound, format!("no watch {id:?}")));
        };
        match (watch.interest, interest) {
            (Some(old), Some(new)) if old == new => {}
            (Some(_), Some(new)) => poller.modify(&watch.fd, id.token(), new)?,
            (None, Some(new)) => poller.add(&watch.fd, id.token(), new)?,
            (Some(_), None) => poller.delete(&watch.fd)?,
            (None, None) => {}
        }
        watch.interest = interest;
        Ok(())
    }

    /// Unregisters a watch and closes the loop's duplicate; whether it existed.
    pub(crate) fn remove(&mut self, poller: &Poller, id: WatchId) -> bool {
        let Some(watch) = self.slab.remove(id) else { return false };
        // Closing the duplicate would not remove the registration while the service's
        // descriptor keeps the file open: delete it explicitly.
        if watch.interest.is_some()
            && let Err(err) = poller.delete(&watch.fd)
        {
            tracing::warn!(?id, %err, "could not unregister a watch");
        }
        true
    }

    /// Whether `id` names a watch that is registered (not paused).
    pub(crate) fn is_active(&self, id: WatchId) -> bool {
        self.slab.get(id).is_some_and(|w| w.interest.is_some())
    }

    pub(crate) fn len(&self) -> usize {
        self.slab.len()
    }

    /// Removes every watch.
    pub(crate) fn clear(&mut self, poller: &Poller) {
        let ids: Vec<WatchId> = self.slab.ids().collect();
        for id in ids {
            self.remove(poller, id);
        }
    }
}
