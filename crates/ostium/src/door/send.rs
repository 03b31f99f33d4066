//! Sending a door's replies: one at a time, or — on a connection that pipelines (protocol
//! §3.1) — held back while the connection's next call is already waiting and sent
//! together, as one `REPLY_BATCH` when they fit (§4.6), so that the client is woken once
//! for the batch.

use std::cell::{Cell, RefCell};
use std::io::IoSlice;
use std::os::fd::BorrowedFd;
use std::sync::PoisonError;

use tracing::debug;

use super::conn::Conn;
use crate::wire::{self, Capabilities, Fault, Kind, Reply};

/// Replies held back at most, on a pipelining connection, before they are sent anyway.
const MAX_HELD_REPLIES: usize = wire::MAX_BATCH;

thread_local! {
    /// Replies this worker holds back for the connection it serves (see [`send`]).
    static HELD: RefCell<Held> = RefCell::default();
    /// This worker is answering the calls of a `CALL_BATCH`: their replies are held.
    static IN_BATCH: Cell<bool> = const { Cell::new(false) };
}

/// Whether this worker holds replies back (its connection's next call is waiting).
pub(super) fn holding() -> bool {
    HELD.with_borrow(|held| held.len() > 0)
}

/// Marks the calls this worker answers as those of a `CALL_BATCH` (their replies are
/// held until [`flush_held`]), or no longer.
pub(super) fn set_in_batch(in_batch: bool) {
    IN_BATCH.set(in_batch);
}

/// Answers call `id` with `fault`.
pub(super) fn send_fault(conn: &Conn, id: u32, fault: Fault, outgoing: &mut Vec<u8>) -> bool {
    outgoing.clear();
    if Reply::fault(id, fault).encode(outgoing).is_err() {
        return false;
    }
    send(conn, outgoing, &[])
}

/// Sends a message; a client that has gone (or does not read) loses its connection, and
/// the server nothing else.
///
/// On a connection that pipelines (§3.1), a reply without descriptors is held back while
/// this worker answers the rest of a `CALL_BATCH`, or while the client's next call is
/// already waiting: this worker serves that one next, and the replies go out together
/// ([`flush_held`]), so the client is woken once for the batch.
pub(super) fn send(conn: &Conn, message: &[u8], fds: &[BorrowedFd<'_>]) -> bool {
    let pipelining =
        conn.session.get().is_some_and(|s| s.capabilities.contains(Capabilities::PIPELINING));
    // Asked in this order, a batch's calls cost no `FIONREAD` each.
    let more_to_answer = || IN_BATCH.get() || conn.socket.pending_bytes().is_ok_and(|n| n > 0);
    if pipelining && fds.is_empty() && more_to_answer() {
        let held = HELD.with_borrow_mut(|held| {
            held.hold(message);
            held.len()
        });
        if held < MAX_HELD_REPLIES {
            return true;
        }
        return flush_held(conn);
    }
    if !flush_held(conn) {
        return false;
    }
    let sent = match conn.reply_slot.get() {
        Some(slot) => {
            slot.lock().unwrap_or_else(PoisonError::into_inner).deliver(&conn.socket, message, fds)
        }
        None => conn.socket.send_vectored(&[IoSlice::new(message)], fds).map(drop),
    };
    match sent {
        Ok(_) => true,
        Err(err) => {
            debug!(%err, "a reply could not be delivered; connection closed");
            false
        }
    }
}

/// Sends the replies held back for `conn`, in order: as one `REPLY_BATCH` message when
/// there are several and they fit the client's largest message (one wakeup for the
/// client), else in one system call (or as few as the socket's room allows). Returns
/// whether the connection is still usable.
pub(super) fn flush_held(conn: &Conn) -> bool {
    HELD.with_borrow_mut(|held| {
        if held.len() == 0 {
            return true;
        }
        let messages = held.messages(0);
        let max = conn.session.get().map_or(0, |s| s.client_max_message as usize);
        let fits = wire::batch_len(messages.iter().map(|m| m.len())) <= max;
        if messages.len() >= 2 && messages.len() <= wire::MAX_BATCH && fits {
            let mut batch = Vec::new();
            let sent = wire::encode_batch(Kind::ReplyBatch, &messages, &mut batch).is_ok()
                && conn.socket.send(&batch, &[]).is_ok();
            held.clear();
            if !sent {
                debug!("a batch of replies could not be delivered; connection closed");
            }
            return sent;
        }
        let mut sent = 0;
        while sent < held.len() {
            let messages = held.messages(sent);
            match conn.socket.send_batch(&messages) {
                Ok(n) if n > 0 => sent += n,
                // No room at all: wait for some, as a blocking send would (bounded by the
                // socket's send timeout).
                Ok(_) | Err(_) => {
                    let next = messages[0];
                    if let Err(err) = conn.socket.send(next, &[]) {
                        debug!(%err, "held replies could not be delivered; connection closed");
                        held.clear();
                        return false;
                    }
                    sent += 1;
                }
            }
        }
        held.clear();
        true
    })
}

/// Replies held back on a pipelining connection: their bytes one after another.
#[derive(Default)]
struct Held {
    bytes: Vec<u8>,
    ends: Vec<usize>,
}

impl Held {
    fn hold(&mut self, message: &[u8]) {
        self.bytes.extend_from_slice(message);
        self.ends.push(self.bytes.len());
    }

    fn len(&self) -> usize {
        self.ends.len()
    }

    /// The held messages from the `from`-th on.
    fn messages(&self, from: usize) -> Vec<&[u8]> {
        let mut start = if from == 0 { 0 } else { self.ends[from - 1] };
        self.ends[from..]
            .iter()
            .map(|&end| {
                let message = &self.bytes[start..end];
                start = end;
                message
            })
            .collect()
    }

    fn clear(&mut self) {
        self.bytes.clear();
        self.ends.clear();
    }
}
