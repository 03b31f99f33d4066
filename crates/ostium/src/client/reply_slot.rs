//! The client's side of a connection's reply slot (protocol §3.3): memory shared with the
//! server where replies arrive, and a futex on which the caller sleeps until one does.
//!
//! The caller sleeps on the futex for a short window only: a reply that takes longer is
//! announced on the socket instead (a `DOORBELL`), where a wait also sees the server's
//! death. So the caller never spins, and a dead server is noticed as promptly as without
//! a slot.

use std::io;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use ostium_sys::Memfd;
use ostium_sys::memfd::{Seals, SharedMap};

use crate::wire::ring::{CLIENT_WAITING, HEADER_LEN, ON_SOCKET, REPLY_LEN, REPLY_SEQ, RingSetup};

/// How long a caller sleeps on the futex before it waits on the socket instead. A reply
/// slower than this costs one more wakeup (the `DOORBELL`); a server that dies mid-call is
/// noticed at most this late.
///
/// Longer than a scheduler tick (4 ms at `HZ=250`, 10 ms at `HZ=100`) on purpose: a futex
/// timeout is a high-resolution timer, and one due before the next tick reprograms the
/// CPU's timer when armed and again when cancelled, which in a virtual machine is a trap to
/// the hypervisor. `door-bench` measured it: with a 1–2 ms window one call in ten took
/// 21 µs instead of 8; from 4 ms on, none did.
pub(crate) const FUTEX_WINDOW: Duration = Duration::from_millis(20);

/// Where the reply to the call in flight is, as the slot tells.
pub(crate) enum Arrival {
    /// In the slot, this many bytes long.
    InSlot(usize),
    /// On the socket (it has descriptors, or does not fit the slot).
    OnSocket,
    /// Not published within the window: the server will announce it on the socket.
    Later,
}

/// A connection's reply slot, mapped.
pub(crate) struct ClientSlot {
    map: SharedMap,
    slot_len: usize,
    /// The sequence number of the last reply received.
    consumed: u32,
    /// Doorbells the server still sends for replies already taken from the slot (it rang
    /// because it looked before we stopped waiting); read and dropped before the next call.
    owed_doorbells: u32,
}

impl ClientSlot {
    /// A new slot with room for `slot_len` bytes, and the memfd to send in `RING_SETUP`.
    pub(crate) fn create(setup: RingSetup) -> io::Result<(ClientSlot, Memfd)> {
        let memfd = Memfd::create("ostium-reply-slot", setup.memfd_len() as u64)?;
        // Sealed against shrinking, so that neither side's mapping can lose its pages; it
        // stays writable by both, which is the point.
        memfd.seal(Seals::SHRINK | Seals::GROW | Seals::SEAL)?;
        let map = memfd.map_shared()?;
        let slot =
            ClientSlot { map, slot_len: setup.slot_len as usize, consumed: 0, owed_doorbells: 0 };
        Ok((slot, memfd))
    }

    /// Doorbells still owed for earlier replies.
    pub(crate) fn owed_doorbells(&self) -> u32 {
        self.owed_doorbells
    }

    /// The sequence number the reply to the call in flight will have.
    pub(crate) fn expected(&self) -> u32 {
        self.consumed.wrapping_add(1)
    }

    /// Accounts for a doorbell read from the socket: the one for the call in flight
    /// (`true`), or one owed for an earlier reply (`false`).
    pub(crate) fn doorbell(&mut self, seq: u32) -> bool {
        if seq == self.expected() {
            return true;
        }
        self.owed_doorbells = self.owed_doorbells.saturating_sub(1);
        false
    }

    /// Marks the reply to the call in flight as received (from the socket or the slot).
    pub(crate) fn received(&mut self) {
        self.consumed = self.expected();
    }

    /// Says we are about to wait on the futex; call before sending the call, so that the
    /// server, which looks after publishing the reply, wakes us rather than ringing.
    pub(crate) fn arm(&self) -> io::Result<()> {
        self.word(CLIENT_WAITING)?.store(1, Ordering::SeqCst);
        Ok(())
    }

    /// Sleeps until the reply to the call in flight is published or `until` passes.
    pub(crate) fn wait(&mut self, until: Instant) -> io::Result<Arrival> {
        let expected = self.expected();
        let published = loop {
            let seq = self.word(REPLY_SEQ)?.load(Ordering::SeqCst);
            if seq == expected {
                break true;
            }
            if seq != self.consumed {
                return Err(protocol(format!(
                    "the reply slot's sequence is {seq}, {} or {expected} expected",
                    self.consumed
                )));
            }
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break false;
            }
            ostium_sys::futex_wait(self.word(REPLY_SEQ)?, seq, Some(left))?;
        };
        // We stop waiting. If the server has not looked yet, it will ring the doorbell.
        let server_will_ring = self.word(CLIENT_WAITING)?.swap(0, Ordering::SeqCst) != 0;
        if !published {
            // It may have been published since we last looked, and the server may have
            // looked already too: then nobody rings.
            let seq = self.word(REPLY_SEQ)?.load(Ordering::SeqCst);
            if server_will_ring || seq != expected {
                return Ok(Arrival::Later);
            }
        }
        let arrival = self.published()?;
        if server_will_ring && matches!(arrival, Arrival::InSlot(_)) {
            self.owed_doorbells += 1;
        }
        Ok(arrival)
    }

    /// Where the published reply is.
    pub(crate) fn published(&self) -> io::Result<Arrival> {
        match self.word(REPLY_LEN)?.load(Ordering::Acquire) {
            ON_SOCKET => Ok(Arrival::OnSocket),
            len if len as usize <= self.slot_len => Ok(Arrival::InSlot(len as usize)),
            len => Err(protocol(format!(
                "a reply of {len} bytes in a slot of {} bytes",
                self.slot_len
            ))),
        }
    }

    /// Copies the reply in the slot, `len` bytes, into `buf`.
    pub(crate) fn copy_reply(&self, len: usize, buf: &mut [u8]) -> io::Result<()> {
        let buf = buf.get_mut(..len).ok_or_else(|| protocol("a reply longer than the buffer"))?;
        self.map.read_at(HEADER_LEN, buf)
    }

    fn word(&self, offset: usize) -> io::Result<&AtomicU32> {
        self.map.word(offset)
    }
}

fn protocol(message: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.into())
}
