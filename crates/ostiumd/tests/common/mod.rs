//! What the end-to-end tests share: an ostiumd process on a configuration of their own,
//! the test application it starts through `exec` (the `ostiumd-test-app` binary of this
//! package), and a plain HTTP/1.1 client on a TCP socket.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A directory of the test's own, removed at the end.
pub(crate) struct TempDir(pub(crate) PathBuf);

impl TempDir {
    pub(crate) fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("ostiumd-e2e-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    pub(crate) fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The test application (`tests/support/test_app.rs`), a binary of this package.
pub(crate) const TEST_APP: &str = env!("CARGO_BIN_EXE_ostiumd-test-app");

/// The `exec` line that starts the test application.
pub(crate) fn exec_app() -> String {
    format!("exec \"{TEST_APP}\"")
}

/// The real uid of process `pid`.
#[allow(dead_code)] // Used by some of the test files that include this module.
pub(crate) fn uid_of(pid: u32) -> u32 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("Uid:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// A command running `program`, with its descriptor limit (soft and hard) set to `nofile`
/// first if given: by util-linux's `prlimit`, which then becomes `program` (the same
/// process).
pub(crate) fn command_with_nofile(program: &Path, nofile: Option<u32>) -> Command {
    match nofile {
        Some(n) => {
            let mut prlimit = Command::new("prlimit");
            prlimit.arg(format!("--nofile={n}:{n}")).arg("--").arg(program);
            prlimit
        }
        None => Command::new(program),
    }
}

/// A running ostiumd, killed on drop if still running.
pub(crate) struct Ostiumd {
    pub(crate) child: Child,
    /// The first forward's address.
    pub(crate) addr: SocketAddr,
    /// Every forward's address, in the configuration's order.
    pub(crate) addrs: Vec<SocketAddr>,
    /// ostiumd's standard output, line by line (after the first addresses).
    pub(crate) lines: std::sync::mpsc::Receiver<String>,
    /// Where its configuration is.
    pub(crate) config: PathBuf,
}

impl Ostiumd {
    /// Starts ostiumd on `config` (written to `dir/ostiumd.conf`) and waits for the address
    /// of each of its forwards.
    pub(crate) fn start(dir: &TempDir, config: &str) -> Ostiumd {
        Ostiumd::start_with_env(dir, config, &[])
    }

    /// [`start`](Self::start), with these environment variables set.
    pub(crate) fn start_with_env(dir: &TempDir, config: &str, env: &[(&str, &Path)]) -> Ostiumd {
        Ostiumd::start_with(dir, config, env, None)
    }

    /// [`start_with_env`](Self::start_with_env), with its descriptor limit (soft and hard)
    /// set to `nofile` if given ([`command_with_nofile`]).
    pub(crate) fn start_with(
        dir: &TempDir,
        config: &str,
        env: &[(&str, &Path)],
        nofile: Option<u32>,
    ) -> Ostiumd {
        let path = dir.path().join("ostiumd.conf");
        std::fs::write(&path, config).unwrap();
        let ostiumd = Path::new(env!("CARGO_BIN_EXE_ostiumd"));
        let mut child = command_with_nofile(ostiumd, nofile)
            .arg("--config")
            .arg(&path)
            .envs(env.iter().map(|(k, v)| (*k, *v)))
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { return };
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        let forwards = config.lines().filter(|l| l.trim_start().starts_with("forward ")).count();
        let mut ostiumd = Ostiumd {
            child,
            addr: "0.0.0.0:0".parse().unwrap(),
            addrs: Vec::new(),
            lines,
            config: path,
        };
        ostiumd.addrs = (0..forwards.max(1)).map(|_| ostiumd.next_listening()).collect();
        ostiumd.addr = ostiumd.addrs[0];
        ostiumd
    }

    /// The next line of its output that starts with `prefix` (the rest of it).
    pub(crate) fn next_line(&self, prefix: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line =
                self.lines.recv_timeout(left).unwrap_or_else(|_| panic!("no line {prefix:?}"));
            if let Some(rest) = line.strip_prefix(prefix) {
                return rest.to_owned();
            }
        }
    }

    /// The next address it says it listens on.
    pub(crate) fn next_listening(&self) -> SocketAddr {
        self.next_line("ostiumd: listening on ").parse().unwrap()
    }

    /// Rewrites its configuration file and sends it SIGHUP.
    pub(crate) fn reload(&self, config: &str) {
        std::fs::write(&self.config, config).unwrap();
        ostium_sys::signal_process(self.child.id(), ostium_sys::ProcessSignal::Hangup).unwrap();
    }

    /// Sends SIGTERM and waits for the exit status.
    pub(crate) fn terminate(mut self) -> std::process::ExitStatus {
        ostium_sys::signal_process(self.child.id(), ostium_sys::ProcessSignal::Terminate).unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "ostiumd did not exit after SIGTERM");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// What the ostiumd process's descriptors are, one line each (for failure messages).
    pub(crate) fn fd_kinds(&self) -> String {
        let dir = format!("/proc/{}/fd", self.child.id());
        let mut kinds: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
            .map(|target| target.display().to_string())
            .map(|t| if t.starts_with("socket:") { "socket".to_string() } else { t })
            .collect();
        kinds.sort();
        let mut counted: Vec<(String, usize)> = Vec::new();
        for kind in kinds {
            match counted.last_mut() {
                Some((last, n)) if *last == kind => *n += 1,
                _ => counted.push((kind, 1)),
            }
        }
        counted.iter().map(|(k, n)| format!("{n} × {k}")).collect::<Vec<_>>().join(", ")
    }

    /// Open descriptors of the ostiumd process.
    pub(crate) fn fds(&self) -> usize {
        ostium_test_support::proc::fds(self.child.id())
    }

    /// How often the ostiumd process's threads have been woken (their voluntary context
    /// switches, summed; a thread that sleeps until something happens makes one each time).
    #[allow(dead_code)] // Used by some of the test files that include this module.
    pub(crate) fn wakeups(&self) -> u64 {
        ostium_test_support::proc::wakeups(self.child.id())
    }
}

impl Drop for Ostiumd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A response as read off the wire.
#[derive(Debug)]
pub(crate) struct Response {
    pub(crate) status: u16,
    pub(crate) head: String,
    pub(crate) body: Vec<u8>,
}

impl Response {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }
}

/// Reads one response (Content-Length framed, as ostiumd frames them) from `stream`.
pub(crate) fn read_response(stream: &mut BufReader<TcpStream>, head_request: bool) -> Response {
    let mut head = String::new();
    loop {
        let mut line = String::new();
        assert!(stream.read_line(&mut line).unwrap() > 0, "connection closed; head so far: {head}");
        if line == "\r\n" {
            break;
        }
        head.push_str(&line);
    }
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    let mut response = Response { status, head, body: Vec::new() };
    let len: usize = response.header("content-length").map_or(0, |v| v.parse().unwrap());
    if !head_request && status >= 200 {
        response.body = vec![0; len];
        stream.read_exact(&mut response.body).unwrap();
    }
    response
}

/// One request on a new connection; the raw request bytes are sent as given.
pub(crate) fn exchange(addr: SocketAddr, request: &[u8]) -> Response {
    let stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    (&stream).write_all(request).unwrap();
    let head_request = request.starts_with(b"HEAD ");
    read_response(&mut BufReader::new(stream), head_request)
}

/// `GET path`, on a new connection.
pub(crate) fn get(addr: SocketAddr, path: &str) -> Response {
    exchange(addr, format!("GET {path} HTTP/1.1\r\nHost: test\r\n\r\n").as_bytes())
}

/// Waits until `GET /` answers 200 (the application is up).
pub(crate) fn wait_ready(addr: SocketAddr) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if get(addr, "/").status == 200 {
            return;
        }
        assert!(Instant::now() < deadline, "the application never answered");
        std::thread::sleep(Duration::from_millis(25));
    }
}
