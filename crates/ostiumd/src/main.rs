//! `ostiumd`: ports to doors.
//!
//! `ostiumd --config FILE` reads the configuration, starts the applications it names with
//! `exec`, listens on every forward's port and serves until `SIGTERM` or `SIGINT`, then
//! drains (no new requests; those in flight answered within `shutdown-timeout`), stops the
//! applications and exits 0. `SIGHUP` reloads the file without dropping connections.
//! Under systemd it tells the service manager when it is ready, reloading and stopping
//! (`sd_notify`; `Type=notify`, see `contrib/ostiumd.service`). `ostiumd --check FILE` only validates the file: every error
//! with its file, line and column, exit 1; or `ok` and the forwards, exit 0.

#![forbid(unsafe_code)]

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;

use clap::Parser;
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

use ostiumd::cli::Args;
use ostiumd::config::Config;
use ostiumd::engine::daemon::Daemon;

/// Logs to standard error at the level `RUST_LOG` asks, else the configuration's, else
/// `info`.
fn init_logs(level: Option<&str>) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .or_else(|_| tracing_subscriber::EnvFilter::try_new(level.unwrap_or("info")))
        .unwrap_or_else(|_| "info".into());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}

fn main() -> ExitCode {
    let args = Args::parse();
    match (args.check, args.config) {
        (Some(path), _) => match load(&path) {
            Some(config) => {
                let n = config.forwards.len();
                println!("ok: {}: {n} forward{}", path.display(), if n == 1 { "" } else { "s" });
                for forward in &config.forwards {
                    println!("  {forward}");
                }
                ExitCode::SUCCESS
            }
            None => ExitCode::FAILURE,
        },
        (None, Some(path)) => match load(&path) {
            Some(config) => {
                init_logs(config.settings.log_level.as_deref());
                serve(&path, &config)
            }
            None => ExitCode::FAILURE,
        },
        (None, None) => unreachable!("clap requires one of them"),
    }
}

/// Reads and parses `path`, printing every error.
fn load(path: &Path) -> Option<Config> {
    let name = path.display().to_string();
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(err) => {
            eprintln!("error: cannot read {name}: {err}");
            return None;
        }
    };
    match ostiumd::config::parse_bytes(&name, &bytes) {
        Ok(config) => Some(config),
        Err(errors) => {
            eprintln!("{errors}");
            let n = errors.0.len();
            eprintln!("\n{name}: {n} error{}", if n == 1 { "" } else { "s" });
            None
        }
    }
}

/// Logs a notification to the service manager that could not be sent (none is sent, and
/// none fails, outside systemd).
fn notify(outcome: std::io::Result<bool>) {
    if let Err(err) = outcome {
        tracing::warn!(%err, "could not notify the service manager");
    }
}

/// Serves `config` until a signal to stop.
fn serve(path: &Path, config: &Config) -> ExitCode {
    // Installed before anything starts, so that a signal during start-up is not lost.
    let mut signals = match Signals::new([SIGINT, SIGTERM, SIGHUP]) {
        Ok(signals) => signals,
        Err(err) => {
            eprintln!("error: installing signal handlers: {err}");
            return ExitCode::FAILURE;
        }
    };
    // Each client connection, door connection and watch is a descriptor: take all the
    // soft limit the hard limit allows (a no-op where it is already there).
    if let Err(err) = ostium_sys::raise_fd_limit() {
        tracing::warn!(%err, "could not raise the descriptor limit");
    }
    let mut daemon = match Daemon::start(config) {
        Ok(daemon) => daemon,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::FAILURE;
        }
    };
    for addr in daemon.local_addrs() {
        println!("ostiumd: listening on {addr}");
    }
    if let Some(addr) = daemon.admin_addr() {
        println!("ostiumd: metrics and health on http://{addr}/metrics, /healthz");
    }
    // Under systemd (`Type=notify`), the service is up once every forward listens.
    notify(ostium_sys::notify::notify_ready());
    for signal in signals.forever() {
        if signal != SIGHUP {
            tracing::info!(signal, "draining");
            notify(ostium_sys::notify::notify_stopping());
            break;
        }
        notify(ostium_sys::notify::notify_reloading());
        // A configuration with an error is refused whole, with its locations; the running
        // one stays.
        match load(path) {
            Some(config) => {
                let report = daemon.reload(&config);
                for addr in report.started {
                    println!("ostiumd: listening on {addr}");
                }
                if !report.needs_restart.is_empty() {
                    let names = report.needs_restart.join(", ");
                    println!("ostiumd: reloaded; changed settings kept until a restart: {names}");
                }
                println!("ostiumd: reloaded");
                notify(ostium_sys::notify::notify_ready());
            }
            None => {
                daemon.reload_refused();
                eprintln!("ostiumd: reload refused; the running configuration stays");
                notify(ostium_sys::notify::notify_ready());
            }
        }
    }
    match daemon.shutdown() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
