//! Tests of the decoder as the engine uses it: a table of valid and invalid requests (every
//! smuggling vector among them) with their outcome, the same outcome however the bytes are
//! split, pipelining, `100 Continue`, and phases.

use super::*;

const LIMITS: Limits = Limits { max_header_bytes: 256, max_headers: 8, max_body: 64 };

/// What decoding produced: the requests, then the error if any (`Continue` left out).
#[derive(Debug, PartialEq)]
struct Outcome {
    requests: Vec<Request>,
    error: Option<HttpError>,
}

/// Feeds `pieces` one by one, decoding everything possible after each.
fn run(pieces: &[&[u8]]) -> Outcome {
    let mut d = Decoder::new(LIMITS);
    let mut requests = Vec::new();
    for piece in pieces {
        d.feed(piece);
        loop {
            match d.decode() {
                Ok(Some(Event::Request(r))) => requests.push(r),
                Ok(Some(Event::Continue)) => {}
                Ok(None) => break,
                Err(e) => return Outcome { requests, error: Some(e) },
            }
        }
    }
    Outcome { requests, error: None }
}

fn whole(input: &[u8]) -> Outcome {
    run(&[input])
}

/// Expected: how many requests, and the error ending the stream if any.
type Expected = (usize, Option<ErrorKind>);

const GOOD: &[(&str, &[u8], Expected)] = &[
    ("simple get", b"GET / HTTP/1.1\r\nHost: a\r\n\r\n", (1, None)),
    ("http/1.0 without host", b"GET / HTTP/1.0\r\n\r\n", (1, None)),
    ("head", b"HEAD /x HTTP/1.1\r\nHost: a\r\n\r\n", (1, None)),
    ("content-length body", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello", (1, None)),
    ("leading zeros", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 005\r\n\r\nhello", (1, None)),
    ("chunked body", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n0\r\nT: 1\r\n\r\n", (1, None)),
    ("one empty line first", b"\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", (1, None)),
    ("pipelined", b"GET /1 HTTP/1.1\r\nHost: a\r\n\r\nPOST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\nxGET /3 HTTP/1.1\r\nHost: a\r\n\r\n", (3, None)),
    ("close stops decoding", b"GET /1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n", (1, None)),
    ("http/1.0 closes", b"GET /1 HTTP/1.0\r\n\r\nGET /2 HTTP/1.0\r\n\r\n", (1, None)),
    ("http/1.0 keep-alive", b"GET /1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /2 HTTP/1.0\r\n\r\n", (2, None)),
    ("obs-text value", b"GET / HTTP/1.1\r\nHost: a\r\nX: caf\xe9\r\n\r\n", (1, None)),
    ("body at the limit", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 64\r\n\r\n0123456789012345678901234567890123456789012345678901234567890123", (1, None)),
];

const BAD: &[(&str, &[u8], Expected)] = &[
    // Smuggling: framing headers.
    ("cl and te", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", (0, Some(ErrorKind::LengthAndTransferEncoding))),
    ("te and cl", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", (0, Some(ErrorKind::LengthAndTransferEncoding))),
    ("conflicting cl", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", (0, Some(ErrorKind::RepeatedContentLength))),
    ("repeated equal cl", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello", (0, Some(ErrorKind::RepeatedContentLength))),
    ("cl list", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\nhello", (0, Some(ErrorKind::ContentLength))),
    ("cl sign", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\nhello", (0, Some(ErrorKind::ContentLength))),
    ("cl negative", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", (0, Some(ErrorKind::ContentLength))),
    ("cl hex", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x5\r\n\r\n", (0, Some(ErrorKind::ContentLength))),
    ("cl empty", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n", (0, Some(ErrorKind::ContentLength))),
    ("te not chunked", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", (0, Some(ErrorKind::ChunkedNotLast))),
    ("te chunked not last", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", (0, Some(ErrorKind::ChunkedNotLast))),
    ("te chunked twice", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", (0, Some(ErrorKind::ChunkedNotLast))),
    ("te identity", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n", (0, Some(ErrorKind::ChunkedNotLast))),
    ("te gzip then chunked", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", (0, Some(ErrorKind::UnsupportedCoding))),
    ("te chunked-false", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n", (0, Some(ErrorKind::ChunkedNotLast))),
    ("te in http/1.0", b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", (0, Some(ErrorKind::TransferEncodingHttp10))),
    ("te with space before colon", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n", (0, Some(ErrorKind::HeaderName))),
    ("te folded", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n chunked\r\n\r\n", (0, Some(ErrorKind::ObsoleteFold))),
    // Smuggling: chunk framing.
    ("chunk size not hex", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", (0, Some(ErrorKind::ChunkSize))),
    ("chunk size 0x", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n", (0, Some(ErrorKind::ChunkSize))),
    ("chunk size overflow", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000005\r\nhello\r\n0\r\n\r\n", (0, Some(ErrorKind::ChunkSize))),
    ("chunk size bare lf", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n", (0, Some(ErrorKind::ChunkSize))),
    ("chunk data without crlf", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloX0\r\n\r\n", (0, Some(ErrorKind::ChunkEnd))),
    ("chunk data bare lf", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\n0\r\n\r\n", (0, Some(ErrorKind::ChunkEnd))),
    ("second chunk size bad", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;p=\"y z\"\r\nhello\r\n0\rT\n\r\n", (0, Some(ErrorKind::ChunkSize))),
    ("chunk ext control", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;a\x00\r\nhello\r\n0\r\n\r\n", (0, Some(ErrorKind::ChunkSize))),
    ("trailer folded", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nA: 1\r\n b\r\n\r\n", (0, Some(ErrorKind::ObsoleteFold))),
    // Line structure.
    ("bare lf in head", b"GET / HTTP/1.1\nHost: a\n\n", (0, Some(ErrorKind::BareLineEnd))),
    ("bare cr in head", b"GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n", (0, Some(ErrorKind::BareLineEnd))),
    ("obs-fold", b"GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n\t2\r\n\r\n", (0, Some(ErrorKind::ObsoleteFold))),
    ("two empty lines first", b"\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", (0, Some(ErrorKind::RequestLine))),
    ("bad header name", b"GET / HTTP/1.1\r\nHost: a\r\nX(y): 1\r\n\r\n", (0, Some(ErrorKind::HeaderName))),
    ("nul in value", b"GET / HTTP/1.1\r\nHost: a\r\nX: a\x00b\r\n\r\n", (0, Some(ErrorKind::HeaderValue))),
    ("space in target", b"GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", (0, Some(ErrorKind::RequestLine))),
    ("no version", b"GET /\r\nHost: a\r\n\r\n", (0, Some(ErrorKind::RequestLine))),
    ("http/2.0", b"GET / HTTP/2.0\r\nHost: a\r\n\r\n", (0, Some(ErrorKind::Version))),
    ("no host", b"GET / HTTP/1.1\r\n\r\n", (0, Some(ErrorKind::Host))),
    ("two hosts", b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", (0, Some(ErrorKind::Host))),
    ("expectation", b"GET / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\n\r\n", (0, Some(ErrorKind::Expectation))),
    // Limits.
    ("body too large", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 65\r\n\r\n", (0, Some(ErrorKind::BodyTooLarge))),
    ("huge cl", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999\r\n\r\n", (0, Some(ErrorKind::BodyTooLarge))),
    ("chunked too large", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n20\r\n01234567890123456789012345678901\r\n21\r\n", (0, Some(ErrorKind::BodyTooLarge))),
    ("too many headers", b"GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 1\r\nC: 1\r\nD: 1\r\nE: 1\r\nF: 1\r\nG: 1\r\nH: 1\r\n\r\n", (0, Some(ErrorKind::TooManyHeaders))),
    // Errors after good requests: those before are still delivered.
    ("good then bad", b"GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx", (1, Some(ErrorKind::RepeatedContentLength))),
];

fn check_table(table: &[(&str, &[u8], Expected)]) {
    for (name, input, (count, error)) in table {
        let out = whole(input);
        assert_eq!(out.requests.len(), *count, "{name}: {out:?}");
        assert_eq!(out.error.map(|e| e.kind), *error, "{name}: {out:?}");
    }
}

#[test]
fn valid_requests() {
    check_table(GOOD);
}

#[test]
fn invalid_requests_with_their_status() {
    check_table(BAD);
    let status = |input: &[u8]| whole(input).error.map(|e| e.status().code());
    assert_eq!(status(BAD[0].1), Some(400));
    assert_eq!(status(b"GET / HTTP/2.0\r\nHost: a\r\n\r\n"), Some(505));
    assert_eq!(
        status(b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"),
        Some(501)
    );
    assert_eq!(status(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 65\r\n\r\n"), Some(413));
    assert_eq!(status(b"GET / HTTP/1.1\r\nHost: a\r\nExpect: x\r\n\r\n"), Some(417));
    let long_target = [b"GET /".as_slice(), &[b'a'; 300]].concat();
    assert_eq!(status(&long_target), Some(414));
    let long_header = [b"GET / HTTP/1.1\r\nX: ".as_slice(), &[b'a'; 300]].concat();
    assert_eq!(status(&long_header), Some(431));
    assert_eq!(status(BAD.iter().find(|c| c.0 == "too many headers").unwrap().1), Some(431));
}

#[test]
fn every_split_gives_the_same_outcome() {
    for (name, input, _) in GOOD.iter().chain(BAD) {
        let expected = whole(input);
        for k in 0..=input.len() {
            let (a, b) = input.split_at(k);
            assert_eq!(run(&[a, b]), expected, "{name}: split at {k}");
        }
        let bytes: Vec<&[u8]> = input.chunks(1).collect();
        assert_eq!(run(&bytes), expected, "{name}: byte by byte");
    }
}

#[test]
fn requests_are_decoded_whole_and_in_order() {
    let out = whole(GOOD.iter().find(|c| c.0 == "pipelined").unwrap().1);
    let targets: Vec<&str> = out.requests.iter().map(|r| r.target.as_str()).collect();
    assert_eq!(targets, ["/1", "/2", "/3"]);
    assert_eq!(out.requests[1].body.in_memory(), Some(&b"x"[..]));
    let chunked = &whole(GOOD.iter().find(|c| c.0 == "chunked body").unwrap().1).requests[0];
    assert_eq!((chunked.body.in_memory(), chunked.trailers.len()), (Some(&b"hello"[..]), 1));
    assert_eq!(chunked.header("transfer-encoding"), Some(b"chunked".as_slice()));
    let head = &whole(b"HEAD /x HTTP/1.1\r\nHost: a\r\n\r\n").requests[0];
    assert!(head.is_head() && head.keep_alive && head.version == Version::Http11);
}

#[test]
fn error_offsets_point_into_the_stream() {
    let input = b"GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\nHost: a\r\n\r\n";
    let e = whole(input).error.unwrap();
    assert_eq!((e.kind, e.offset), (ErrorKind::BareLineEnd, 43));
    assert_eq!(e.to_string(), "CR or LF alone where CRLF is required at byte 43 (400 Bad Request)");
}

#[test]
fn continue_is_announced_before_the_body() {
    let mut d = Decoder::new(LIMITS);
    d.feed(b"PUT / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
    assert_eq!(d.decode(), Ok(Some(Event::Continue)));
    assert_eq!((d.decode(), d.phase()), (Ok(None), Phase::Body));
    d.feed(b"abc");
    let Ok(Some(Event::Request(r))) = d.decode() else { panic!("a request") };
    assert_eq!(r.body.in_memory(), Some(&b"abc"[..]));
    // Body already sent with the head: no Continue. Too large: refused before Continue.
    let mut d = Decoder::new(LIMITS);
    d.feed(b"PUT / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc");
    assert!(matches!(d.decode(), Ok(Some(Event::Request(_)))));
    let mut d = Decoder::new(LIMITS);
    d.feed(b"PUT / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 100\r\n\r\n");
    assert_eq!(d.decode().map_err(|e| e.kind), Err(ErrorKind::BodyTooLarge));
    // No body: nothing to continue.
    let mut d = Decoder::new(LIMITS);
    d.feed(b"GET / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n");
    assert!(matches!(d.decode(), Ok(Some(Event::Request(_)))));
}

#[test]
fn phases_follow_the_request() {
    let mut d = Decoder::new(LIMITS);
    assert_eq!(d.phase(), Phase::Idle);
    d.feed(b"POST / HTTP/1.1\r\nHost: a\r\n");
    assert_eq!((d.decode(), d.phase()), (Ok(None), Phase::Head));
    d.feed(b"Content-Length: 2\r\n\r\nx");
    assert_eq!((d.decode(), d.phase()), (Ok(None), Phase::Body));
    d.feed(b"yGET");
    assert!(matches!(d.decode(), Ok(Some(Event::Request(_)))));
    assert_eq!((d.phase(), d.buffered()), (Phase::Head, 3));
    d.feed(b" / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\nextra");
    assert!(matches!(d.decode(), Ok(Some(Event::Request(r))) if !r.keep_alive));
    assert_eq!((d.decode(), d.phase(), d.buffered()), (Ok(None), Phase::Closed, 0));
    d.feed(b"more");
    assert_eq!(d.buffered(), 0);
}

#[test]
fn errors_are_final() {
    let mut d = Decoder::new(LIMITS);
    d.feed(b"GET / HTTP/1.1\nHost: a\r\n\r\n");
    let e = d.decode().unwrap_err();
    d.feed(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_eq!((d.decode(), d.phase()), (Err(e), Phase::Closed));
}

/// A decoder spooling bodies past 16 bytes to files in the temporary directory.
fn spooling() -> Decoder {
    let spool = Spool { dir: std::env::temp_dir(), memory_max: 16 };
    Decoder::new(Limits { max_header_bytes: 1024, max_headers: 16, max_body: 1 << 20 })
        .spooling(std::sync::Arc::new(spool))
}

/// The bytes of a spooled body.
fn spooled(body: &Body) -> Vec<u8> {
    use std::os::unix::fs::FileExt;
    let Body::File { file, len } = body else { panic!("in memory: {body:?}") };
    let mut bytes = vec![0; *len as usize];
    file.read_exact_at(&mut bytes, 0).unwrap();
    bytes
}

#[test]
fn a_body_past_the_buffer_is_spooled_in_any_split_and_the_next_request_follows() {
    let body: Vec<u8> = (0..5000u32).map(|i| (i % 251) as u8).collect();
    let mut stream =
        format!("POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n", body.len())
            .into_bytes();
    stream.extend_from_slice(&body);
    stream.extend_from_slice(b"GET /next HTTP/1.1\r\nHost: x\r\n\r\n");
    for piece in [1, 7, 100, 4096, stream.len()] {
        let mut decoder = spooling();
        let mut requests = Vec::new();
        for chunk in stream.chunks(piece) {
            decoder.feed(chunk);
            while let Some(Event::Request(r)) = decoder.decode().unwrap() {
                requests.push(r);
            }
        }
        assert_eq!(requests.len(), 2, "in pieces of {piece}");
        assert_eq!(spooled(&requests[0].body), body, "in pieces of {piece}");
        assert_eq!(requests[1].target, "/next");
        assert!(decoder.memory() < 8192, "{} bytes held", decoder.memory());
    }
}

#[test]
fn a_chunked_body_past_the_buffer_is_spooled() {
    let mut decoder = spooling();
    decoder.feed(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
    decoder.feed(b"14\r\n0123456789abcdefghij\r\n5\r\nKLMNO\r\n0\r\n\r\n");
    let Some(Event::Request(r)) = decoder.decode().unwrap() else { panic!("a request") };
    assert_eq!(spooled(&r.body), b"0123456789abcdefghijKLMNO");
}

#[test]
fn a_body_within_the_buffer_stays_in_memory() {
    let mut decoder = spooling();
    decoder.feed(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nsmall");
    let Some(Event::Request(r)) = decoder.decode().unwrap() else { panic!("a request") };
    assert_eq!(r.body.in_memory(), Some(&b"small"[..]));
}

#[test]
fn a_spool_that_cannot_be_written_is_a_500_at_the_body() {
    let spool = Spool { dir: "/nonexistent/spool".into(), memory_max: 4 };
    let mut decoder =
        Decoder::new(Limits { max_header_bytes: 1024, max_headers: 16, max_body: 100 })
            .spooling(std::sync::Arc::new(spool));
    let head = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n";
    decoder.feed(head);
    assert_eq!(decoder.decode(), Ok(None));
    decoder.feed(b"0123456789");
    let err = decoder.decode().unwrap_err();
    assert_eq!((err.kind, err.status().code()), (ErrorKind::BodySpool, 500));
    assert_eq!(err.offset, head.len() as u64);
}
