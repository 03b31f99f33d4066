//! End-to-end tests of the `echo-server` binary: real processes, real sockets on loopback.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{EchoServer, PATIENCE, random_bytes, read_exactly};

/// Reads lines until one starts with "Server status:" and returns it.
fn next_status_line(reader: &mut BufReader<TcpStream>) -> String {
    let mut line = String::new();
    loop {
        line.clear();
        let n = reader.read_line(&mut line).expect("a status line");
        assert!(n > 0, "connection closed before a status line");
        if line.starts_with("Server status:") {
            return line;
        }
    }
}

#[test]
fn a_thousand_concurrent_clients_each_get_their_own_bytes_back() {
    ostium_sys::raise_fd_limit().unwrap();
    let server = EchoServer::start(&["--status-interval", "0"]);
    const CLIENTS: usize = 1000;
    const THREADS: usize = 8;

    // Every connection is open before any is used, so all 1,000 are served at once.
    let mut clients: Vec<(TcpStream, Vec<u8>)> = (0..CLIENTS)
        .map(|i| (server.connect(), random_bytes(i as u64, 1 + (i * 37) % 8192)))
        .collect();
    for (stream, payload) in &mut clients {
        stream.write_all(payload).unwrap();
    }
    let per_thread = CLIENTS / THREADS;
    std::thread::scope(|scope| {
        for chunk in clients.chunks_mut(per_thread) {
            scope.spawn(move || {
                for (stream, payload) in chunk {
                    let echoed = read_exactly(stream, payload.len());
                    assert!(echoed == *payload, "a client got bytes that were not its own");
                }
            });
        }
    });
}

#[test]
fn several_loops_share_the_port_and_all_echo() {
    let server = EchoServer::start(&["--status-interval", "0", "--threads", "2"]);
    for i in 0..64u64 {
        let mut stream = server.connect();
        let payload = random_bytes(i, 100);
        stream.write_all(&payload).unwrap();
        assert_eq!(read_exactly(&mut stream, payload.len()), payload);
    }
}

#[test]
fn the_status_broadcast_reaches_every_connection_with_the_count() {
    let server = EchoServer::start(&["--status-interval", "200ms"]);
    const CLIENTS: usize = 5;
    let mut readers: Vec<BufReader<TcpStream>> =
        (0..CLIENTS).map(|_| BufReader::new(server.connect())).collect();
    // A broadcast may have gone out while the clients were still connecting; each client
    // must see, within a few broadcasts, the one that counts all of them.
    let expected = format!("Server status: {CLIENTS} active connections\n");
    for reader in &mut readers {
        let seen: Vec<String> =
            (0..10).map(|_| next_status_line(reader)).take_while(|l| *l != expected).collect();
        assert!(seen.len() < 10, "never saw {expected:?}; saw {seen:?}");
    }
    // And the count follows connections closing.
    drop(readers.pop());
    drop(readers.pop());
    let expected = format!("Server status: {} active connections\n", CLIENTS - 2);
    let reader = &mut readers[0];
    assert!((0..10).any(|_| next_status_line(reader) == expected), "the count did not drop to 3");
}

#[test]
fn connections_beyond_the_maximum_are_refused_and_the_others_keep_working() {
    let server = EchoServer::start(&["--status-interval", "0", "--max-connections", "3"]);
    let mut admitted: Vec<TcpStream> = (0..3).map(|_| server.connect()).collect();
    for (i, stream) in admitted.iter_mut().enumerate() {
        stream.write_all(&[i as u8; 10]).unwrap();
        assert_eq!(read_exactly(stream, 10), [i as u8; 10]);
    }

    // The fourth is accepted by the kernel, then closed by the server at once: the client
    // reads end of stream (or a reset), never an echo.
    let mut refused = server.connect();
    let _ = refused.write_all(b"anyone?");
    let mut buf = [0u8; 16];
    match refused.read(&mut buf) {
        Ok(0) => {}
        Ok(n) => panic!("a refused connection was served: {:?}", &buf[..n]),
        Err(err) => assert_eq!(err.kind(), std::io::ErrorKind::ConnectionReset, "{err}"),
    }

    for (i, stream) in admitted.iter_mut().enumerate() {
        stream.write_all(&[i as u8 + 100; 1000]).unwrap();
        assert_eq!(read_exactly(stream, 1000), [i as u8 + 100; 1000]);
    }

    // A place freed is a place for the next client.
    drop(admitted.pop());
    let mut next = None;
    for _ in 0..100 {
        let mut stream = server.connect();
        if stream.write_all(b"again").is_ok() && stream.read(&mut buf).is_ok_and(|n| n > 0) {
            next = Some(stream);
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(next.is_some(), "no connection admitted after one closed");
}

#[test]
fn a_client_that_never_reads_loses_nothing_and_stalls_nobody() {
    let server = EchoServer::start(&["--status-interval", "0"]);
    let payload = random_bytes(7, 16 * 1024 * 1024);

    // The writer sends far more than the socket buffers and the server's output limit
    // hold, without reading: it must be slowed down (backpressure), not cut off.
    let mut stalled = server.connect();
    let mut stalled_reader = stalled.try_clone().unwrap();
    let writer = {
        let payload = payload.clone();
        std::thread::spawn(move || stalled.write_all(&payload).map(|()| stalled))
    };
    std::thread::sleep(Duration::from_millis(500));

    // Others are served while it is stalled.
    let mut other = server.connect();
    for i in 0..50u64 {
        let bytes = random_bytes(100 + i, 64);
        other.write_all(&bytes).unwrap();
        assert_eq!(read_exactly(&mut other, bytes.len()), bytes);
    }

    // The stalled connection does not make the loop spin.
    let before = server.cpu_ticks();
    std::thread::sleep(Duration::from_secs(1));
    let spent = server.cpu_ticks() - before;
    assert!(spent <= 5, "the server used {spent} ticks in 1 s with a stalled client");
    assert!(!writer.is_finished(), "the writer should be held back by backpressure");

    // When the client reads, every byte comes back, in order.
    let echoed = read_exactly(&mut stalled_reader, payload.len());
    assert!(echoed == payload, "the stalled client's echo differs from what it sent");
    writer.join().unwrap().expect("the writer finished");
}

#[test]
fn an_idle_server_uses_no_cpu_and_never_wakes() {
    let server = EchoServer::start(&["--status-interval", "0"]);
    // One connection that says nothing: idle is idle with clients too.
    let _client = server.connect();
    std::thread::sleep(Duration::from_millis(300));
    let (ticks, wakeups) = (server.cpu_ticks(), server.wakeups());
    std::thread::sleep(Duration::from_secs(3));
    let spent = server.cpu_ticks() - ticks;
    assert!(spent <= 1, "an idle server used {spent} clock ticks in 3 s");
    assert_eq!(server.wakeups() - wakeups, 0, "an idle server's threads were woken");
}

#[test]
fn a_second_server_on_a_port_in_use_exits_naming_the_address() {
    for threads in ["1", "2"] {
        let first = EchoServer::start(&["--threads", threads]);
        let addr = first.addr.to_string();
        let output = Command::new(env!("CARGO_BIN_EXE_echo-server"))
            .args(["--listen", &addr, "--threads", threads])
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(!output.status.success(), "a second server started on {addr}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(&addr), "the error does not name {addr}: {stderr}");
        assert!(
            stderr.contains("in use"),
            "the error does not say the address is in use: {stderr}"
        );
        // The first server still serves.
        let mut stream = first.connect();
        stream.write_all(b"still here").unwrap();
        assert_eq!(read_exactly(&mut stream, 10), b"still here");
    }
}

#[test]
fn sigterm_stops_the_server_cleanly() {
    let server = EchoServer::start(&["--status-interval", "0"]);
    let mut stream = server.connect();
    stream.write_all(b"x").unwrap();
    assert_eq!(read_exactly(&mut stream, 1), b"x");
    let started = Instant::now();
    let status = server.signal_and_wait("TERM");
    assert!(status.success(), "exit status {status}");
    assert!(started.elapsed() < PATIENCE);
    // Its connections were closed.
    let mut buf = [0u8; 1];
    assert!(matches!(stream.read(&mut buf), Ok(0) | Err(_)));
}
