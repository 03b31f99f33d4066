//! `Token`: the caller's name for a registered descriptor.

/// The value a caller attaches to a descriptor when it registers it with a
/// [`Poller`](crate::Poller), and gets back with each of its events.
///
/// Events never carry the raw descriptor: a descriptor number is reused as soon as it is
/// closed, so within one batch of events it could name two different things. The numbering
/// is the caller's; the reactor, for example, packs a slab index and a generation into it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Token(pub u64);
