//! `Connection`: one socket of a loop, its buffers, and where it stands.

use std::io;
use std::net::SocketAddr;

use ostium_sys::{Interest, Socket};

use crate::buffer::{Buffer, BufferPool};
use crate::handshake::{ConnectState, Handshake};
use crate::{CloseReason, TimerId};

/// An outgoing connection not yet handed to the service.
pub(crate) struct Connecting {
    pub(crate) state: ConnectState,
    pub(crate) handshake: Option<Box<dyn Handshake>>,
    pub(crate) deadline: Option<TimerId>,
}

/// A connection of an event loop.
pub(crate) struct Connection {
    pub(crate) socket: Socket,
    pub(crate) peer: SocketAddr,
    pub(crate) input: Buffer,
    pub(crate) output: Buffer,
    /// `Some` until an outgoing connection is established and handed to the service.
    pub(crate) connecting: Option<Connecting>,
    /// The interest registered with the poller; `None` while it is not registered.
    pub(crate) registered: Option<Interest>,
    /// The peer may still send (no end of stream seen, no close begun).
    pub(crate) read_open: bool,
    /// The peer has finished sending (an event said so): read on past short reads, to the
    /// end of stream, since no further edge will announce it.
    pub(crate) peer_finished: bool,
    /// Reading is paused because too much output is waiting (backpressure).
    pub(crate) paused: bool,
    /// Reading is held by the service ([`Context::hold_reading`](crate::Context::hold_reading)).
    pub(crate) held: bool,
    /// A graceful close has begun: the reason it will be closed with once output is sent.
    pub(crate) closing: Option<CloseReason>,
    pub(crate) close_deadline: Option<TimerId>,
    /// Queued for the loop's next flush.
    pub(crate) dirty: bool,
    /// Queued to be closed; no callback reaches the service for it any more.
    pub(crate) finished: bool,
}

/// What one read from the socket brought.
pub(crate) enum Read {
    /// Bytes arrived; `filled` says whether they filled all the room offered, in which case
    /// more may be waiting.
    Data { filled: bool },
    /// The peer finished sending.
    Eof,
    /// Nothing to read now.
    Empty,
}

impl Connection {
    pub(crate) fn new(socket: Socket, peer: SocketAddr, connecting: Option<Connecting>) -> Self {
        Connection {
            socket,
            peer,
            input: Buffer::new(),
            output: Buffer::new(),
            connecting,
            registered: None,
            read_open: true,
            peer_finished: false,
            paused: false,
            held: false,
            closing: None,
            close_deadline: None,
            dirty: false,
            finished: false,
        }
    }

    /// Whether the loop should read from this connection now.
    pub(crate) fn wants_read(&self) -> bool {
        let initiated = matches!(&self.connecting, Some(c) if c.state == ConnectState::Initiated);
        self.read_open && !self.paused && !self.held && self.closing.is_none() && !initiated
    }

    /// The interest this connection's state calls for: readable while it reads, writable
    /// while output waits (or while a connect is under way).
    pub(crate) fn wanted_interest(&self) -> Option<Interest> {
        let initiated = matches!(&self.connecting, Some(c) if c.state == ConnectState::Initiated);
        let read = self.wants_read().then_some(Interest::READABLE);
        let write = (initiated || !self.output.is_empty()).then_some(Interest::WRITABLE);
        match (read, write) {
            (Some(r), Some(w)) => Some(r | w),
            (r, w) => r.or(w),
        }
    }

    /// One read of up to `chunk` bytes into the input buffer.
    pub(crate) fn read(&mut self, pool: &mut BufferPool, chunk: usize) -> io::Result<Read> {
        self.input.borrow_storage(pool);
        let room = self.input.spare(chunk);
        let offered = room.len();
        match self.socket.read(room) {
            Ok(0) => Ok(Read::Eof),
            Ok(n) => {
                self.input.commit(n);
                Ok(Read::Data { filled: n == offered })
            }
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => Ok(Read::Empty),
            Err(err) => Err(err),
        }
    }

    /// Writes buffered output until it is all sent or the socket takes no more.
    pub(crate) fn flush(&mut self) -> io::Result<()> {
        while !self.output.is_empty() {
            match self.socket.write(self.output.as_slice()) {
                Ok(n) => self.output.consume(n),
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => break,
                Err(err) => return Err(err),
            }
        }
        Ok(())
    }
}
