//! [`EventThread`]: the thread of a served server that waits on its notification sources
//! (and the process a closed receive is closed on) and calls into the server.

use std::io;
use std::sync::Arc;
use std::thread::JoinHandle;

use ostium_sys::{Events, Interest, Token};
use tracing::warn;

use super::hub::{FIRST_SOURCE, PROCESS, SIGNALS, WAKER};
use super::notifications::Watched;
use super::{Hub, Notifications};

/// What the event thread calls: the served server, behind its lock.
pub(crate) trait Target: Send + Sync + 'static {
    /// Hands the pending bits the server takes to it.
    fn deliver(&self);
    /// The process watched under `generation` (see [`Hub::watch`]) has exited.
    fn source_died(&self, generation: u64);
}

/// The running event thread; dropping it stops the thread and waits for it.
#[derive(Debug)]
pub(crate) struct EventThread {
    hub: Arc<Hub>,
    thread: Option<JoinHandle<()>>,
}

impl EventThread {
    /// Starts the thread on `notifications`, calling `target`.
    pub(crate) fn start(
        notifications: Notifications,
        target: Arc<dyn Target>,
    ) -> io::Result<EventThread> {
        let hub = notifications.hub.clone();
        let thread = std::thread::Builder::new()
            .name("ostium-events".into())
            .spawn(move || run(&notifications, &*target))?;
        Ok(EventThread { hub, thread: Some(thread) })
    }
}

impl Drop for EventThread {
    fn drop(&mut self) {
        self.hub.stop();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The loop: wait, turn what is ready into pending bits (or a death), deliver, re-arm the
/// readable descriptors whose bits were handled (after the handler had its chance to read).
fn run(notifications: &Notifications, target: &dyn Target) {
    let hub = &notifications.hub;
    let mut events = Events::with_capacity(16);
    let mut rearm: Vec<u64> = Vec::new();
    loop {
        if let Err(err) = hub.poller.wait(&mut events, None) {
            warn!(%err, "a server's event thread could not wait; notifications stop");
            return;
        }
        if hub.is_stopping() {
            return;
        }
        for event in events.iter() {
            match event.token() {
                WAKER => hub.drain_waker(),
                SIGNALS => notifications.read_signals(),
                Token(token) if token & PROCESS != 0 => target.source_died(token & !PROCESS),
                Token(token) => {
                    let index =
                        token.checked_sub(FIRST_SOURCE).and_then(|i| usize::try_from(i).ok());
                    match index.and_then(|i| notifications.sources.get(i)) {
                        // An expiration read by nobody (a re-set timer) reads 0.
                        Some(Watched::Timer(fd, bits))
                            if fd.read_expirations().unwrap_or(0) > 0 =>
                        {
                            hub.set_pending(*bits);
                        }
                        Some(Watched::Readable(_, bits)) => {
                            hub.set_pending(*bits);
                            if !rearm.contains(&token) {
                                rearm.push(token);
                            }
                        }
                        Some(Watched::Timer(..)) | None => {}
                    }
                }
            }
        }
        target.deliver();
        // A descriptor whose bits are still pending (the server does not take them now)
        // stays disarmed, or it would wake this thread again at once; it is re-armed after
        // a later delivery (the call path wakes this thread when it delivers).
        rearm.retain(|&token| {
            let index = (token - FIRST_SOURCE) as usize;
            let Some(Watched::Readable(fd, bits)) = notifications.sources.get(index) else {
                return false;
            };
            if hub.is_pending(*bits) {
                return true;
            }
            let _ = hub.poller.rearm_oneshot(fd, Token(token), Interest::READABLE);
            false
        });
    }
}
