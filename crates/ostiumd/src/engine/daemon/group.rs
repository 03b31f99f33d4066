//! [`Group`]: the loops that serve one forward, TCP or UDP, started and stopped alike.
//!
//! A TCP forward's loops come from the reactor's [`Runner`] (one `SO_REUSEPORT` listener
//! each). A UDP forward's loops have no listener: each is given its member of a
//! `SO_REUSEPORT` UDP group, which its service watches.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;

use ostium_reactor::{Config as LoopConfig, EventLoop, LoopHandle, Runner, Server};

use crate::access_log::{AccessLog, Format};
use crate::config::Forward;
use crate::engine::forward::admission::Admission;
use crate::engine::forward::service::ForwardService;
use crate::metrics::ForwardMetrics;
use ostium_sys::Socket;

/// The most unsent output a client connection may hold: a response is written whole into
/// the connection's buffer (the application's reply is whole in memory already), and the
/// loop sends it as the client reads. Past this the connection is closed (logged).
const MAX_UNSENT: usize = 256 * 1024 * 1024;

/// The loops of one forward.
pub enum Group {
    /// A TCP forward's loops.
    Tcp(Server<ForwardService>),
    /// A UDP forward's loops.
    Udp {
        /// Where they listen.
        local_addr: SocketAddr,
        /// Their handles and threads.
        loops: Vec<(LoopHandle<ForwardService>, JoinHandle<io::Result<()>>)>,
    },
}

impl Group {
    /// Binds `forward`'s address `threads` times and starts a loop on each.
    pub fn start(
        forward: &Arc<Forward>,
        threads: usize,
        metrics: &ForwardMetrics,
        admission: &Arc<Admission>,
        access_log: Option<(AccessLog, Format)>,
        activated: Option<std::os::fd::OwnedFd>,
    ) -> io::Result<Group> {
        let config = LoopConfig {
            // The forward's limit, over all its loops, is `Admission`'s, which answers
            // past it (503 in http mode); the loop's own is a backstop above it.
            max_connections: forward.limits.max_connections as usize + 64,
            max_output: MAX_UNSENT,
            ..LoopConfig::default()
        };
        if !forward.protocol.is_udp() {
            let serving = Arc::clone(forward);
            let metrics = metrics.clone();
            let admission = Arc::clone(admission);
            let make = move |_| {
                ForwardService::new(
                    Arc::clone(&serving),
                    metrics.clone(),
                    Arc::clone(&admission),
                    access_log.clone(),
                )
            };
            let runner = Runner::new().threads(threads).config(config);
            let server = match activated {
                // A socket the service manager passed: every loop accepts from it.
                Some(fd) => {
                    let mut listeners = Vec::with_capacity(threads);
                    for _ in 1..threads {
                        listeners.push(Socket::from(ostium_sys::duplicate_fd(&fd)?));
                    }
                    listeners.insert(0, Socket::from(fd));
                    runner.serve_listeners(listeners, make)?
                }
                None => runner.serve(forward.listen, make)?,
            };
            return Ok(Group::Tcp(server));
        }
        let sockets = match activated {
            // One socket from the service manager: one loop reads it.
            Some(fd) => vec![ostium_sys::UdpSocket::from_fd(fd)?],
            None => ostium_reactor::udp_socket_group(forward.listen, threads)?,
        };
        let local_addr = sockets[0].local_addr()?;
        let mut loops = Vec::with_capacity(sockets.len());
        for (shard, socket) in sockets.into_iter().enumerate() {
            let service = ForwardService::udp(Arc::clone(forward), socket, metrics.clone());
            let mut event_loop = EventLoop::new(config.clone(), service)?;
            let handle = event_loop.handle();
            let thread = std::thread::Builder::new()
                .name(format!("ostiumd-udp-{shard}"))
                .spawn(move || event_loop.run())?;
            loops.push((handle, thread));
        }
        Ok(Group::Udp { local_addr, loops })
    }

    /// Where the forward listens (with the port the system chose, for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        match self {
            Group::Tcp(server) => server.local_addr(),
            Group::Udp { local_addr, .. } => *local_addr,
        }
    }

    /// Handles to the loops.
    pub fn handles(&self) -> Vec<LoopHandle<ForwardService>> {
        match self {
            Group::Tcp(server) => server.handles().cloned().collect(),
            Group::Udp { loops, .. } => loops.iter().map(|(handle, _)| handle.clone()).collect(),
        }
    }

    /// Asks every loop to stop, without waiting.
    pub fn stop(&self) {
        for handle in self.handles() {
            let _ = handle.stop();
        }
    }

    /// Waits for every loop to end; the first error any ended with.
    pub fn join(self) -> io::Result<()> {
        match self {
            Group::Tcp(server) => server.join(),
            Group::Udp { loops, .. } => {
                let mut result = Ok(());
                for (_, thread) in loops {
                    let outcome = thread
                        .join()
                        .unwrap_or_else(|_| Err(io::Error::other("an event loop panicked")));
                    if result.is_ok() {
                        result = outcome;
                    }
                }
                result
            }
        }
    }
}
