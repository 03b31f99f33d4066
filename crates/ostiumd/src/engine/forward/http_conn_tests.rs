//! [`HttpConn`](super::http_conn::HttpConn): pipelining, failures and their statuses,
//! `100 Continue`, closing.

use ostium::CallError;
use ostium::wire::Fault;
use ostium_http::{ResponseParts, encode_response_parts};

use super::http_conn::{Call, HttpConn, MAX_PIPELINE, Outcome};
use crate::http::{Limits, Phase};

fn limits() -> Limits {
    Limits { max_header_bytes: 8192, max_headers: 100, max_body: 1 << 20 }
}

fn response(status: u16, headers: &[(&[u8], &[u8])], body: &[u8]) -> Vec<u8> {
    encode_response_parts(&ResponseParts { status, headers: headers.iter().copied(), body })
        .unwrap()
}

/// A call's request target, from its request message.
fn target(call: &Call) -> String {
    let parts = ostium_http::decode_request_parts(&call.args).unwrap();
    String::from_utf8(parts.target.to_vec()).unwrap()
}

/// A call's body (in the message: these tests spool nothing).
fn body(call: &Call) -> Vec<u8> {
    ostium_http::decode_request_parts(&call.args).unwrap().body.to_vec()
}

/// Feeds `bytes`, returns the calls and whatever is ready to write.
fn feed(conn: &mut HttpConn, bytes: &[u8]) -> (Vec<Call>, String) {
    let mut calls = Vec::new();
    conn.on_bytes(bytes, &mut calls);
    let mut out = Vec::new();
    conn.take_output(&mut out, &mut calls);
    (calls, String::from_utf8(out).unwrap())
}

fn output(conn: &mut HttpConn) -> String {
    let mut out = Vec::new();
    conn.take_output(&mut out, &mut Vec::new());
    String::from_utf8(out).unwrap()
}

#[test]
fn pipelined_responses_go_out_in_request_order() {
    let mut conn = HttpConn::new(limits());
    let (calls, out) = feed(
        &mut conn,
        b"GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\nHEAD /c HTTP/1.1\r\nHost: x\r\n\r\n",
    );
    assert_eq!(calls.iter().map(target).collect::<Vec<_>>(), ["/a", "/b", "/c"]);
    assert!(out.is_empty());
    // The second's reply first: nothing may be written until the first's.
    conn.on_reply(calls[1].seq, Outcome::Replied(response(200, &[], b"bee")), None);
    assert_eq!(output(&mut conn), "");
    conn.on_reply(calls[0].seq, Outcome::Replied(response(201, &[(b"x-a", b"1")], b"ay")), None);
    let out = output(&mut conn);
    let first = out.find("201 Created").unwrap();
    let second = out.find("200 OK").unwrap();
    assert!(first < second, "{out}");
    assert!(out.contains("x-a: 1\r\n") && out.ends_with("bee"), "{out}");
    conn.on_reply(calls[2].seq, Outcome::Replied(response(200, &[], b"not sent for HEAD")), None);
    let out = output(&mut conn);
    assert!(
        out.contains("content-length: 17\r\n") || out.contains("Content-Length: 17\r\n"),
        "{out}"
    );
    assert!(out.ends_with("\r\n\r\n"), "a HEAD response has no body: {out}");
    assert!(!conn.finished());
}

#[test]
fn each_failure_gets_its_status() {
    let cases: Vec<(Outcome, &str)> = vec![
        (
            Outcome::Failed(CallError::no_door(
                std::path::Path::new("/x"),
                std::io::ErrorKind::NotFound.into(),
            )),
            "503",
        ),
        (Outcome::Failed(CallError::ServerDeath { path: "/x".into() }), "502"),
        (Outcome::Unencodable, "400"),
        (Outcome::Failed(CallError::Fault(Fault::HandlerPanicked)), "500"),
        (Outcome::Failed(CallError::Fault(Fault::BadMessage)), "502"),
        (Outcome::Failed(CallError::Fault(Fault::RequestTooLarge)), "413"),
        (Outcome::TimedOut, "504"),
        (Outcome::Replied(b"not a response message".to_vec()), "502"),
        (Outcome::Replied(response(200, &[(b"x-ok", b"1")], b"")), "200"),
    ];
    for (outcome, status) in cases {
        let mut conn = HttpConn::new(limits());
        let (calls, _) = feed(&mut conn, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        conn.on_reply(calls[0].seq, outcome, None);
        let out = output(&mut conn);
        assert!(out.starts_with(&format!("HTTP/1.1 {status} ")), "{status}: {out}");
        assert!(!conn.finished(), "{status}: the connection stays open");
    }
}

#[test]
fn a_malformed_request_is_answered_after_the_earlier_ones_then_the_connection_closes() {
    let mut conn = HttpConn::new(limits());
    let (calls, out) = feed(
        &mut conn,
        b"GET /ok HTTP/1.1\r\nHost: x\r\n\r\nPOST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
    );
    assert_eq!(calls.len(), 1);
    assert!(out.is_empty(), "the 400 waits for the first response");
    conn.on_reply(calls[0].seq, Outcome::Replied(response(200, &[], b"ok")), None);
    let out = output(&mut conn);
    assert!(out.starts_with("HTTP/1.1 200 OK"), "{out}");
    assert!(out.contains("HTTP/1.1 400 Bad Request"), "{out}");
    assert!(conn.finished());
}

#[test]
fn connection_close_and_http_1_0_end_the_connection_after_their_response() {
    for request in [
        &b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET /never HTTP/1.1\r\nHost: x\r\n\r\n"[..],
        b"GET / HTTP/1.0\r\n\r\n",
    ] {
        let mut conn = HttpConn::new(limits());
        let (calls, _) = feed(&mut conn, request);
        assert_eq!(calls.len(), 1, "nothing after the last request is read");
        conn.on_reply(calls[0].seq, Outcome::Replied(response(200, &[], b"bye")), None);
        let out = output(&mut conn);
        assert!(out.to_ascii_lowercase().contains("connection: close"), "{out}");
        assert!(conn.finished());
    }
}

#[test]
fn continue_is_written_in_order_before_the_body_arrives() {
    let mut conn = HttpConn::new(limits());
    let (calls, out) = feed(
        &mut conn,
        b"POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n",
    );
    assert!(calls.is_empty());
    assert_eq!(out, "HTTP/1.1 100 Continue\r\n\r\n");
    assert_eq!(conn.phase(), Phase::Body);
    let (calls, out) = feed(&mut conn, b"hello");
    assert_eq!(body(&calls[0]), b"hello");
    assert!(out.is_empty());
}

#[test]
fn a_client_cannot_queue_more_than_the_pipeline_holds() {
    let mut conn = HttpConn::new(limits());
    let many = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n".repeat(MAX_PIPELINE + 5);
    let (calls, _) = feed(&mut conn, &many);
    assert_eq!(calls.len(), MAX_PIPELINE);
    conn.on_reply(calls[0].seq, Outcome::Replied(response(204, &[], b"")), None);
    let mut more = Vec::new();
    let mut out = Vec::new();
    conn.take_output(&mut out, &mut more);
    assert_eq!(more.len(), 1, "one answered, one more decoded");
}

#[test]
fn a_read_timeout_answers_408_and_closes() {
    let mut conn = HttpConn::new(limits());
    let (calls, _) = feed(&mut conn, b"GET / HTTP/1.1\r\nHo");
    assert!(calls.is_empty());
    assert_eq!(conn.phase(), Phase::Head);
    conn.on_read_timeout(None);
    assert!(output(&mut conn).starts_with("HTTP/1.1 408 "));
    assert!(conn.finished());
}

#[test]
fn request_lines_are_kept_for_the_access_log_only_when_asked() {
    for (mut conn, kept) in [
        (HttpConn::new(limits()), Some(("GET".to_owned(), "/a?b".to_owned()))),
        (HttpConn::new(limits()).without_request_lines(), None),
    ] {
        let (calls, _) = feed(&mut conn, b"GET /a?b HTTP/1.1\r\nHost: x\r\n\r\n");
        conn.on_reply(calls[0].seq, Outcome::Replied(response(200, &[], b"ok")), None);
        let mut out = Vec::new();
        let written = conn.take_output(&mut out, &mut Vec::new());
        assert_eq!(written.len(), 1);
        assert_eq!(written[0].line, kept);
    }
}

#[test]
fn draining_closes_an_idle_connection_at_once() {
    let mut conn = HttpConn::new(limits());
    let (calls, _) = feed(&mut conn, b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
    conn.on_reply(calls[0].seq, Outcome::Replied(response(200, &[], b"a")), None);
    assert!(output(&mut conn).contains("200 OK"));
    assert!(!conn.finished());
    conn.drain();
    assert!(conn.finished(), "nothing started: it closes now");
}

#[test]
fn draining_answers_the_request_being_read_then_closes() {
    let mut conn = HttpConn::new(limits());
    let (calls, _) =
        feed(&mut conn, b"POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nhalf-");
    assert!(calls.is_empty());
    conn.drain();
    assert!(!conn.finished(), "a body is still arriving");
    let (calls, _) = feed(&mut conn, b"body!GET /next HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(calls.len(), 1, "the upload, and nothing after it");
    assert_eq!(body(&calls[0]), b"half-body!");
    conn.on_reply(calls[0].seq, Outcome::Replied(response(200, &[], b"ok")), None);
    let out = output(&mut conn);
    assert!(
        out.contains("200 OK") && out.to_ascii_lowercase().contains("connection: close"),
        "{out}"
    );
    assert!(conn.finished());
}

#[test]
fn draining_says_close_on_the_response_still_at_the_application() {
    let mut conn = HttpConn::new(limits());
    let (calls, _) = feed(&mut conn, b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
    conn.drain();
    assert!(!conn.finished());
    conn.on_reply(calls[0].seq, Outcome::Replied(response(200, &[], b"late")), None);
    let out = output(&mut conn);
    assert!(out.to_ascii_lowercase().contains("connection: close"), "{out}");
    assert!(conn.finished());
}

#[test]
fn at_the_drain_deadline_what_is_unanswered_gets_503_and_close() {
    // A request still at the application.
    let mut conn = HttpConn::new(limits());
    let (calls, _) = feed(&mut conn, b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
    conn.drain();
    conn.on_drain_deadline(None);
    let out = output(&mut conn);
    assert!(out.starts_with("HTTP/1.1 503"), "{out}");
    assert!(out.to_ascii_lowercase().contains("connection: close"), "{out}");
    assert!(conn.finished());
    // Its late reply changes nothing.
    conn.on_reply(calls[0].seq, Outcome::Replied(response(200, &[], b"late")), None);
    assert_eq!(output(&mut conn), "");

    // A body that never finished arriving.
    let mut conn = HttpConn::new(limits());
    feed(&mut conn, b"POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nhalf");
    conn.drain();
    conn.on_drain_deadline(None);
    let out = output(&mut conn);
    assert!(out.starts_with("HTTP/1.1 503"), "{out}");
    assert!(conn.finished());
}

#[test]
fn a_request_the_door_format_cannot_carry_is_400_and_no_call() {
    let mut conn = HttpConn::new(limits());
    // A method longer than the format's 64 bytes.
    let method = "M".repeat(65);
    let (calls, out) =
        feed(&mut conn, format!("{method} / HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes());
    assert!(calls.is_empty());
    assert!(out.starts_with("HTTP/1.1 400 Bad Request"), "{out}");
}

#[test]
fn calls_carry_the_addresses_the_connection_was_given() {
    let endpoints = super::door_request::Endpoints {
        client: "192.0.2.7:50000".parse().unwrap(),
        local: "127.0.0.1:8080".parse().unwrap(),
    };
    let mut conn = HttpConn::new(limits()).from(endpoints);
    conn.set_client("198.51.100.1:4000".parse().unwrap());
    let (calls, _) = feed(&mut conn, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    let peer = ostium_http::decode_request_parts(&calls[0].args).unwrap().peer;
    assert_eq!(peer.remote, "198.51.100.1:4000".parse().unwrap());
    assert_eq!(peer.local, endpoints.local);
    assert!(calls[0].retryable && calls[0].body_file.is_none());
}
