//! Tests of the HTTP message codec: every rejection at its offset (`reject`), what
//! encoding refuses and drops (`encode`), and round trips of arbitrary messages
//! (`roundtrip`).

mod body_fd;
mod encode;
mod reject;
mod roundtrip;

use super::*;

/// The peer of the sample messages.
pub(super) fn peer() -> Peer {
    Peer::new("192.0.2.7:50000".parse().unwrap(), "127.0.0.1:8080".parse().unwrap())
}

/// Header fields as the encoders take them.
pub(super) fn fields<'a>(
    pairs: &'a [(&'a str, &'a str)],
) -> impl Iterator<Item = (&'a [u8], &'a [u8])> + Clone {
    pairs.iter().map(|(n, v)| (n.as_bytes(), v.as_bytes()))
}

/// A valid request message: `GET /a?b` with `host: h` and `x: 1`, a 3-byte body.
pub(super) fn sample_request() -> Vec<u8> {
    encode_request(&RequestParts {
        method: b"GET",
        target: b"/a?b",
        version: ::http::Version::HTTP_11,
        peer: peer(),
        headers: fields(&[("Host", "h"), ("X", "1")]),
        body: b"abc",
        body_in_fd: None,
    })
    .unwrap()
}

/// A valid response message: 200 with `x: 1` and a 2-byte body.
pub(super) fn sample_response() -> Vec<u8> {
    encode_response_parts(&ResponseParts {
        status: 200,
        headers: fields(&[("x", "1")]),
        body: b"ok",
    })
    .unwrap()
}

#[test]
fn the_sample_request_is_laid_out_as_documented() {
    let msg = sample_request();
    // Fixed header, "GET", "/a?b", two entries (6 + 4 + 1, 6 + 1 + 1), "abc".
    assert_eq!(msg.len(), 80 + 3 + 4 + 11 + 8 + 3);
    assert_eq!(&msg[..8], b"OHRQ\x01\x00\x00\x00");
    assert_eq!(&msg[8..16], &[1, 1, 4, 4, 0x50, 0xc3, 0x90, 0x1f]);
    assert_eq!(&msg[16..20], &[192, 0, 2, 7]);
    assert_eq!(&msg[32..36], &[127, 0, 0, 1]);
    assert_eq!(&msg[56..60], &[3, 0, 4, 0]);
    assert_eq!(&msg[60..68], &[2, 0, 0, 0, 19, 0, 0, 0]);
    assert_eq!(&msg[72..80], &[3, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(&msg[80..87], b"GET/a?b");
    assert_eq!(&msg[87..98], b"\x04\x00\x01\x00\x00\x00hosth");
    assert_eq!(&msg[msg.len() - 3..], b"abc");

    let parts = decode_request_parts(&msg).unwrap();
    assert_eq!((parts.method, parts.target, parts.body), (&b"GET"[..], &b"/a?b"[..], &b"abc"[..]));
    assert_eq!(parts.headers.collect::<Vec<_>>(), [(&b"host"[..], &b"h"[..]), (b"x", b"1")]);
}

#[test]
fn the_sample_response_is_laid_out_as_documented() {
    let msg = sample_response();
    assert_eq!(
        msg,
        b"OHRS\x01\x00\x00\x00\xc8\x00\x00\x00\x01\x00\x00\x00\x08\x00\x00\x00\
          \x00\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00\
          \x01\x00\x01\x00\x00\x00x1ok"
    );
    let parts = decode_response(&msg).unwrap();
    assert_eq!(
        (parts.status, parts.headers.get("x"), parts.body),
        (200, Some(&b"1"[..]), &b"ok"[..])
    );
}

#[test]
fn the_http_types_see_the_request() {
    let request = decode_request(&sample_request()).unwrap();
    assert_eq!(request.method(), ::http::Method::GET);
    assert_eq!(request.uri().path(), "/a");
    assert_eq!(request.uri().query(), Some("b"));
    assert_eq!(request.version(), ::http::Version::HTTP_11);
    assert_eq!(request.headers()["host"], "h");
    assert_eq!(request.body(), b"abc");
    assert_eq!(request.extensions().get::<Peer>(), Some(&peer()));
    // And back: the same bytes.
    assert_eq!(encode_http_request(&request).unwrap(), sample_request());
}

/// The hex dumps of the format document's appendix, in order: on each line, the two-digit
/// hex tokens before the comment.
fn appendix_dumps() -> Vec<Vec<u8>> {
    const SPEC: &str =
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/http-over-doors.md"));
    let (_, appendix) = SPEC.split_once("## Appendix").expect("the format has an appendix");
    let dump = |block: &str| -> Vec<u8> {
        block
            .lines()
            .flat_map(|line| {
                line.split_whitespace()
                    .take_while(|t| t.len() == 2 && t.bytes().all(|b| b.is_ascii_hexdigit()))
                    .map(|t| u8::from_str_radix(t, 16).unwrap())
            })
            .collect()
    };
    appendix.split("```").skip(1).step_by(2).map(dump).collect()
}

#[test]
fn the_appendix_is_what_the_codec_encodes() {
    let dumps = appendix_dumps();
    assert_eq!(dumps.len(), 2, "a request and its response");
    let request = encode_request(&RequestParts {
        method: b"POST",
        target: b"/a?b",
        version: ::http::Version::HTTP_11,
        peer: peer(),
        headers: fields(&[("Host", "h"), ("Content-Length", "3"), ("X", "1")]),
        body: b"abc",
        body_in_fd: None,
    })
    .unwrap();
    assert_eq!(request, dumps[0]);
    let response = encode_response_parts(&ResponseParts {
        status: 200,
        headers: fields(&[("content-type", "text/plain")]),
        body: b"ok",
    })
    .unwrap();
    assert_eq!(response, dumps[1]);
}
