//! The admin address (`set metrics ADDR`): `/metrics` in the Prometheus text format and
//! `/healthz` for load balancers, over plain HTTP/1.1 on a thread of its own.
//!
//! Scrapes and health checks are a few requests a second, so the admin server is a
//! blocking accept loop with one connection served at a time (each bounded by a short
//! timeout), apart from the event loops: a slow scraper can never delay a forwarded
//! request. At each scrape the application gauges are refreshed first: restarts from the
//! supervisor, and the application's `ostium-door` threads from `/proc`.
//!
//! `/healthz` answers `200 ok` when every forward's door answers a `PING` within a
//! second, else `503` with the forwards that are down, one per line: a balancer stops
//! sending traffic while an application is down (or restarting) and resumes when it is
//! back.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tracing::{debug, warn};

use crate::metrics::{CONTENT_TYPE, DaemonMetrics, ForwardMetrics};
use crate::supervise::AppProbe;

/// How long one admin connection may take.
const CONNECTION_TIMEOUT: Duration = Duration::from_secs(5);
/// How long the admin server rests from accepting when out of descriptors.
const ACCEPT_REST: Duration = Duration::from_millis(100);
/// How long a health check waits for a door's `PING`.
const PING_TIMEOUT: Duration = Duration::from_secs(1);

/// What the admin server knows of one forward.
#[derive(Clone, Debug)]
pub struct Probe {
    /// The forward's label in metrics and health output.
    pub label: String,
    /// Its application's door.
    pub door: PathBuf,
    /// Its series.
    pub metrics: ForwardMetrics,
    /// Its application, when ostiumd starts it.
    pub app: Option<AppProbe>,
}

/// The forwards as they are now (a reload replaces them).
pub type Probes = Arc<Mutex<Vec<Probe>>>;

/// Binds `addr` and serves it on a thread of its own until the process exits.
pub fn start(
    addr: SocketAddr,
    metrics: Arc<DaemonMetrics>,
    probes: Probes,
) -> io::Result<SocketAddr> {
    let listener = TcpListener::bind(addr)?;
    let local = listener.local_addr()?;
    std::thread::Builder::new().name("ostiumd-admin".into()).spawn(move || {
        for stream in listener.incoming() {
            match stream {
                Ok(stream) => {
                    if let Err(err) = serve(stream, &metrics, &probes) {
                        debug!(%err, "an admin connection failed");
                    }
                }
                Err(err) => accept_failed(&err),
            }
        }
    })?;
    Ok(local)
}

/// After a failed accept: rests a moment if out of descriptors (the listener stays
/// readable, so accepting again at once would spin), and logs at most once a second.
fn accept_failed(err: &io::Error) {
    static ACCEPT_FAILED: ostium_sys::Throttle = ostium_sys::Throttle::per_second();
    if let Some(suppressed) = ACCEPT_FAILED.pass() {
        warn!(%err, suppressed, "the admin address could not accept");
    }
    if ostium_sys::is_out_of_resources(err) {
        std::thread::sleep(ACCEPT_REST);
    }
}

/// Answers one request on `stream`.
fn serve(mut stream: TcpStream, metrics: &DaemonMetrics, probes: &Probes) -> io::Result<()> {
    stream.set_read_timeout(Some(CONNECTION_TIMEOUT))?;
    stream.set_write_timeout(Some(CONNECTION_TIMEOUT))?;
    let path = read_request_path(&mut stream)?;
    let (status, content_type, body) = match path.as_deref() {
        Some("/metrics") => {
            refresh(probes);
            ("200 OK", CONTENT_TYPE, metrics.render())
        }
        Some("/healthz") => {
            let down = unhealthy(probes);
            if down.is_empty() {
                ("200 OK", "text/plain; charset=utf-8", "ok\n".to_owned())
            } else {
                ("503 Service Unavailable", "text/plain; charset=utf-8", down.join(""))
            }
        }
        _ => ("404 Not Found", "text/plain; charset=utf-8", "not found\n".to_owned()),
    };
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

/// The path of the request's target, once its head has come (at most 8 KiB).
fn read_request_path(stream: &mut TcpStream) -> io::Result<Option<String>> {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        if head.len() > 8192 {
            return Ok(None);
        }
        let n = stream.read(&mut buf)?;
        if n == 0 {
            return Ok(None);
        }
        head.extend_from_slice(&buf[..n]);
    }
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut request = httparse::Request::new(&mut headers);
    Ok(match request.parse(&head) {
        Ok(httparse::Status::Complete(_)) if request.method == Some("GET") => {
            request.path.map(|p| p.split('?').next().unwrap_or(p).to_owned())
        }
        _ => None,
    })
}

/// Brings the application gauges up to date.
fn refresh(probes: &Probes) {
    let probes = probes.lock().unwrap_or_else(PoisonError::into_inner).clone();
    for probe in probes {
        let Some(app) = &probe.app else { continue };
        let restarts = app.starts().saturating_sub(1);
        let counted = probe.metrics.application_restarts.get();
        probe.metrics.application_restarts.add(restarts.saturating_sub(counted));
        let threads = app.pid().map_or(0, door_threads);
        probe.metrics.application_threads.set(i64::try_from(threads).unwrap_or(i64::MAX));
    }
}

/// The `ostium-door` threads of process `pid`.
pub(crate) fn door_threads(pid: u32) -> usize {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else { return 0 };
    tasks
        .filter_map(Result::ok)
        .filter(|task| {
            std::fs::read_to_string(task.path().join("comm"))
                .is_ok_and(|comm| comm.trim() == "ostium-door")
        })
        .count()
}

/// The forwards whose door does not answer a `PING`, one line each.
fn unhealthy(probes: &Probes) -> Vec<String> {
    let probes = probes.lock().unwrap_or_else(PoisonError::into_inner).clone();
    probes
        .iter()
        .filter(|probe| !answers_ping(probe))
        .map(|probe| format!("down: {} ({})\n", probe.label, probe.door.display()))
        .collect()
}

fn answers_ping(probe: &Probe) -> bool {
    let deadline = Some(Instant::now() + PING_TIMEOUT);
    ostium::Client::open(&probe.door)
        .and_then(|client| {
            client.call_with(
                ostium::wire::Op::PING.0,
                &[],
                ostium::CallOptions { deadline, ..Default::default() },
            )
        })
        .is_ok()
}
