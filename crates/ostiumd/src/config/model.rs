//! The typed configuration the parser builds: global [`Settings`] and one [`Forward`] per
//! `forward` statement, every option resolved to a value. Each default is stated on its
//! field and in [`Limits::DEFAULT`], [`Timeouts::DEFAULT`] and [`Settings::default`].

use std::net::SocketAddr;
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::time::Duration;

/// A whole configuration file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// The `set` lines that are not forward defaults.
    pub settings: Settings,
    /// The forwards, in the order of the file.
    pub forwards: Vec<Forward>,
}

/// Global settings (`set KEY VALUE`).
///
/// `set` also accepts every forward option except `mode` and `exec`, as the default for
/// all forwards (`set max-body 4M`); those are folded into each [`Forward`] and not kept
/// here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// `threads N`: how many event loops (one per core). Default: `None`, one per
    /// available core.
    pub threads: Option<NonZeroUsize>,
    /// `shutdown-timeout D`: after `SIGTERM`, how long requests in flight may take before
    /// ostiumd exits anyway. Default 30 s.
    pub shutdown_timeout: Duration,
    /// `domain NAME`: portunusd's TLS setting, kept for when TLS comes. Default none.
    pub domain: Option<String>,
    /// `certificate PATH`: portunusd's TLS setting, kept for when TLS comes. Default none.
    pub certificate: Option<PathBuf>,
    /// `key PATH`: portunusd's TLS setting, kept for when TLS comes. Default none.
    pub key: Option<PathBuf>,
    /// `metrics ADDR:PORT`: the admin address, serving `/metrics` (Prometheus text) and
    /// `/healthz` over HTTP. Default none.
    pub metrics: Option<std::net::SocketAddr>,
    /// `user NAME|UID`: once every port is bound, ostiumd (and the applications it starts)
    /// runs as this user. Default none: as started.
    pub user: Option<String>,
    /// `group NAME|GID`: the group to run as with `user` (default: the user's own).
    pub group: Option<String>,
    /// `control PATH`: where to serve the control door (`ostium status|reload|stop`).
    /// Default none: no control door.
    pub control: Option<PathBuf>,
    /// `control-mode MODE`: the control door's file mode, octal. Default `0666`: any local
    /// user may ask for `status`; `reload` and `stop` are refused to all but ostiumd's own
    /// user and root whatever the mode (restricted operations). `0600` keeps the others out
    /// altogether.
    pub control_mode: u32,
    /// `log-level LEVEL` (`error`, `warn`, `info`, `debug`, `trace`, or any `RUST_LOG`
    /// filter): what ostiumd logs; `RUST_LOG` in the environment wins. Default `info`.
    pub log_level: Option<String>,
    /// `request-memory SIZE`: the request bytes all connections together may hold in
    /// memory (heads being read, bodies below `body-buffer`, requests at the
    /// applications); past it, reading pauses until some are answered. Default 64 MiB.
    pub request_memory: u64,
}

impl Settings {
    /// The settings that differ from `running`'s and take effect only when ostiumd
    /// starts (a reload applies `shutdown-timeout` and the forwards, not these), as they
    /// are written in the file.
    pub fn restart_only_changes(&self, running: &Settings) -> Vec<&'static str> {
        let mut changed = Vec::new();
        let mut check = |name, differs: bool| {
            if differs {
                changed.push(name);
            }
        };
        check("threads", self.threads != running.threads);
        check("metrics", self.metrics != running.metrics);
        check("user", self.user != running.user);
        check("group", self.group != running.group);
        check("control", self.control != running.control);
        check("control-mode", self.control_mode != running.control_mode);
        check("log-level", self.log_level != running.log_level);
        check("request-memory", self.request_memory != running.request_memory);
        check("domain", self.domain != running.domain);
        check("certificate", self.certificate != running.certificate);
        check("key", self.key != running.key);
        changed
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            threads: None,
            shutdown_timeout: Duration::from_secs(30),
            domain: None,
            certificate: None,
            key: None,
            metrics: None,
            user: None,
            group: None,
            control: None,
            control_mode: 0o666,
            log_level: None,
            request_memory: 64 * 1024 * 1024,
        }
    }
}

/// What is listened on: `tcp`, `udp` or `http` in `forward PROTO …`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Protocol {
    /// TCP; the mode says what crosses the door (default [`Mode::Bytes`]).
    Tcp,
    /// UDP: one datagram, one call, one reply datagram ([`Mode::Bytes`] only).
    Udp,
    /// HTTP/1.1 over TCP ([`Mode::Http`] only).
    Http,
}

impl Protocol {
    /// The transport the listener binds: UDP for `udp`, TCP for the rest.
    pub fn is_udp(self) -> bool {
        self == Protocol::Udp
    }

    /// The keyword, as written in the file.
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
            Protocol::Http => "http",
        }
    }
}

/// What crosses the door for this forward (`mode …`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Mode {
    /// ostiumd speaks HTTP/1.1 to the client and makes one door call per request.
    Http,
    /// One request per connection (all the client sends until it half-closes) or per
    /// datagram, one call, the reply written back.
    Bytes,
    /// The accepted socket itself is passed through the door.
    Handoff,
}

impl Mode {
    /// The keyword, as written in the file.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Http => "http",
            Mode::Bytes => "bytes",
            Mode::Handoff => "handoff",
        }
    }
}

/// Resource limits of one forward.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// `max-connections N`: open client connections at once, over all loops.
    pub max_connections: u32,
    /// `per-source N`: open connections at once from one source address; `None` is no
    /// limit.
    pub per_source: Option<u32>,
    /// `rate N`: new connections (or datagrams) accepted per second from one source
    /// address; `None` is no limit.
    pub rate: Option<u32>,
    /// `max-header-bytes SIZE`: the request line and headers together (431 beyond).
    pub max_header_bytes: usize,
    /// `max-headers N`: header fields in one request (431 beyond).
    pub max_headers: usize,
    /// `max-body SIZE`: one request's body, or one `bytes` request (413 beyond).
    pub max_body: u64,
    /// `body-buffer SIZE`: the part of a request body kept in memory; a larger body is
    /// written to an unlinked file in `body-spool` as it arrives, and the application is
    /// passed the file (docs/http-over-doors.md §3.3), as nginx's
    /// `client_body_buffer_size`. Default 16 KiB.
    pub body_buffer: usize,
}

impl Limits {
    /// The defaults: 10,000 connections, no per-source limit or rate, 8 KiB of headers
    /// in at most 100 fields, 1 MiB of body of which 16 KiB in memory.
    pub const DEFAULT: Limits = Limits {
        max_connections: 10_000,
        per_source: None,
        rate: None,
        max_header_bytes: 8 * 1024,
        max_headers: 100,
        max_body: 1024 * 1024,
        body_buffer: 16 * 1024,
    };
}

/// Timeouts of one forward. The engine applies them; the HTTP decoder says which phase
/// a connection is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// `header-timeout D`: from a request's first byte to the end of its headers (408), and
    /// from a new connection's opening to its first byte (closed without an answer).
    pub header: Duration,
    /// `body-timeout D`: the longest wait for more body bytes (408).
    pub body: Duration,
    /// `idle-timeout D`: how long a keep-alive connection may wait for its next request
    /// (after its first; before that, `header-timeout` applies).
    pub idle: Duration,
    /// `reply-timeout D`: how long the application may take to reply to a call (504).
    pub reply: Duration,
    /// `request-timeout D`: from a request's first byte to its last, whatever the
    /// progress (408).
    pub request: Duration,
}

impl Timeouts {
    /// The defaults: headers 10 s, body 30 s between bytes, idle 60 s, reply 30 s,
    /// whole request 5 min.
    pub const DEFAULT: Timeouts = Timeouts {
        header: Duration::from_secs(10),
        body: Duration::from_secs(30),
        idle: Duration::from_secs(60),
        reply: Duration::from_secs(30),
        request: Duration::from_secs(300),
    };
}

/// Where a forward's access log goes (`access-log off|stderr|PATH`). Default off.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum AccessLog {
    /// No access log.
    #[default]
    Off,
    /// One line per request on ostiumd's standard error.
    Stderr,
    /// One line per request appended to this file.
    File(PathBuf),
}

/// The application ostiumd starts, supervises and stops for a forward (`exec "…"`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exec {
    /// The program (first) and its arguments; never empty.
    pub argv: Vec<String>,
}

/// One `forward` statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Forward {
    /// What is listened on.
    pub protocol: Protocol,
    /// The address and port listened on.
    pub listen: SocketAddr,
    /// The door forwarded to, as written (a relative path is relative to ostiumd's
    /// working directory).
    pub door: PathBuf,
    /// What crosses the door: `http` for `http` forwards, `bytes` for `udp`, and by
    /// default `bytes` for `tcp`.
    pub mode: Mode,
    /// Resource limits.
    pub limits: Limits,
    /// Timeouts.
    pub timeouts: Timeouts,
    /// Access log. Default off.
    pub access_log: AccessLog,
    /// `access-log-format common|json`: how access log lines are written. Default common.
    pub access_log_json: bool,
    /// `proxy-protocol on|off`: expect a PROXY protocol (v1 or v2) header on each
    /// connection and take the client address from it. Default off.
    pub proxy_protocol: bool,
    /// `body-spool DIR`: where request bodies larger than `body-buffer` are written, each
    /// to a file no path names (`O_TMPFILE`). Default `/var/tmp`.
    pub body_spool: PathBuf,
    /// The application to start and supervise. Default none: the application is started
    /// by someone else.
    pub exec: Option<Exec>,
    /// The line of the `forward` statement, for messages.
    pub line: u32,
}

impl std::fmt::Display for Forward {
    /// One line: `http 127.0.0.1:8080 -> /run/hello.door (mode http, exec /usr/bin/hello)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (proto, listen, door) = (self.protocol.name(), self.listen, self.door.display());
        write!(f, "{proto} {listen} -> {door} (mode {}", self.mode.name())?;
        if let Some(exec) = &self.exec {
            write!(f, ", exec {}", exec.argv.join(" "))?;
        }
        f.write_str(")")
    }
}
