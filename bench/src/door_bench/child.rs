//! `ServerProcess`: a peer's server, run as a child process (this program again, as
//! `door-bench serve PEER PATH`) and killed on drop.
//!
//! The child prints `ready` on stdout once it accepts connections at its path, and exits
//! when its stdin closes: the harness holds the write end, so the server goes away with the
//! harness even if the harness is killed and its drop never runs. Dropping a
//! `ServerProcess` kills the child (SIGKILL), reaps it and removes its socket file. The
//! child's stderr is the harness's, so whatever a failing server says is seen.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{Context, Result, bail};

use super::peer::Peer;

/// How long a server may take to say it is ready.
pub const START_TIMEOUT: Duration = Duration::from_secs(10);
/// The line a server prints once it accepts connections.
pub const READY: &str = "ready";

/// A peer's server in a child process. Dropping it kills the process.
pub struct ServerProcess {
    peer: Peer,
    child: Child,
    /// Held open for the child's lifetime: closing it tells the child to exit.
    stdin: Option<ChildStdin>,
    path: PathBuf,
    killed: bool,
}

impl ServerProcess {
    /// Starts `program serve PEER PATH` and waits until it prints [`READY`], for at most
    /// [`START_TIMEOUT`].
    pub fn start(program: &Path, peer: Peer, path: &Path) -> Result<ServerProcess> {
        let mut child = Command::new(program)
            .arg("serve")
            .arg(peer.name())
            .arg(path)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("starting the {peer} server ({})", program.display()))?;
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().context("the child's stdout is piped")?;
        // Built before the server is ready, so that a failed start kills the child too.
        let mut server =
            ServerProcess { peer, child, stdin, path: path.to_path_buf(), killed: false };
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            // Reads every line, so that the server never blocks on a full pipe.
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if line.trim() == READY {
                    let _ = tx.send(());
                }
            }
        });
        match rx.recv_timeout(START_TIMEOUT) {
            Ok(()) => Ok(server),
            Err(mpsc::RecvTimeoutError::Timeout) => {
                bail!("the {peer} server did not print `{READY}` within {START_TIMEOUT:?}")
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let status =
                    server.child.wait().map(|s| s.to_string()).unwrap_or_else(|e| e.to_string());
                bail!("the {peer} server exited before it was ready ({status})")
            }
        }
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Which peer it serves.
    pub fn peer(&self) -> Peer {
        self.peer
    }

    /// Kills the server now (its clients' calls then fail); dropping it later does nothing
    /// more.
    pub fn kill(&mut self) {
        if !self.killed {
            self.killed = true;
            self.stdin = None;
            // SIGKILL: std offers no other signal, and the server has nothing to save.
            let _ = self.child.kill();
            let _ = self.child.wait();
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stand-in for this program: a shell script that ignores its arguments.
    fn script(dir: &Path, body: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = dir.join("fake-server");
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    /// [`ServerProcess::start`], again while the script is "text file busy": a process
    /// that another test forks while this one writes the script holds it open for writing
    /// until it execs.
    fn start(program: &Path, peer: Peer, socket: &Path) -> Result<ServerProcess> {
        let busy = |err: &anyhow::Error| {
            err.chain().any(|e| {
                e.downcast_ref::<std::io::Error>()
                    .is_some_and(|e| e.kind() == std::io::ErrorKind::ExecutableFileBusy)
            })
        };
        for _ in 0..100 {
            match ServerProcess::start(program, peer, socket) {
                Err(err) if busy(&err) => std::thread::sleep(Duration::from_millis(10)),
                other => return other,
            }
        }
        ServerProcess::start(program, peer, socket)
    }

    fn alive(pid: u32) -> bool {
        // A reaped child has no /proc entry (a zombie still would).
        std::fs::metadata(format!("/proc/{pid}")).is_ok()
    }

    #[test]
    fn a_ready_server_is_killed_and_its_socket_removed_on_drop() {
        let dir = super::super::SocketDir::create().unwrap();
        let program = script(dir.path(), "echo ready; exec cat >/dev/null");
        let socket = dir.path().join("x.sock");
        std::fs::write(&socket, b"").unwrap();
        let server = start(&program, Peer::Raw, &socket).unwrap();
        let pid = server.pid();
        assert!(alive(pid));
        assert_eq!(server.peer(), Peer::Raw);
        drop(server);
        assert!(!alive(pid), "the server outlived its guard");
        assert!(!socket.exists(), "the socket file was left behind");
    }

    #[test]
    fn a_server_that_exits_before_it_is_ready_is_an_error() {
        let dir = super::super::SocketDir::create().unwrap();
        let program = script(dir.path(), "echo starting; exit 3");
        let err = start(&program, Peer::Door, &dir.path().join("x.sock"))
            .err()
            .expect("it never said ready");
        let text = format!("{err:#}");
        assert!(text.contains("exited before it was ready"), "{text}");
        assert!(text.contains('3'), "{text}");
    }
}
