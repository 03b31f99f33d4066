//! The control door (`set control PATH`, interface `idl/ostiumd.idol`): `status` reports
//! the daemon, `reload` and `stop` do what `SIGHUP` and `SIGTERM` do — by sending them, so
//! that there is one way to reload and one to stop. `reload` and `stop` are restricted
//! operations (see `crates/ostiumd-control/build.rs`): only ostiumd's own user and root
//! may call them; `status` is open to whoever the door's file mode (`set control-mode`,
//! default 0666) lets in. Since any local user may connect, the door's connections are
//! bounded in number, per user, and in time ([`CONTROL_CONNECTIONS`]).

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ostium::Caller;
use ostium_rpc::Lease;
use ostium_sys::ProcessSignal;
use ostiumd_control::ConcurrentOstiumdImpl;
use tracing::{info, warn};

use super::admin::Probes;

/// Connections the control door holds at once, at most: the whole of its descriptor
/// budget (see [`super::budget`]), so that no flood of it can starve the forwards.
pub const CONTROL_CONNECTIONS: usize = 64;
/// Connections one user other than ostiumd's and root may hold on the control door.
const CONTROL_CONNECTIONS_PER_UID: usize = 8;
/// Threads serving the control door, at most: its calls are a status report now and then.
const CONTROL_THREADS: usize = 4;
/// How long a control connection may take to say `HELLO`.
const CONTROL_HELLO_TIMEOUT: Duration = Duration::from_secs(2);
/// How long a control connection may sit between calls (`ostium status` makes one call
/// and leaves).
const CONTROL_IDLE_TIMEOUT: Duration = Duration::from_secs(10);

/// The control door's server.
pub struct Control {
    probes: Probes,
    started: Instant,
}

impl Control {
    /// A server reporting on `probes` (the daemon's forwards as they are now).
    pub fn new(probes: Probes) -> Control {
        Control { probes, started: Instant::now() }
    }

    /// The status report, as text.
    fn report(&self) -> String {
        let mut out = String::new();
        let up = self.started.elapsed().as_secs();
        let _ = writeln!(out, "ostiumd {} up {up}s", std::process::id());
        let probes = self.probes.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        for probe in probes.iter() {
            let m = &probe.metrics;
            let _ = writeln!(
                out,
                "{}  door {}  connections {} open, {} in all",
                probe.label,
                probe.door.display(),
                m.connections_open.get(),
                m.connections.get(),
            );
            let by_status = m.requests.seen();
            if !by_status.is_empty() {
                let total: u64 = by_status.iter().map(|(_, n)| n).sum();
                let each: Vec<String> =
                    by_status.iter().map(|(code, n)| format!("{code}: {n}")).collect();
                let _ = writeln!(out, "  requests {total} ({})", each.join(", "));
            }
            if let Some(app) = &probe.app {
                let pid = app.pid().map_or("not running".to_owned(), |pid| format!("pid {pid}"));
                let threads = app.pid().map_or(0, super::admin::door_threads);
                let restarts = app.starts().saturating_sub(1);
                let _ = writeln!(
                    out,
                    "  application {pid}, {threads} door threads, {restarts} restarts"
                );
            }
        }
        out
    }

    fn signal(caller: &Caller, what: &str, signal: ProcessSignal) {
        info!(uid = caller.uid, pid = caller.pid, "{what} asked through the control door");
        if let Err(err) = ostium_sys::signal_process(std::process::id(), signal) {
            warn!(%err, "could not {what}");
        }
    }
}

impl ConcurrentOstiumdImpl for Control {
    fn status(&self, _caller: &Caller, mut report: Lease<'_, ostium::W, [u8]>) -> u32 {
        let text = self.report();
        let fits = text.len().min(report.len());
        let _ = report.write_range(0..fits, &text.as_bytes()[..fits]);
        u32::try_from(text.len()).unwrap_or(u32::MAX)
    }

    fn reload(&self, caller: &Caller) {
        Control::signal(caller, "reload", ProcessSignal::Hangup);
    }

    fn stop(&self, caller: &Caller) {
        Control::signal(caller, "stop", ProcessSignal::Terminate);
    }
}

/// Serves the control door at `path`, its file of mode `mode`, until the returned value is
/// dropped.
pub fn serve(
    path: &std::path::Path,
    mode: u32,
    probes: Probes,
) -> Result<ostium_rpc::Served, ostium::DoorError> {
    let options = ostium::DoorOptions {
        mode,
        max_threads: CONTROL_THREADS,
        max_connections: CONTROL_CONNECTIONS,
        max_connections_per_uid: Some(CONTROL_CONNECTIONS_PER_UID),
        hello_timeout: CONTROL_HELLO_TIMEOUT,
        connection_idle_timeout: Some(CONTROL_IDLE_TIMEOUT),
        ..ostium::DoorOptions::default()
    };
    ostiumd_control::OstiumdServer::serve_concurrent(path, options, Arc::new(Control::new(probes)))
}
