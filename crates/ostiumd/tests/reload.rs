//! `SIGHUP` reloads the configuration without dropping connections: a kept forward keeps
//! its socket and its requests in flight, a new one starts, a removed one drains, and a
//! configuration with an error is refused whole while the running one stays.

mod common;

use std::io::{BufReader, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::{Ostiumd, TempDir, exec_app, get, read_response, wait_ready};

fn forward(dir: &TempDir, ip: &str, name: &str, extra: &str) -> String {
    let door = dir.path().join(format!("{name}.door"));
    format!("forward http {ip}:0 to {} {{\n  {}\n  {extra}\n}}\n", door.display(), exec_app())
}

#[test]
fn a_reload_keeps_sockets_and_requests_starts_and_removes_forwards() {
    let dir = TempDir::new("reload");
    let one = forward(&dir, "127.0.0.1", "one", "reply-timeout 30s");
    let ostiumd = Ostiumd::start(&dir, &format!("set threads 2\n{one}"));
    let first = ostiumd.addr;
    wait_ready(first);

    // A request in flight across the reload.
    let slow = TcpStream::connect(first).unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    (&slow).write_all(b"GET /slow?ms=600 HTTP/1.1\r\nHost: t\r\n\r\n").unwrap();
    std::thread::sleep(Duration::from_millis(100));

    // The first forward's settings change; a second forward comes.
    let one_changed = forward(&dir, "127.0.0.1", "one", "reply-timeout 20s");
    let two = forward(&dir, "127.0.0.2", "two", "");
    ostiumd.reload(&format!("set threads 2\n{one_changed}{two}"));
    let second = ostiumd.next_listening();
    ostiumd.next_line("ostiumd: reloaded");
    assert_eq!(read_response(&mut BufReader::new(slow), false).status, 200, "in flight");
    assert_eq!(get(first, "/").status, 200, "the first forward kept its address");
    wait_ready(second);

    // A configuration with an error: refused, and both forwards go on.
    ostiumd.reload("forward http 127.0.0.1:0 to\n");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(get(first, "/").status, 200);
    assert_eq!(get(second, "/").status, 200);

    // The second forward removed: it drains and its port closes.
    ostiumd.reload(&format!("set threads 2\n{one_changed}"));
    ostiumd.next_line("ostiumd: reloaded");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(second).is_ok() {
        assert!(std::time::Instant::now() < deadline, "the removed forward still listens");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(get(first, "/").status, 200);

    // A setting only a restart applies: said so, and the forwards go on.
    ostiumd.reload(&format!("set threads 3\nset control-mode 0600\n{one_changed}"));
    let said = ostiumd.next_line("ostiumd: reloaded");
    assert_eq!(said, "; changed settings kept until a restart: threads, control-mode");
    assert_eq!(get(first, "/").status, 200);
    assert_eq!(ostiumd.terminate().code(), Some(0));
}

#[test]
fn reloads_under_steady_load_fail_no_request() {
    let dir = TempDir::new("reload-load");
    let one = forward(&dir, "127.0.0.1", "one", "reply-timeout 30s");
    let ostiumd = Ostiumd::start(&dir, &format!("set threads 2\n{one}"));
    let addr = ostiumd.addr;
    wait_ready(addr);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    // Four clients, each on keep-alive connections and new ones in turn, counting.
    let clients: Vec<_> = (0..4)
        .map(|i| {
            let stop = std::sync::Arc::clone(&stop);
            std::thread::spawn(move || {
                let (mut ok, mut failed) = (0u32, Vec::new());
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let response = std::panic::catch_unwind(|| get(addr, "/")).ok();
                    match response {
                        Some(r) if r.status == 200 => ok += 1,
                        other => failed.push(format!("client {i}: {:?}", other.map(|r| r.status))),
                    }
                }
                (ok, failed)
            })
        })
        .collect();
    // Reload five times meanwhile: the forward's settings change each time.
    for round in 0..5 {
        std::thread::sleep(Duration::from_millis(150));
        let changed = forward(&dir, "127.0.0.1", "one", &format!("reply-timeout {}s", 20 + round));
        ostiumd.reload(&format!("set threads 2\n{changed}"));
        ostiumd.next_line("ostiumd: reloaded");
    }
    std::thread::sleep(Duration::from_millis(150));
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let (mut ok, mut failed) = (0, Vec::new());
    for client in clients {
        let (n, f) = client.join().unwrap();
        ok += n;
        failed.extend(f);
    }
    assert!(ok > 100, "the load ran ({ok} requests)");
    assert!(
        failed.is_empty(),
        "{} of {} requests failed: {failed:?}",
        failed.len(),
        ok as usize + failed.len()
    );
    eprintln!("{ok} requests across 5 reloads, none failed");
}
