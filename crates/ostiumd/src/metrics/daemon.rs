//! The series ostiumd exposes, by name: [`DaemonMetrics`] for the whole daemon and
//! [`ForwardMetrics`], the handles one forward's loops and supervisor update.
//!
//! Every per-forward series carries a `forward` label, whose value the engine chooses
//! (`http 127.0.0.1:8080` — protocol and address — names a forward uniquely, since two
//! forwards may share a port only across TCP and UDP).

use std::time::SystemTime;

use super::{Counter, Gauge, Histogram, Registry, StatusCounters};

/// Why a connection (or datagram) was refused before reaching the application.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RefusalReason {
    /// The forward's `max-connections` was reached.
    MaxConnections,
    /// The source's `per-source` limit was reached.
    PerSource,
    /// The source's `rate` of new connections was exceeded.
    Rate,
}

impl RefusalReason {
    const ALL: [RefusalReason; 3] =
        [RefusalReason::MaxConnections, RefusalReason::PerSource, RefusalReason::Rate];

    /// The `reason` label's value.
    pub fn label(self) -> &'static str {
        match self {
            RefusalReason::MaxConnections => "max_connections",
            RefusalReason::PerSource => "per_source",
            RefusalReason::Rate => "rate",
        }
    }
}

/// How a door call failed, as far as an operator needs to tell failures apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DoorErrorKind {
    /// Nobody serves the door (no file, or connection refused).
    Unavailable,
    /// The application closed the connection or died during the call.
    Died,
    /// The application did not reply within `reply-timeout`.
    Timeout,
    /// The door runtime reported a fault (the handler panicked, the request was too
    /// large, the door was revoked).
    Fault,
    /// The reply could not be understood.
    Protocol,
}

impl DoorErrorKind {
    const ALL: [DoorErrorKind; 5] = [
        DoorErrorKind::Unavailable,
        DoorErrorKind::Died,
        DoorErrorKind::Timeout,
        DoorErrorKind::Fault,
        DoorErrorKind::Protocol,
    ];

    /// The `kind` label's value.
    pub fn label(self) -> &'static str {
        match self {
            DoorErrorKind::Unavailable => "unavailable",
            DoorErrorKind::Died => "died",
            DoorErrorKind::Timeout => "timeout",
            DoorErrorKind::Fault => "fault",
            DoorErrorKind::Protocol => "protocol",
        }
    }
}

/// The daemon's registry and its daemon-wide series.
#[derive(Debug)]
pub struct DaemonMetrics {
    registry: Registry,
    /// `ostiumd_reloads_total`: configuration reloads that took effect.
    pub reloads: Counter,
    /// `ostiumd_reload_failures_total`: reloads refused (the configuration had an error).
    pub reload_failures: Counter,
    /// `ostiumd_start_time_seconds`: when the daemon started, in seconds since the epoch
    /// (uptime is `time() - ostiumd_start_time_seconds`, the convention Prometheus uses).
    pub start_time: Gauge,
}

impl DaemonMetrics {
    /// A registry with the daemon-wide series, the start time set to `started`.
    pub fn new(started: SystemTime) -> DaemonMetrics {
        let registry = Registry::new();
        let start_time = registry.gauge(
            "ostiumd_start_time_seconds",
            "When ostiumd started, in seconds since the Unix epoch.",
            &[],
        );
        let since_epoch = started.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
        start_time.set(i64::try_from(since_epoch.as_secs()).unwrap_or(i64::MAX));
        DaemonMetrics {
            reloads: registry.counter(
                "ostiumd_reloads_total",
                "Configuration reloads that took effect.",
                &[],
            ),
            reload_failures: registry.counter(
                "ostiumd_reload_failures_total",
                "Configuration reloads refused because the new configuration had an error.",
                &[],
            ),
            start_time,
            registry,
        }
    }

    /// The handles of the forward labelled `forward`: the same cells as long as any
    /// handle to them is alive (so a forward kept across a reload keeps its counts).
    pub fn forward(&self, forward: &str) -> ForwardMetrics {
        ForwardMetrics::register(&self.registry, forward)
    }

    /// Every live series, in the text exposition format (see
    /// [`CONTENT_TYPE`](super::CONTENT_TYPE)).
    pub fn render(&self) -> String {
        self.registry.render()
    }

    /// The registry, for series this module does not name.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }
}

/// One forward's series. Cheap to clone: each loop may hold its own copy.
#[derive(Clone, Debug)]
pub struct ForwardMetrics {
    /// `ostiumd_requests_total{forward,status}`: HTTP responses by status, ostiumd's own
    /// (400, 502, 503, …) included.
    pub requests: StatusCounters,
    /// `ostiumd_request_duration_seconds{forward}`: from a request's first byte to its
    /// response queued for writing.
    pub request_duration: Histogram,
    /// `ostiumd_connections_total{forward}`: connections (or datagrams) accepted.
    pub connections: Counter,
    /// `ostiumd_connections_open{forward}`: connections open now.
    pub connections_open: Gauge,
    /// `ostiumd_connections_refused_total{forward,reason}`, by [`RefusalReason`].
    refused: [Counter; RefusalReason::ALL.len()],
    /// `ostiumd_proxy_header_errors_total{forward}`: connections closed for a malformed
    /// PROXY protocol header.
    pub proxy_header_errors: Counter,
    /// `ostiumd_door_call_errors_total{forward,kind}`, by [`DoorErrorKind`].
    door_errors: [Counter; DoorErrorKind::ALL.len()],
    /// `ostiumd_application_restarts_total{forward}`: restarts of the `exec` application.
    pub application_restarts: Counter,
    /// `ostiumd_application_pool_threads{forward}`: the threads of the application's pool,
    /// as last reported.
    pub application_threads: Gauge,
    /// `ostiumd_access_log_dropped_total{forward}`: access log lines dropped because the
    /// writer could not keep up.
    pub access_log_dropped: Counter,
}

impl ForwardMetrics {
    fn register(registry: &Registry, forward: &str) -> ForwardMetrics {
        let labels = [("forward", forward)];
        let refused = RefusalReason::ALL.map(|reason| {
            registry.counter(
                "ostiumd_connections_refused_total",
                "Connections or datagrams refused by a limit, by forward and limit.",
                &[("forward", forward), ("reason", reason.label())],
            )
        });
        let door_errors = DoorErrorKind::ALL.map(|kind| {
            registry.counter(
                "ostiumd_door_call_errors_total",
                "Door calls that failed, by forward and kind of failure.",
                &[("forward", forward), ("kind", kind.label())],
            )
        });
        ForwardMetrics {
            requests: registry.status_counters(
                "ostiumd_requests_total",
                "HTTP requests answered, by forward and status.",
                &labels,
            ),
            request_duration: registry.histogram(
                "ostiumd_request_duration_seconds",
                "Time from a request's first byte to its response, by forward.",
                &labels,
            ),
            connections: registry.counter(
                "ostiumd_connections_total",
                "Connections or datagrams accepted, by forward.",
                &labels,
            ),
            connections_open: registry.gauge(
                "ostiumd_connections_open",
                "Client connections open now, by forward.",
                &labels,
            ),
            refused,
            proxy_header_errors: registry.counter(
                "ostiumd_proxy_header_errors_total",
                "Connections closed for a malformed PROXY protocol header, by forward.",
                &labels,
            ),
            door_errors,
            application_restarts: registry.counter(
                "ostiumd_application_restarts_total",
                "Restarts of the application ostiumd supervises, by forward.",
                &labels,
            ),
            application_threads: registry.gauge(
                "ostiumd_application_pool_threads",
                "Threads in the application's door pool, by forward.",
                &labels,
            ),
            access_log_dropped: registry.counter(
                "ostiumd_access_log_dropped_total",
                "Access log lines dropped because the log writer fell behind, by forward.",
                &labels,
            ),
        }
    }

    /// The counter of connections refused for `reason`.
    pub fn refused(&self, reason: RefusalReason) -> &Counter {
        &self.refused[reason as usize]
    }

    /// The counter of door calls that failed with `kind`.
    pub fn door_error(&self, kind: DoorErrorKind) -> &Counter {
        &self.door_errors[kind as usize]
    }
}
