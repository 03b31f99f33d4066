//! The three servers under test, each started afresh for each load and checked before it is
//! loaded:
//!
//! - `ostiumd`: ostiumd (`set threads N`, one `http` forward on 127.0.0.1, `max-connections
//!   20000`) starting the hello application with `exec`; wrk asks for `/echo?BODY`, which
//!   hello answers with the query string, `BODY`, as `text/plain`;
//! - `nginx-proxy`: nginx as a reverse proxy (upstream keep-alive) to `http-backend` on a
//!   Unix socket, which answers every request with `BODY`;
//! - `nginx-static`: nginx answering `return 200 "BODY"` itself.
//!
//! The check makes one request on a connection of the harness's own and requires a `200`
//! with exactly `BODY`: a server that answers anything else is not measured. Until the
//! application's door is up, ostiumd answers `503`; the check retries for a few seconds.
//!
//! The processes whose CPU time is measured are split in two: the *front*, which faces the
//! network (ostiumd; nginx's master and workers), and the *back*, the application (hello;
//! `http-backend`; none for nginx-static).

use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use super::child::Process;
use super::client::{self, Response};
use super::nginx::{self, Role};
use super::pinning::{Pinning, Side};
use super::procfs;
use super::tools::Tools;

/// How long the check retries a `503` (ostiumd before its application's door is up).
const UP_WITHIN: Duration = Duration::from_secs(10);
/// Connections ostiumd and each nginx worker accept at most: room for the idle connections.
pub const MAX_CONNECTIONS: usize = 20_000;

/// A server under test.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Peer {
    /// ostiumd and the hello application.
    Ostiumd,
    /// nginx proxying to `http-backend`.
    NginxProxy,
    /// nginx answering by itself.
    NginxStatic,
}

impl Peer {
    /// All three, in the order of the first round.
    pub const ALL: [Peer; 3] = [Peer::Ostiumd, Peer::NginxProxy, Peer::NginxStatic];

    /// Its name in the table.
    pub fn name(self) -> &'static str {
        match self {
            Peer::Ostiumd => "ostiumd",
            Peer::NginxProxy => "nginx-proxy",
            Peer::NginxStatic => "nginx-static",
        }
    }

    /// What its front and back processes are, for the table's legend.
    pub fn parts(self) -> (&'static str, &'static str) {
        match self {
            Peer::Ostiumd => ("ostiumd", "hello"),
            Peer::NginxProxy => ("nginx (master + workers)", "http-backend"),
            Peer::NginxStatic => ("nginx (master + workers)", "-"),
        }
    }

    /// Whether it can run with these tools, or what is missing.
    pub fn runnable(self, tools: &Tools) -> Result<(), String> {
        let needed = match self {
            Peer::Ostiumd => vec![&tools.ostiumd, &tools.hello],
            Peer::NginxProxy => vec![&tools.nginx, &tools.backend],
            Peer::NginxStatic => vec![&tools.nginx],
        };
        if needed.iter().all(|tool| tool.path().is_some()) {
            return Ok(());
        }
        Err(format!("{} not measured: a program it needs is missing (above)", self.name()))
    }
}

/// How the servers are started.
pub struct Setup<'a> {
    /// The programs.
    pub tools: &'a Tools,
    /// A directory for configurations and sockets, fresh per start (see [`Setup::start`]).
    pub dir: &'a Path,
    /// Where they run.
    pub pinning: &'a Pinning,
    /// ostiumd's loops and nginx's workers.
    pub loops: usize,
    /// The body every server answers with.
    pub body: &'a str,
    /// The `nginx -V` output, for its temporary paths.
    pub nginx_version: &'a str,
}

/// A started server. Dropping it stops its processes, the front first.
pub struct Running {
    /// Which.
    pub peer: Peer,
    /// Where it listens.
    pub addr: SocketAddr,
    /// The front's processes.
    pub front: Vec<u32>,
    /// The back's processes.
    pub back: Vec<u32>,
    /// What the check got.
    pub response: Response,
    /// Stopped in this order on drop.
    _processes: Vec<Process>,
}

impl Running {
    /// The URL wrk loads.
    pub fn url(&self, body: &str) -> String {
        format!("http://{}{}", self.addr, target(body))
    }
}

/// `/echo?BODY`: what hello answers with `BODY`, and what the others answer regardless.
fn target(body: &str) -> String {
    format!("/echo?{body}")
}

impl Setup<'_> {
    /// Starts `peer` (its `n`th start, which names its files) and checks it answers.
    pub fn start(&self, peer: Peer, n: usize) -> Result<Running> {
        let dir = self.dir.join(format!("{}-{n}", peer.name()));
        std::fs::create_dir(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let (processes, addr) = match peer {
            Peer::Ostiumd => self.ostiumd(&dir)?,
            Peer::NginxProxy => {
                let socket = dir.join("backend.sock");
                let backend = self.backend(&socket)?;
                let (nginx, addr) = self.nginx(&dir, Role::Proxy { socket })?;
                (vec![nginx, backend], addr)
            }
            Peer::NginxStatic => {
                let (nginx, addr) = self.nginx(&dir, Role::Static { body: self.body.into() })?;
                (vec![nginx], addr)
            }
        };
        let response = self.check(peer, addr)?;
        let front_pid = processes[0].pid();
        let mut front = vec![front_pid];
        let mut back = Vec::new();
        let children = procfs::children(front_pid)?;
        match peer {
            // The application is ostiumd's child; nginx's workers are the master's.
            Peer::Ostiumd => back = children,
            Peer::NginxProxy | Peer::NginxStatic => front.extend(children),
        }
        if peer == Peer::NginxProxy {
            back.push(processes[1].pid());
        }
        if peer == Peer::Ostiumd && back.is_empty() {
            bail!("ostiumd answered, but its application is not its child");
        }
        Ok(Running { peer, addr, front, back, response, _processes: processes })
    }

    /// ostiumd, with hello started by `exec`.
    fn ostiumd(&self, dir: &Path) -> Result<(Vec<Process>, SocketAddr)> {
        let (Some(ostiumd), Some(hello)) = (self.tools.ostiumd.path(), self.tools.hello.path())
        else {
            bail!("ostiumd or hello is missing");
        };
        let conf = dir.join("ostiumd.conf");
        let text = ostiumd_config(self.loops, &dir.join("hello.door"), hello);
        std::fs::write(&conf, text).with_context(|| format!("writing {}", conf.display()))?;
        let mut command = Command::new(ostiumd);
        command.arg("--config").arg(&conf).env("RUST_LOG", "warn");
        let mut process =
            self.pinning.spawn_on(Side::Server, || Process::start("ostiumd", command))?;
        let addr = process.wait_for_line("ostiumd: listening on ")?;
        let addr = addr.parse().with_context(|| format!("ostiumd listens on {addr:?}?"))?;
        Ok((vec![process], addr))
    }

    /// `http-backend` at `socket`.
    fn backend(&self, socket: &Path) -> Result<Process> {
        let backend = self.tools.backend.path().context("http-backend is missing")?;
        let mut command = Command::new(backend);
        command.arg("--socket").arg(socket).arg("--body").arg(self.body);
        let mut process =
            self.pinning.spawn_on(Side::Server, || Process::start("http-backend", command))?;
        process.wait_for_line("listening on ")?;
        Ok(process)
    }

    /// nginx in `role`, in `dir`.
    fn nginx(&self, dir: &Path, role: Role) -> Result<(Process, SocketAddr)> {
        let nginx = self.tools.nginx.path().context("nginx is missing")?;
        let port = nginx::free_port()?;
        let paths = nginx::temp_paths(self.nginx_version);
        let config = nginx::Config {
            dir,
            port,
            workers: self.loops,
            worker_connections: MAX_CONNECTIONS,
            role,
            as_root: running_as_root(),
            temp_paths: &paths,
        };
        let process = self.pinning.spawn_on(Side::Server, || nginx::start(nginx, &config))?;
        Ok((process, SocketAddr::from((Ipv4Addr::LOCALHOST, port))))
    }

    /// One request, which must get `200` and the body.
    fn check(&self, peer: Peer, addr: SocketAddr) -> Result<Response> {
        let deadline = Instant::now() + UP_WITHIN;
        loop {
            let (_, response) = client::get(addr, &target(self.body))
                .with_context(|| format!("checking {}", peer.name()))?;
            if response.status == 503 && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
                continue;
            }
            if response.status != 200 || response.body != self.body.as_bytes() {
                bail!(
                    "{} answered {} with {:?}, not 200 with {:?}",
                    peer.name(),
                    response.status,
                    String::from_utf8_lossy(&response.body),
                    self.body
                );
            }
            return Ok(response);
        }
    }
}

/// ostiumd's configuration: `loops` loops, one `http` forward on a port the system picks,
/// to the door at `door`, which `hello` serves.
pub fn ostiumd_config(loops: usize, door: &Path, hello: &Path) -> String {
    format!(
        "# Written by ostiumd-bench.\nset threads {loops}\n\
         forward http 127.0.0.1:0 to {} {{\n    max-connections {MAX_CONNECTIONS}\n    \
         exec \"{}\" \"--door\" \"{{door}}\"\n}}\n",
        door.display(),
        hello.display()
    )
}

/// Whether this process runs as root (its effective uid, from `/proc/self/status`).
fn running_as_root() -> bool {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let uid = status.lines().find_map(|line| line.strip_prefix("Uid:"));
    uid.and_then(|ids| ids.split_ascii_whitespace().nth(1)) == Some("0")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ostiumd_config_has_one_forward_exec_and_room_for_the_connections() {
        let text = ostiumd_config(2, Path::new("/tmp/d/hello.door"), Path::new("/x/hello"));
        assert_eq!(
            text,
            "# Written by ostiumd-bench.\nset threads 2\n\
             forward http 127.0.0.1:0 to /tmp/d/hello.door {\n    max-connections 20000\n    \
             exec \"/x/hello\" \"--door\" \"{door}\"\n}\n"
        );
    }

    #[test]
    fn the_target_is_hellos_echo() {
        assert_eq!(target("hello-ostium"), "/echo?hello-ostium");
    }
}
