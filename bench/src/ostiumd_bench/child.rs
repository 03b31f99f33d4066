//! `Process`: a server under test (ostiumd, nginx, `http-backend`) as a child process, stopped
//! with `SIGTERM` when dropped.
//!
//! `SIGTERM` rather than `SIGKILL`, because each of them has something to stop in turn:
//! ostiumd its `exec` application, nginx's master its workers (which a killed master would
//! leave running). A process that has not exited 5 s later is killed. Each child is also
//! started with `PR_SET_PDEATHSIG` (`ostium_sys::die_with_parent`), so that it dies with the
//! harness if the harness is killed; since that signal follows the thread that spawned the
//! child, children are spawned from the harness's main thread.
//!
//! Standard output is read in a thread of its own (so that the child never blocks on a full
//! pipe) until a line that says the child is ready, if the caller waits for one; the last
//! 4 KiB of standard error are kept to explain a failure.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use ostium_sys::ProcessSignal;

/// How long a server may take to say it is ready.
pub const START_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a server may take to exit after `SIGTERM`.
const STOP_GRACE: Duration = Duration::from_secs(5);
/// How much of the server's stderr is kept.
const STDERR_TAIL: usize = 4096;

/// A running child process, stopped on drop.
pub struct Process {
    name: String,
    child: Child,
    stderr: Arc<Mutex<VecDeque<u8>>>,
    lines: mpsc::Receiver<String>,
}

impl Process {
    /// Starts `command` (from the calling thread, which should live as long as the child).
    pub fn start(name: &str, mut command: Command) -> Result<Process> {
        ostium_sys::die_with_parent(&mut command);
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("starting {name} ({:?})", command.get_program()))?;
        let stdout = child.stdout.take().context("the child's stdout is piped")?;
        let stderr = Arc::new(Mutex::new(VecDeque::new()));
        keep_tail(child.stderr.take().context("the child's stderr is piped")?, &stderr);
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                // Nobody listens once the ready line has been found: keep draining.
                let _ = tx.send(line);
            }
        });
        Ok(Process { name: name.to_owned(), child, stderr, lines })
    }

    /// Waits, for at most [`START_TIMEOUT`], for a line of standard output that contains
    /// `marker`, and returns what follows the marker on that line.
    pub fn wait_for_line(&mut self, marker: &str) -> Result<String> {
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    if let Some((_, rest)) = line.split_once(marker) {
                        return Ok(rest.trim().to_owned());
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    bail!(
                        "{} did not print `{marker}` within {START_TIMEOUT:?}{}",
                        self.name,
                        self.stderr_tail()
                    )
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    bail!(
                        "{} closed its output without printing `{marker}`{}",
                        self.name,
                        self.stderr_tail()
                    )
                }
            }
        }
    }

    /// An error, with what the process said, if it has exited.
    pub fn check_running(&mut self) -> Result<()> {
        if let Some(status) = self.child.try_wait().context("waiting for a child")? {
            bail!("{} exited ({status}){}", self.name, self.stderr_tail());
        }
        Ok(())
    }

    /// The process's id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The last lines the process wrote to stderr, ready to append to an error message.
    pub fn stderr_tail(&self) -> String {
        // Give the process a moment to finish writing whatever explains its failure.
        std::thread::sleep(Duration::from_millis(100));
        let tail = self.stderr.lock().unwrap_or_else(|e| e.into_inner());
        if tail.is_empty() {
            return String::new();
        }
        let (a, b) = tail.as_slices();
        let text = String::from_utf8_lossy(&[a, b].concat()).trim_end().to_owned();
        format!("; its stderr ended with:\n{text}")
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = ostium_sys::signal_process(self.pid(), ProcessSignal::Terminate);
            let deadline = Instant::now() + STOP_GRACE;
            while let Ok(None) = self.child.try_wait() {
                if Instant::now() > deadline {
                    let _ = self.child.kill();
                    break;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        let _ = self.child.wait();
    }
}

/// Drains `stderr` in a thread, keeping its last `STDERR_TAIL` bytes in `kept`.
fn keep_tail(mut stderr: impl Read + Send + 'static, kept: &Arc<Mutex<VecDeque<u8>>>) {
    let kept = Arc::clone(kept);
    std::thread::spawn(move || {
        let mut buf = [0; 1024];
        while let Ok(n @ 1..) = stderr.read(&mut buf) {
            let mut kept = kept.lock().unwrap_or_else(|e| e.into_inner());
            kept.extend(&buf[..n]);
            let excess = kept.len().saturating_sub(STDERR_TAIL);
            kept.drain(..excess);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str) -> Command {
        let mut command = Command::new("/bin/sh");
        command.args(["-c", script]);
        command
    }

    #[test]
    fn the_ready_line_is_found_among_others() {
        let mut process =
            Process::start("sh", sh("echo starting; echo 'x: listening on 1.2.3.4:5'; sleep 5"))
                .unwrap();
        assert_eq!(process.wait_for_line("listening on ").unwrap(), "1.2.3.4:5");
        process.check_running().unwrap();
        let pid = process.pid();
        drop(process);
        assert!(!super::super::procfs::exists(pid), "stopped with SIGTERM and reaped");
    }

    #[test]
    fn a_process_that_exits_is_reported_with_its_stderr() {
        let mut process = Process::start("sh", sh("echo oops >&2; exit 3")).unwrap();
        let err = process.wait_for_line("ready").unwrap_err();
        let text = format!("{err:#}");
        assert!(text.contains("without printing `ready`") && text.contains("oops"), "{text}");
        assert!(process.check_running().is_err());
    }
}
