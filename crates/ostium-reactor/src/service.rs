//! `Service`: what a loop's owner writes — the seam between the reactor and a protocol.

use std::io;
use std::net::SocketAddr;

use crate::{Buffer, ConnId, Context, Readiness, TimerId, WatchId};

/// Whether a connection stays open after a callback.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// Keep the connection open.
    Keep,
    /// Close the connection once the output already buffered has been sent (or the loop's
    /// `close_timeout` has passed); nothing more is read from it.
    Close,
}

/// How a connection came to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// Accepted from one of the loop's listeners; the address is the peer's.
    Accepted(SocketAddr),
    /// Opened by [`Context::connect`], its handshake (if it had one) acknowledged.
    Outgoing(SocketAddr),
}

/// Why a connection closed, as told to [`Service::on_close`].
#[derive(Debug)]
#[non_exhaustive]
pub enum CloseReason {
    /// The service returned [`Flow::Close`] or called [`Context::close`].
    Service,
    /// The peer finished sending and the service's `on_read_closed` returned `Close`.
    PeerClosed,
    /// Reading or writing failed (a reset by the peer, most often).
    Io(io::Error),
    /// The service left more unconsumed input than the loop's `max_input`.
    InputLimit,
    /// More output was buffered than the loop's `max_output`.
    OutputLimit,
    /// Output still unsent when `close_timeout` ran out on a closing connection.
    FlushTimeout,
    /// An outgoing connection could not be established.
    ConnectFailed(io::Error),
    /// An outgoing connection and its handshake did not finish before the deadline.
    ConnectTimeout,
    /// The peer's answer to an outgoing connection's handshake was refused.
    HandshakeRejected(String),
    /// The loop is stopping.
    Shutdown,
}

/// The callbacks of a protocol served by an [`EventLoop`](crate::EventLoop).
///
/// Every callback runs on the loop's thread and should return quickly: a loop serves all its
/// connections one callback at a time. Output written to the `output` buffer (or with
/// [`Context::write`]) is sent as soon as the callback returns, before the loop waits
/// again. Every [`ConnId`] the loop hands to a service (in `on_open`, or from
/// [`Context::connect`]) ends with exactly one `on_close`, or with the service taking it
/// out of the loop ([`Context::detach`]).
pub trait Service {
    /// The loop is about to serve (set up timers here).
    fn on_start(&mut self, cx: &mut Context<'_>) {
        let _ = cx;
    }

    /// A connection was accepted, or an outgoing connection is established.
    fn on_open(&mut self, cx: &mut Context<'_>, conn: ConnId, origin: Origin) {
        let _ = (cx, conn, origin);
    }

    /// New bytes arrived. `input` holds every byte not consumed so far; consume what was
    /// used and leave the rest (an incomplete message) for the next call. Append replies to
    /// `output`.
    fn on_data(
        &mut self,
        cx: &mut Context<'_>,
        conn: ConnId,
        input: &mut Buffer,
        output: &mut Buffer,
    ) -> Flow;

    /// The peer finished sending (it half-closed or closed). `input` holds what was left
    /// unconsumed. The default closes the connection once its output is sent; return
    /// [`Flow::Keep`] to go on writing (a reply computed later, say).
    fn on_read_closed(
        &mut self,
        cx: &mut Context<'_>,
        conn: ConnId,
        input: &mut Buffer,
        output: &mut Buffer,
    ) -> Flow {
        let _ = (cx, conn, input, output);
        Flow::Close
    }

    /// A timer set with [`Context::set_timer`] or [`Context::set_interval`] came due.
    fn on_timer(&mut self, cx: &mut Context<'_>, timer: TimerId) {
        let _ = (cx, timer);
    }

    /// A descriptor watched with [`Context::watch`] is ready. The service does the I/O, one
    /// message or as much as it likes: level-triggered, what it leaves is reported again at
    /// the loop's next turn. See [`Context::watch`] for the rules that keep a loop quiet.
    fn on_ready(&mut self, cx: &mut Context<'_>, watch: WatchId, ready: Readiness) {
        let _ = (cx, watch, ready);
    }

    /// The loop has handled every event, timer and read of this turn and is about to wait
    /// again: work the service gathered during the turn goes out here, together (a batch of
    /// messages for another process, say, so that it is woken once for all of them rather
    /// than once each). Called once per turn; the default does nothing.
    fn on_turn_end(&mut self, cx: &mut Context<'_>) {
        let _ = cx;
    }

    /// A connection closed; its id is no longer valid.
    fn on_close(&mut self, cx: &mut Context<'_>, conn: ConnId, reason: &CloseReason) {
        let _ = (cx, conn, reason);
    }
}
