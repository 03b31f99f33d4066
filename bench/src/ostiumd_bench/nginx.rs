//! nginx, the peer: its configuration, written into a directory of its own, and its start as
//! the current user (`nginx -p DIR -c DIR/nginx.conf -e stderr -g 'daemon off;'`).
//!
//! The configuration is what a tuned production nginx has for this job:
//!
//! - as many workers as ostiumd has loops, each on its own `SO_REUSEPORT` listener
//!   (`listen … reuseport`, as ostiumd's loops have), with room for 20,000 connections;
//! - no access log (ostiumd's is off by default too);
//! - `keepalive_requests 1000000`: nginx's default closes a client connection after 1,000
//!   requests, which ostiumd never does; wrk would spend the difference reconnecting;
//! - as a reverse proxy, an `upstream` with `keepalive 64` (and `keepalive_requests
//!   1000000`), `proxy_http_version 1.1` and an empty `Connection` header: nginx keeps its
//!   connections to the backend open and reuses them, instead of connecting once per
//!   request (the default, `proxy_pass http://unix:/path:/` alone, does that). ostiumd keeps
//!   its door connections open the same way;
//! - its temporary paths, pid file and error log (stderr) inside the directory, so that it
//!   needs nothing from the system's nginx and no root; run as root (`user root;`), its
//!   workers keep the harness's identity, so they can reach the backend's socket.

use std::fmt::Write as _;
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use super::child::{Process, START_TIMEOUT};

/// What nginx answers with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Role {
    /// `return 200 "BODY"` from nginx itself.
    Static {
        /// The body.
        body: String,
    },
    /// A reverse proxy to the HTTP backend on this Unix socket.
    Proxy {
        /// The backend's socket.
        socket: std::path::PathBuf,
    },
}

/// Everything the configuration says.
#[derive(Clone, Debug)]
pub struct Config<'a> {
    /// nginx's own directory (its prefix).
    pub dir: &'a Path,
    /// The port on 127.0.0.1.
    pub port: u16,
    /// Worker processes.
    pub workers: usize,
    /// Connections a worker holds at most.
    pub worker_connections: usize,
    /// What it answers with.
    pub role: Role,
    /// Whether nginx runs as root (its workers would otherwise become `nobody`).
    pub as_root: bool,
    /// The `*_temp_path` directives this nginx has (see [`temp_paths`]).
    pub temp_paths: &'a [&'static str],
}

/// Every temporary path directive, and the module (named in `nginx -V` as
/// `--without-http_NAME_module` when left out) that provides it.
const TEMP_PATHS: [(&str, Option<&str>); 5] = [
    ("client_body_temp_path", None),
    ("proxy_temp_path", Some("proxy")),
    ("fastcgi_temp_path", Some("fastcgi")),
    ("uwsgi_temp_path", Some("uwsgi")),
    ("scgi_temp_path", Some("scgi")),
];

/// The temporary path directives of the nginx whose `nginx -V` output is `version`: each
/// must point into nginx's directory, but one of a module built without is an error.
pub fn temp_paths(version: &str) -> Vec<&'static str> {
    TEMP_PATHS
        .iter()
        .filter(|(_, module)| {
            module.is_none_or(|m| !version.contains(&format!("--without-http_{m}_module")))
        })
        .map(|(directive, _)| *directive)
        .collect()
}

impl Config<'_> {
    /// The text of `nginx.conf`.
    pub fn text(&self) -> String {
        let dir = self.dir.display();
        let mut conf = String::from("# Written by ostiumd-bench.\n");
        if self.as_root {
            conf += "user root;\n";
        }
        let _ = write!(
            conf,
            "worker_processes {};\nworker_rlimit_nofile {};\npid {dir}/nginx.pid;\n\
             error_log stderr warn;\nevents {{\n    worker_connections {};\n}}\nhttp {{\n    \
             access_log off;\n    keepalive_requests 1000000;\n",
            self.workers,
            self.worker_connections * 2 + 64,
            self.worker_connections
        );
        for directive in self.temp_paths {
            let name = directive.trim_end_matches("_temp_path");
            let _ = writeln!(conf, "    {directive} {dir}/{name};");
        }
        if let Role::Proxy { socket } = &self.role {
            let _ = write!(
                conf,
                "    upstream backend {{\n        server unix:{};\n        keepalive 64;\n        \
                 keepalive_requests 1000000;\n    }}\n",
                socket.display()
            );
        }
        let _ = write!(conf, "    server {{\n        listen 127.0.0.1:{} reuseport;\n", self.port);
        match &self.role {
            Role::Static { body } => {
                let _ = write!(
                    conf,
                    "        location / {{\n            default_type \"text/plain; charset=utf-8\";\n            \
                     return 200 \"{body}\";\n        }}\n"
                );
            }
            Role::Proxy { .. } => {
                conf += "        location / {\n            proxy_pass http://backend;\n            \
                         proxy_http_version 1.1;\n            proxy_set_header Connection \"\";\n        \
                         }\n";
            }
        }
        conf += "    }\n}\n";
        conf
    }
}

/// Writes `config` into its directory and starts nginx on it; returns once the port accepts
/// connections.
pub fn start(nginx: &Path, config: &Config) -> Result<Process> {
    let conf = config.dir.join("nginx.conf");
    std::fs::write(&conf, config.text()).with_context(|| format!("writing {}", conf.display()))?;
    let mut command = Command::new(nginx);
    command.arg("-p").arg(config.dir).arg("-c").arg(&conf).args(["-e", "stderr"]);
    command.args(["-g", "daemon off;"]);
    let mut process = Process::start("nginx", command)?;
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, config.port));
    let deadline = Instant::now() + START_TIMEOUT;
    while TcpStream::connect(addr).is_err() {
        process.check_running()?;
        if Instant::now() > deadline {
            bail!(
                "nginx did not listen on {addr} within {START_TIMEOUT:?}{}",
                process.stderr_tail()
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    Ok(process)
}

/// What `nginx -V` prints (on stderr): its version and how it was built.
pub fn version(nginx: &Path) -> Result<String> {
    let output = Command::new(nginx).arg("-V").output().context("running nginx -V")?;
    Ok(String::from_utf8_lossy(&output.stderr).into_owned())
}

/// A port on 127.0.0.1 free now (the system picks it; nginx binds it a moment later).
pub fn free_port() -> Result<u16> {
    let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
    Ok(listener.local_addr()?.port())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(role: Role, as_root: bool) -> String {
        let paths = temp_paths("");
        Config {
            dir: Path::new("/tmp/b"),
            port: 8081,
            workers: 1,
            worker_connections: 20000,
            role,
            as_root,
            temp_paths: &paths,
        }
        .text()
    }

    #[test]
    fn the_static_config_returns_the_body_itself() {
        let text = config(Role::Static { body: "hello-ostium".into() }, false);
        for line in [
            "worker_processes 1;",
            "pid /tmp/b/nginx.pid;",
            "worker_connections 20000;",
            "access_log off;",
            "keepalive_requests 1000000;",
            "listen 127.0.0.1:8081 reuseport;",
            "return 200 \"hello-ostium\";",
            "client_body_temp_path /tmp/b/client_body;",
            "scgi_temp_path /tmp/b/scgi;",
        ] {
            assert!(text.contains(line), "{line} is missing from\n{text}");
        }
        assert!(!text.contains("user root") && !text.contains("upstream"), "{text}");
        assert_eq!(text.matches('{').count(), text.matches('}').count(), "{text}");
    }

    #[test]
    fn the_proxy_config_keeps_its_backend_connections_alive() {
        let text = config(Role::Proxy { socket: "/tmp/b/backend.sock".into() }, true);
        for line in [
            "user root;",
            "server unix:/tmp/b/backend.sock;",
            "keepalive 64;",
            "proxy_pass http://backend;",
            "proxy_http_version 1.1;",
            "proxy_set_header Connection \"\";",
        ] {
            assert!(text.contains(line), "{line} is missing from\n{text}");
        }
        assert_eq!(text.matches('{').count(), text.matches('}').count(), "{text}");
    }

    #[test]
    fn temp_paths_of_modules_left_out_are_not_written() {
        assert_eq!(temp_paths("nginx version: nginx/1.22.1").len(), 5);
        let light = temp_paths("--without-http_uwsgi_module --without-http_scgi_module");
        assert_eq!(light, ["client_body_temp_path", "proxy_temp_path", "fastcgi_temp_path"]);
    }
}
