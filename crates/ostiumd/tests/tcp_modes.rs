//! `bytes` and `handoff` modes over TCP end to end: a real ostiumd, the test application
//! it starts with `exec`, and plain TCP clients.

mod common;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::Duration;

use common::{Ostiumd, TempDir, exec_app};

fn start(name: &str, mode: &str, extra: &str) -> (TempDir, Ostiumd) {
    let dir = TempDir::new(name);
    let door = dir.path().join(format!("{mode}.door"));
    let config = format!(
        "forward tcp 127.0.0.1:0 to {} {{\n  mode {mode}\n  {}\n  {extra}\n}}\n",
        door.display(),
        exec_app()
    );
    let ostiumd = Ostiumd::start(&dir, &config);
    (dir, ostiumd)
}

/// Sends `request`, half-closes, and reads everything until the server closes.
fn round_trip(ostiumd: &Ostiumd, request: &[u8]) -> Vec<u8> {
    try_round_trip(ostiumd, request).unwrap()
}

/// [`round_trip`], with the connection's errors (a reset, say) returned.
fn try_round_trip(ostiumd: &Ostiumd, request: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut stream = TcpStream::connect(ostiumd.addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(20)))?;
    stream.write_all(request)?;
    stream.shutdown(Shutdown::Write)?;
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply)?;
    Ok(reply)
}

/// Retries until the application answers (it starts with ostiumd; until then connections
/// are closed, or reset, with no reply).
fn eventually(ostiumd: &Ostiumd, request: &[u8]) -> Vec<u8> {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let reply = try_round_trip(ostiumd, request).unwrap_or_default();
        if !reply.is_empty() {
            return reply;
        }
        assert!(std::time::Instant::now() < deadline, "the application never answered");
        std::thread::sleep(Duration::from_millis(25));
    }
}

#[test]
fn bytes_mode_is_one_call_per_connection_whatever_its_size() {
    let (_dir, ostiumd) = start("bytes", "bytes", "max-body 1M");
    assert_eq!(eventually(&ostiumd, b"hi there"), b"len=8 HI THERE");
    // Far more than one read (portunusd read 1 KiB once), sent in pieces.
    let big = vec![b'a'; 200_000];
    let reply = round_trip(&ostiumd, &big);
    assert!(reply.starts_with(b"len=200000 AAAA") && reply.len() == 200_000 + 11);
    // An empty request is a request too.
    assert_eq!(round_trip(&ostiumd, b""), b"len=0 ");
    // Over max-body: closed (reset, as the rest is unread), nothing written back.
    let mut stream = TcpStream::connect(ostiumd.addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let _ = stream.write_all(&vec![b'x'; 2 << 20]);
    let mut reply = Vec::new();
    let _ = stream.read_to_end(&mut reply);
    assert!(reply.is_empty(), "{} bytes came back", reply.len());
    assert_eq!(ostiumd.terminate().code(), Some(0));
}

#[test]
fn a_bytes_client_that_never_finishes_is_timed_out() {
    let (_dir, ostiumd) = start("bytes-slow", "bytes", "body-timeout 200ms");
    eventually(&ostiumd, b"up?");
    let mut stream = TcpStream::connect(ostiumd.addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    stream.write_all(b"never half-closed").unwrap();
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply).unwrap();
    assert!(reply.is_empty(), "closed without a reply");
}

#[test]
fn handoff_gives_the_application_the_connection_itself() {
    let (_dir, ostiumd) = start("handoff", "handoff", "");
    let reply = eventually(&ostiumd, b"ping pong");
    let text = String::from_utf8(reply).unwrap();
    assert!(text.starts_with("handoff from 127.0.0.1:"), "{text}");
    assert!(
        text.ends_with("ping pong"),
        "every byte the client sent reached the application: {text}"
    );
    // The application talks with the client directly, back and forth.
    let mut stream = TcpStream::connect(ostiumd.addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut greeting = [0u8; 13];
    stream.read_exact(&mut greeting).unwrap();
    assert_eq!(&greeting, b"handoff from ");
    stream.write_all(b"more").unwrap();
    stream.shutdown(Shutdown::Write).unwrap();
    let mut rest = String::new();
    stream.read_to_string(&mut rest).unwrap();
    assert!(rest.ends_with("\nmore"), "{rest}");
    assert_eq!(ostiumd.terminate().code(), Some(0));
}

#[test]
fn bytes_over_udp_is_one_datagram_one_call_one_reply() {
    let dir = TempDir::new("udp");
    let door = dir.path().join("bytes.door");
    let config = format!(
        "set threads 2\nforward udp 127.0.0.1:0 to {} {{\n  {}\n}}\n",
        door.display(),
        exec_app()
    );
    let ostiumd = Ostiumd::start(&dir, &config);
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
    let mut buf = [0u8; 2048];
    // The application starts with ostiumd: UDP clients retry, and so does this one.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let reply = loop {
        socket.send_to(b"udp hello", ostiumd.addr).unwrap();
        if let Ok((len, from)) = socket.recv_from(&mut buf) {
            assert_eq!(from, ostiumd.addr);
            break buf[..len].to_vec();
        }
        assert!(std::time::Instant::now() < deadline, "no reply datagram");
    };
    assert_eq!(reply, b"len=9 UDP HELLO");
    // Many datagrams, each answered.
    socket.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    for i in 0..100 {
        socket.send_to(format!("n{i}").as_bytes(), ostiumd.addr).unwrap();
        let (len, _) = socket.recv_from(&mut buf).unwrap();
        assert_eq!(&buf[..len], format!("len={} N{i}", format!("n{i}").len()).as_bytes());
    }
    assert_eq!(ostiumd.terminate().code(), Some(0));
}

#[test]
fn portunusds_example_configuration_loads_and_serves() {
    // portunusd's own example, with its paths and ports changed for a test.
    let dir = TempDir::new("portunusd");
    let config = format!(
        "# portunusd.conf\n\
         set domain example.com\n\
         \n\
         forward udp 127.0.0.1:0 to {dir}/dns.door\n\
         forward tcp 127.0.0.1:0 to {dir}/echo.door\n",
        dir = dir.path().display()
    );
    std::fs::write(dir.path().join("check.conf"), &config).unwrap();
    let check = std::process::Command::new(env!("CARGO_BIN_EXE_ostiumd"))
        .arg("--check")
        .arg(dir.path().join("check.conf"))
        .output()
        .unwrap();
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stderr));
    let text = String::from_utf8(check.stdout).unwrap();
    assert!(text.contains("2 forwards"), "{text}");
    // And it serves: no application behind the TCP forward, so a connection is closed
    // without a reply once the client has sent its request.
    let mut ostiumd = Ostiumd::start(&dir, &config);
    assert_eq!(ostiumd.addrs.len(), 2);
    ostiumd.addr = ostiumd.addrs[1];
    let reply = round_trip(&ostiumd, b"echo me");
    assert!(reply.is_empty());
    assert_eq!(ostiumd.terminate().code(), Some(0));
}
