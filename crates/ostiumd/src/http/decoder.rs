//! The request decoder of one connection: bytes in, as they arrive, requests out in order
//! (pipelined ones included), or the error that ends the connection.
//!
//! It reads no socket and no clock. [`Decoder::phase`] tells the caller which timeout
//! applies; [`Event::Continue`] tells it when to write `100 Continue`.

use std::sync::Arc;

use super::body::{Body, Spool};
use super::chunked::{ChunkLimits, Chunked};
use super::error::{ErrorKind, HttpError};
use super::framing::{Body as Framing, framing};
use super::head::parse_head;
use super::request::Request;
use super::scan::{Scanner, Section};
use crate::config;

/// The limits a decoder holds requests to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The request line and header fields, CRLFs included (and so the trailer section).
    pub max_header_bytes: usize,
    /// Header fields in one request (and trailer fields).
    pub max_headers: usize,
    /// Body bytes, after de-chunking.
    pub max_body: u64,
}

impl From<&config::Limits> for Limits {
    fn from(l: &config::Limits) -> Self {
        Limits {
            max_header_bytes: l.max_header_bytes,
            max_headers: l.max_headers,
            max_body: l.max_body,
        }
    }
}

/// What the decoder produced.
#[derive(Debug, PartialEq, Eq)]
pub enum Event {
    /// The request whose head was just decoded awaits `100 Continue` before it sends its
    /// body: write `HTTP/1.1 100 Continue\r\n\r\n` (after every earlier response), then
    /// keep feeding. Only produced when none of the body has arrived yet.
    Continue,
    /// A whole request.
    Request(Request),
}

/// Which part of a request the decoder waits for: the timeout the caller applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Between requests, no byte of the next one received (idle timeout, when no
    /// response is pending).
    Idle,
    /// Part of a request's head received (header timeout).
    Head,
    /// The head decoded, the body not complete (body timeout).
    Body,
    /// No more requests: the last one said `Connection: close`, or decoding failed.
    Closed,
}

enum State {
    Head {
        scanner: Scanner,
        skipped_empty_line: bool,
    },
    /// The request is boxed: a connection between requests holds only the head state.
    Body {
        request: Box<Request>,
        body: BodyState,
    },
    Closed,
    Failed(HttpError),
}

enum BodyState {
    Length(u64),
    Chunked(Chunked),
}

/// Decodes the requests of one connection.
pub struct Decoder {
    limits: Limits,
    buf: Vec<u8>,
    /// The first byte of `buf` not consumed.
    start: usize,
    /// The offset in the connection of `buf[0]`.
    base: u64,
    state: State,
    /// Where bodies past the in-memory buffer go (none: all in memory).
    spool: Option<Arc<Spool>>,
}

impl Decoder {
    /// A decoder for a new connection.
    pub fn new(limits: Limits) -> Self {
        Decoder { limits, buf: Vec::new(), start: 0, base: 0, state: head(), spool: None }
    }

    /// The same, spooling bodies larger than `spool.memory_max` to unlinked files.
    pub fn spooling(self, spool: Arc<Spool>) -> Self {
        Decoder { spool: Some(spool), ..self }
    }

    /// Appends bytes received from the client. Once the decoder is closed, they are
    /// dropped. Body bytes of a `Content-Length` body, with nothing buffered before them,
    /// go straight to the body (its file, once spooled) without passing through the
    /// decoder's buffer.
    pub fn feed(&mut self, bytes: &[u8]) {
        if matches!(self.state, State::Closed | State::Failed(_)) {
            return;
        }
        if self.start > 0 && (self.start == self.buf.len() || self.start >= 4096) {
            self.buf.drain(..self.start);
            self.base += self.start as u64;
            self.start = 0;
        }
        let taken = if self.start == self.buf.len() { self.feed_body(bytes) } else { 0 };
        self.buf.extend_from_slice(&bytes[taken..]);
    }

    /// Takes what it can of `bytes` into a `Content-Length` body being read; returns how
    /// many bytes it took (the decoder's buffer holds nothing undecoded).
    fn feed_body(&mut self, bytes: &[u8]) -> usize {
        let State::Body { request, body: BodyState::Length(left) } = &mut self.state else {
            return 0;
        };
        let n = bytes.len().min(usize::try_from(*left).unwrap_or(usize::MAX));
        if let Err(_err) = request.body.append(&bytes[..n], self.spool.as_deref()) {
            let offset = self.base + self.buf.len() as u64;
            self.state = State::Failed(HttpError { kind: ErrorKind::BodySpool, offset });
            self.buf = Vec::new();
            self.start = 0;
            return bytes.len();
        }
        *left -= n as u64;
        // The bytes taken count as consumed: the buffer's first byte comes after them.
        self.base += n as u64;
        n
    }

    /// Decodes the next event from the bytes fed so far: `Ok(None)` until more bytes are
    /// needed (or for ever, once closed). An error is final: answer it with its status,
    /// then close the connection; it is returned again by later calls.
    pub fn decode(&mut self) -> Result<Option<Event>, HttpError> {
        if let State::Failed(e) = self.state {
            return Err(e);
        }
        self.step().map_err(|(kind, at)| {
            let e = HttpError { kind, offset: self.base + at as u64 };
            self.state = State::Failed(e);
            self.buf = Vec::new();
            self.start = 0;
            e
        })
    }

    /// What the decoder waits for.
    pub fn phase(&self) -> Phase {
        match self.state {
            State::Head { .. } if self.start == self.buf.len() => Phase::Idle,
            State::Head { .. } => Phase::Head,
            State::Body { .. } => Phase::Body,
            State::Closed | State::Failed(_) => Phase::Closed,
        }
    }

    /// Gives back the buffer's memory if everything in it is decoded (between requests),
    /// so that an idle keep-alive connection holds none; the next request allocates anew.
    pub fn release_idle_buffer(&mut self) {
        if self.start == self.buf.len() && self.buf.capacity() > 0 {
            self.base += self.start as u64;
            self.buf = Vec::new();
            self.start = 0;
        }
    }

    /// Bytes received and not yet decoded into a request: the caller stops reading when
    /// this is large (pipelined requests waiting for their turn).
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.start
    }

    /// Moves the body being read, if it is in memory, to a spool file now (the daemon's
    /// memory budget is spent); a no-op without a spool or a body in progress.
    pub fn spill_body(&mut self) -> std::io::Result<()> {
        match (&mut self.state, &self.spool) {
            (State::Body { request, .. }, Some(spool)) => request.body.spill(spool),
            _ => Ok(()),
        }
    }

    /// The heap bytes the decoder holds for the connection: its buffer and the body being
    /// read, if in memory.
    pub fn memory(&self) -> usize {
        let body = match &self.state {
            State::Body { request, .. } => request.body.memory(),
            _ => 0,
        };
        self.buf.capacity() + body
    }

    /// One step; a fault comes with its offset in `buf`.
    fn step(&mut self) -> Result<Option<Event>, (ErrorKind, usize)> {
        let limits = self.limits;
        if let State::Head { scanner, skipped_empty_line } = &mut self.state {
            // RFC 9112 §2.2: ignore one empty line before a request line.
            if !*skipped_empty_line && self.buf[self.start..].starts_with(b"\r\n") {
                self.start += 2;
                *skipped_empty_line = true;
            }
            let input = &self.buf[self.start..];
            let found = scanner
                .scan(input, limits.max_header_bytes, limits.max_headers)
                .map_err(|(kind, at)| (kind, self.start + at))?;
            let Some(found) = found else { return Ok(None) };
            let at = self.start;
            let located = |kind| (kind, at);
            let head = parse_head(&input[..found.len], found.fields)
                .map_err(|(kind, k)| (kind, at + k))?;
            let framing = framing(head.version, &head.headers, limits.max_body).map_err(located)?;
            self.start += found.len;
            let request = Request {
                method: head.method,
                target: head.target,
                version: head.version,
                headers: head.headers,
                body: Body::default(),
                trailers: Vec::new(),
                keep_alive: framing.keep_alive,
            };
            let body = match framing.body {
                Framing::Length(0) => return Ok(Some(self.finish(request))),
                Framing::Length(n) => BodyState::Length(n),
                Framing::Chunked => BodyState::Chunked(Chunked::new()),
            };
            self.state = State::Body { request: Box::new(request), body };
            if framing.expect_continue && self.start == self.buf.len() {
                return Ok(Some(Event::Continue));
            }
        }
        let State::Body { request, body } = &mut self.state else { return Ok(None) };
        let input = &self.buf[self.start..];
        let done = match body {
            BodyState::Length(left) => {
                let n = input.len().min(usize::try_from(*left).unwrap_or(usize::MAX));
                let at = self.start;
                request
                    .body
                    .append(&input[..n], self.spool.as_deref())
                    .map_err(|_| (ErrorKind::BodySpool, at))?;
                self.start += n;
                *left -= n as u64;
                *left == 0
            }
            BodyState::Chunked(chunked) => {
                let limits = ChunkLimits {
                    max_body: limits.max_body,
                    max_trailer_bytes: limits.max_header_bytes,
                    max_trailers: limits.max_headers,
                };
                let at = self.start;
                let progress = chunked
                    .decode(input, &mut request.body, self.spool.as_deref(), limits)
                    .map_err(|(kind, k)| (kind, at + k))?;
                self.start += progress.consumed;
                match progress.done {
                    Some(trailers) => {
                        request.trailers = trailers;
                        true
                    }
                    None => false,
                }
            }
        };
        if !done {
            return Ok(None);
        }
        let State::Body { request, .. } = std::mem::replace(&mut self.state, State::Closed) else {
            unreachable!("in the body state")
        };
        Ok(Some(self.finish(*request)))
    }

    /// Ends `request`: the decoder waits for the next one, or closes.
    fn finish(&mut self, request: Request) -> Event {
        if request.keep_alive {
            self.state = head();
        } else {
            self.state = State::Closed;
            self.buf = Vec::new();
            self.start = 0;
        }
        Event::Request(request)
    }
}

fn head() -> State {
    State::Head { scanner: Scanner::new(Section::Head), skipped_empty_line: false }
}
