//! Which descriptor of a message's `SCM_RIGHTS` is which (§4.3, §5.2).
//!
//! Descriptors carry no names on the wire; their order does. A sender lays them out with
//! these types and a receiver, once the count has been checked, finds each one by index.

use core::ops::Range;

/// The layout of a CALL's descriptors: the argument memfd (if `ARGS_IN_MEMFD`), then one
/// memfd per `MEMFD` lease in lease order, then the handler's descriptors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CallFds {
    args: bool,
    lease_memfds: usize,
    handler: usize,
}

impl CallFds {
    /// The layout of a call with an argument memfd or not, `lease_memfds` `MEMFD` leases and
    /// `handler` descriptors for the handler.
    pub const fn new(args_in_memfd: bool, lease_memfds: usize, handler: usize) -> CallFds {
        CallFds { args: args_in_memfd, lease_memfds, handler }
    }

    /// How many descriptors the call carries in all.
    pub const fn total(&self) -> usize {
        self.handler.saturating_add(self.lease_memfds).saturating_add(self.args as usize)
    }

    /// The index of the argument memfd, if the arguments travel in one.
    pub const fn args(&self) -> Option<usize> {
        if self.args { Some(0) } else { None }
    }

    /// The indices of the lease memfds, in the order of the `MEMFD` leases.
    pub const fn leases(&self) -> Range<usize> {
        let start = self.args as usize;
        start..start.saturating_add(self.lease_memfds)
    }

    /// The indices of the descriptors passed to the handler.
    pub const fn handler(&self) -> Range<usize> {
        self.leases().end..self.total()
    }
}

/// The layout of a REPLY's descriptors: the data memfd (if `DATA_IN_MEMFD`), then the
/// descriptors returned to the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReplyFds {
    data: bool,
    returned: usize,
}

impl ReplyFds {
    /// The layout of a reply with a data memfd or not and `returned` descriptors.
    pub const fn new(data_in_memfd: bool, returned: usize) -> ReplyFds {
        ReplyFds { data: data_in_memfd, returned }
    }

    /// How many descriptors the reply carries in all.
    pub const fn total(&self) -> usize {
        self.returned.saturating_add(self.data as usize)
    }

    /// The index of the data memfd, if the data travel in one.
    pub const fn data(&self) -> Option<usize> {
        if self.data { Some(0) } else { None }
    }

    /// The indices of the descriptors returned to the caller.
    pub const fn returned(&self) -> Range<usize> {
        self.data as usize..self.total()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn call_layout_is_args_then_leases_then_handler() {
        let fds = CallFds::new(true, 2, 3);
        assert_eq!(fds.total(), 6);
        assert_eq!(fds.args(), Some(0));
        assert_eq!(fds.leases(), 1..3);
        assert_eq!(fds.handler(), 3..6);
        let plain = CallFds::new(false, 0, 1);
        assert_eq!((plain.args(), plain.leases(), plain.handler()), (None, 0..0, 0..1));
    }

    #[test]
    fn reply_layout_is_data_then_returned() {
        assert_eq!(ReplyFds::new(true, 2).returned(), 1..3);
        assert_eq!(ReplyFds::new(false, 2).returned(), 0..2);
        assert_eq!(ReplyFds::new(true, 0).data(), Some(0));
        assert_eq!(ReplyFds::new(false, 0).total(), 0);
    }
}
