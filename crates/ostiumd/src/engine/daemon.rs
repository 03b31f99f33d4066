//! The running daemon: every forward's loops, every supervised application, and the
//! orderly stop.
//!
//! Each forward gets its own group of loops (one per core, or `set threads N`), each loop
//! with its own `SO_REUSEPORT` listener and its own door connections. Applications named
//! by `exec` start first, so that their doors are (usually) there when the first request
//! comes; a request that comes before the door is answered 503, and the next one finds it.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use tracing::{info, warn};

use super::group::Group;
use super::service::ForwardService;
use crate::config::Config;
use crate::supervise::Supervisor;

/// How long a stopped application may take to exit before it is killed.
const APPLICATION_GRACE: Duration = Duration::from_secs(5);

/// A running ostiumd.
pub struct Daemon {
    servers: Vec<Group>,
    supervisors: Vec<Supervisor>,
    shutdown_timeout: Duration,
}

impl Daemon {
    /// Starts the applications, then binds every forward's port and starts its loops. An
    /// address in use, or a mode not served yet, fails here, naming the forward.
    pub fn start(config: &Config) -> io::Result<Daemon> {
        let mut daemon = Daemon {
            servers: Vec::new(),
            supervisors: Vec::new(),
            shutdown_timeout: config.settings.shutdown_timeout,
        };
        for forward in &config.forwards {
            if let Some(exec) = &forward.exec {
                match Supervisor::start(&exec.argv, &forward.door) {
                    Ok(supervisor) => daemon.supervisors.push(supervisor),
                    Err(err) => {
                        daemon.stop();
                        return Err(err);
                    }
                }
            }
        }
        let threads = config.settings.threads.map_or_else(
            || ostium_sys::allowed_cpus().map_or(1, |cpus| cpus.len().max(1)),
            |threads| threads.get(),
        );
        for forward in &config.forwards {
            let forward = Arc::new(forward.clone());
            match Group::start(&forward, threads) {
                Ok(group) => {
                    info!(forward = %forward, listening = %group.local_addr(), "forwarding");
                    daemon.servers.push(group);
                }
                Err(err) => {
                    daemon.stop();
                    return Err(io::Error::new(
                        err.kind(),
                        format!("forward at line {} ({}): {err}", forward.line, forward.listen),
                    ));
                }
            }
        }
        Ok(daemon)
    }

    /// The addresses listened on, in forward order.
    pub fn local_addrs(&self) -> Vec<std::net::SocketAddr> {
        self.servers.iter().map(Group::local_addr).collect()
    }

    /// Stops in order: no new requests, those in flight answered (for at most the
    /// configured `shutdown-timeout`), the loops ended, then the applications stopped.
    pub fn shutdown(self) -> io::Result<()> {
        let handles: Vec<_> = self.servers.iter().flat_map(Group::handles).collect();
        for handle in &handles {
            let _ = handle.post(|service: &mut ForwardService, cx| service.begin_drain(cx));
        }
        let timeout = self.shutdown_timeout;
        // Loops that have not drained in time are stopped regardless.
        let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
        let enforcer = std::thread::spawn(move || {
            if let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = done_rx.recv_timeout(timeout) {
                warn!("requests still in flight after {timeout:?}; stopping anyway");
                for handle in handles {
                    let _ = handle.stop();
                }
            }
        });
        let mut result = Ok(());
        for server in self.servers {
            if let Err(err) = server.join() {
                result = Err(err);
            }
        }
        drop(done_tx);
        let _ = enforcer.join();
        for supervisor in self.supervisors {
            supervisor.stop(APPLICATION_GRACE);
        }
        result
    }

    /// Stops everything at once (a start that failed half way).
    fn stop(&mut self) {
        for server in self.servers.drain(..) {
            server.stop();
            let _ = server.join();
        }
        for supervisor in self.supervisors.drain(..) {
            supervisor.stop(APPLICATION_GRACE);
        }
    }
}
