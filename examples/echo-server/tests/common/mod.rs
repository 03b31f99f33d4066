//! Starting the real `echo-server` binary for a test, and reading what it costs.

#![allow(dead_code)] // each test binary uses part of it

use std::io::{BufRead, BufReader, Read};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// How long any single wait in these tests may take before the test fails.
pub(crate) const PATIENCE: Duration = Duration::from_secs(20);

/// A running echo-server, killed when dropped.
pub(crate) struct EchoServer {
    child: Child,
    pub(crate) addr: SocketAddr,
}

impl EchoServer {
    /// Starts the server on 127.0.0.1:0 with `args` and waits for its `listening on` line.
    pub(crate) fn start(args: &[&str]) -> EchoServer {
        let mut command = Command::new(env!("CARGO_BIN_EXE_echo-server"));
        command.args(["--listen", "127.0.0.1:0"]).args(args);
        EchoServer::spawn(command)
    }

    pub(crate) fn spawn(mut command: Command) -> EchoServer {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start echo-server");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx.recv_timeout(PATIENCE).expect("echo-server said where it listens");
        let addr = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .parse()
            .expect("an address");
        EchoServer { child, addr }
    }

    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// A connected client with timeouts, so that no test can hang on it.
    pub(crate) fn connect(&self) -> TcpStream {
        let stream = TcpStream::connect(self.addr).expect("connect");
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        stream.set_write_timeout(Some(PATIENCE)).unwrap();
        stream
    }

    /// CPU time (user + system) the server has used, in clock ticks.
    pub(crate) fn cpu_ticks(&self) -> u64 {
        ostium_test_support::proc::cpu_ticks(self.pid())
    }

    /// Times the server's threads have gone to sleep and been woken (voluntary context
    /// switches, summed over its threads).
    pub(crate) fn wakeups(&self) -> u64 {
        ostium_test_support::proc::wakeups(self.pid())
    }

    /// Sends `signal` (a name such as "TERM") and waits for the exit status.
    pub(crate) fn signal_and_wait(mut self, signal: &str) -> std::process::ExitStatus {
        let sent =
            Command::new("kill").arg(format!("-{signal}")).arg(self.pid().to_string()).status();
        assert!(sent.expect("run kill").success());
        for _ in 0..(PATIENCE.as_millis() / 10) {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!("echo-server did not exit after SIG{signal}");
    }
}

impl Drop for EchoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads exactly `len` bytes.
pub(crate) fn read_exactly(stream: &mut TcpStream, len: usize) -> Vec<u8> {
    let mut buf = vec![0; len];
    stream.read_exact(&mut buf).expect("read the echo");
    buf
}

/// Reproducible pseudo-random bytes (xorshift64*), different for each seed.
pub(crate) fn random_bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            (state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 56) as u8
        })
        .collect()
}
