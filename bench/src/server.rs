//! `Server`: an echo server under test, run as a child process and killed on drop.
//!
//! The contract a server binary keeps (both `echo-server` and `tokio-echo` do): once it
//! accepts connections it prints `listening on ADDR` as a line on stdout; it exits on
//! SIGTERM or SIGINT; it may log to stderr. The harness keeps the child's stdin open, so a
//! server that also exits when its stdin closes goes away even if the harness is killed.
//! What the server wrote to stderr is kept (its last 4 KiB) to explain a failed start.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};

/// How long a server may take to print its address.
const START_TIMEOUT: Duration = Duration::from_secs(10);
/// How much of the server's stderr is kept.
const STDERR_TAIL: usize = 4096;

/// A running server process. Dropping it kills the process and waits for it.
pub struct Server {
    name: String,
    child: Child,
    /// Held open for the server's lifetime; closing it tells the server to go.
    _stdin: ChildStdin,
    addr: SocketAddr,
    stderr: Arc<Mutex<VecDeque<u8>>>,
}

impl Server {
    /// Starts `program` with `args` and waits until it says where it listens.
    pub fn start(name: &str, program: &Path, args: &[&str]) -> Result<Server> {
        let mut child = Command::new(program)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("starting {name} ({})", program.display()))?;
        let stdin = child.stdin.take().expect("stdin is piped");
        let stdout = child.stdout.take().expect("stdout is piped");
        let stderr = Arc::new(Mutex::new(VecDeque::with_capacity(STDERR_TAIL)));
        keep_tail(child.stderr.take().expect("stderr is piped"), Arc::clone(&stderr));
        // Built before the address is known, so that a failed start kills the child too.
        let until_known = SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0));
        let mut server =
            Server { name: name.to_owned(), child, _stdin: stdin, addr: until_known, stderr };
        server.addr = server.wait_for_address(stdout)?;
        Ok(server)
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Keeps every thread the server has now on `cpu`.
    ///
    /// `sched_setaffinity` on a pid moves only the thread with that id (the main thread), and
    /// threads inherit the affinity of the thread that creates them; a server that started
    /// its threads before saying it listens has them all moved here, one by one.
    pub fn pin(&self, cpu: usize) -> Result<()> {
        let tasks = format!("/proc/{}/task", self.pid());
        for entry in std::fs::read_dir(&tasks).with_context(|| format!("listing {tasks}"))? {
            let name = entry?.file_name();
            let Some(tid) = name.to_str().and_then(|s| s.parse().ok()) else { continue };
            ostium_sys::pin_process(tid, cpu)
                .with_context(|| format!("pinning thread {tid} of {} to CPU {cpu}", self.name))?;
        }
        Ok(())
    }

    /// Reads stdout until the `listening on ADDR` line, in a thread that then keeps
    /// draining it so the server never blocks on a full pipe.
    fn wait_for_address(&mut self, stdout: impl Read + Send + 'static) -> Result<SocketAddr> {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(addr) = line.trim().strip_prefix("listening on ") {
                    let _ = tx.send(addr.to_owned());
                }
            }
        });
        let line = match rx.recv_timeout(START_TIMEOUT) {
            Ok(line) => line,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                bail!(
                    "{} did not print `listening on ADDR` within {START_TIMEOUT:?}{}",
                    self.name,
                    self.stderr_tail()
                )
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let status =
                    self.child.wait().map(|s| s.to_string()).unwrap_or_else(|e| e.to_string());
                bail!(
                    "{} closed its stdout without printing `listening on ADDR` ({status}){}",
                    self.name,
                    self.stderr_tail()
                )
            }
        };
        let addr: SocketAddr = line
            .parse()
            .map_err(|_| anyhow!("{} printed `listening on {line}`: not an address", self.name))?;
        Ok(reachable(addr))
    }

    /// The last lines the server wrote to stderr, ready to append to an error message.
    fn stderr_tail(&self) -> String {
        // Give the server a moment to finish writing whatever explains its failure.
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

impl Drop for Server {
    fn drop(&mut self) {
        // SIGKILL: std offers no other signal, and the process has nothing to save.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Drains `stderr` in a thread, keeping its last `STDERR_TAIL` bytes in `tail`.
fn keep_tail(mut stderr: impl Read + Send + 'static, tail: Arc<Mutex<VecDeque<u8>>>) {
    std::thread::spawn(move || {
        let mut buf = [0; 1024];
        while let Ok(n @ 1..) = stderr.read(&mut buf) {
            let mut tail = tail.lock().unwrap_or_else(|e| e.into_inner());
            tail.extend(&buf[..n]);
            let excess = tail.len().saturating_sub(STDERR_TAIL);
            tail.drain(..excess);
        }
    });
}

/// A server listening on every address (`0.0.0.0`, `::`) is reached on loopback.
fn reachable(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => {
            SocketAddr::new(Ipv4Addr::LOCALHOST.into(), addr.port())
        }
        IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::new(Ipv6Addr::LOCALHOST.into(), addr.port())
        }
        _ => addr,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unspecified_address_is_reached_on_loopback() {
        assert_eq!(reachable("0.0.0.0:7".parse().unwrap()), "127.0.0.1:7".parse().unwrap());
        assert_eq!(reachable("[::]:7".parse().unwrap()), "[::1]:7".parse().unwrap());
        assert_eq!(reachable("10.0.0.1:7".parse().unwrap()), "10.0.0.1:7".parse().unwrap());
    }

    #[test]
    fn a_server_that_exits_at_once_is_reported_with_its_stderr() {
        let err = Server::start("sh", Path::new("/bin/sh"), &["-c", "echo oops >&2; exit 3"])
            .err()
            .expect("no address was printed");
        let text = format!("{err:#}");
        assert!(text.contains("without printing"), "{text}");
        assert!(text.contains("oops"), "{text}");
    }

    #[test]
    fn the_printed_address_is_read() {
        let server = Server::start(
            "sh",
            Path::new("/bin/sh"),
            &["-c", "echo listening on 127.0.0.1:9; cat"],
        )
        .unwrap();
        assert_eq!(server.addr(), "127.0.0.1:9".parse().unwrap());
    }
}
