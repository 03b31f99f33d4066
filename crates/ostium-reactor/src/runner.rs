//! `Runner`: N event loops on N threads, one per core by default, each accepting from its
//! own `SO_REUSEPORT` listener on the same address.
//!
//! With one listener per loop the kernel spreads connections across the loops itself, and
//! no loop ever touches another's connections: nothing is shared, nothing is locked.

use std::io;
use std::net::SocketAddr;
use std::thread::JoinHandle;

use tracing::{info, warn};

use crate::{Config, EventLoop, LoopHandle, Service, tcp_listener_group};
use ostium_sys::Socket;

/// Starts a group of event loops serving one address.
#[derive(Clone, Debug)]
pub struct Runner {
    threads: usize,
    pin: bool,
    backlog: u32,
    config: Config,
}

impl Default for Runner {
    fn default() -> Self {
        Runner::new()
    }
}

impl Runner {
    /// One loop per CPU this process may run on, unpinned, default [`Config`].
    pub fn new() -> Runner {
        let threads = ostium_sys::allowed_cpus().map_or(1, |cpus| cpus.len().max(1));
        Runner { threads, pin: false, backlog: 1024, config: Config::default() }
    }

    /// How many loops (threads) to start; at least one.
    pub fn threads(mut self, threads: usize) -> Runner {
        self.threads = threads.max(1);
        self
    }

    /// Whether to pin loop `i` to the `i`-th CPU this process may run on (wrapping).
    pub fn pin_to_cores(mut self, pin: bool) -> Runner {
        self.pin = pin;
        self
    }

    /// The listen backlog of each listener.
    pub fn backlog(mut self, backlog: u32) -> Runner {
        self.backlog = backlog;
        self
    }

    /// The configuration of every loop.
    pub fn config(mut self, config: Config) -> Runner {
        self.config = config;
        self
    }

    /// Binds `addr` (once per loop), then starts the loops, loop `i` serving
    /// `make_service(i)` (made on the loop's own thread, so it need not be `Send`).
    ///
    /// Binding happens before this returns, so an address in use is reported here, naming
    /// the address; so is an error creating any loop.
    pub fn serve<S, F>(self, addr: SocketAddr, make_service: F) -> io::Result<Server<S>>
    where
        S: Service + 'static,
        F: Fn(usize) -> S + Send + Sync + 'static,
    {
        let listeners = tcp_listener_group(addr, self.threads, self.backlog)?;
        self.serve_listeners(listeners, make_service)
    }

    /// Like [`serve`](Self::serve), on listening sockets already bound (one loop each):
    /// those a service manager passed (socket activation), for instance. Several loops may
    /// share one listening socket (descriptors duplicated from it): each is woken for a new
    /// connection and one accepts it.
    pub fn serve_listeners<S, F>(
        self,
        listeners: Vec<Socket>,
        make_service: F,
    ) -> io::Result<Server<S>>
    where
        S: Service + 'static,
        F: Fn(usize) -> S + Send + Sync + 'static,
    {
        let first = listeners.first().ok_or_else(|| io::Error::other("no listener to serve"))?;
        let local_addr = first.local_addr()?;
        for listener in &listeners {
            listener.set_nonblocking(true)?;
        }
        let cpus = if self.pin { ostium_sys::allowed_cpus()? } else { Vec::new() };
        let make_service = std::sync::Arc::new(make_service);
        let mut loops = Vec::with_capacity(listeners.len());
        for (shard, listener) in listeners.into_iter().enumerate() {
            let cpu = (!cpus.is_empty()).then(|| cpus[shard % cpus.len()]);
            let (ready_tx, ready_rx) = std::sync::mpsc::channel();
            let make_service = std::sync::Arc::clone(&make_service);
            let config = self.config.clone();
            let thread = std::thread::Builder::new().name(format!("ostium-loop-{shard}")).spawn(
                move || -> io::Result<()> {
                    if let Some(cpu) = cpu {
                        ostium_sys::pin_current_thread(cpu)?;
                    }
                    let started = EventLoop::new(config, make_service(shard)).and_then(|mut l| {
                        l.add_listener(listener)?;
                        Ok(l)
                    });
                    let mut event_loop = match started {
                        Ok(event_loop) => {
                            let _ = ready_tx.send(Ok(event_loop.handle()));
                            event_loop
                        }
                        Err(err) => {
                            let message = err.to_string();
                            let _ = ready_tx.send(Err(err));
                            return Err(io::Error::other(message));
                        }
                    };
                    event_loop.run()
                },
            )?;
            let handle = ready_rx
                .recv()
                .map_err(|_| io::Error::other("an event loop thread died starting"))??;
            loops.push((handle, thread));
        }
        info!(%local_addr, threads = loops.len(), pinned = self.pin, "serving");
        Ok(Server { local_addr, loops })
    }
}

/// A running group of loops.
pub struct Server<S> {
    local_addr: SocketAddr,
    loops: Vec<(LoopHandle<S>, JoinHandle<io::Result<()>>)>,
}

impl<S> Server<S> {
    /// The address the loops listen on (with the port the system chose, for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Handles to the loops, in shard order.
    pub fn handles(&self) -> impl Iterator<Item = &LoopHandle<S>> {
        self.loops.iter().map(|(handle, _)| handle)
    }

    /// Asks every loop to stop, without waiting.
    pub fn stop(&self) {
        for (handle, _) in &self.loops {
            if let Err(err) = handle.stop() {
                warn!(%err, "could not wake a loop to stop it");
            }
        }
    }

    /// Waits for every loop to finish; the first error any of them ended with.
    pub fn join(self) -> io::Result<()> {
        let mut result = Ok(());
        for (_, thread) in self.loops {
            let outcome =
                thread.join().unwrap_or_else(|_| Err(io::Error::other("an event loop panicked")));
            if result.is_ok() {
                result = outcome;
            }
        }
        result
    }
}
