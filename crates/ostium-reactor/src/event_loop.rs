//! `EventLoop`: one thread's reactor — wait for readiness or the nearest deadline, handle
//! what is ready, repeat.

use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ostium_sys::{Event, Events, Interest, Socket};
use tracing::{debug, trace, warn};

use crate::connection::Read;
use crate::core::{Core, Listener, TimerKind};
use crate::handle::Shared;
use crate::handshake::{Ack, ConnectState};
use crate::tokens::{Source, WAKER_TOKEN};
use crate::{
    Buffer, CloseReason, Config, ConnId, Context, Flow, LoopHandle, Origin, Readiness, Service,
    WatchId,
};

/// How long a listener rests after the process ran out of descriptors.
const ACCEPT_PAUSE: Duration = Duration::from_millis(100);

/// Reads per readiness before a connection yields to the others.
const READS_PER_EVENT: usize = 4;

/// A single-threaded event loop serving one [`Service`].
pub struct EventLoop<S> {
    core: Core,
    service: S,
    shared: Arc<Shared<S>>,
}

impl<S: Service> EventLoop<S> {
    /// A loop with no listener yet.
    pub fn new(config: Config, service: S) -> io::Result<EventLoop<S>> {
        let core = Core::new(config)?;
        let shared = Arc::new(Shared::new()?);
        core.poller.add(&shared.waker, WAKER_TOKEN, Interest::READABLE)?;
        Ok(EventLoop { core, service, shared })
    }

    /// Accepts connections from `listener` (a non-blocking listening socket, such as
    /// [`ostium_sys::tcp_listen`] returns).
    pub fn add_listener(&mut self, listener: Socket) -> io::Result<()> {
        self.core.listeners.push(Listener { socket: listener, active: false });
        self.core.set_listener_active(self.core.listeners.len() - 1, true)
    }

    /// A handle to post work to this loop or stop it from other threads.
    pub fn handle(&self) -> LoopHandle<S> {
        LoopHandle { shared: Arc::clone(&self.shared) }
    }

    /// The service.
    pub fn service(&self) -> &S {
        &self.service
    }

    /// Serves until stopped (by [`LoopHandle::stop`] or [`Context::stop`]).
    ///
    /// Each turn waits for readiness, bounded by the nearest timer; handles every ready
    /// descriptor; fires the timers that are due; and goes back to the connections that had
    /// more input than one turn's read budget (the wait does not block while there are
    /// any). Nothing sleeps and nothing spins: a loop with nothing to do is blocked in one
    /// `epoll_pwait2` with no timeout, or with the time to its next timer.
    pub fn run(&mut self) -> io::Result<()> {
        let mut events = Events::with_capacity(self.core.config.events_per_wait);
        self.service.on_start(&mut Context::new(&mut self.core));
        self.settle();
        while !self.stopping() {
            let timeout = if self.core.unread.is_empty() {
                let next = self.core.timers.next_deadline();
                next.map(|d| d.saturating_duration_since(Instant::now()))
            } else {
                Some(Duration::ZERO)
            };
            self.core.poller.wait(&mut events, timeout)?;
            for event in events.iter() {
                self.dispatch(event)?;
                self.settle();
            }
            self.fire_due_timers();
            self.read_unread();
            self.service.on_turn_end(&mut Context::new(&mut self.core));
            self.settle();
        }
        self.shut_down();
        Ok(())
    }

    fn stopping(&self) -> bool {
        self.core.stop_requested || self.shared.stop_requested()
    }

    fn dispatch(&mut self, event: Event) -> io::Result<()> {
        match Source::of(event.token()) {
            Source::Waker => return self.run_posted_jobs(),
            Source::Listener(index) => self.accept_ready(index),
            Source::Conn(id) => self.connection_ready(id, event),
            Source::Watch(id) => self.watch_ready(id, event),
        }
        Ok(())
    }

    /// Tells the service a watched descriptor is ready, unless the watch was removed or
    /// paused earlier in this batch of events (its event was collected before that).
    fn watch_ready(&mut self, id: WatchId, event: Event) {
        if self.core.watches.is_active(id) {
            let ready = Readiness::of(&event);
            self.service.on_ready(&mut Context::new(&mut self.core), id, ready);
        }
    }

    fn run_posted_jobs(&mut self) -> io::Result<()> {
        for job in self.shared.take_jobs()? {
            job(&mut self.service, &mut Context::new(&mut self.core));
            self.settle();
        }
        Ok(())
    }

    /// Accepts up to a batch of pending connections from listener `index`.
    fn accept_ready(&mut self, index: usize) {
        for _ in 0..self.core.config.accept_batch {
            let Some(listener) = self.core.listeners.get(index) else { return };
            let (socket, peer) = match listener.socket.accept() {
                Ok(accepted) => accepted,
                Err(err) => return self.accept_failed(index, err),
            };
            if self.core.conns.is_full() {
                // Closing at once tells the client now; leaving it in the backlog would make
                // it wait, and keep the listener readable.
                self.core.refused += 1;
                debug!(%peer, max = self.core.config.max_connections, "at the connection limit; refused");
                continue;
            }
            if let Err(err) = socket.set_nodelay(true) {
                debug!(%peer, %err, "TCP_NODELAY not set");
            }
            let conn = crate::connection::Connection::new(socket, peer, None);
            let Ok(id) = self.core.conns.insert(conn) else { continue };
            trace!(?id, %peer, "accepted");
            self.service.on_open(&mut Context::new(&mut self.core), id, Origin::Accepted(peer));
            self.core.mark_dirty(id);
            self.settle();
        }
    }

    fn accept_failed(&mut self, index: usize, err: io::Error) {
        match err.kind() {
            io::ErrorKind::WouldBlock => {}
            // The connection was reset while it waited in the backlog: nothing to accept.
            io::ErrorKind::ConnectionAborted => {}
            // Out of descriptors or memory: the listener stays readable, so waiting on it
            // would spin. Rest it, and let closing connections free what it needs.
            _ if ostium_sys::is_out_of_resources(&err) => {
                static OUT_OF_RESOURCES: ostium_sys::Throttle = ostium_sys::Throttle::per_second();
                if let Some(suppressed) = OUT_OF_RESOURCES.pass() {
                    warn!(%err, pause = ?ACCEPT_PAUSE, suppressed, "accept failed; pausing the listener");
                }
                if self.core.set_listener_active(index, false).is_ok() {
                    let resume = Instant::now() + ACCEPT_PAUSE;
                    self.core.timers.insert(resume, None, TimerKind::ResumeAccept(index));
                }
            }
            _ => {
                static ACCEPT_FAILED: ostium_sys::Throttle = ostium_sys::Throttle::per_second();
                if let Some(suppressed) = ACCEPT_FAILED.pass() {
                    warn!(%err, suppressed, "accept failed");
                }
            }
        }
    }

    fn connection_ready(&mut self, id: ConnId, event: Event) {
        let Some(conn) = self.core.conns.get_mut(id) else { return };
        if conn.finished {
            return;
        }
        let initiated = matches!(&conn.connecting, Some(c) if c.state == ConnectState::Initiated);
        if initiated {
            if event.is_writable() {
                self.connect_completed(id);
            }
            return;
        }
        if event.is_read_closed() {
            conn.peer_finished = true;
        }
        if event.is_readable() && conn.wants_read() {
            self.read_ready(id);
        }
        if event.is_writable() {
            self.core.mark_dirty(id);
        }
    }

    /// Reads what a connection has for us and hands it on: until a read comes back short
    /// (the kernel had no more; later data raises a new edge), at the end of stream, or at
    /// the budget of a few chunks, after which the connection waits for the next turn so
    /// that one busy peer cannot starve the others.
    fn read_ready(&mut self, id: ConnId) {
        let chunk = self.core.config.read_chunk;
        for _ in 0..READS_PER_EVENT {
            let Some(conn) = self.core.conns.get_mut(id) else { return };
            if conn.finished || !conn.wants_read() {
                return;
            }
            match conn.read(&mut self.core.pool, chunk) {
                Ok(Read::Data { filled }) => {
                    let read_on = filled || conn.peer_finished;
                    self.input_arrived(id);
                    if !read_on {
                        return;
                    }
                }
                Ok(Read::Eof) => return self.read_closed(id),
                Ok(Read::Empty) => return,
                Err(err) => return self.core.finish(id, CloseReason::Io(err)),
            }
        }
        self.core.unread.push(id);
    }

    /// Goes back to the connections that had more input than their last turn's budget.
    fn read_unread(&mut self) {
        for id in std::mem::take(&mut self.core.unread) {
            if self.core.conns.get(id).is_some_and(|c| !c.finished && c.wants_read()) {
                self.read_ready(id);
                self.settle();
            }
        }
    }

    fn input_arrived(&mut self, id: ConnId) {
        let awaiting_ack = self.core.conns.get(id).is_some_and(|c| c.connecting.is_some());
        if awaiting_ack {
            return self.check_ack(id);
        }
        self.call_with_buffers(id, |service, cx, input, output| {
            service.on_data(cx, id, input, output)
        });
        let Some(conn) = self.core.conns.get(id) else { return };
        if conn.input.len() > self.core.config.max_input {
            static INPUT_LIMIT: ostium_sys::Throttle = ostium_sys::Throttle::per_second();
            if let Some(suppressed) = INPUT_LIMIT.pass() {
                warn!(peer = %conn.peer, pending = conn.input.len(), limit = self.core.config.max_input, suppressed, "input limit exceeded; closing");
            }
            self.core.finish(id, CloseReason::InputLimit);
        }
    }

    fn read_closed(&mut self, id: ConnId) {
        let Some(conn) = self.core.conns.get_mut(id) else { return };
        conn.read_open = false;
        if conn.connecting.is_some() {
            let err = io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the peer closed during the handshake",
            );
            return self.core.finish(id, CloseReason::ConnectFailed(err));
        }
        self.call_with_buffers(id, |service, cx, input, output| {
            service.on_read_closed(cx, id, input, output)
        });
        if let Some(conn) = self.core.conns.get_mut(id)
            && conn.closing.is_some()
        {
            // The service chose to close: the peer's end of stream is the reason.
            conn.closing = Some(CloseReason::PeerClosed);
        }
    }

    /// Calls the service with a connection's buffers lent out of its slot (so the callback
    /// can also reach the connection through its context), then puts them back and applies
    /// the callback's verdict.
    fn call_with_buffers(
        &mut self,
        id: ConnId,
        callback: impl FnOnce(&mut S, &mut Context<'_>, &mut Buffer, &mut Buffer) -> Flow,
    ) {
        let Some(conn) = self.core.conns.get_mut(id) else { return };
        let mut input = std::mem::take(&mut conn.input);
        let mut output = std::mem::take(&mut conn.output);
        let flow =
            callback(&mut self.service, &mut Context::new(&mut self.core), &mut input, &mut output);
        let Some(conn) = self.core.conns.get_mut(id) else {
            return self.detached_while_lent(id, input, output);
        };
        conn.input = input;
        // Anything written to this connection through the context during the callback went
        // to the slot's (empty) output: it follows what the callback wrote directly.
        let mut written_meanwhile = std::mem::replace(&mut conn.output, output);
        written_meanwhile.move_to(&mut conn.output);
        if flow == Flow::Close {
            self.core.close_gracefully(id, CloseReason::Service);
        }
        self.core.mark_dirty(id);
    }

    /// The service detached a connection from inside a callback that held its buffers; the
    /// bytes still in them were the service's to take along (`Context::detach` says so).
    fn detached_while_lent(&mut self, id: ConnId, mut input: Buffer, mut output: Buffer) {
        if !input.is_empty() || !output.is_empty() {
            static DETACHED_BYTES: ostium_sys::Throttle = ostium_sys::Throttle::per_second();
            if let Some(suppressed) = DETACHED_BYTES.pass() {
                warn!(
                    ?id,
                    input = input.len(),
                    output = output.len(),
                    suppressed,
                    "bytes left in the buffers of a detached connection were dropped"
                );
            }
        }
        for buffer in [&mut input, &mut output] {
            buffer.clear();
            buffer.return_storage(&mut self.core.pool);
        }
    }

    /// An outgoing connect finished: send the hello, or hand the connection over.
    fn connect_completed(&mut self, id: ConnId) {
        let Some(conn) = self.core.conns.get_mut(id) else { return };
        match conn.socket.take_error() {
            Ok(None) => {}
            Ok(Some(err)) | Err(err) => {
                return self.core.finish(id, CloseReason::ConnectFailed(err));
            }
        }
        if let Err(err) = conn.socket.set_nodelay(true) {
            debug!(peer = %conn.peer, %err, "TCP_NODELAY not set");
        }
        let Some(connecting) = &mut conn.connecting else { return };
        match &mut connecting.handshake {
            Some(handshake) => {
                // The hello goes first, before anything the service queued meanwhile.
                let mut output = Buffer::new();
                output.extend_from_slice(&handshake.hello());
                conn.output.move_to(&mut output);
                conn.output = output;
                connecting.state = ConnectState::SentHandshake;
                self.core.mark_dirty(id);
            }
            None => self.established(id),
        }
    }

    fn check_ack(&mut self, id: ConnId) {
        let Some(conn) = self.core.conns.get_mut(id) else { return };
        let Some(handshake) = conn.connecting.as_mut().and_then(|c| c.handshake.as_mut()) else {
            return;
        };
        match handshake.check_ack(conn.input.as_slice()) {
            Ack::Incomplete => {}
            Ack::Accepted { consumed } => {
                conn.input.consume(consumed);
                let more = !conn.input.is_empty();
                self.established(id);
                if more {
                    self.input_arrived(id);
                }
            }
            Ack::Rejected(why) => self.core.finish(id, CloseReason::HandshakeRejected(why)),
        }
    }

    /// Hands an outgoing connection, now usable, to the service.
    fn established(&mut self, id: ConnId) {
        let Some(conn) = self.core.conns.get_mut(id) else { return };
        let Some(connecting) = conn.connecting.take() else { return };
        if let Some(deadline) = connecting.deadline {
            self.core.timers.cancel(deadline);
        }
        let peer = conn.peer;
        self.core.mark_dirty(id);
        self.service.on_open(&mut Context::new(&mut self.core), id, Origin::Outgoing(peer));
    }

    fn fire_due_timers(&mut self) {
        if self.core.timers.len() == 0 {
            return;
        }
        let now = Instant::now();
        while let Some((timer, kind)) = self.core.timers.pop_due(now) {
            match kind {
                TimerKind::Service => {
                    self.service.on_timer(&mut Context::new(&mut self.core), timer)
                }
                TimerKind::CloseDeadline(id) => self.core.finish(id, CloseReason::FlushTimeout),
                TimerKind::ConnectDeadline(id) => self.core.finish(id, CloseReason::ConnectTimeout),
                TimerKind::ResumeAccept(index) => {
                    if let Err(err) = self.core.set_listener_active(index, true) {
                        warn!(%err, "could not resume accepting");
                    }
                }
            }
            self.settle();
        }
    }

    /// Carries out what callbacks asked for: flushes dirty connections and closes finished
    /// ones (telling the service), until nothing is left to do.
    fn settle(&mut self) {
        loop {
            if let Some(id) = self.core.dirty.pop() {
                self.core.drive(id);
            } else if !self.core.finished.is_empty() {
                let finished = std::mem::take(&mut self.core.finished);
                for (id, reason) in finished {
                    self.close_now(id, reason);
                }
            } else {
                return;
            }
        }
    }

    fn close_now(&mut self, id: ConnId, reason: CloseReason) {
        let Some(mut conn) = self.core.conns.remove(id) else { return };
        for timer in [conn.close_deadline, conn.connecting.as_ref().and_then(|c| c.deadline)]
            .into_iter()
            .flatten()
        {
            self.core.timers.cancel(timer);
        }
        match &reason {
            CloseReason::Io(err) => debug!(peer = %conn.peer, %err, "connection closed"),
            other => trace!(peer = %conn.peer, reason = ?other, "connection closed"),
        }
        conn.input.clear();
        conn.output.clear();
        conn.input.return_storage(&mut self.core.pool);
        conn.output.return_storage(&mut self.core.pool);
        // Dropping the socket closes it, which also removes it from the poller.
        drop(conn);
        self.service.on_close(&mut Context::new(&mut self.core), id, &reason);
    }

    fn shut_down(&mut self) {
        self.core.listeners.clear();
        self.core.watches.clear(&self.core.poller);
        let ids: Vec<ConnId> = self.core.conns.ids().collect();
        for id in ids {
            self.core.finish(id, CloseReason::Shutdown);
        }
        self.settle();
        debug!(refused = self.core.refused, "loop stopped");
    }
}
