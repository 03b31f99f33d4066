//! The control door (`set control PATH`, interface `idl/ostiumd.idol`): `status` reports
//! the daemon, `reload` and `stop` do what `SIGHUP` and `SIGTERM` do — by sending them, so
//! that there is one way to reload and one to stop. `reload` and `stop` are restricted
//! operations (see `crates/ostiumd-control/build.rs`): only ostiumd's own user and root
//! may call them; `status` is open to whoever the door's file mode (`set control-mode`,
//! default 0666) lets in.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Instant;

use ostium::Caller;
use ostium::rpc::Lease;
use ostium_sys::ProcessSignal;
use ostiumd_control::ConcurrentOstiumdImpl;
use tracing::{info, warn};

use super::admin::Probes;

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
) -> Result<ostium::rpc::Served, ostium::DoorError> {
    let options = ostium::DoorOptions { mode, ..ostium::DoorOptions::default() };
    ostiumd_control::OstiumdServer::serve_concurrent(path, options, Arc::new(Control::new(probes)))
}
