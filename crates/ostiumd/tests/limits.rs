//! Connection limits per forward, against the real daemon: `per-source` (connections open
//! at once from one address), `rate` (new connections per second from one address) and
//! `max-connections`; past a limit, http mode answers 503 and closes.

mod common;

use std::io::{BufReader, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::{Ostiumd, TempDir, exec_app, get, read_response, wait_ready};

fn start(name: &str, limits: &str) -> (TempDir, Ostiumd) {
    let dir = TempDir::new(name);
    let door = dir.path().join("app.door");
    let config = format!(
        "set threads 2\nforward http 127.0.0.1:0 to {} {{\n  {}\n  {limits}\n}}\n",
        door.display(),
        exec_app()
    );
    let ostiumd = Ostiumd::start(&dir, &config);
    wait_ready(ostiumd.addr);
    // wait_ready's connections count until ostiumd has seen them close.
    std::thread::sleep(Duration::from_millis(300));
    (dir, ostiumd)
}

/// Opens a connection and sends one request on it (answered or not yet).
fn open(addr: std::net::SocketAddr, path: &str) -> TcpStream {
    let stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    (&stream).write_all(format!("GET {path} HTTP/1.1\r\nHost: t\r\n\r\n").as_bytes()).unwrap();
    stream
}

#[test]
fn per_source_refuses_the_third_connection() {
    let (_dir, ostiumd) = start("per-source", "per-source 2");
    // Two slow requests hold two connections open.
    let held: Vec<TcpStream> = (0..2).map(|_| open(ostiumd.addr, "/slow?ms=800")).collect();
    std::thread::sleep(Duration::from_millis(200));
    let third = read_response(&mut BufReader::new(open(ostiumd.addr, "/")), false);
    assert_eq!(third.status, 503, "{}", third.head);
    for stream in held {
        assert_eq!(read_response(&mut BufReader::new(stream), false).status, 200);
    }
    // Once they close, there is room again.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while get(ostiumd.addr, "/").status != 200 {
        assert!(std::time::Instant::now() < deadline, "no room after the others closed");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn rate_refuses_a_burst_past_it() {
    let (_dir, ostiumd) = start("rate", "rate 5");
    // wait_ready used some of the bucket; a burst of 20 new connections: at most 5 pass.
    std::thread::sleep(Duration::from_millis(1200));
    let started = std::time::Instant::now();
    let statuses: Vec<u16> = (0..20).map(|_| get(ostiumd.addr, "/").status).collect();
    // The bucket holds 5 and refills 5 a second while the burst lasts.
    let allowed = 5 + (started.elapsed().as_secs_f64() * 5.0).ceil() as usize;
    let ok = statuses.iter().filter(|&&s| s == 200).count();
    let refused = statuses.iter().filter(|&&s| s == 503).count();
    assert_eq!(ok + refused, 20, "{statuses:?}");
    assert!(ok >= 5, "a full bucket lets 5 through: {statuses:?}");
    assert!(ok <= allowed, "at most {allowed} in that time: {statuses:?}");
    assert!(refused > 0, "{statuses:?}");
}

#[test]
fn max_connections_is_for_the_whole_forward() {
    let (_dir, ostiumd) = start("max", "max-connections 3");
    let held: Vec<TcpStream> = (0..3).map(|_| open(ostiumd.addr, "/slow?ms=800")).collect();
    std::thread::sleep(Duration::from_millis(200));
    // Over two loops, the fourth is refused all the same.
    let fourth = read_response(&mut BufReader::new(open(ostiumd.addr, "/")), false);
    assert_eq!(fourth.status, 503);
    for stream in held {
        assert_eq!(read_response(&mut BufReader::new(stream), false).status, 200);
    }
}
