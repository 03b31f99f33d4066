//! Lease arenas: the memfds a client connection keeps for its large leases, one per lease
//! position, reused call after call (protocol §4.3).
//!
//! A memfd made, filled, sealed, mapped by the server and unmapped again for every call
//! costs tens of microseconds before the first byte moves. An arena is made once, sealed
//! only against shrinking (so the server may keep it mapped without fear of `SIGBUS`), and
//! grown when a larger lease comes; a lease then costs a copy in and, if writable, a copy
//! back, and the server keeps its mapping of the arena from one call to the next.

use std::io;
use std::os::fd::{AsFd, BorrowedFd};

use ostium_sys::Memfd;
use ostium_sys::memfd::{Seals, SharedMap};

/// Leases larger than this get a memfd of their own, made for the call, so that one huge
/// lease does not leave a connection holding that much memory afterwards.
pub(crate) const ARENA_MAX: usize = 64 * 1024 * 1024;
/// The smallest arena made: leases just above the inline threshold share one size.
const ARENA_MIN: usize = 256 * 1024;

/// One reusable lease memfd, mapped here.
pub(crate) struct Arena {
    memfd: Memfd,
    map: SharedMap,
}

impl Arena {
    fn with_capacity(len: usize) -> io::Result<Arena> {
        let memfd = Memfd::create("ostium-lease", capacity_for(len) as u64)?;
        memfd.seal(Seals::SHRINK)?;
        let map = memfd.map_shared()?;
        Ok(Arena { memfd, map })
    }

    /// Makes room for `len` bytes: grows the memfd and maps it again.
    fn reserve(&mut self, len: usize) -> io::Result<()> {
        if self.map.len() >= len {
            return Ok(());
        }
        self.memfd.set_len(capacity_for(len) as u64)?;
        self.map = self.memfd.map_shared()?;
        Ok(())
    }

    /// Puts `bytes` at the start of the arena.
    pub(crate) fn fill(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.reserve(bytes.len())?;
        self.map.write_at(0, bytes)
    }

    /// Copies the start of the arena into `buf` (what the server wrote).
    pub(crate) fn read_back(&self, buf: &mut [u8]) -> io::Result<()> {
        self.map.read_at(0, buf)
    }
}

impl AsFd for Arena {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.memfd.as_fd()
    }
}

/// A connection's arenas, by lease position among a call's memfd leases.
#[derive(Default)]
pub(crate) struct Arenas(Vec<Arena>);

impl Arenas {
    /// The arena of position `index`, filled with `bytes`.
    pub(crate) fn fill(&mut self, index: usize, bytes: &[u8]) -> io::Result<()> {
        if index == self.0.len() {
            self.0.push(Arena::with_capacity(bytes.len())?);
        }
        self.0[index].fill(bytes)
    }

    /// The arena of position `index` (made by an earlier [`fill`](Self::fill)).
    pub(crate) fn get(&self, index: usize) -> Option<&Arena> {
        self.0.get(index)
    }
}

/// The size to make an arena that must hold `len` bytes: a power of two, so that growing
/// leases grow it a few times only.
fn capacity_for(len: usize) -> usize {
    len.max(ARENA_MIN).next_power_of_two()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_arena_grows_and_keeps_its_memfd() {
        let mut arenas = Arenas::default();
        arenas.fill(0, &[1; 1000]).unwrap();
        let first = arenas.get(0).unwrap().memfd.as_fd().try_clone_to_owned().unwrap();
        let big = vec![2u8; ARENA_MIN * 3];
        arenas.fill(0, &big).unwrap();
        let arena = arenas.get(0).unwrap();
        assert_eq!(arena.map.len(), ARENA_MIN * 4);
        let mut back = vec![0u8; big.len()];
        arena.read_back(&mut back).unwrap();
        assert_eq!(back, big);
        // The same file, grown: the server's mapping of it stays valid.
        let same = Memfd::from_fd(first).unwrap();
        assert_eq!(same.len().unwrap(), (ARENA_MIN * 4) as u64);
        assert!(same.set_len(1).is_err(), "sealed against shrinking");
    }

    #[test]
    fn capacities_are_powers_of_two_from_the_minimum() {
        assert_eq!(capacity_for(1), ARENA_MIN);
        assert_eq!(capacity_for(ARENA_MIN + 1), ARENA_MIN * 2);
        assert_eq!(capacity_for(1 << 20), 1 << 20);
    }
}
