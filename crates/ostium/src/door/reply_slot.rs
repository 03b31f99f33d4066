//! The server's side of a connection's reply slot (protocol §3.3): replies go into memory
//! the client shares, and the client, asleep on a futex, is woken by the futex rather than
//! by a socket message. A reply with descriptors, or too large for the slot, still goes on
//! the socket; the slot then says so.

use std::io::{self, IoSlice};
use std::os::fd::{BorrowedFd, OwnedFd};
use std::sync::atomic::Ordering;

use ostium_sys::Memfd;
use ostium_sys::memfd::SharedMap;
use ostium_sys::unix::SeqpacketConn;

use crate::wire::ring::{
    CLIENT_WAITING, Doorbell, HEADER_LEN, ON_SOCKET, REPLY_LEN, REPLY_SEQ, RingSetup,
};

/// A connection's reply slot, mapped.
pub(crate) struct ReplySlot {
    map: SharedMap,
    slot_len: usize,
    /// The `REPLY_SEQ` of the last reply published: ours, never read back from the slot.
    seq: u32,
}

impl ReplySlot {
    /// Maps the slot `setup` describes, in the memfd that came with it: refused unless it
    /// is a memfd sealed against shrinking and long enough.
    pub(crate) fn map(setup: RingSetup, fd: OwnedFd) -> io::Result<ReplySlot> {
        let memfd = Memfd::from_fd(fd)?;
        let map = memfd.map_shared()?;
        if map.len() < setup.memfd_len() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("a reply slot memfd of {} bytes, {} needed", map.len(), setup.memfd_len()),
            ));
        }
        Ok(ReplySlot { map, slot_len: setup.slot_len as usize, seq: 0 })
    }

    /// Delivers one reply message: into the slot when it has no descriptors and fits, else
    /// on the socket; then publishes its sequence number and wakes the client, by the futex
    /// if it waits there, else by a `DOORBELL` (a reply on the socket is its own doorbell).
    pub(crate) fn deliver(
        &mut self,
        socket: &SeqpacketConn,
        message: &[u8],
        fds: &[BorrowedFd<'_>],
    ) -> io::Result<()> {
        let in_slot = fds.is_empty() && message.len() <= self.slot_len;
        let len = if in_slot {
            self.map.write_at(HEADER_LEN, message)?;
            message.len() as u32
        } else {
            socket.send_vectored(&[IoSlice::new(message)], fds)?;
            ON_SOCKET
        };
        self.seq = self.seq.wrapping_add(1);
        self.map.word(REPLY_LEN)?.store(len, Ordering::Relaxed);
        let seq = self.map.word(REPLY_SEQ)?;
        // SeqCst, with the swap below: the client sets CLIENT_WAITING and then loads
        // REPLY_SEQ, we store REPLY_SEQ and then swap CLIENT_WAITING, so at least one of us
        // sees the other's write and the client is never left asleep with its reply.
        seq.store(self.seq, Ordering::SeqCst);
        if self.map.word(CLIENT_WAITING)?.swap(0, Ordering::SeqCst) != 0 {
            ostium_sys::futex_wake(seq, 1)?;
        } else if in_slot {
            socket.send(&Doorbell { seq: self.seq }.encode(), &[])?;
        }
        Ok(())
    }
}
