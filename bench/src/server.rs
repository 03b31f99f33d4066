//! `Server`: an echo server under test, run as a child process and killed on drop.
//!
//! The contract a server binary keeps (both `echo-server` and `tokio-echo` do): once it
//! accepts connections it prints `listening on ADDR` as a line on stdout; it exits on
//! SIGTERM or SIGINT; it may log to stderr. The harness keeps the child's stdin open, so a
//! server that also exits when its stdin closes goes away even if the harness is killed.
//! What the server wrote to stderr is kept (its last 4 KiB) to explain a failed start, and so
//! are valgrind's warnings about system calls it does not implement (which it turns into
//! `ENOSYS`): the failure they cause may come much later, once the tail has moved on.
//!
//! The program may be a wrapper that runs the server in its own process, as
//! `valgrind --tool=callgrind SERVER ARGS` does (valgrind loads the server into the process
//! it started as, so the pid is the server's): [`Server::start_within`] gives such a slow
//! starter more time.

use std::collections::VecDeque;
use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};

/// How long a server may take to print its address, unless told otherwise.
pub const START_TIMEOUT: Duration = Duration::from_secs(10);
/// How much of the server's stderr is kept.
const STDERR_TAIL: usize = 4096;
/// What valgrind writes when the program makes a system call it does not implement.
const UNHANDLED_SYSCALL: &str = "WARNING: unhandled";
/// The longest stderr line scanned for [`UNHANDLED_SYSCALL`].
const LONGEST_LINE: usize = 1024;

/// A running server process. Dropping it kills the process and waits for it.
pub struct Server {
    name: String,
    child: Child,
    /// Held open for the server's lifetime; closing it tells the server to go.
    _stdin: ChildStdin,
    addr: SocketAddr,
    stderr: Arc<Mutex<Stderr>>,
}

/// What is kept of the server's stderr.
#[derive(Default)]
struct Stderr {
    /// Its last `STDERR_TAIL` bytes.
    tail: VecDeque<u8>,
    /// Valgrind's lines about unimplemented system calls.
    unhandled: Vec<String>,
}

impl Server {
    /// Starts `program` with `args` and waits until it says where it listens, for at most
    /// [`START_TIMEOUT`].
    pub fn start(name: &str, program: &Path, args: &[impl AsRef<OsStr>]) -> Result<Server> {
        Server::start_within(name, program, args, START_TIMEOUT)
    }

    /// Starts `program` with `args` and waits until it says where it listens, for at most
    /// `timeout`.
    pub fn start_within(
        name: &str,
        program: &Path,
        args: &[impl AsRef<OsStr>],
        timeout: Duration,
    ) -> Result<Server> {
        let mut child = Command::new(program)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("starting {name} ({})", program.display()))?;
        let stdin = child.stdin.take().expect("stdin is piped");
        let stdout = child.stdout.take().expect("stdout is piped");
        let stderr = Arc::new(Mutex::new(Stderr::default()));
        keep_tail(child.stderr.take().expect("stderr is piped"), Arc::clone(&stderr));
        // Built before the address is known, so that a failed start kills the child too.
        let until_known = SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0));
        let mut server =
            Server { name: name.to_owned(), child, _stdin: stdin, addr: until_known, stderr };
        server.addr = server.wait_for_address(stdout, timeout)?;
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

    /// The lines in which valgrind, running the server, said it met a system call it does
    /// not implement (`WARNING: unhandled amd64-linux syscall: 441`); empty without valgrind.
    pub fn unhandled_syscalls(&self) -> Vec<String> {
        self.stderr.lock().unwrap_or_else(|e| e.into_inner()).unhandled.clone()
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
    fn wait_for_address(
        &mut self,
        stdout: impl Read + Send + 'static,
        timeout: Duration,
    ) -> Result<SocketAddr> {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(addr) = line.trim().strip_prefix("listening on ") {
                    let _ = tx.send(addr.to_owned());
                }
            }
        });
        let line = match rx.recv_timeout(timeout) {
            Ok(line) => line,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                bail!(
                    "{} did not print `listening on ADDR` within {timeout:?}{}",
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
        let stderr = self.stderr.lock().unwrap_or_else(|e| e.into_inner());
        let tail = &stderr.tail;
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

/// Drains `stderr` in a thread, keeping its last `STDERR_TAIL` bytes and valgrind's
/// unhandled-syscall lines in `kept`.
fn keep_tail(mut stderr: impl Read + Send + 'static, kept: Arc<Mutex<Stderr>>) {
    std::thread::spawn(move || {
        let mut buf = [0; 1024];
        let mut line = Vec::new();
        while let Ok(n @ 1..) = stderr.read(&mut buf) {
            let mut kept = kept.lock().unwrap_or_else(|e| e.into_inner());
            kept.tail.extend(&buf[..n]);
            let excess = kept.tail.len().saturating_sub(STDERR_TAIL);
            kept.tail.drain(..excess);
            for &byte in &buf[..n] {
                if byte != b'\n' {
                    if line.len() < LONGEST_LINE {
                        line.push(byte);
                    }
                    continue;
                }
                let text = String::from_utf8_lossy(&line);
                if text.contains(UNHANDLED_SYSCALL) {
                    kept.unhandled.push(text.trim().to_owned());
                }
                line.clear();
            }
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
    fn valgrinds_unhandled_syscall_warnings_are_kept_past_the_tail() {
        let script = "echo listening on 127.0.0.1:9; \
                      echo '--1-- WARNING: unhandled amd64-linux syscall: 441' >&2; \
                      head -c 10000 /dev/zero | tr '\\0' x >&2; echo >&2; cat";
        let server = Server::start("sh", Path::new("/bin/sh"), &["-c", script]).unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while server.unhandled_syscalls().is_empty() && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert_eq!(
            server.unhandled_syscalls(),
            ["--1-- WARNING: unhandled amd64-linux syscall: 441"]
        );
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

    #[test]
    fn a_slow_start_is_waited_for_as_long_as_asked() {
        let script = ["-c", "sleep 0.3; echo listening on 127.0.0.1:9; cat"];
        let err =
            Server::start_within("sh", Path::new("/bin/sh"), &script, Duration::from_millis(50))
                .err()
                .expect("the address comes too late");
        assert!(format!("{err:#}").contains("within 50ms"), "{err:#}");
        let server =
            Server::start_within("sh", Path::new("/bin/sh"), &script, Duration::from_secs(10))
                .unwrap();
        assert_eq!(server.addr(), "127.0.0.1:9".parse().unwrap());
    }
}
