//! What one message on a door's socket can carry: the smaller of what the peer said it
//! accepts (its `HELLO`'s `max_message`) and what this side's socket can send at all.
//!
//! Linux refuses a `SOCK_SEQPACKET` message longer than the sender's send buffer (about
//! 208 KiB by default), whatever the receiver accepts; a peer may well announce more (a
//! `max_message` of 1 MiB is valid). Sending such a message fails with `EMSGSIZE`, and a
//! server that met it dropped the connection, so the caller saw `ServerDeath`. Every
//! sender, client and server, caps what it sends inline with [`sendable`]; the rest goes
//! in a memfd (docs/door-protocol.md §3 and §4.3), and [`travels_inline`] is where each
//! payload goes.

use ostium_sys::unix::SeqpacketConn;

use crate::wire;

/// Whether `payload` more bytes may travel inline in a message that already holds
/// `inline_so_far`, for a receiver that takes `limit` (what [`sendable`] gave): the one
/// decision of "inline or memfd", for arguments, leases and reply data, client and server
/// (docs/door-protocol.md §4.3).
pub(crate) fn travels_inline(inline_so_far: usize, payload: usize, limit: u32) -> bool {
    inline_so_far.saturating_add(payload) <= limit as usize
}

/// The longest message to send inline on `socket` to a peer that accepts `peer_max`.
pub(crate) fn sendable(peer_max: u32, socket: &SeqpacketConn) -> u32 {
    // Unreadable (it never is): the protocol's floor, which any socket carries.
    let ours = socket.max_send().unwrap_or(wire::MIN_MAX_MESSAGE as usize);
    peer_max.min(u32::try_from(ours).unwrap_or(u32::MAX))
}
