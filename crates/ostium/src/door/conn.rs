//! One client connection of a door, as the server keeps it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use ostium_sys::memfd::{FileId, SharedMap};
use ostium_sys::unix::SeqpacketConn;

use super::reply_slot::ReplySlot;
use crate::Caller;
use crate::wire::Capabilities;

/// What the `HELLO` exchange settled for a connection.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Session {
    /// The largest message the client accepts.
    pub(crate) client_max_message: u32,
    /// The capabilities both sides have.
    pub(crate) capabilities: Capabilities,
    /// The CPU whose threads serve this connection's calls, when the client named one the
    /// door may run on.
    pub(crate) lane: Option<usize>,
}

/// A client connection. Registered one-shot with the door's poller, so that exactly one
/// worker handles it at a time and its messages are served in order.
pub(crate) struct Conn {
    pub(crate) id: u64,
    pub(crate) socket: SeqpacketConn,
    /// Who connected, as the kernel said then; the user the connection counts against.
    pub(crate) caller: Caller,
    /// For a connection the door adopted (one end of a socket pair it made, handed to
    /// another process), `SO_PEERCRED` names the door's own process, so each message's
    /// sender comes with it (`SO_PASSCRED`) and is kept here for the call.
    pub(crate) sender: Option<Mutex<Caller>>,
    /// Set once the client's `HELLO` has been answered.
    pub(crate) session: OnceLock<Session>,
    /// Mappings of the lease memfds this client sent, kept for its next calls (a client
    /// reuses its lease arenas, protocol §4.3). One worker serves the connection at a
    /// time, so the lock is never contended.
    pub(crate) lease_maps: Mutex<Vec<(FileId, SharedMap)>>,
    /// The slot the client's replies go in, once it sent `RING_SETUP` (§3.3). Locked only
    /// by the one worker serving the connection.
    pub(crate) reply_slot: OnceLock<Mutex<ReplySlot>>,
    /// When a call was last answered (or the connection accepted), in milliseconds since
    /// the door's epoch: what the idle deadline is measured from.
    pub(crate) last_active: AtomicU64,
}

/// How many lease mappings a connection keeps: a call with more memfd leases than this
/// maps the rest each time.
const KEPT_LEASE_MAPS: usize = 4;

impl Conn {
    /// Who makes the call being received: the connecting process, or for an adopted
    /// connection, the sender of the last message.
    pub(crate) fn caller_now(&self) -> Caller {
        match &self.sender {
            Some(sender) => *sender.lock().unwrap_or_else(PoisonError::into_inner),
            None => self.caller,
        }
    }

    /// Notes the credentials that came with a message of an adopted connection.
    pub(crate) fn note_sender(&self, credentials: Option<ostium_sys::unix::Credentials>) {
        if let (Some(sender), Some(cred)) = (&self.sender, credentials) {
            *sender.lock().unwrap_or_else(PoisonError::into_inner) =
                Caller { pid: cred.pid, uid: cred.uid, gid: cred.gid };
        }
    }

    /// Marks the connection active now (`epoch`: the door's).
    pub(crate) fn touch(&self, epoch: Instant) {
        let now = u64::try_from(epoch.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_active.store(now, Ordering::Relaxed);
    }

    /// When the connection was last active, since the door's epoch.
    pub(crate) fn last_active(&self) -> Duration {
        Duration::from_millis(self.last_active.load(Ordering::Relaxed))
    }

    /// A kept mapping of file `id` at least `len` bytes long, taken out for a call.
    pub(crate) fn take_lease_map(&self, id: FileId, len: usize) -> Option<SharedMap> {
        let mut maps = self.lease_maps.lock().unwrap_or_else(PoisonError::into_inner);
        let index = maps.iter().position(|(kept, map)| *kept == id && map.len() >= len)?;
        Some(maps.swap_remove(index).1)
    }

    /// Keeps a lease mapping for the connection's next calls.
    pub(crate) fn keep_lease_map(&self, id: FileId, map: SharedMap) {
        let mut maps = self.lease_maps.lock().unwrap_or_else(PoisonError::into_inner);
        maps.retain(|(kept, _)| *kept != id);
        if maps.len() == KEPT_LEASE_MAPS {
            maps.remove(0);
        }
        maps.push((id, map));
    }
}
