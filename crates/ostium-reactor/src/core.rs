//! `Core`: the state of an event loop apart from its service, shared by the loop's
//! dispatch code and the [`Context`](crate::Context) a service acts through.
//!
//! Nothing here calls the service. Changes a service asks for while a callback runs —
//! writes, closes — are recorded (the connection marked dirty or finished) and carried out
//! by the loop when the callback has returned, so a callback never sees a connection
//! vanish under it.

use std::io;
use std::time::Instant;

use ostium_sys::{Interest, Poller, Socket};
use tracing::warn;

use crate::buffer::BufferPool;
use crate::connection::Connection;
use crate::handshake::ConnectState;
use crate::slab::Slab;
use crate::timers::Timers;
use crate::tokens::listener_token;
use crate::watch::Watches;
use crate::{CloseReason, Config, ConnId};

/// What a timer of the loop is for.
#[derive(Clone, Copy, Debug)]
pub(crate) enum TimerKind {
    /// Set by the service; delivered to `on_timer`.
    Service,
    /// A closing connection ran out of time to send its output.
    CloseDeadline(ConnId),
    /// An outgoing connection ran out of time to connect and shake hands.
    ConnectDeadline(ConnId),
    /// A listener paused after running out of descriptors may accept again.
    ResumeAccept(usize),
}

/// A listening socket of the loop.
pub(crate) struct Listener {
    pub(crate) socket: Socket,
    /// Whether it is registered with the poller (not paused).
    pub(crate) active: bool,
}

pub(crate) struct Core {
    pub(crate) poller: Poller,
    pub(crate) conns: Slab<Connection>,
    /// Descriptors the service owns and the loop reports readiness for.
    pub(crate) watches: Watches,
    pub(crate) timers: Timers<TimerKind>,
    pub(crate) pool: BufferPool,
    pub(crate) config: Config,
    pub(crate) listeners: Vec<Listener>,
    /// Connections with output to send or state to re-examine.
    pub(crate) dirty: Vec<ConnId>,
    /// Connections to close, with their reasons, in order.
    pub(crate) finished: Vec<(ConnId, CloseReason)>,
    /// Connections that used their whole read budget with input still waiting. Being
    /// edge-triggered, they will not be reported again for it: the loop reads them again
    /// on its next turn, after a wait that does not block.
    pub(crate) unread: Vec<ConnId>,
    pub(crate) stop_requested: bool,
    /// Connections refused because the loop was at `max_connections`.
    pub(crate) refused: u64,
}

impl Core {
    pub(crate) fn new(config: Config) -> io::Result<Core> {
        Ok(Core {
            poller: Poller::new()?,
            conns: Slab::with_capacity(config.max_connections),
            watches: Watches::new(),
            timers: Timers::new(),
            pool: BufferPool::new(config.read_chunk, config.pooled_buffers),
            listeners: Vec::new(),
            dirty: Vec::new(),
            finished: Vec::new(),
            unread: Vec::new(),
            stop_requested: false,
            refused: 0,
            config,
        })
    }

    /// Queues a connection for the loop's next flush and state check.
    pub(crate) fn mark_dirty(&mut self, id: ConnId) {
        if let Some(conn) = self.conns.get_mut(id)
            && !conn.dirty
            && !conn.finished
        {
            conn.dirty = true;
            self.dirty.push(id);
        }
    }

    /// Queues a connection to be closed now, output or not.
    pub(crate) fn finish(&mut self, id: ConnId, reason: CloseReason) {
        if let Some(conn) = self.conns.get_mut(id)
            && !conn.finished
        {
            conn.finished = true;
            self.finished.push((id, reason));
        }
    }

    /// Begins a graceful close: no more reading, close once the output is sent.
    pub(crate) fn close_gracefully(&mut self, id: ConnId, reason: CloseReason) {
        if let Some(conn) = self.conns.get_mut(id)
            && conn.closing.is_none()
        {
            conn.closing = Some(reason);
            self.mark_dirty(id);
        }
    }

    /// Sends what a connection has buffered, applies the output limits and backpressure, and
    /// brings its poller registration in line with its state.
    pub(crate) fn drive(&mut self, id: ConnId) {
        let Some(conn) = self.conns.get_mut(id) else { return };
        conn.dirty = false;
        if conn.finished {
            return;
        }
        let initiated = matches!(&conn.connecting, Some(c) if c.state == ConnectState::Initiated);
        if !initiated && let Err(err) = conn.flush() {
            self.finish(id, CloseReason::Io(err));
            return;
        }
        let pending = conn.output.len();
        if pending > self.config.max_output {
            static OUTPUT_LIMIT: ostium_sys::Throttle = ostium_sys::Throttle::per_second();
            if let Some(suppressed) = OUTPUT_LIMIT.pass() {
                warn!(peer = %conn.peer, pending, limit = self.config.max_output, suppressed, "output limit exceeded; closing");
            }
            self.finish(id, CloseReason::OutputLimit);
            return;
        }
        if pending >= self.config.output_high_water {
            conn.paused = true;
        } else if conn.paused && pending <= self.config.output_high_water / 2 {
            conn.paused = false;
        }
        if conn.output.is_empty() {
            conn.output.return_storage(&mut self.pool);
            if let Some(connecting) = &mut conn.connecting
                && connecting.state == ConnectState::SentHandshake
            {
                connecting.state = ConnectState::AwaitingAck;
            }
        }
        if conn.input.is_empty() {
            conn.input.return_storage(&mut self.pool);
        }
        if conn.closing.is_some() {
            if conn.output.is_empty() {
                let reason = conn.closing.take().unwrap_or(CloseReason::Service);
                self.finish(id, reason);
                return;
            }
            if conn.close_deadline.is_none() {
                let deadline = Instant::now() + self.config.close_timeout;
                let timer = self.timers.insert(deadline, None, TimerKind::CloseDeadline(id));
                conn.close_deadline = Some(timer);
            }
        }
        if let Err(err) = self.register(id) {
            self.finish(id, CloseReason::Io(err));
        }
    }

    /// Makes the poller's registration of a connection match what its state calls for.
    fn register(&mut self, id: ConnId) -> io::Result<()> {
        let Some(conn) = self.conns.get_mut(id) else { return Ok(()) };
        let wanted = conn.wanted_interest();
        if wanted == conn.registered {
            return Ok(());
        }
        match (conn.registered, wanted) {
            (None, Some(interest)) => {
                self.poller.add_edge_triggered(&conn.socket, id.token(), interest)?
            }
            (Some(_), Some(interest)) => {
                self.poller.modify_edge_triggered(&conn.socket, id.token(), interest)?
            }
            (Some(_), None) => self.poller.delete(&conn.socket)?,
            (None, None) => {}
        }
        conn.registered = wanted;
        Ok(())
    }

    /// Registers or unregisters listener `index` with the poller.
    pub(crate) fn set_listener_active(&mut self, index: usize, active: bool) -> io::Result<()> {
        let Some(listener) = self.listeners.get_mut(index) else { return Ok(()) };
        if listener.active == active {
            return Ok(());
        }
        let token = listener_token(index);
        if active {
            self.poller.add(&listener.socket, token, Interest::READABLE)?;
        } else {
            self.poller.delete(&listener.socket)?;
        }
        listener.active = active;
        Ok(())
    }
}
