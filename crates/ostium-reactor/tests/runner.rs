//! The runner: several loops on one port, each with its own `SO_REUSEPORT` listener,
//! optionally pinned to a CPU each.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::mpsc::{self, Sender};
use std::time::Duration;

use ostium_reactor::{Buffer, ConnId, Context, Flow, Origin, Runner, Service};

/// Echoes, and reports which loop (shard) took each connection and where it runs.
struct Shard {
    index: usize,
    report: Sender<(usize, Vec<usize>)>,
}

impl Service for Shard {
    fn on_open(&mut self, _: &mut Context<'_>, _: ConnId, _: Origin) {
        let cpus = ostium_sys::allowed_cpus().unwrap();
        self.report.send((self.index, cpus)).unwrap();
    }

    fn on_data(
        &mut self,
        _: &mut Context<'_>,
        _: ConnId,
        input: &mut Buffer,
        output: &mut Buffer,
    ) -> Flow {
        input.move_to(output);
        Flow::Keep
    }
}

fn echo_once(addr: std::net::SocketAddr) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    stream.write_all(b"hi").unwrap();
    let mut buf = [0u8; 2];
    stream.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"hi");
}

#[test]
fn connections_are_spread_over_the_loops_of_a_group() {
    let (tx, rx) = mpsc::channel();
    let server = Runner::new()
        .threads(2)
        .serve("127.0.0.1:0".parse().unwrap(), move |index| Shard { index, report: tx.clone() })
        .unwrap();
    for _ in 0..64 {
        echo_once(server.local_addr());
    }
    let mut per_shard = [0usize; 2];
    for (shard, _) in rx.iter().take(64) {
        per_shard[shard] += 1;
    }
    assert!(per_shard.iter().all(|&n| n > 0), "connections per loop: {per_shard:?}");
    server.stop();
    server.join().unwrap();
}

#[test]
fn pinned_loops_run_on_one_cpu_each() {
    let cpus = ostium_sys::allowed_cpus().unwrap();
    let (tx, rx) = mpsc::channel();
    let server = Runner::new()
        .threads(cpus.len())
        .pin_to_cores(true)
        .serve("127.0.0.1:0".parse().unwrap(), move |index| Shard { index, report: tx.clone() })
        .unwrap();
    let mut seen = vec![None; cpus.len()];
    for _ in 0..200 {
        echo_once(server.local_addr());
        let (shard, allowed) = rx.recv_timeout(Duration::from_secs(20)).unwrap();
        seen[shard] = Some(allowed);
        if seen.iter().all(Option::is_some) {
            break;
        }
    }
    for (shard, allowed) in seen.iter().enumerate() {
        if let Some(allowed) = allowed {
            assert_eq!(allowed, &vec![cpus[shard]], "loop {shard} may run on {allowed:?}");
        }
    }
    assert!(seen[0].is_some(), "no connection reached loop 0");
    server.stop();
    server.join().unwrap();
}

#[test]
fn an_address_in_use_is_reported_before_any_loop_starts() {
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = busy.local_addr().unwrap();
    for threads in [1, 3] {
        let (tx, _rx) = mpsc::channel();
        let err = Runner::new()
            .threads(threads)
            .serve(addr, move |index| Shard { index, report: tx.clone() })
            .err()
            .expect("serving on a used address fails");
        assert_eq!(err.kind(), std::io::ErrorKind::AddrInUse);
        assert!(err.to_string().contains(&addr.to_string()), "{err}");
    }
}

/// Echoes; `close` makes the loop close its listeners (what a draining server does).
struct Closer;

impl Service for Closer {
    fn on_data(
        &mut self,
        cx: &mut Context<'_>,
        _: ConnId,
        input: &mut Buffer,
        output: &mut Buffer,
    ) -> Flow {
        if input.as_slice() == b"close" {
            cx.close_listeners();
        }
        input.move_to(output);
        Flow::Keep
    }
}

#[test]
fn a_loop_that_closes_its_listeners_refuses_new_connections_and_serves_the_old() {
    let server =
        Runner::new().threads(1).serve("127.0.0.1:0".parse().unwrap(), |_| Closer).unwrap();
    let addr = server.local_addr();
    let mut old = TcpStream::connect(addr).unwrap();
    old.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    old.write_all(b"close").unwrap();
    let mut buf = [0u8; 5];
    old.read_exact(&mut buf).unwrap();
    let refused = TcpStream::connect(addr).map(drop).unwrap_err();
    assert_eq!(refused.kind(), std::io::ErrorKind::ConnectionRefused);
    old.write_all(b"still").unwrap();
    old.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"still");
    server.stop();
    server.join().unwrap();
}

/// Echoes; `hold` holds reading on its connection for a moment (a timer releases it),
/// and every event is reported in order.
struct Holder {
    held: Option<ConnId>,
    events: mpsc::Sender<String>,
}

impl Service for Holder {
    fn on_data(
        &mut self,
        cx: &mut Context<'_>,
        conn: ConnId,
        input: &mut Buffer,
        output: &mut Buffer,
    ) -> Flow {
        let text = String::from_utf8_lossy(input.as_slice()).into_owned();
        let _ = self.events.send(format!("data {text}"));
        if text == "hold" {
            cx.hold_reading(conn, true);
            self.held = Some(conn);
            cx.set_timer(Duration::from_millis(300));
        }
        input.move_to(output);
        Flow::Keep
    }

    fn on_timer(&mut self, cx: &mut Context<'_>, _: ostium_reactor::TimerId) {
        let _ = self.events.send("released".into());
        if let Some(conn) = self.held.take() {
            cx.hold_reading(conn, false);
        }
    }
}

#[test]
fn a_held_connection_is_not_read_until_released_and_then_loses_nothing() {
    let (tx, events) = mpsc::channel();
    let server = Runner::new()
        .threads(1)
        .serve("127.0.0.1:0".parse().unwrap(), move |_| Holder { held: None, events: tx.clone() })
        .unwrap();
    let mut stream = TcpStream::connect(server.local_addr()).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    stream.write_all(b"hold").unwrap();
    let mut buf = [0u8; 4];
    stream.read_exact(&mut buf).unwrap();
    // Sent while held: read only once released, and whole.
    stream.write_all(b"more").unwrap();
    stream.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"more");
    let seen: Vec<String> = events.try_iter().collect();
    assert_eq!(seen, ["data hold", "released", "data more"]);
    server.stop();
    server.join().unwrap();
}
