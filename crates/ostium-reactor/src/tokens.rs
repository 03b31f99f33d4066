//! Poller tokens: how the loop names its descriptors to epoll, and reads the names back.
//!
//! A token is 64 bits:
//!
//! | token | names |
//! |---|---|
//! | `0` | the loop's waker |
//! | `1 + i` (high half zero) | listener `i` |
//! | generation (31 bits, never zero) `<< 32 \| index`, top bit clear | a connection |
//! | the same with the top bit set | a watch |
//!
//! The generation is what makes a stale event harmless: an event still in a batch for a
//! connection or watch removed earlier in that batch names a generation its slot no longer
//! has, and reaches nothing.

use ostium_sys::Token;

use crate::slab::Key;
use crate::{ConnId, WatchId};

/// The token of the loop's waker.
pub(crate) const WAKER_TOKEN: Token = Token(0);
const LISTENER_TOKEN_BASE: u64 = 1;
const WATCH_BIT: u64 = 1 << 63;

/// What an event's token names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Source {
    Waker,
    Listener(usize),
    Conn(ConnId),
    Watch(WatchId),
}

impl Source {
    pub(crate) fn of(token: Token) -> Source {
        let generation = ((token.0 & !WATCH_BIT) >> 32) as u32;
        let index = token.0 as u32;
        match (token.0 & WATCH_BIT != 0, generation) {
            (true, _) => Source::Watch(WatchId::from_parts(index, generation)),
            (false, 0) if token == WAKER_TOKEN => Source::Waker,
            (false, 0) => Source::Listener((token.0 - LISTENER_TOKEN_BASE) as usize),
            (false, _) => Source::Conn(ConnId::from_parts(index, generation)),
        }
    }
}

/// The token of listener `index`.
pub(crate) fn listener_token(index: usize) -> Token {
    Token(LISTENER_TOKEN_BASE + index as u64)
}

fn pack(id: impl Key) -> u64 {
    (u64::from(id.generation()) << 32) | u64::from(id.index())
}

impl ConnId {
    /// This connection's poller token.
    pub(crate) fn token(self) -> Token {
        Token(pack(self))
    }
}

impl WatchId {
    /// This watch's poller token.
    pub(crate) fn token(self) -> Token {
        Token(WATCH_BIT | pack(self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::slab::{MAX_GENERATION, Slab};

    #[test]
    fn every_kind_of_token_reads_back_as_what_it_names() {
        assert_eq!(Source::of(WAKER_TOKEN), Source::Waker);
        assert_eq!(Source::of(listener_token(0)), Source::Listener(0));
        assert_eq!(Source::of(listener_token(7)), Source::Listener(7));
        let mut conns: Slab<()> = Slab::with_capacity(4);
        let mut watches: Slab<(), WatchId> = Slab::with_capacity(4);
        let conn = conns.insert(()).unwrap();
        let watch = watches.insert(()).unwrap();
        assert_eq!(Source::of(conn.token()), Source::Conn(conn));
        assert_eq!(Source::of(watch.token()), Source::Watch(watch));
        assert_ne!(conn.token(), watch.token(), "same index and generation, different kinds");
    }

    #[test]
    fn the_largest_generation_keeps_connections_and_watches_apart() {
        let conn = ConnId::from_parts(u32::MAX, MAX_GENERATION);
        let watch = WatchId::from_parts(u32::MAX, MAX_GENERATION);
        assert_eq!(Source::of(conn.token()), Source::Conn(conn));
        assert_eq!(Source::of(watch.token()), Source::Watch(watch));
    }
}
