//! `SIGTERM` while requests are on their way. It used to close a connection still
//! receiving its request body at once, with nothing sent. Now the listener closes, idle
//! keep-alive connections close at once, a request already started (head or body still
//! arriving, or at the application) is answered with `Connection: close`, and what cannot
//! finish within `shutdown-timeout` is answered `503`.

use std::io::{BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use crate::common::{Ostiumd, TempDir, read_response};
use crate::probe::start_app;

fn start(name: &str, shutdown_timeout: &str) -> (TempDir, Ostiumd) {
    let dir = TempDir::new(name);
    let settings = format!("set shutdown-timeout {shutdown_timeout}\n");
    let ostiumd = start_app(&dir, &settings, "", None);
    (dir, ostiumd)
}

fn connect(ostiumd: &Ostiumd) -> TcpStream {
    let stream = TcpStream::connect(ostiumd.addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    stream
}

fn sigterm(ostiumd: &Ostiumd) {
    ostium_sys::signal_process(ostiumd.child.id(), ostium_sys::ProcessSignal::Terminate).unwrap();
    // The loops take the drain in a moment; the probes act after it.
    std::thread::sleep(Duration::from_millis(300));
}

#[test]
fn sigterm_answers_the_requests_already_started_and_closes_idle_connections() {
    let (_dir, ostiumd) = start("drain-started", "10s");
    let addr = ostiumd.addr;
    let mut idle = connect(&ostiumd);
    idle.write_all(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n").unwrap();
    let mut idle = BufReader::new(idle);
    assert_eq!(read_response(&mut idle, false).status, 200);
    let body = vec![b'u'; 200_000];
    let mut upload = connect(&ostiumd);
    upload
        .write_all(
            format!("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: {}\r\n\r\n", body.len())
                .as_bytes(),
        )
        .unwrap();
    upload.write_all(&body[..100_000]).unwrap();
    let mut head = connect(&ostiumd);
    head.write_all(b"GET / HTTP/1.1\r\nHo").unwrap();
    // Bytes ostiumd has not read yet have not started a request, as far as it can know:
    // let it read them.
    std::thread::sleep(Duration::from_millis(300));

    sigterm(&ostiumd);
    let mut rest = Vec::new();
    assert_eq!(idle.read_to_end(&mut rest).unwrap(), 0, "the idle connection closes, unanswered");
    assert!(TcpStream::connect(addr).is_err(), "the listener is closed");
    upload.write_all(&body[100_000..]).unwrap();
    let answer = read_response(&mut BufReader::new(upload), false);
    assert_eq!((answer.status, answer.body.len()), (200, body.len()));
    assert_eq!(answer.header("connection"), Some("close"));
    head.write_all(b"st: t\r\n\r\n").unwrap();
    let answer = read_response(&mut BufReader::new(head), false);
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("connection"), Some("close"));
    assert!(ostiumd.terminate().success());
}

#[test]
fn what_cannot_finish_within_the_shutdown_timeout_is_answered_503() {
    let (_dir, ostiumd) = start("drain-deadline", "1s");
    let mut stalled = connect(&ostiumd);
    stalled
        .write_all(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\nhalf")
        .unwrap();
    let mut slow = connect(&ostiumd);
    slow.write_all(b"GET /slow?ms=10000 HTTP/1.1\r\nHost: t\r\n\r\n").unwrap();
    std::thread::sleep(Duration::from_millis(200));

    sigterm(&ostiumd);
    for stream in [stalled, slow] {
        let answer = read_response(&mut BufReader::new(stream), false);
        assert_eq!(answer.status, 503, "{}", answer.head);
        assert_eq!(answer.header("connection"), Some("close"));
    }
    assert!(ostiumd.terminate().success());
}
