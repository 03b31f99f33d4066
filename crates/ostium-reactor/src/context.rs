//! `Context`: what a service can do to its loop from inside a callback.

use std::io;
use std::net::SocketAddr;
use std::os::fd::AsFd;
use std::time::{Duration, Instant};

use ostium_sys::{Interest, tcp_connect};

use crate::connection::{Connecting, Connection};
use crate::core::{Core, TimerKind};
use crate::handshake::{ConnectState, Handshake};
use crate::{ConnId, Detached, TimerId, WatchId};

/// The loop, as a service callback sees it: write to, close and detach connections, set
/// timers, open outgoing connections, watch other descriptors, stop the loop.
///
/// Writes made here are sent when the callback returns, together with anything else the
/// callback wrote, in as few system calls as the socket allows.
pub struct Context<'a> {
    core: &'a mut Core,
}

impl<'a> Context<'a> {
    pub(crate) fn new(core: &'a mut Core) -> Context<'a> {
        Context { core }
    }

    /// Appends `bytes` to a connection's output. Returns `false` (and writes nothing) if the
    /// connection is gone or closing.
    ///
    /// Bytes written to an outgoing connection that is not yet established wait until its
    /// connect completes, and follow its handshake's hello.
    pub fn write(&mut self, conn: ConnId, bytes: &[u8]) -> bool {
        match self.core.conns.get_mut(conn) {
            Some(c) if !c.finished && c.closing.is_none() => {
                c.output.extend_from_slice(bytes);
                self.core.mark_dirty(conn);
                true
            }
            _ => false,
        }
    }

    /// Appends `bytes` to the output of every established connection; returns how many.
    pub fn broadcast(&mut self, bytes: &[u8]) -> usize {
        let ids: Vec<ConnId> = self.connection_ids().collect();
        ids.into_iter().filter(|&id| self.write(id, bytes)).count()
    }

    /// Closes a connection once its buffered output has been sent.
    pub fn close(&mut self, conn: ConnId) {
        self.core.close_gracefully(conn, crate::CloseReason::Service);
    }

    /// Takes an established connection out of the loop without closing it: its socket,
    /// unregistered and open, and the bytes the loop held for it (read and not consumed,
    /// written and not sent). `None` if `conn` is gone, closing, or not yet established.
    ///
    /// The id ends here: [`Service::on_close`](crate::Service::on_close) is not called for
    /// it, since the service has the connection in hand.
    ///
    /// Inside `on_data` or `on_read_closed` *of this connection*, its buffers are the ones
    /// that callback was lent: the unconsumed input is in its `input`, not in
    /// [`Detached::input`], so append `input` to it (and `output` to
    /// [`Detached::output`]); what the callback leaves in them is dropped when it returns.
    pub fn detach(&mut self, conn: ConnId) -> Option<Detached> {
        self.core.detach(conn)
    }

    /// How many connections the loop holds, established or not.
    pub fn connection_count(&self) -> usize {
        self.core.conns.len()
    }

    /// The ids of the established connections (those the service has been given with
    /// `on_open`) that are not closing.
    pub fn connection_ids(&self) -> impl Iterator<Item = ConnId> + '_ {
        self.core.conns.ids().filter(|&id| {
            self.core
                .conns
                .get(id)
                .is_some_and(|c| c.connecting.is_none() && c.closing.is_none() && !c.finished)
        })
    }

    /// The peer address of a connection.
    pub fn peer_addr(&self, conn: ConnId) -> Option<SocketAddr> {
        self.core.conns.get(conn).map(|c| c.peer)
    }

    /// The local address of a connection: where the peer connected (the address of the
    /// listener's interface and port, which a wildcard or port-0 listener does not tell).
    /// One `getsockname` each time.
    pub fn local_addr(&self, conn: ConnId) -> Option<SocketAddr> {
        self.core.conns.get(conn).and_then(|c| c.socket.local_addr().ok())
    }

    /// Calls [`Service::on_timer`](crate::Service::on_timer) once, `after` from now (never
    /// earlier).
    pub fn set_timer(&mut self, after: Duration) -> TimerId {
        self.core.timers.insert(Instant::now() + after, None, TimerKind::Service)
    }

    /// Calls [`Service::on_timer`](crate::Service::on_timer) every `every`, the first time
    /// `every` from now. Periods missed while the loop was busy are skipped, not bunched.
    pub fn set_interval(&mut self, every: Duration) -> TimerId {
        self.core.timers.insert(Instant::now() + every, Some(every), TimerKind::Service)
    }

    /// Cancels a timer; returns whether it was still pending.
    pub fn cancel_timer(&mut self, timer: TimerId) -> bool {
        self.core.timers.cancel(timer)
    }

    /// Starts a non-blocking TCP connection to `addr` and returns its id at once.
    ///
    /// The loop drives it through [`ConnectState`]: once connected it sends the
    /// `handshake`'s hello and waits for its acknowledgement (if a handshake is given), then
    /// calls [`Service::on_open`](crate::Service::on_open) with
    /// [`Origin::Outgoing`](crate::Origin::Outgoing). If any step fails, or `timeout` passes
    /// first, the connection ends with [`Service::on_close`](crate::Service::on_close) and a
    /// reason saying why.
    pub fn connect(
        &mut self,
        addr: SocketAddr,
        handshake: Option<Box<dyn Handshake>>,
        timeout: Option<Duration>,
    ) -> io::Result<ConnId> {
        if self.core.conns.is_full() {
            return Err(io::Error::other(format!(
                "connect {addr}: the loop is at its maximum of {} connections",
                self.core.config.max_connections
            )));
        }
        let socket = tcp_connect(addr)?;
        let connecting = Connecting { state: ConnectState::Initiated, handshake, deadline: None };
        let conn = Connection::new(socket, addr, Some(connecting));
        let id = self.core.conns.insert(conn).map_err(|_| io::Error::other("slab full"))?;
        let conn = self.core.conns.get_mut(id).expect("just inserted");
        if let Err(err) =
            self.core.poller.add_edge_triggered(&conn.socket, id.token(), Interest::WRITABLE)
        {
            self.core.conns.remove(id);
            return Err(err);
        }
        conn.registered = Some(Interest::WRITABLE);
        if let Some(timeout) = timeout {
            let deadline = Instant::now() + timeout;
            let timer = self.core.timers.insert(deadline, None, TimerKind::ConnectDeadline(id));
            if let Some(connecting) = &mut conn.connecting {
                connecting.deadline = Some(timer);
            }
        }
        Ok(id)
    }

    /// Where an outgoing connection stands; `None` if the id names no connection.
    pub fn connect_state(&self, conn: ConnId) -> Option<ConnectState> {
        let conn = self.core.conns.get(conn)?;
        Some(conn.connecting.as_ref().map_or(ConnectState::Connected, |c| c.state))
    }

    /// Starts reporting the readiness of a descriptor the service owns (a door connection,
    /// a UDP socket, a pipe) to [`Service::on_ready`](crate::Service::on_ready); the service
    /// does the I/O itself, without waiting (the descriptor should be non-blocking).
    ///
    /// Level-triggered: while the descriptor is ready for `interest` it is reported at each
    /// turn of the loop, one callback per turn, so the service may take one message per
    /// callback and lose nothing. In return a readiness the service does not act on keeps
    /// coming: drop the interest (or [`unwatch`](Self::unwatch)) when the service will not
    /// read or write for a while, and ask for writable only while it has something to send.
    /// Hang-up and error are reported whatever the interest, for as long as they last:
    /// after end of stream or an error, unwatch. An idle descriptor costs nothing.
    ///
    /// The loop registers its own duplicate of `fd` (one more descriptor per watch, closed
    /// at [`unwatch`](Self::unwatch)), so the service's descriptor stays the service's: the
    /// loop never closes it. Unwatch before dropping it — until then the loop's duplicate
    /// keeps the file open.
    pub fn watch(&mut self, fd: &impl AsFd, interest: Interest) -> io::Result<WatchId> {
        self.core.watches.add(&self.core.poller, fd, interest)
    }

    /// Changes what a watch waits for. `None` pauses it: nothing at all is reported for it
    /// (not even a hang-up) until an interest is set again, when whatever readiness it has
    /// then is reported. Fails with `NotFound` if `watch` names no watch.
    pub fn set_watch_interest(
        &mut self,
        watch: WatchId,
        interest: impl Into<Option<Interest>>,
    ) -> io::Result<()> {
        self.core.watches.set_interest(&self.core.poller, watch, interest.into())
    }

    /// Stops watching: no [`Service::on_ready`](crate::Service::on_ready) reaches the
    /// service for `watch` after this, even for readiness already collected in the current
    /// turn, and the loop keeps nothing of the descriptor. Returns whether it was watched.
    pub fn unwatch(&mut self, watch: WatchId) -> bool {
        self.core.watches.remove(&self.core.poller, watch)
    }

    /// How many descriptors the loop watches for the service.
    pub fn watch_count(&self) -> usize {
        self.core.watches.len()
    }

    /// Stops (`true`) or resumes (`false`) reading from a connection: while held, nothing
    /// is read from its socket (the kernel's buffers fill and the peer's sends block: TCP
    /// backpressure), and its input is not delivered. What a service does when it holds
    /// too much of the peers' data in memory. Output still goes out.
    pub fn hold_reading(&mut self, conn: ConnId, hold: bool) {
        if let Some(c) = self.core.conns.get_mut(conn)
            && c.held != hold
        {
            c.held = hold;
            // Re-registered to match; on resuming, epoll reports input already waiting.
            self.core.mark_dirty(conn);
        }
    }

    /// Closes the loop's listeners now: no connection is accepted any more (connections
    /// waiting in their backlogs are refused by the kernel), while the loop goes on serving
    /// the connections it has. What a draining server does first.
    pub fn close_listeners(&mut self) {
        // Dropping a listener closes it, which also takes it out of the poller; a listener
        // event or a resume timer still due for it finds no listener and does nothing.
        self.core.listeners.clear();
    }

    /// Stops the loop after the current callback: its listeners close, and every connection
    /// closes with [`CloseReason::Shutdown`](crate::CloseReason::Shutdown).
    pub fn stop(&mut self) {
        self.core.stop_requested = true;
    }

    /// Connections refused so far because the loop was at its maximum.
    pub fn refused_connections(&self) -> u64 {
        self.core.refused
    }
}
