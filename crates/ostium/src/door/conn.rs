//! One client connection of a door, as the server keeps it.

use std::sync::OnceLock;

use ostium_sys::unix::SeqpacketConn;

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
    pub(crate) caller: Caller,
    /// Set once the client's `HELLO` has been answered.
    pub(crate) session: OnceLock<Session>,
}
