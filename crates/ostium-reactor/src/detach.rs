//! Detaching a connection: taking its socket out of the loop, still open, together with the
//! bytes the loop holds for it — to pass it to another process (ostiumd's `handoff` mode),
//! or to serve it some other way.

use std::net::SocketAddr;

use ostium_sys::Socket;
use tracing::{trace, warn};

use crate::ConnId;
use crate::core::Core;

/// A connection taken out of its loop by [`Context::detach`](crate::Context::detach).
///
/// Nothing the loop held for it is lost: the socket is open and unregistered, and the bytes
/// read but not consumed, and those written but not yet sent, come with it.
#[derive(Debug)]
#[non_exhaustive]
pub struct Detached {
    /// The connection's socket. It is still non-blocking, as the loop used it; that flag
    /// belongs to the open socket, so it travels with it to another process. A receiver
    /// that wants blocking I/O calls `set_nonblocking(false)`.
    pub socket: Socket,
    /// The peer's address.
    pub peer: SocketAddr,
    /// Bytes read from the socket that the service had not consumed, oldest first: they
    /// come before anything the socket yields from now on.
    pub input: Vec<u8>,
    /// Bytes written to the connection that had not been sent yet, oldest first: whoever
    /// takes the socket sends them before anything else.
    pub output: Vec<u8>,
}

impl Core {
    /// Removes an established connection from the loop without closing it; `None` if `id`
    /// names no such connection (gone, closing, or an outgoing one not yet established).
    pub(crate) fn detach(&mut self, id: ConnId) -> Option<Detached> {
        let conn = self.conns.get(id)?;
        if conn.finished || conn.closing.is_some() || conn.connecting.is_some() {
            return None;
        }
        let mut conn = self.conns.remove(id)?;
        // The socket stays open (and may live on in another process): unlike a close, that
        // does not remove it from the poller, so remove it here, or this loop would go on
        // being told about a socket it no longer has.
        if conn.registered.is_some()
            && let Err(err) = self.poller.delete(&conn.socket)
        {
            static UNREGISTER_FAILED: ostium_sys::Throttle = ostium_sys::Throttle::per_second();
            if let Some(suppressed) = UNREGISTER_FAILED.pass() {
                warn!(peer = %conn.peer, %err, suppressed, "could not unregister a detached connection");
            }
        }
        if let Some(timer) = conn.close_deadline {
            self.timers.cancel(timer);
        }
        let input = conn.input.as_slice().to_vec();
        let output = conn.output.as_slice().to_vec();
        for buffer in [&mut conn.input, &mut conn.output] {
            buffer.clear();
            buffer.return_storage(&mut self.pool);
        }
        trace!(?id, peer = %conn.peer, input = input.len(), output = output.len(), "detached");
        Some(Detached { socket: conn.socket, peer: conn.peer, input, output })
    }
}
