//! `PingPong`: one connection of the load generator, one message in flight at a time.
//!
//! A message is `size` bytes of pseudo-random content, different on each connection, whose
//! first eight bytes carry a sequence number that changes with every message: an echo of a
//! stale or foreign message does not compare equal. Echoed bytes are compared with what was
//! sent as they arrive (one `memcmp` per read). The stream is non-blocking and registered
//! with the poller for readable always, and for writable only while part of a message waits
//! for room in the send buffer.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use ostium_sys::{Interest, Poller, Token};

/// How long connecting may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// A connection that sends a message, waits for all of it to come back, and sends the next.
pub struct PingPong {
    stream: TcpStream,
    token: Token,
    message: Vec<u8>,
    sequence: u64,
    written: usize,
    echoed: usize,
    sent_at: Instant,
    waiting_writable: bool,
}

impl PingPong {
    /// Connects to `addr` (TCP_NODELAY, non-blocking) and registers with `poller` as `token`.
    pub fn connect(
        addr: SocketAddr,
        size: usize,
        token: Token,
        poller: &Poller,
    ) -> Result<PingPong> {
        let stream = TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT)
            .with_context(|| format!("connecting to {addr}"))?;
        stream.set_nodelay(true)?;
        stream.set_nonblocking(true)?;
        poller.add(&stream, token, Interest::READABLE)?;
        let message = pseudo_random(size, token.0);
        let (written, echoed) = (size, size);
        let sent_at = Instant::now();
        Ok(PingPong {
            stream,
            token,
            message,
            sequence: 0,
            written,
            echoed,
            sent_at,
            waiting_writable: false,
        })
    }

    /// When the message in flight was sent.
    pub fn sent_at(&self) -> Instant {
        self.sent_at
    }

    /// Starts the next message at `now` and writes as much of it as the socket takes.
    pub fn send(&mut self, now: Instant, poller: &Poller) -> Result<()> {
        debug_assert_eq!(self.echoed, self.message.len(), "one message in flight at a time");
        self.sequence += 1;
        let stamp = self.sequence.to_le_bytes();
        let n = stamp.len().min(self.message.len());
        self.message[..n].copy_from_slice(&stamp[..n]);
        (self.written, self.echoed, self.sent_at) = (0, 0, now);
        self.on_writable(poller)
    }

    /// Writes what is left of the message, waiting for writable only while something is.
    pub fn on_writable(&mut self, poller: &Poller) -> Result<()> {
        while self.written < self.message.len() {
            match self.stream.write(&self.message[self.written..]) {
                Ok(0) => bail!("the connection accepts no more bytes"),
                Ok(n) => self.written += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    return self.want_writable(true, poller);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e).context("writing"),
            }
        }
        self.want_writable(false, poller)
    }

    /// Reads what came back and checks it; true once the whole message has.
    ///
    /// Reads at most what is still due, so a message that came back whole is read with one
    /// call, without a second one to hear `WouldBlock`.
    pub fn on_readable(&mut self, scratch: &mut [u8]) -> Result<bool> {
        while self.echoed < self.message.len() {
            // Asks for one byte when all that was written came back: anything is too much.
            let due = (self.written - self.echoed).clamp(1, scratch.len());
            let n = match self.stream.read(&mut scratch[..due]) {
                Ok(0) => bail!("the server closed the connection"),
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e).context("reading"),
            };
            let end = self.echoed + n;
            ensure!(
                end <= self.written,
                "the server sent {} bytes more than it was sent",
                end - self.written
            );
            ensure!(
                scratch[..n] == self.message[self.echoed..end],
                "the echo of message {} differs from it within bytes {}..{end}",
                self.sequence,
                self.echoed
            );
            self.echoed = end;
        }
        Ok(true)
    }

    fn want_writable(&mut self, want: bool, poller: &Poller) -> Result<()> {
        if want != self.waiting_writable {
            let interest = if want { Interest::BOTH } else { Interest::READABLE };
            poller.modify(&self.stream, self.token, interest)?;
            self.waiting_writable = want;
        }
        Ok(())
    }
}

/// `size` bytes from a xorshift generator seeded with `seed`: cheap, and not a pattern an
/// echo could get right by accident.
fn pseudo_random(size: usize, seed: u64) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..size)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 56) as u8
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    #[test]
    fn content_differs_between_connections() {
        assert_ne!(pseudo_random(64, 0), pseudo_random(64, 1));
        assert_eq!(pseudo_random(64, 3), pseudo_random(64, 3));
    }

    #[test]
    fn a_message_echoed_in_pieces_completes_and_a_wrong_byte_is_caught() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let poller = Poller::new().unwrap();
        let mut conn =
            PingPong::connect(listener.local_addr().unwrap(), 100, Token(0), &poller).unwrap();
        let (mut server, _) = listener.accept().unwrap();
        let mut scratch = [0; 4096];

        conn.send(Instant::now(), &poller).unwrap();
        let mut got = [0; 100];
        server.read_exact(&mut got).unwrap();
        assert_eq!(got[..8], 1u64.to_le_bytes());
        server.write_all(&got[..40]).unwrap();
        wait_readable(&conn);
        assert!(!conn.on_readable(&mut scratch).unwrap());
        server.write_all(&got[40..]).unwrap();
        wait_readable(&conn);
        assert!(conn.on_readable(&mut scratch).unwrap());

        conn.send(Instant::now(), &poller).unwrap();
        server.read_exact(&mut got).unwrap();
        assert_eq!(got[..8], 2u64.to_le_bytes());
        got[99] ^= 1;
        server.write_all(&got).unwrap();
        wait_readable(&conn);
        let err = conn.on_readable(&mut scratch).unwrap_err();
        assert!(err.to_string().contains("differs"), "{err}");
    }

    fn wait_readable(conn: &PingPong) {
        conn.stream.set_nonblocking(false).unwrap();
        let mut byte = [0];
        conn.stream.peek(&mut byte).unwrap();
        conn.stream.set_nonblocking(true).unwrap();
    }
}
