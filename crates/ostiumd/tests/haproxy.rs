//! Beyond one machine: HAProxy in front of two ostiumd instances on loopback, sending the
//! PROXY protocol v2 and checking each instance's /healthz. An application killed is
//! marked down, after which no request fails; when it is back, traffic returns to it.
//! Needs `haproxy` (Debian package; `.ci/run` installs it): skipped, saying so, without.
//! The setup is documented in docs/haproxy.md.

mod common;

use std::collections::HashSet;
use std::io::{BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{Ostiumd, TempDir, read_response};

/// A process killed when dropped.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the test application on `door`.
fn application(door: &std::path::Path) -> Killed {
    let child = Command::new(common::TEST_APP)
        .env("OSTIUM_DOOR", door)
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    Killed(child)
}

/// One ostiumd with a PROXY-protocol http forward to `door`, its admin address, and the
/// directory of its configuration.
fn instance(dir: &TempDir, name: &str) -> (Ostiumd, SocketAddr, std::path::PathBuf, TempDir) {
    let door = dir.path().join(format!("{name}.door"));
    let sub = TempDir::new(&format!("haproxy-{name}"));
    let config = format!(
        "set metrics 127.0.0.1:0\nforward http 127.0.0.1:0 to {} {{\n  proxy-protocol on\n}}\n",
        door.display()
    );
    let ostiumd = Ostiumd::start(&sub, &config);
    let admin: SocketAddr = ostiumd
        .next_line("ostiumd: metrics and health on http://")
        .split('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    (ostiumd, admin, door, sub)
}

/// A port nobody listens on right now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// `GET path` through HAProxy: the status and body, or `None` if the exchange failed.
fn through(haproxy: SocketAddr, path: &str) -> Option<(u16, String, u16)> {
    let stream = TcpStream::connect(haproxy).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let local_port = stream.local_addr().ok()?.port();
    (&stream)
        .write_all(
            format!("GET {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .ok()?;
    let response =
        std::panic::catch_unwind(|| read_response(&mut BufReader::new(stream), false)).ok()?;
    Some((response.status, String::from_utf8_lossy(&response.body).into_owned(), local_port))
}

#[test]
fn haproxy_routes_around_a_dead_application_and_back() {
    if Command::new("haproxy").arg("-v").output().is_err() {
        eprintln!("skipped: haproxy is not installed (apt-get install haproxy; .ci/run does)");
        return;
    }
    let dir = TempDir::new("haproxy");
    let (a, a_admin, a_door, _a_dir) = instance(&dir, "a");
    let (b, b_admin, b_door, _b_dir) = instance(&dir, "b");
    let mut a_app = Some(application(&a_door));
    let _b_app = application(&b_door);

    let port = free_port();
    let config = format!(
        "global\n  maxconn 256\n\
         defaults\n  mode http\n  timeout connect 2s\n  timeout client 10s\n  timeout server 10s\n\
         frontend fe\n  bind 127.0.0.1:{port}\n  default_backend be\n\
         backend be\n  balance roundrobin\n  option httpchk GET /healthz\n  http-check expect status 200\n\
         \x20 default-server inter 100ms fall 2 rise 2\n\
         \x20 server a {a} send-proxy-v2 check addr {aa} port {ap}\n\
         \x20 server b {b} send-proxy-v2 check addr {ba} port {bp}\n",
        a = a.addr,
        b = b.addr,
        aa = a_admin.ip(),
        ap = a_admin.port(),
        ba = b_admin.ip(),
        bp = b_admin.port(),
    );
    let cfg = dir.path().join("haproxy.cfg");
    std::fs::write(&cfg, config).unwrap();
    let _haproxy = Killed(
        Command::new("haproxy")
            .arg("-db")
            .arg("-f")
            .arg(&cfg)
            .stdout(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let front: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();

    // Both up: requests go to both applications, and each sees the client's own address.
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut pids = HashSet::new();
    while pids.len() < 2 {
        assert!(Instant::now() < deadline, "both backends never answered: {pids:?}");
        if let Some((200, pid, _)) = through(front, "/pid") {
            pids.insert(pid);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let (status, peer, port_used) = through(front, "/peer").unwrap();
    assert_eq!(status, 200);
    assert!(peer.ends_with(&format!(":{port_used})")), "PROXY v2 carried the client: {peer}");

    // Application a killed: once HAProxy has marked it down (2 checks of 100 ms), no
    // request fails.
    drop(a_app.take());
    std::thread::sleep(Duration::from_millis(1000));
    let mut failed = Vec::new();
    for i in 0..100 {
        match through(front, "/") {
            Some((200, _, _)) => {}
            other => failed.push((i, other)),
        }
    }
    assert!(failed.is_empty(), "requests failed with a down: {failed:?}");

    // Back: traffic returns to it.
    let a_again = application(&a_door);
    let a_pid = a_again.0.id().to_string();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        assert!(Instant::now() < deadline, "traffic never returned to the restarted application");
        if matches!(through(front, "/pid"), Some((200, pid, _)) if pid == a_pid) {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(a);
    drop(b);
}
