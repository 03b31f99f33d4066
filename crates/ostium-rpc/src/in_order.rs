//! Serving an `InOrder` server with all of Hubris's server loop: calls one at a time,
//! notifications between them ([`notify`](super::notify)), and closed receive — while the
//! server names a [`Source`] (`recv_source`), only that client's calls are served; other
//! callers wait, and if that client's process exits the server is told
//! (`closed_recv_fail`).
//!
//! Everything that touches the server goes through one mutex: calls (on the door's pool),
//! notifications and closed-receive failures (on the event thread). Callers shut out by a
//! closed receive wait on a condition variable, each holding one of the door's workers, so
//! a door closed for long should have `max_threads` room for the callers it makes wait.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

use tracing::warn;

use super::notify::{EventThread, Hub, NotificationHandler, Notifications, Target};
use super::{Served, Service, Source, serve};
use ostium::{Answer, DoorError, DoorOptions, Request};

/// The generated functions an `InOrder` server is served with.
pub struct InOrderGlue<S> {
    /// Answers one call.
    pub dispatch: fn(&mut S, Request<'_>) -> Answer,
    /// The client the server receives from alone, if any.
    pub recv_source: fn(&S) -> Option<Source>,
    /// Tells the server that client died.
    pub closed_recv_fail: fn(&mut S),
}

/// The server's notification methods, when it takes notifications.
struct NotifyFns<S> {
    current: fn(&S) -> u32,
    handle: fn(&mut S, u32),
}

/// Serves an `InOrder` server with closed receive (and no notification sources).
pub fn serve_in_order_with<S: Send + 'static>(
    path: impl AsRef<Path>,
    options: DoorOptions,
    service: &'static Service,
    server: S,
    glue: InOrderGlue<S>,
) -> Result<Served, DoorError> {
    let path = path.as_ref();
    let notifications = Notifications::new()
        .map_err(|e| DoorError::Io { path: path.into(), source: std::io::Error::other(e) })?;
    start(path, options, service, server, glue, None, notifications)
}

/// Serves an `InOrder` server with closed receive and the notification sources of
/// `notifications`, whose bits go to the server's [`NotificationHandler`].
pub fn serve_in_order_notified<S: NotificationHandler + Send + 'static>(
    path: impl AsRef<Path>,
    options: DoorOptions,
    service: &'static Service,
    server: S,
    glue: InOrderGlue<S>,
    notifications: Notifications,
) -> Result<Served, DoorError> {
    let notify = NotifyFns { current: S::current_notifications, handle: S::handle_notification };
    start(path.as_ref(), options, service, server, glue, Some(notify), notifications)
}

fn start<S: Send + 'static>(
    path: &Path,
    options: DoorOptions,
    service: &'static Service,
    server: S,
    glue: InOrderGlue<S>,
    notify: Option<NotifyFns<S>>,
    notifications: Notifications,
) -> Result<Served, DoorError> {
    let state = State { server, watched: None, dead: None };
    let cell = Arc::new(Cell {
        state: Mutex::new(state),
        open: Condvar::new(),
        glue,
        notify,
        hub: notifications.hub.clone(),
    });
    let events = EventThread::start(notifications, cell.clone())
        .map_err(|source| DoorError::Io { path: path.into(), source })?;
    let served = serve(path, options, service, move |request| cell.call(request))?;
    Ok(served.with_events(events))
}

/// The server and what its lock guards.
struct State<S> {
    server: S,
    /// The source whose process is watched, and the watch's generation.
    watched: Option<(Source, u64)>,
    /// A source that died while the server was closed on it and that the server still
    /// names: the server is treated as open rather than shutting everyone out forever.
    dead: Option<Source>,
}

struct Cell<S> {
    state: Mutex<State<S>>,
    /// Signalled whenever the server may have opened to other callers.
    open: Condvar,
    glue: InOrderGlue<S>,
    notify: Option<NotifyFns<S>>,
    hub: Arc<Hub>,
}

impl<S: Send + 'static> Cell<S> {
    fn lock(&self) -> MutexGuard<'_, State<S>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn call(&self, request: Request<'_>) -> Answer {
        let me = Source::of(&request.caller);
        let mut state = self.lock();
        while let Some(owner) = self.closed_on(&state)
            && Some(owner) != me
        {
            state = self.open.wait(state).unwrap_or_else(PoisonError::into_inner);
        }
        let response = (self.glue.dispatch)(&mut state.server, request);
        self.follow_source(&mut state);
        if self.deliver_locked(&mut state) {
            // Readable sources whose bits this handled are re-armed by the event thread.
            self.hub.wake();
        }
        response
    }

    /// The source the server is closed on, unless it is one that died.
    fn closed_on(&self, state: &State<S>) -> Option<Source> {
        let source = (self.glue.recv_source)(&state.server);
        if source.is_some() && source == state.dead { None } else { source }
    }

    /// After anything that may have changed the server's `recv_source`: watch the new
    /// source's process, and let waiting callers look again.
    fn follow_source(&self, state: &mut State<S>) {
        if (self.glue.recv_source)(&state.server) != state.dead {
            state.dead = None;
        }
        let now = self.closed_on(state);
        if now == state.watched.map(|(source, _)| source) {
            return;
        }
        self.open.notify_all();
        match self.hub.watch(now) {
            Ok(generation) => state.watched = now.map(|source| (source, generation)),
            // The process is gone already (or cannot be watched, which would leave
            // everyone else waiting on it): the closed receive fails now.
            Err(err) => {
                state.watched = now.map(|source| (source, 0));
                if now.is_some() {
                    tracing::debug!(%err, "the source of a closed receive cannot be watched");
                    self.fail_closed(state);
                }
            }
        }
    }

    /// The watched source died: tell the server, and open it to the others.
    fn fail_closed(&self, state: &mut State<S>) {
        let Some((gone, _)) = state.watched.take() else { return };
        let _ = self.hub.watch(None);
        let fail = self.glue.closed_recv_fail;
        if catch_unwind(AssertUnwindSafe(|| fail(&mut state.server))).is_err() {
            warn!("closed_recv_fail panicked");
        }
        state.dead = Some(gone);
        self.open.notify_all();
        self.follow_source(state);
    }

    /// Hands the pending bits the server takes to it; whether it handled any.
    fn deliver_locked(&self, state: &mut State<S>) -> bool {
        let Some(notify) = &self.notify else { return false };
        let bits = self.hub.take((notify.current)(&state.server));
        if bits == 0 {
            return false;
        }
        let handled = catch_unwind(AssertUnwindSafe(|| (notify.handle)(&mut state.server, bits)));
        if handled.is_err() {
            warn!(bits, "handle_notification panicked");
        }
        self.follow_source(state);
        // Bits the handling unmasked, or that came meanwhile, are for the event thread.
        if self.hub.is_pending((notify.current)(&state.server)) {
            self.hub.wake();
        }
        true
    }
}

impl<S: Send + 'static> Target for Cell<S> {
    fn deliver(&self) {
        let mut state = self.lock();
        self.deliver_locked(&mut state);
    }

    fn source_died(&self, generation: u64) {
        let mut state = self.lock();
        if state.watched.is_some_and(|(_, watched)| watched == generation) {
            self.fail_closed(&mut state);
        }
    }
}
