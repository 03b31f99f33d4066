//! Feeds arbitrary bytes to the HTTP request decoder, whole and in arbitrary splits: it
//! may not panic, every split must give the same requests and the same error, and what it
//! yields must respect the limits and the framing rules.
//!
//! The first input byte seeds the split sizes (a small generator); the rest is the stream.

#![no_main]

use libfuzzer_sys::fuzz_target;
use ostiumd::http::{Decoder, Event, HttpError, Limits, Request};

const LIMITS: Limits = Limits { max_header_bytes: 1024, max_headers: 16, max_body: 4096 };

/// Feeds `pieces` in order, decoding all it can after each.
fn run<'a>(pieces: impl Iterator<Item = &'a [u8]>) -> (Vec<Request>, Option<HttpError>) {
    let mut d = Decoder::new(LIMITS);
    let mut requests = Vec::new();
    for piece in pieces {
        d.feed(piece);
        loop {
            match d.decode() {
                Ok(Some(Event::Request(r))) => requests.push(r),
                Ok(Some(Event::Continue)) => {}
                Ok(None) => break,
                Err(e) => {
                    assert_eq!(d.decode(), Err(e), "errors are final");
                    return (requests, Some(e));
                }
            }
        }
    }
    (requests, None)
}

/// Splits `stream` into pieces of sizes drawn from `seed`.
fn split(stream: &[u8], seed: u8) -> Vec<&[u8]> {
    let mut state = u32::from(seed) | 0x100;
    let mut pieces = Vec::new();
    let mut rest = stream;
    while !rest.is_empty() {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let n = (state as usize % 17 + 1).min(rest.len());
        let (a, b) = rest.split_at(n);
        pieces.push(a);
        rest = b;
    }
    pieces
}

fuzz_target!(|input: &[u8]| {
    let Some((&seed, stream)) = input.split_first() else { return };
    let whole = run(std::iter::once(stream));
    assert_eq!(run(split(stream, seed).into_iter()), whole, "split by seed {seed}");
    assert_eq!(run(stream.chunks(1)), whole, "byte by byte");

    let (requests, error) = whole;
    if let Some(e) = error {
        assert!(e.offset <= stream.len() as u64, "{e:?} beyond {}", stream.len());
        assert!((400..600).contains(&e.status().code()));
    }
    for (k, r) in requests.iter().enumerate() {
        assert!(r.body.len() as u64 <= LIMITS.max_body);
        assert!(r.headers.len() <= LIMITS.max_headers && r.trailers.len() <= LIMITS.max_headers);
        assert!(r.keep_alive || k + 1 == requests.len(), "nothing after a closing request");
        assert!(r.headers.iter().chain(&r.trailers).all(|h| {
            !h.name.is_empty() && !h.value.iter().any(|&b| b == b'\r' || b == b'\n' || b == 0)
        }));
        let lengths = r.headers.iter().filter(|h| h.name.eq_ignore_ascii_case("content-length"));
        let chunked = r.header("transfer-encoding").is_some();
        assert!(lengths.count() + usize::from(chunked) <= 1, "one framing at most");
    }
});
