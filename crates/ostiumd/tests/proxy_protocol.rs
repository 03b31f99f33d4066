//! `proxy-protocol on`: the PROXY header a load balancer sends first (v1 or v2) is taken
//! off the stream, and the client it names is the one the application sees; a malformed
//! header closes the connection.

mod common;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::Duration;

use common::{Ostiumd, TempDir, exec_app};

/// A v2 PROXY header for a TCP over IPv4 connection from `src` to `dst`.
fn v2_header(src: ([u8; 4], u16), dst: ([u8; 4], u16)) -> Vec<u8> {
    let mut header = b"\r\n\r\n\0\r\nQUIT\n".to_vec();
    header.push(0x21); // version 2, PROXY
    header.push(0x11); // AF_INET, STREAM
    header.extend_from_slice(&12u16.to_be_bytes());
    header.extend_from_slice(&src.0);
    header.extend_from_slice(&dst.0);
    header.extend_from_slice(&src.1.to_be_bytes());
    header.extend_from_slice(&dst.1.to_be_bytes());
    header
}

/// Sends `bytes`, half-closes, reads to the end (errors count as nothing read).
fn send_all(addr: std::net::SocketAddr, bytes: &[u8]) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let _ = stream.write_all(bytes);
    let _ = stream.shutdown(Shutdown::Write);
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn http_sees_the_client_the_header_names() {
    let dir = TempDir::new("proxy-http");
    let door = dir.path().join("app.door");
    let config = format!(
        "forward http 127.0.0.1:0 to {} {{\n  {}\n  proxy-protocol on\n}}\n",
        door.display(),
        exec_app()
    );
    let ostiumd = Ostiumd::start(&dir, &config);
    let request = b"GET /peer HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
    let v1 = [&b"PROXY TCP4 203.0.113.7 192.0.2.1 56324 443\r\n"[..], request].concat();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let response = loop {
        let response = send_all(ostiumd.addr, &v1);
        if response.starts_with("HTTP/1.1 200") {
            break response;
        }
        assert!(std::time::Instant::now() < deadline, "never answered: {response}");
        std::thread::sleep(Duration::from_millis(25));
    };
    assert!(response.ends_with("Some(203.0.113.7:56324)"), "{response}");
    let v2 =
        [v2_header(([198, 51, 100, 9], 4242), ([192, 0, 2, 1], 443)), request.to_vec()].concat();
    let response = send_all(ostiumd.addr, &v2);
    assert!(response.ends_with("Some(198.51.100.9:4242)"), "{response}");
    // A header split across several writes is read whole.
    let mut stream = TcpStream::connect(ostiumd.addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    for piece in v1.chunks(7) {
        stream.write_all(piece).unwrap();
        std::thread::sleep(Duration::from_millis(2));
    }
    let mut out = String::new();
    stream.read_to_string(&mut out).unwrap();
    assert!(out.ends_with("Some(203.0.113.7:56324)"), "{out}");
    // No header, or a malformed one: closed, nothing answered.
    assert_eq!(send_all(ostiumd.addr, request), "");
    assert_eq!(
        send_all(ostiumd.addr, b"PROXY TCP4 1.2.3.4 5.6.7.8 99999 1\r\nGET / HTTP/1.1\r\n\r\n"),
        ""
    );
    let mut bad_v2 = v2_header(([1, 2, 3, 4], 1), ([5, 6, 7, 8], 2));
    bad_v2[12] = 0x31; // version 3
    assert_eq!(send_all(ostiumd.addr, &bad_v2), "");
    assert_eq!(ostiumd.terminate().code(), Some(0));
}

#[test]
fn handoff_passes_the_named_client_and_the_bytes_after_the_header() {
    let dir = TempDir::new("proxy-handoff");
    let door = dir.path().join("handoff.door");
    let config = format!(
        "forward tcp 127.0.0.1:0 to {} {{\n  mode handoff\n  {}\n  proxy-protocol on\n}}\n",
        door.display(),
        exec_app()
    );
    let ostiumd = Ostiumd::start(&dir, &config);
    let bytes = [&b"PROXY TCP6 2001:db8::5 2001:db8::1 5000 80\r\n"[..], b"after"].concat();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let reply = loop {
        let reply = send_all(ostiumd.addr, &bytes);
        if !reply.is_empty() {
            break reply;
        }
        assert!(std::time::Instant::now() < deadline, "the application never answered");
        std::thread::sleep(Duration::from_millis(25));
    };
    assert_eq!(reply, "handoff from [2001:db8::5]:5000\nafter");
}
