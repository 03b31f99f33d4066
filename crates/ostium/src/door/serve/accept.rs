//! Taking connections in and putting them out: the accept loop under the door's
//! [`Gate`](super::Gate) (connection limit, per-user cap, rests when out of descriptors),
//! the `HELLO` and idle deadlines the leader enforces between events, and closing.
//!
//! The leader is the only thread that waits on the door's poller, so it is the one that
//! keeps time: it waits no longer than the next deadline ([`Served::wake_in`]) and acts on
//! the deadlines due when it wakes ([`Served::on_deadlines`]). An idle door with no
//! connections has no deadline and never wakes.

use std::io;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use ostium_sys::unix::SeqpacketConn;
use ostium_sys::{Interest, Throttle, Token};
use tracing::{debug, warn};

use super::super::conn::Conn;
use super::super::gate::{Accepting, Refusal};
use super::{Conns, LISTENER, Served, lock};
use crate::Caller;

/// How a connection came to the door.
#[derive(Clone, Copy)]
pub(crate) enum Admission {
    /// From its listener: it must say `HELLO` within the timeout.
    Accepted,
    /// Made by the door's own process ([`Served::adopt`]), counted against this user.
    Adopted {
        /// Who asked for it: the door's owner for the door's own process, the caller of
        /// `CONNECT` otherwise.
        uid: u32,
    },
}

/// How often, at most, idle connections are looked for, relative to the idle timeout: a
/// connection is closed between 1 and 1¼ timeouts after its last call.
const IDLE_SWEEPS_PER_TIMEOUT: u32 = 4;

static ACCEPT_FAILED: Throttle = Throttle::per_second();
static USER_CAPPED: Throttle = Throttle::per_second();
static CONN_SETUP_FAILED: Throttle = Throttle::per_second();

impl Served {
    /// Accepts pending connections while the gate lets it, and registers each one-shot.
    pub(super) fn accept_all(&self) {
        let listener = lock(&self.listener);
        let Some(listener) = listener.as_ref() else { return };
        loop {
            if lock(&self.conns).gate.accepting() != Accepting::Yes {
                // Full: the backlog holds the rest until a connection closes.
                let _ = self.poller.delete(listener);
                return;
            }
            let socket = match listener.accept() {
                Ok(socket) => socket,
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => return,
                Err(err) if err.kind() == io::ErrorKind::ConnectionAborted => continue,
                Err(err) if ostium_sys::is_out_of_resources(&err) => {
                    // The listener stays readable: waiting on it again would spin.
                    lock(&self.conns).gate.rest(Instant::now());
                    let _ = self.poller.delete(listener);
                    if let Some(suppressed) = ACCEPT_FAILED.pass() {
                        warn!(%err, door = %self.path.display(), suppressed, "accept failed; resting from accepting");
                    }
                    return;
                }
                Err(err) => {
                    if let Some(suppressed) = ACCEPT_FAILED.pass() {
                        warn!(%err, door = %self.path.display(), suppressed, "accept failed");
                    }
                    return;
                }
            };
            self.take_in(socket, Admission::Accepted);
        }
    }

    /// Serves a connection this process made (one end of a socket pair), with no deadline
    /// for its `HELLO`, counted against `uid` (`None`: the door's owner); false if it was
    /// dropped (the door is revoked or full, the user at its cap, or it could not be set
    /// up).
    pub(crate) fn adopt(&self, socket: SeqpacketConn, uid: Option<u32>) -> bool {
        let (full, owner) = {
            let conns = lock(&self.conns);
            (conns.gate.accepting() == Accepting::Full, conns.gate.owner())
        };
        let uid = uid.unwrap_or(owner);
        !full
            && !self.revoked.load(std::sync::atomic::Ordering::Acquire)
            && socket.set_passcred(true).is_ok()
            && self.take_in(socket, Admission::Adopted { uid })
    }

    /// Admits a connection, or drops it; whether it was admitted.
    fn take_in(&self, socket: SeqpacketConn, admission: Admission) -> bool {
        let setup = socket.peer_cred().and_then(|cred| {
            socket.set_write_timeout(Some(self.options.send_timeout))?;
            let linger = (!self.options.linger.is_zero()).then_some(self.options.linger);
            socket.set_read_timeout(linger)?;
            let uid = match admission {
                Admission::Accepted => cred.uid,
                Admission::Adopted { uid } => uid,
            };
            Ok(Caller { pid: cred.pid, uid, gid: cred.gid })
        });
        let caller = match setup {
            Ok(caller) => caller,
            Err(err) => {
                if let Some(suppressed) = CONN_SETUP_FAILED.pass() {
                    warn!(%err, suppressed, "a connection could not be set up; dropped");
                }
                return false;
            }
        };
        let mut conns = lock(&self.conns);
        let id = conns.next_id;
        conns.next_id += 1;
        let admitted = match admission {
            Admission::Accepted => conns.gate.admit(id, caller.uid, Instant::now()),
            Admission::Adopted { .. } => conns.gate.admit_adopted(caller.uid),
        };
        if let Err(Refusal::UserCap) = admitted {
            drop(conns);
            if let Some(suppressed) = USER_CAPPED.pass() {
                warn!(uid = caller.uid, pid = caller.pid, door = %self.path.display(), suppressed, "a user at its connection cap; refused");
            }
            return false;
        }
        let conn = Arc::new(Conn {
            id,
            socket,
            caller,
            sender: matches!(admission, Admission::Adopted { .. }).then(|| Mutex::new(caller)),
            session: OnceLock::new(),
            lease_maps: Mutex::default(),
            reply_slot: OnceLock::new(),
            last_active: Default::default(),
        });
        conn.touch(self.epoch);
        if let Err(err) = self.poller.add_oneshot(&conn.socket, Token(id), Interest::READABLE) {
            conns.gate.release(caller.uid);
            drop(conns);
            if let Some(suppressed) = CONN_SETUP_FAILED.pass() {
                warn!(%err, suppressed, "could not watch a connection; dropped");
            }
            return false;
        }
        conns.open.insert(id, conn);
        true
    }

    /// Forgets a connection (closing it once no worker holds it), tells `unref` when it was
    /// the last, and accepts again if the door was full.
    pub(super) fn close(&self, conn: &Conn) {
        let (removed, now_empty, reopen) = {
            let mut conns = lock(&self.conns);
            let removed = conns.open.remove(&conn.id).is_some();
            let reopen = removed && conns.gate.release(conn.caller.uid);
            (removed, conns.open.is_empty(), reopen)
        };
        let _ = self.poller.delete(&conn.socket);
        if reopen {
            self.listen();
        }
        if removed
            && now_empty
            && let Some(unref) = &self.unref
        {
            unref();
        }
    }

    /// Watches the listener again after a pause.
    fn listen(&self) {
        if let Some(listener) = lock(&self.listener).as_ref()
            && let Err(err) = self.poller.add(listener, LISTENER, Interest::READABLE)
            && err.kind() != io::ErrorKind::AlreadyExists
        {
            warn!(%err, door = %self.path.display(), "could not resume accepting");
        }
    }

    /// How long the leader may wait for an event before a deadline is due (`None`: for
    /// ever).
    pub(super) fn wake_in(&self, now: Instant) -> Option<Duration> {
        let mut conns = lock(&self.conns);
        let Conns { open, gate, idle_sweep, .. } = &mut *conns;
        gate.settle_hellos(|id| open.get(&id).is_none_or(|c| c.session.get().is_some()));
        *idle_sweep = match self.options.connection_idle_timeout {
            Some(idle) if !open.is_empty() => {
                Some(idle_sweep.unwrap_or(now + idle / IDLE_SWEEPS_PER_TIMEOUT))
            }
            _ => None,
        };
        let next = match (gate.next_deadline(), *idle_sweep) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        next.map(|at| at.saturating_duration_since(now))
    }

    /// Acts on the deadlines due at `now`: the end of an accept rest, connections that did
    /// not complete `HELLO` in time, connections idle too long.
    pub(super) fn on_deadlines(&self, now: Instant) {
        let (expired, resume) = {
            let mut conns = lock(&self.conns);
            let resume = conns.gate.rested(now);
            let mut expired: Vec<Arc<Conn>> = Vec::new();
            for id in conns.gate.hellos_due(now) {
                expired.extend(conns.open.get(&id).filter(|c| c.session.get().is_none()).cloned());
            }
            if conns.idle_sweep.is_some_and(|at| at <= now) {
                conns.idle_sweep = None;
                if let Some(idle) = self.options.connection_idle_timeout {
                    let idle_since = now.saturating_duration_since(self.epoch).saturating_sub(idle);
                    let idle = conns.open.values().filter(|c| c.last_active() <= idle_since);
                    expired.extend(idle.cloned());
                }
            }
            // A connection a worker holds has a call in flight: it is not closed under it.
            // (Only the leader hands connections to workers, and it is here.)
            expired.retain(|c| Arc::strong_count(c) == 2);
            (expired, resume)
        };
        if resume {
            self.listen();
        }
        for conn in expired {
            debug!(
                uid = conn.caller.uid,
                hello = conn.session.get().is_some(),
                "a connection timed out; closed"
            );
            self.close(&conn);
        }
    }
}
