//! What the encoders refuse (naming the part), and what a request leaves behind.

use super::super::*;
use super::{fields, peer};
use ErrorKind::*;

fn request<'a>(
    method: &'a [u8],
    target: &'a [u8],
    headers: &'a [(&'a str, &'a str)],
) -> RequestParts<'a, impl Iterator<Item = (&'a [u8], &'a [u8])> + Clone> {
    RequestParts {
        method,
        target,
        version: ::http::Version::HTTP_11,
        peer: peer(),
        headers: fields(headers),
        body: b"",
        body_in_fd: None,
    }
}

fn refused<'a>(
    parts: &RequestParts<'a, impl Iterator<Item = (&'a [u8], &'a [u8])> + Clone>,
) -> (Option<usize>, ErrorKind, u16) {
    let mut out = b"kept".to_vec();
    let e = encode_request_into(parts, &mut out).unwrap_err();
    assert_eq!(out, b"kept", "the buffer is left as it was");
    (e.header(), e.kind(), e.status())
}

#[test]
fn a_request_the_format_cannot_carry() {
    assert_eq!(refused(&request(b"", b"/", &[])), (None, MethodLength(0), 400));
    assert_eq!(refused(&request(b"G T", b"/", &[])), (None, MethodByte(b' '), 400));
    let long = vec![b'a'; MAX_TARGET];
    let mut target = b"/".to_vec();
    target.extend_from_slice(&long);
    assert_eq!(refused(&request(b"GET", &target, &[])), (None, TargetLength(32_769), 414));
    assert_eq!(refused(&request(b"GET", b"/\xc3\xa9", &[])), (None, TargetByte(0xc3), 400));
    assert_eq!(refused(&request(b"GET", b"http://a:b:c/", &[])), (None, Target, 400));
    let bad_value = [("host", "h"), ("x", "a\r\nb")];
    assert_eq!(refused(&request(b"GET", b"/", &bad_value)), (Some(1), ValueByte(b'\r'), 400));
    let bad_name = [("host", "h"), ("a b", "1")];
    assert_eq!(refused(&request(b"GET", b"/", &bad_name)), (Some(1), NameByte(b' '), 400));
    let long_name = "n".repeat(MAX_NAME + 1);
    let named = [(long_name.as_str(), "1")];
    assert_eq!(refused(&request(b"GET", b"/", &named)), (Some(0), NameLength(257), 431));
    let many = vec![("x", "1"); MAX_HEADERS + 1];
    assert_eq!(refused(&request(b"GET", b"/", &many)), (Some(10_000), HeaderCount(10_001), 431));
}

#[test]
fn a_request_loses_what_is_ostiumds() {
    let headers = [
        ("Host", "h"),
        ("Connection", "keep-alive, X-Hop"),
        ("Content-Length", "3"),
        ("Transfer-Encoding", "chunked"),
        ("x-hop", "gone"),
        ("X-Kept", "1"),
        ("TE", "trailers"),
        ("Keep-Alive", "timeout=5"),
        ("Expect", "100-continue"),
        ("Upgrade", "websocket"),
        ("Trailer", "x"),
        ("Proxy-Connection", "close"),
        ("x-kept", "2"),
    ];
    let msg = encode_request(&request(b"POST", b"/", &headers)).unwrap();
    let parts = decode_request_parts(&msg).unwrap();
    let kept: Vec<_> = parts.headers.collect();
    assert_eq!(kept, [(&b"host"[..], &b"h"[..]), (b"x-kept", b"1"), (b"x-kept", b"2")]);
}

#[test]
fn a_response_the_format_cannot_carry() {
    let refused = |status, headers: &[(&str, &str)], body: &[u8]| {
        let parts = ResponseParts { status, headers: fields(headers), body };
        let e = encode_response_parts(&parts).unwrap_err();
        (e.header(), e.kind())
    };
    assert_eq!(refused(101, &[], b""), (None, Status(101)));
    assert_eq!(refused(600, &[], b""), (None, Status(600)));
    assert_eq!(refused(204, &[], b"x"), (None, BodyNotAllowed(204)));
    assert_eq!(refused(304, &[], b"x"), (None, BodyNotAllowed(304)));
    let framed = [("content-type", "text/plain"), ("Content-Length", "1")];
    assert_eq!(refused(200, &framed, b"x"), (Some(1), HopByHop("content-length")));
    assert_eq!(refused(200, &[("connection", "close")], b""), (Some(0), HopByHop("connection")));
    assert_eq!(refused(200, &[("x", "\x7f")], b""), (Some(0), ValueByte(0x7f)));

    let mut response = ::http::Response::new(b"x".to_vec());
    response.headers_mut().insert("transfer-encoding", "chunked".parse().unwrap());
    let e = encode_response(&response).unwrap_err();
    assert_eq!((e.header(), e.kind()), (Some(0), HopByHop("transfer-encoding")));
    assert_eq!(
        e.to_string(),
        "header field 0: field `transfer-encoding` is ostiumd's, not the app's"
    );
}

#[test]
fn a_request_without_a_peer_cannot_be_sent() {
    let request = ::http::Request::new(Vec::new());
    assert_eq!(encode_http_request(&request).unwrap_err().kind(), NoPeer);
}

#[test]
fn errors_read_well() {
    let e = decode_request_parts(b"OHRQ\x02\x00").unwrap_err();
    assert_eq!(e.to_string(), "byte 4: format version 2, not 1");
}
