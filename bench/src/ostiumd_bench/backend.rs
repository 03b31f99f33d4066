//! `http-backend`: the minimal HTTP/1.1 server nginx proxies to in `ostiumd-bench`, the
//! peer of the hello application behind ostiumd.
//!
//! It is what a small synchronous application server behind nginx is: a Unix stream socket,
//! a thread per connection, blocking reads and writes, and every request answered with the
//! same small body (`Content-Type: text/plain; charset=utf-8`, like hello's `/echo`). It keeps
//! honest HTTP/1.1 where nginx needs it: the request head is parsed (httparse), keep-alive
//! is the default of HTTP/1.1 (`Connection: close` and HTTP/1.0 without `keep-alive` close
//! after the response), pipelined requests are answered in order, a `Content-Length` body is
//! read and discarded; a chunked body is answered `501` and the connection closed, a
//! malformed or oversized head `400` or `431`. The request's target is not looked at.
//!
//! [`answer`] is the protocol, pure; [`serve`] the sockets and threads.

use std::io::{Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::Path;

use anyhow::{Context, Result};

/// The largest request head read; a longer one is answered 431.
const MAX_HEAD: usize = 16 * 1024;
/// Headers parsed at most; more is answered 431.
const MAX_HEADERS: usize = 64;

/// What the bytes at the front of a connection's buffer are.
#[derive(Debug, PartialEq, Eq)]
pub enum Parsed {
    /// Not a whole request yet: read more.
    Partial,
    /// A whole request of `len` bytes (head and body): answer it with the body, then keep
    /// the connection or close it.
    Request {
        /// Bytes the request takes in the buffer.
        len: usize,
        /// Whether the connection stays open after the response.
        keep_alive: bool,
    },
    /// A request refused with this status; the connection closes after the response.
    Refused(u16),
}

/// Reads the request at the front of `buf`.
pub fn answer(buf: &[u8]) -> Parsed {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut headers);
    let head = match request.parse(buf) {
        Ok(httparse::Status::Complete(head)) => head,
        Ok(httparse::Status::Partial) if buf.len() >= MAX_HEAD => return Parsed::Refused(431),
        Ok(httparse::Status::Partial) => return Parsed::Partial,
        Err(httparse::Error::TooManyHeaders) => return Parsed::Refused(431),
        Err(_) => return Parsed::Refused(400),
    };
    let mut keep_alive = request.version == Some(1);
    let mut body = 0usize;
    for header in request.headers.iter() {
        let value = std::str::from_utf8(header.value).unwrap_or_default().trim();
        if header.name.eq_ignore_ascii_case("content-length") {
            match value.parse() {
                Ok(len) => body = len,
                Err(_) => return Parsed::Refused(400),
            }
        } else if header.name.eq_ignore_ascii_case("transfer-encoding") {
            return Parsed::Refused(501);
        } else if header.name.eq_ignore_ascii_case("connection") {
            for token in value.split(',').map(str::trim) {
                if token.eq_ignore_ascii_case("close") {
                    keep_alive = false;
                } else if token.eq_ignore_ascii_case("keep-alive") {
                    keep_alive = true;
                }
            }
        }
    }
    match head.checked_add(body) {
        Some(len) if len <= buf.len() => Parsed::Request { len, keep_alive },
        Some(_) => Parsed::Partial,
        None => Parsed::Refused(400),
    }
}

/// The response to a request: status 200 with `body`, or a refusal's status with none.
pub fn response(status: u16, body: &[u8], keep_alive: bool) -> Vec<u8> {
    let (reason, body) = match status {
        200 => ("OK", body),
        400 => ("Bad Request", &b""[..]),
        431 => ("Request Header Fields Too Large", &b""[..]),
        _ => ("Not Implemented", &b""[..]),
    };
    let connection = if keep_alive { "" } else { "Connection: close\r\n" };
    let mut out = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain; charset=utf-8\r\n\
         Content-Length: {}\r\n{connection}\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

/// Serves `body` at `path` (a stale socket file there is replaced), printing
/// `listening on PATH` once it accepts connections; runs until killed.
pub fn serve(path: &Path, body: &'static [u8]) -> Result<()> {
    let _ = std::fs::remove_file(path);
    let listener =
        UnixListener::bind(path).with_context(|| format!("binding {}", path.display()))?;
    println!("listening on {}", path.display());
    for stream in listener.incoming() {
        let stream = stream.context("accepting a connection")?;
        std::thread::spawn(move || {
            // A connection's failure is its own: the peer went away.
            let _ = connection(stream, body);
        });
    }
    Ok(())
}

/// One connection: requests answered in order until the peer closes or a response closes.
fn connection(mut stream: UnixStream, body: &[u8]) -> std::io::Result<()> {
    let mut buf = vec![0; MAX_HEAD];
    let mut filled = 0;
    let mut out = Vec::new();
    loop {
        let n = stream.read(&mut buf[filled..])?;
        if n == 0 {
            return Ok(());
        }
        filled += n;
        let mut start = 0;
        let mut close = false;
        // Every whole request read is answered in one write: pipelined ones together.
        while !close {
            match answer(&buf[start..filled]) {
                Parsed::Partial => break,
                Parsed::Request { len, keep_alive } => {
                    out.extend_from_slice(&response(200, body, keep_alive));
                    start += len;
                    close = !keep_alive;
                }
                Parsed::Refused(status) => {
                    out.extend_from_slice(&response(status, body, false));
                    close = true;
                }
            }
        }
        stream.write_all(&out)?;
        out.clear();
        if close {
            return Ok(());
        }
        buf.copy_within(start..filled, 0);
        filled -= start;
        if filled == buf.len() {
            // A body larger than the buffer: room for it (the head fitted, or it was 431).
            buf.resize(buf.len() * 2, 0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_get_is_answered_and_kept_alive() {
        let get = b"GET /echo?x HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\n";
        assert_eq!(answer(get), Parsed::Request { len: 33, keep_alive: true });
        assert_eq!(answer(&get[33..]), Parsed::Partial);
        assert_eq!(answer(&get[..20]), Parsed::Partial);
    }

    #[test]
    fn close_and_http_1_0_close_unless_kept_alive() {
        let close = b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n";
        assert_eq!(answer(close), Parsed::Request { len: close.len(), keep_alive: false });
        let old = b"GET / HTTP/1.0\r\n\r\n";
        assert_eq!(answer(old), Parsed::Request { len: old.len(), keep_alive: false });
        let kept = b"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n";
        assert_eq!(answer(kept), Parsed::Request { len: kept.len(), keep_alive: true });
    }

    #[test]
    fn a_body_is_waited_for_and_skipped() {
        let post = b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello";
        assert_eq!(answer(&post[..post.len() - 1]), Parsed::Partial);
        assert_eq!(answer(post), Parsed::Request { len: post.len(), keep_alive: true });
    }

    #[test]
    fn what_it_does_not_serve_is_refused() {
        let chunked = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
        assert_eq!(answer(chunked), Parsed::Refused(501));
        assert_eq!(answer(b"GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n"), Parsed::Refused(400));
        assert_eq!(answer(b"\x01\x02 nonsense\r\n\r\n"), Parsed::Refused(400));
        let mut long = b"GET / HTTP/1.1\r\nX: ".to_vec();
        long.resize(MAX_HEAD, b'a');
        assert_eq!(answer(&long), Parsed::Refused(431));
    }

    #[test]
    fn responses_say_their_length_and_whether_they_close() {
        let ok = response(200, b"hi", true);
        assert_eq!(
            ok,
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 2\
              \r\n\r\nhi"
        );
        let refused = String::from_utf8(response(501, b"hi", false)).unwrap();
        assert!(refused.starts_with("HTTP/1.1 501 Not Implemented\r\n"), "{refused}");
        assert!(refused.ends_with("Content-Length: 0\r\nConnection: close\r\n\r\n"), "{refused}");
    }

    #[test]
    fn a_served_connection_answers_pipelined_requests_in_order() {
        let dir = crate::door_bench::SocketDir::create().unwrap();
        let path = dir.path().join("backend.sock");
        let listener = UnixListener::bind(&path).unwrap();
        let server = std::thread::spawn(move || {
            let (stream, _) = listener.accept().unwrap();
            connection(stream, b"body").unwrap();
        });
        let mut client = UnixStream::connect(&path).unwrap();
        client
            .write_all(b"GET / HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\nConnection: close\r\n\r\n")
            .unwrap();
        let mut got = Vec::new();
        client.read_to_end(&mut got).unwrap();
        let mut expected = response(200, b"body", true);
        expected.extend(response(200, b"body", false));
        assert_eq!(String::from_utf8(got).unwrap(), String::from_utf8(expected).unwrap());
        server.join().unwrap();
    }
}
