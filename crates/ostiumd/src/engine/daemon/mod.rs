//! The running daemon: every forward's loops, every supervised application, the reload
//! on `SIGHUP`, and the orderly stop.
//!
//! Each forward gets its own group of loops (one per core, or `set threads N`), each loop
//! with its own `SO_REUSEPORT` listener (or UDP socket) and its own door connections.
//! Applications named by `exec` start first, so that their doors are (usually) there when
//! the first request comes; a request that comes before the door is answered 503, and the
//! next one finds it.
//!
//! A forward is known by its protocol and listening address. On reload, a forward whose
//! address is still there keeps its sockets (no connection is refused), and its loops take
//! the new settings for what comes next (a changed door, limits, timeouts; a new `exec`
//! restarts the application); a new address starts; a gone one drains like a shutdown.
//! Only a change of mode on the same address cannot be applied in place: that forward is
//! drained and started again, which refuses connections for a moment (logged). Of the
//! `set` settings a reload applies `shutdown-timeout` (and the forwards' defaults); the
//! others (threads, metrics, user, control, log level, …) are fixed when ostiumd starts,
//! and a reload that changes them says so and keeps them.

pub mod admin;
pub mod budget;
pub mod control;
pub mod group;
pub mod identity;

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tracing::{info, warn};

use self::admin::{Probe, Probes};
use self::group::Group;
use super::forward::admission::Admission;
use super::forward::memory_budget::MemoryBudget;
use super::forward::service::ForwardService;
use crate::access_log::{self, AccessLogThread, Destination, Format};
use crate::config::AccessLog as AccessLogSetting;
use crate::config::{Config, Forward};
use crate::metrics::{DaemonMetrics, ForwardMetrics};
use crate::supervise::Supervisor;

/// After `shutdown-timeout`, how long the loops have to write their last answers before
/// they are stopped regardless.
const DRAIN_GRACE: Duration = Duration::from_secs(1);
/// How long a stopped application may take to exit before it is killed.
const APPLICATION_GRACE: Duration = Duration::from_secs(5);

/// One forward being served.
struct Running {
    forward: Arc<Forward>,
    group: Group,
    supervisor: Option<Supervisor>,
    metrics: ForwardMetrics,
    admission: Arc<Admission>,
    /// The access log's writer thread, ended (all lines written) once the loops are.
    access_log: Option<AccessLogThread>,
}

/// What a reload did, for the log and the control door.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReloadReport {
    /// Forwards started (with the addresses they listen on).
    pub started: Vec<SocketAddr>,
    /// Forwards kept, with their settings changed.
    pub changed: Vec<SocketAddr>,
    /// Forwards kept unchanged.
    pub unchanged: Vec<SocketAddr>,
    /// Forwards drained and removed.
    pub removed: Vec<SocketAddr>,
    /// Settings changed in the file that apply only when ostiumd starts (kept as they were
    /// until then), by name.
    pub needs_restart: Vec<&'static str>,
}

/// A running ostiumd.
pub struct Daemon {
    running: Vec<Running>,
    threads: usize,
    shutdown_timeout: Duration,
    /// The request bytes every forward's connections may hold in memory, together.
    memory_budget: Arc<MemoryBudget>,
    /// Forwards removed by reloads, still draining.
    draining: Vec<std::thread::JoinHandle<()>>,
    metrics: Arc<DaemonMetrics>,
    /// What the admin address sees of the forwards.
    probes: Probes,
    /// Where the admin address listens, if it does.
    admin: Option<SocketAddr>,
    /// The control door, if `set control` asks for one.
    control: Option<ostium_rpc::Served>,
    /// Sockets the service manager passed (`LISTEN_FDS`) not yet taken by a forward.
    activated: Vec<ostium_sys::activation::ListenFd>,
    /// The settings ostiumd started with (those a reload cannot change stay these).
    settings: crate::config::Settings,
}

/// Which forward this is, across reloads.
fn key(forward: &Forward) -> (bool, SocketAddr) {
    (forward.protocol.is_udp(), forward.listen)
}

/// Whether two versions of a forward are the same but for where they are written.
fn same_settings(a: &Forward, b: &Forward) -> bool {
    Forward { line: 0, ..a.clone() } == Forward { line: 0, ..b.clone() }
}

impl Daemon {
    /// Starts the applications, then binds every forward's port and starts its loops. An
    /// address in use fails here, naming the forward.
    pub fn start(config: &Config) -> io::Result<Daemon> {
        let mut daemon = Daemon {
            running: Vec::new(),
            threads: config.settings.threads.map_or_else(
                || ostium_sys::allowed_cpus().map_or(1, |cpus| cpus.len().max(1)),
                |threads| threads.get(),
            ),
            shutdown_timeout: config.settings.shutdown_timeout,
            draining: Vec::new(),
            memory_budget: Arc::new(MemoryBudget::new(config.settings.request_memory)),
            metrics: Arc::new(DaemonMetrics::new(std::time::SystemTime::now())),
            probes: Probes::default(),
            admin: None,
            control: None,
            activated: ostium_sys::activation::take_listen_fds()
                .map(|activation| activation.fds)
                .unwrap_or_else(|err| {
                    warn!(%err, "the sockets passed by the service manager are unusable");
                    Vec::new()
                }),
            settings: config.settings.clone(),
        };
        if let Some(warning) =
            self::budget::overcommitted(config, daemon.threads, ostium_sys::fd_limit())
        {
            warn!("{warning}");
        }
        // Ports first (they may need root), then root given up, then the applications (as
        // the user ostiumd now is).
        for forward in &config.forwards {
            if let Err(err) = daemon.start_forward(Arc::new(forward.clone()), false) {
                daemon.stop();
                return Err(err);
            }
        }
        if let Some(user) = &config.settings.user {
            let dropped = self::identity::resolve(user, config.settings.group.as_deref())
                .and_then(|(uid, gid)| ostium_sys::drop_privileges(uid, gid));
            if let Err(err) = dropped {
                daemon.stop();
                return Err(io::Error::new(err.kind(), format!("user {user}: {err}")));
            }
        }
        if let Err(err) = daemon.start_applications() {
            daemon.stop();
            return Err(err);
        }
        daemon.update_probes();
        if let Some(path) = &config.settings.control {
            let mode = config.settings.control_mode;
            match self::control::serve(path, mode, Arc::clone(&daemon.probes)) {
                Ok(served) => daemon.control = Some(served),
                Err(err) => {
                    daemon.stop();
                    return Err(io::Error::other(format!("control door: {err}")));
                }
            }
        }
        if let Some(addr) = config.settings.metrics {
            match admin::start(addr, Arc::clone(&daemon.metrics), Arc::clone(&daemon.probes)) {
                Ok(local) => daemon.admin = Some(local),
                Err(err) => {
                    daemon.stop();
                    return Err(io::Error::new(err.kind(), format!("metrics {addr}: {err}")));
                }
            }
        }
        Ok(daemon)
    }

    /// The admin address, if `set metrics` gave one.
    pub fn admin_addr(&self) -> Option<SocketAddr> {
        self.admin
    }

    /// Tells the admin address what the forwards are now.
    fn update_probes(&self) {
        let probes: Vec<Probe> = self
            .running
            .iter()
            .map(|r| Probe {
                label: label(&r.forward),
                door: r.forward.door.clone(),
                metrics: r.metrics.clone(),
                app: r.supervisor.as_ref().map(Supervisor::probe),
            })
            .collect();
        *self.probes.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = probes;
    }

    /// Starts the applications of the forwards that have none running.
    fn start_applications(&mut self) -> io::Result<()> {
        for running in &mut self.running {
            if running.supervisor.is_none()
                && let Some(exec) = &running.forward.exec
            {
                running.supervisor = Some(Supervisor::start(&exec.argv, &running.forward.door)?);
            }
        }
        Ok(())
    }

    /// Starts one forward: its application if `with_app` (else later, see
    /// [`start_applications`](Self::start_applications)), then its loops.
    fn start_forward(&mut self, forward: Arc<Forward>, with_app: bool) -> io::Result<SocketAddr> {
        let metrics = self.metrics.forward(&label(&forward));
        let destination = match &forward.access_log {
            AccessLogSetting::Off => None,
            AccessLogSetting::Stderr => Some(Destination::Stderr),
            AccessLogSetting::File(path) => Some(Destination::File(path.clone())),
        };
        let (log, log_thread) = match destination {
            Some(destination) => {
                let dropped = metrics.access_log_dropped.clone();
                let (log, thread) =
                    access_log::spawn(destination, access_log::DEFAULT_CAPACITY, dropped)?;
                let format = if forward.access_log_json { Format::Json } else { Format::Common };
                (Some((log, format)), Some(thread))
            }
            None => (None, None),
        };
        let supervisor = match &forward.exec {
            Some(exec) if with_app => Some(Supervisor::start(&exec.argv, &forward.door)?),
            _ => None,
        };
        let admission = Arc::new(
            Admission::new(&forward.limits).sharing_memory(Arc::clone(&self.memory_budget)),
        );
        let activated = self.take_activated(&forward);
        match Group::start(&forward, self.threads, &metrics, &admission, log, activated) {
            Ok(group) => {
                let addr = group.local_addr();
                info!(forward = %forward, listening = %addr, "forwarding");
                self.running.push(Running {
                    forward,
                    group,
                    supervisor,
                    metrics,
                    admission,
                    access_log: log_thread,
                });
                Ok(addr)
            }
            Err(err) => {
                if let Some(supervisor) = supervisor {
                    supervisor.stop(APPLICATION_GRACE);
                }
                Err(io::Error::new(
                    err.kind(),
                    format!("forward at line {} ({}): {err}", forward.line, forward.listen),
                ))
            }
        }
    }

    /// The socket the service manager passed for `forward`'s address, if it did: a
    /// listening stream socket for TCP, a datagram socket for UDP, bound to that address.
    fn take_activated(&mut self, forward: &Forward) -> Option<std::os::fd::OwnedFd> {
        use ostium_sys::activation::{LocalAddr, SocketKind};
        let wanted =
            if forward.protocol.is_udp() { SocketKind::Datagram } else { SocketKind::Stream };
        let index = self.activated.iter().position(|passed| {
            passed.kind == wanted
                && passed.local == LocalAddr::Inet(forward.listen)
                && (forward.protocol.is_udp() || passed.listening)
        })?;
        info!(listen = %forward.listen, "using the socket the service manager passed");
        Some(self.activated.swap_remove(index).fd)
    }

    /// The addresses listened on, in forward order.
    pub fn local_addrs(&self) -> Vec<SocketAddr> {
        self.running.iter().map(|r| r.group.local_addr()).collect()
    }

    /// Applies a new configuration (already parsed and valid) without dropping
    /// connections; see the [module](self) doc. A forward that cannot start is reported
    /// and skipped; the others are applied.
    pub fn reload(&mut self, config: &Config) -> ReloadReport {
        let mut report = ReloadReport {
            needs_restart: config.settings.restart_only_changes(&self.settings),
            ..ReloadReport::default()
        };
        for name in &report.needs_restart {
            warn!(setting = name, "reload: this setting changed; it applies when ostiumd restarts");
        }
        // Compared with the file ostiumd started with, not the last one reloaded: the
        // warning stands until a restart.
        self.shutdown_timeout = config.settings.shutdown_timeout;
        let mut old: Vec<Running> = std::mem::take(&mut self.running);
        for forward in &config.forwards {
            let forward = Arc::new(forward.clone());
            let found = old.iter().position(|r| key(&r.forward) == key(&forward));
            let Some(index) = found else {
                match self.start_forward(forward, true) {
                    Ok(addr) => report.started.push(addr),
                    Err(err) => warn!(%err, "reload: a new forward could not start"),
                }
                continue;
            };
            let mut running = old.swap_remove(index);
            let addr = running.group.local_addr();
            if same_settings(&running.forward, &forward) {
                report.unchanged.push(addr);
                self.running.push(running);
                continue;
            }
            if running.forward.mode != forward.mode {
                warn!(%addr, "reload: the mode changed; the forward restarts (connections refused meanwhile)");
                self.drain_in_background(running);
                match self.start_forward(forward, true) {
                    Ok(addr) => report.changed.push(addr),
                    Err(err) => warn!(%err, "reload: a changed forward could not start again"),
                }
                continue;
            }
            if running.forward.exec != forward.exec || running.forward.door != forward.door {
                if let Some(supervisor) = running.supervisor.take() {
                    supervisor.stop(APPLICATION_GRACE);
                }
                running.supervisor = match &forward.exec {
                    Some(exec) => Supervisor::start(&exec.argv, &forward.door)
                        .inspect_err(|err| warn!(%err, "reload: the application did not start"))
                        .ok(),
                    None => None,
                };
            }
            running.admission.set_limits(&forward.limits);
            for handle in running.group.handles() {
                let forward = Arc::clone(&forward);
                let _ = handle
                    .post(move |service: &mut ForwardService, cx| service.reconfigure(cx, forward));
            }
            running.forward = forward;
            report.changed.push(addr);
            self.running.push(running);
        }
        for running in old {
            report.removed.push(running.group.local_addr());
            self.drain_in_background(running);
        }
        self.metrics.reloads.inc();
        self.update_probes();
        info!(?report, "configuration reloaded");
        report
    }

    /// Counts a reload refused because the new configuration had an error.
    pub fn reload_refused(&self) {
        self.metrics.reload_failures.inc();
    }

    /// Drains a forward on a thread of its own: its loops stop taking requests, finish those
    /// in flight (within the shutdown timeout), end; then its application stops.
    fn drain_in_background(&mut self, running: Running) {
        let timeout = self.shutdown_timeout;
        let drainer = std::thread::spawn(move || {
            let _ = drain(vec![running], timeout);
        });
        self.draining.push(drainer);
    }

    /// Stops in order: no new requests, those in flight answered (for at most the
    /// configured `shutdown-timeout`), the loops ended, then the applications stopped.
    pub fn shutdown(mut self) -> io::Result<()> {
        // No more control calls: the door goes first.
        drop(self.control.take());
        let result = drain(self.running, self.shutdown_timeout);
        for drainer in self.draining {
            let _ = drainer.join();
        }
        result
    }

    /// Stops everything at once (a start that failed half way).
    fn stop(&mut self) {
        for running in self.running.drain(..) {
            running.group.stop();
            let _ = running.group.join();
            if let Some(log) = running.access_log {
                log.join();
            }
            if let Some(supervisor) = running.supervisor {
                supervisor.stop(APPLICATION_GRACE);
            }
        }
    }
}

/// A forward's label in metrics and health output: its protocol and address as written
/// (a TCP and a UDP forward may share a port).
fn label(forward: &Forward) -> String {
    format!("{} {}", forward.protocol.name(), forward.listen)
}

/// Drains `forwards` within `timeout` (then stops their loops regardless), then stops
/// their applications.
fn drain(forwards: Vec<Running>, timeout: Duration) -> io::Result<()> {
    let handles: Vec<_> = forwards.iter().flat_map(|r| r.group.handles()).collect();
    for handle in &handles {
        let _ =
            handle.post(move |service: &mut ForwardService, cx| service.begin_drain(cx, timeout));
    }
    let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
    let enforcer = std::thread::spawn(move || {
        // The loops answer what is unfinished at `timeout` (503) themselves; this is for a
        // loop that cannot, and leaves them time to write those answers.
        let hard_stop = timeout + DRAIN_GRACE;
        if let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = done_rx.recv_timeout(hard_stop) {
            warn!("requests still in flight after {timeout:?}; stopping anyway");
            for handle in handles {
                let _ = handle.stop();
            }
        }
    });
    let mut result = Ok(());
    let mut supervisors = Vec::new();
    let mut logs = Vec::new();
    for running in forwards {
        if let Err(err) = running.group.join() {
            result = Err(err);
        }
        supervisors.extend(running.supervisor);
        logs.extend(running.access_log);
    }
    // The loops are gone, and their log handles with them: every line is written.
    for log in logs {
        log.join();
    }
    drop(done_tx);
    let _ = enforcer.join();
    for supervisor in supervisors {
        supervisor.stop(APPLICATION_GRACE);
    }
    result
}
