//! `Interest`: which readiness a registration waits for.

use std::fmt;
use std::num::NonZeroU8;
use std::ops::BitOr;

use rustix::event::epoll::EventFlags;

/// The readiness a registration is interested in: readable, writable, or both.
///
/// Stored as a non-zero bit set, so an empty interest cannot be written: a descriptor that
/// wants nothing should be deleted from the poller, not registered for nothing.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Interest(NonZeroU8);

const READABLE: u8 = 0b01;
const WRITABLE: u8 = 0b10;

impl Interest {
    /// Readable: data to read, a connection to accept, or the peer's end of stream.
    pub const READABLE: Interest = Interest(NonZeroU8::new(READABLE).unwrap());
    /// Writable: room in the send buffer, or an outgoing connect that finished.
    pub const WRITABLE: Interest = Interest(NonZeroU8::new(WRITABLE).unwrap());
    /// Both readable and writable.
    pub const BOTH: Interest = Interest(NonZeroU8::new(READABLE | WRITABLE).unwrap());

    /// Whether this interest includes readable.
    pub const fn is_readable(self) -> bool {
        self.0.get() & READABLE != 0
    }

    /// Whether this interest includes writable.
    pub const fn is_writable(self) -> bool {
        self.0.get() & WRITABLE != 0
    }

    /// This interest without `other`, or `None` when nothing would be left.
    pub const fn remove(self, other: Interest) -> Option<Interest> {
        match NonZeroU8::new(self.0.get() & !other.0.get()) {
            Some(bits) => Some(Interest(bits)),
            None => None,
        }
    }

    /// The epoll flags for this interest, with `EPOLLRDHUP` so a peer's
    /// half-close is seen as readable even when no data comes with it.
    pub(crate) fn epoll_flags(self) -> EventFlags {
        let mut flags = EventFlags::empty();
        if self.is_readable() {
            flags |= EventFlags::IN | EventFlags::RDHUP;
        }
        if self.is_writable() {
            flags |= EventFlags::OUT;
        }
        flags
    }
}

impl BitOr for Interest {
    type Output = Interest;

    fn bitor(self, other: Interest) -> Interest {
        Interest(self.0 | other.0)
    }
}

impl fmt::Debug for Interest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.is_readable(), self.is_writable()) {
            (true, true) => f.write_str("READABLE | WRITABLE"),
            (true, false) => f.write_str("READABLE"),
            _ => f.write_str("WRITABLE"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combining_and_removing() {
        let both = Interest::READABLE | Interest::WRITABLE;
        assert_eq!(both, Interest::BOTH);
        assert!(both.is_readable() && both.is_writable());
        assert_eq!(both.remove(Interest::WRITABLE), Some(Interest::READABLE));
        assert_eq!(Interest::READABLE.remove(Interest::READABLE), None);
    }

    #[test]
    fn epoll_flags_follow_the_interest() {
        assert!(Interest::READABLE.epoll_flags().contains(EventFlags::IN | EventFlags::RDHUP));
        assert!(!Interest::READABLE.epoll_flags().contains(EventFlags::OUT));
        assert!(Interest::WRITABLE.epoll_flags().contains(EventFlags::OUT));
    }
}
