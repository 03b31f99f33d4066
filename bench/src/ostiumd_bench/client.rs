//! The harness's own HTTP/1.1 client, on plain blocking TCP sockets: the request that checks
//! a server answers what it should before it is loaded, and the idle keep-alive connections
//! whose memory is measured.
//!
//! It reads only what the servers under test send: a response head, then a body of
//! `Content-Length` bytes.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use anyhow::{Context, Result, bail};

/// How long a read or write may block.
const TIMEOUT: Duration = Duration::from_secs(5);
/// The longest response head read.
const MAX_HEAD: usize = 16 * 1024;

/// A response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    /// Its status code.
    pub status: u16,
    /// Its head, status line and headers, up to and with the blank line.
    pub head: String,
    /// Its body.
    pub body: Vec<u8>,
}

/// The request for `target` on a kept-alive connection to `addr`.
pub fn request(addr: SocketAddr, target: &str) -> Vec<u8> {
    format!("GET {target} HTTP/1.1\r\nHost: {addr}\r\n\r\n").into_bytes()
}

/// Connects to `addr` and makes one request for `target`, leaving the connection open.
pub fn get(addr: SocketAddr, target: &str) -> Result<(TcpStream, Response)> {
    let mut stream = TcpStream::connect(addr).with_context(|| format!("connecting to {addr}"))?;
    stream.set_read_timeout(Some(TIMEOUT))?;
    stream.set_write_timeout(Some(TIMEOUT))?;
    stream.write_all(&request(addr, target))?;
    let response = read_response(&mut stream)?;
    Ok((stream, response))
}

/// Opens `n` connections to `addr`, each of which makes one request for `target`, gets a
/// `200`, and stays open: `n` idle keep-alive connections.
pub fn keep_alive_connections(addr: SocketAddr, target: &str, n: usize) -> Result<Vec<TcpStream>> {
    let mut streams = Vec::with_capacity(n);
    for i in 0..n {
        let (stream, response) =
            get(addr, target).with_context(|| format!("keep-alive connection {} of {n}", i + 1))?;
        if response.status != 200 {
            bail!("keep-alive connection {} of {n}: status {}", i + 1, response.status);
        }
        streams.push(stream);
    }
    Ok(streams)
}

/// Reads one response from `stream`.
fn read_response(stream: &mut impl Read) -> Result<Response> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0; 4096];
    let end = loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        if buf.len() > MAX_HEAD {
            bail!("a response head longer than {MAX_HEAD} bytes");
        }
        let n = stream.read(&mut chunk).context("reading a response")?;
        if n == 0 {
            bail!("the connection closed before a whole response head");
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
    let (status, length) = parse_head(&head)?;
    let mut body = buf[end..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).context("reading a response body")?;
        if n == 0 {
            bail!("the connection closed {} bytes into a {length}-byte body", body.len());
        }
        body.extend_from_slice(&chunk[..n]);
    }
    if body.len() != length {
        bail!("{} bytes after a {length}-byte body", body.len() - length);
    }
    Ok(Response { status, head, body })
}

/// The status and `Content-Length` of a response head.
fn parse_head(head: &str) -> Result<(u16, usize)> {
    let mut lines = head.lines();
    let status_line = lines.next().unwrap_or_default();
    let status = match status_line.split(' ').collect::<Vec<_>>()[..] {
        ["HTTP/1.1" | "HTTP/1.0", code, ..] => code.parse().ok(),
        _ => None,
    }
    .with_context(|| format!("not a status line: {status_line:?}"))?;
    let length = lines
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .map(|(_, value)| value.trim().parse::<usize>())
        .transpose()
        .context("a Content-Length that is not a number")?
        .context("no Content-Length (chunked responses are not expected here)")?;
    Ok((status, length))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_response_is_read_to_the_end_of_its_body() {
        let bytes = b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\nDate: x\r\n\r\nhello";
        let response = read_response(&mut &bytes[..]).unwrap();
        assert_eq!(response.status, 200);
        assert_eq!(response.body, b"hello");
        assert_eq!(response.head.len(), bytes.len() - 5);
    }

    #[test]
    fn a_short_or_unframed_response_is_an_error() {
        assert!(
            read_response(&mut &b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nhi"[..]).is_err()
        );
        assert!(read_response(&mut &b"HTTP/1.1 200 OK\r\n\r\nhi"[..]).is_err());
        assert!(read_response(&mut &b"SSH-2.0\r\n\r\n"[..]).is_err());
        assert!(read_response(&mut &b"HTTP/1.1 200 OK\r\n"[..]).is_err());
    }

    #[test]
    fn a_local_server_is_asked_and_kept() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            let mut kept = Vec::new();
            for _ in 0..3 {
                let (mut stream, _) = listener.accept().unwrap();
                let mut buf = [0; 1024];
                let n = stream.read(&mut buf).unwrap();
                assert_eq!(&buf[..n], request(addr, "/x").as_slice());
                stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok").unwrap();
                kept.push(stream);
            }
        });
        let streams = keep_alive_connections(addr, "/x", 3).unwrap();
        assert_eq!(streams.len(), 3);
        server.join().unwrap();
    }
}
