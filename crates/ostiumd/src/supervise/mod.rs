//! `exec`: starting the application that serves a door, and restarting it when it exits.
//!
//! Each supervised application has a thread of its own that starts it, waits for it, and
//! starts it again after a [`Backoff`] delay, until [`Supervisor::stop`]. The application
//! learns its door's path from the environment variable [`DOOR_ENV`], and from its
//! arguments wherever `{door}` appears in them. It inherits ostiumd's standard output and
//! error, reads nothing on its standard input, and dies with ostiumd if ostiumd is killed
//! (`PR_SET_PDEATHSIG`). Stopping sends it `SIGTERM`, and `SIGKILL` after a grace period.

mod backoff;

pub use backoff::Backoff;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use ostium_sys::ProcessSignal;
use tracing::{info, warn};

/// The environment variable that carries the door's path to the application.
pub const DOOR_ENV: &str = "OSTIUM_DOOR";
/// What is replaced by the door's path in the application's arguments.
pub const DOOR_PLACEHOLDER: &str = "{door}";

/// An application being supervised.
#[derive(Debug)]
pub struct Supervisor {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
    exited: mpsc::Receiver<()>,
}

#[derive(Debug, Default)]
struct Shared {
    state: Mutex<State>,
    wake: Condvar,
    starts: AtomicU64,
}

#[derive(Debug, Default)]
struct State {
    stopping: bool,
    /// The running application's pid.
    pid: Option<u32>,
}

/// A view of a supervised application for other threads (the admin address): its pid and
/// how many times it was started, without owning it.
#[derive(Clone, Debug)]
pub struct AppProbe(Arc<Shared>);

impl AppProbe {
    /// The running application's pid, if it is running.
    pub fn pid(&self) -> Option<u32> {
        self.0.lock().pid
    }

    /// How many times the application has been started.
    pub fn starts(&self) -> u64 {
        self.0.starts.load(Ordering::Relaxed)
    }
}

impl Supervisor {
    /// A view of the application for other threads.
    pub fn probe(&self) -> AppProbe {
        AppProbe(Arc::clone(&self.shared))
    }

    /// Starts `argv` (program first) for the door at `door`, and keeps it running.
    pub fn start(argv: &[String], door: &Path) -> std::io::Result<Supervisor> {
        let command = command_for(argv, door)?;
        let shared = Arc::new(Shared::default());
        let (tx, exited) = mpsc::channel();
        let thread = {
            let shared = Arc::clone(&shared);
            std::thread::Builder::new().name(format!("exec {}", argv[0])).spawn(move || {
                supervise(&shared, command);
                let _ = tx.send(());
            })?
        };
        Ok(Supervisor { shared, thread: Some(thread), exited })
    }

    /// How many times the application has been started.
    pub fn starts(&self) -> u64 {
        self.shared.starts.load(Ordering::Relaxed)
    }

    /// The running application's pid, if it is running.
    pub fn pid(&self) -> Option<u32> {
        self.shared.lock().pid
    }

    /// Stops the application: `SIGTERM`, then `SIGKILL` if it has not exited after `grace`;
    /// returns once it has exited and will not be started again.
    pub fn stop(mut self, grace: Duration) {
        let pid = {
            let mut state = self.shared.lock();
            state.stopping = true;
            state.pid
        };
        self.shared.wake.notify_all();
        if let Some(pid) = pid {
            let _ = ostium_sys::signal_process(pid, ProcessSignal::Terminate);
        }
        if self.exited.recv_timeout(grace).is_err()
            && let Some(pid) = self.shared.lock().pid
        {
            warn!(pid, "the application did not stop within {grace:?}; killing it");
            let _ = ostium_sys::signal_process(pid, ProcessSignal::Kill);
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The command that starts `argv` for `door`.
fn command_for(argv: &[String], door: &Path) -> std::io::Result<Command> {
    let (program, args) = argv
        .split_first()
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "exec: no program"))?;
    let door_text = door.display().to_string();
    let mut command = Command::new(program);
    command
        .args(args.iter().map(|arg| arg.replace(DOOR_PLACEHOLDER, &door_text)))
        .env(DOOR_ENV, PathBuf::from(door))
        .stdin(Stdio::null());
    ostium_sys::die_with_parent(&mut command);
    Ok(command)
}

/// The supervising thread: start, wait, back off, again, until stopped.
fn supervise(shared: &Shared, mut command: Command) {
    let mut backoff = Backoff::new();
    let program = format!("{:?}", command.get_program());
    loop {
        let started = Instant::now();
        let outcome = {
            let mut state = shared.lock();
            if state.stopping {
                return;
            }
            // Spawned under the lock, so that `stop` either sees the pid or is seen here.
            command.spawn().inspect(|child| {
                state.pid = Some(child.id());
                shared.starts.fetch_add(1, Ordering::Relaxed);
            })
        };
        match outcome {
            Ok(mut child) => {
                info!(program, pid = child.id(), "application started");
                let status = child.wait();
                let stopping = {
                    let mut state = shared.lock();
                    state.pid = None;
                    state.stopping
                };
                if stopping {
                    info!(program, ?status, "application stopped");
                    return;
                }
                warn!(program, ?status, ran = ?started.elapsed(), "application exited");
            }
            Err(err) => warn!(program, %err, "could not start the application"),
        }
        let delay = backoff.after_exit(started.elapsed());
        let state = shared.lock();
        let (state, _) = shared
            .wake
            .wait_timeout_while(state, delay, |state| !state.stopping)
            .unwrap_or_else(PoisonError::into_inner);
        if state.stopping {
            return;
        }
    }
}
