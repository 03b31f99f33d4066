//! `ostium_http::serve` end to end, over a real door: requests encoded as ostiumd encodes
//! them, responses decoded as ostiumd decodes them, bodies large enough to travel in
//! memfds both ways, and a handler that panics.

use std::path::PathBuf;

use ostium::wire::Fault;
use ostium::{CallError, Client, Door, DoorOptions};
use ostium_http::{HTTP_REQUEST, Peer, RequestParts, decode_response, encode_request};

/// A fresh door path in the temporary directory.
fn door_path(name: &str) -> PathBuf {
    ostium_test_support::door_path("ostium-http-test", name)
}

fn peer() -> Peer {
    Peer::new("[2001:db8::7]:41000".parse().unwrap(), "[2001:db8::1]:8080".parse().unwrap())
}

/// The application: `/echo` answers the body back, `/panic` panics, `/framed` sets a
/// header the format refuses, `/who` names the client; anything else is 404.
fn app(request: ::http::Request<Vec<u8>>) -> ::http::Response<Vec<u8>> {
    let peer = request.extensions().get::<Peer>().copied();
    let (status, body) = match request.uri().path() {
        "/echo" => (200, request.into_body()),
        "/panic" => panic!("the application fails on purpose"),
        "/who" => (200, format!("{:?} {}", peer, request.method()).into_bytes()),
        "/framed" => {
            let mut response = ::http::Response::new(b"x".to_vec());
            response.headers_mut().insert("content-length", "1".parse().unwrap());
            return response;
        }
        _ => (404, b"not found".to_vec()),
    };
    ::http::Response::builder()
        .status(status)
        .header("content-type", "application/octet-stream")
        .header("set-cookie", "a=1")
        .header("set-cookie", "b=2")
        .body(body)
        .unwrap()
}

fn serve(name: &str) -> (Door, Client) {
    let path = door_path(name);
    let door = ostium_http::serve(&path, DoorOptions::default(), app).unwrap();
    let client = Client::open(&path).unwrap();
    (door, client)
}

/// Calls `HTTP_REQUEST` with a request built as ostiumd builds one, from borrowed parts.
fn call(client: &Client, method: &str, target: &str, body: &[u8]) -> Result<Vec<u8>, CallError> {
    let headers = [("Host", "example.org"), ("Content-Length", "ignored")];
    let msg = encode_request(&RequestParts {
        method: method.as_bytes(),
        target: target.as_bytes(),
        version: ::http::Version::HTTP_11,
        peer: peer(),
        headers: headers.iter().map(|(n, v)| (n.as_bytes(), v.as_bytes())),
        body,
        body_in_fd: None,
    })
    .unwrap();
    client.call(HTTP_REQUEST, &msg).map(|reply| reply.data)
}

#[test]
fn a_request_is_answered() {
    let (_door, client) = serve("answer");
    let reply = call(&client, "POST", "/echo?x=1", b"hello door").unwrap();
    let response = decode_response(&reply).unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(response.body, b"hello door");
    let headers: Vec<_> = response.headers.collect();
    assert_eq!(
        headers,
        [
            (&b"content-type"[..], &b"application/octet-stream"[..]),
            (b"set-cookie", b"a=1"),
            (b"set-cookie", b"b=2"),
        ]
    );

    let reply = call(&client, "PUT", "/who", b"").unwrap();
    let response = decode_response(&reply).unwrap();
    let want = format!("{:?} PUT", Some(peer()));
    assert_eq!(response.body, want.as_bytes());

    let reply = call(&client, "GET", "/nowhere", b"").unwrap();
    assert_eq!(decode_response(&reply).unwrap().status, 404);
}

#[test]
fn a_megabyte_each_way() {
    let (_door, client) = serve("large");
    let body: Vec<u8> = (0..1024 * 1024).map(|i| (i % 251) as u8).collect();
    let reply = call(&client, "POST", "/echo", &body).unwrap();
    let response = decode_response(&reply).unwrap();
    assert_eq!(response.status, 200);
    assert!(response.body == body, "the body came back changed");
    // And through the http types, as a Rust client would read it.
    let response = ostium_http::decode_http_response(&reply).unwrap();
    assert_eq!(response.body().len(), body.len());
    assert_eq!(response.headers().get_all("set-cookie").iter().count(), 2);
}

#[test]
fn a_panic_is_a_fault_and_the_next_request_is_served() {
    let (_door, client) = serve("panic");
    for _ in 0..3 {
        let outcome = call(&client, "GET", "/panic", b"");
        assert!(matches!(outcome, Err(CallError::Fault(Fault::HandlerPanicked))), "{outcome:?}");
        let reply = call(&client, "POST", "/echo", b"still here").unwrap();
        assert_eq!(decode_response(&reply).unwrap().body, b"still here");
    }
}

#[test]
fn a_response_the_format_cannot_carry_becomes_a_500() {
    let (_door, client) = serve("framed");
    let reply = call(&client, "GET", "/framed", b"").unwrap();
    let response = decode_response(&reply).unwrap();
    assert_eq!(response.status, 500);
    assert_eq!(response.headers.get("content-type"), Some(&b"text/plain"[..]));
}

#[test]
fn what_is_not_a_request_is_refused() {
    let (_door, client) = serve("refuse");
    let outcome = client.call(HTTP_REQUEST, b"OHRQ\x01\x00 not a request");
    assert!(matches!(outcome, Err(CallError::Fault(Fault::BadMessage))), "{outcome:?}");
    let outcome = client.call(HTTP_REQUEST + 1, b"");
    assert!(matches!(outcome, Err(CallError::Fault(Fault::UnknownOperation))), "{outcome:?}");
    client.ping().unwrap();
    let reply = call(&client, "POST", "/echo", b"after").unwrap();
    assert_eq!(decode_response(&reply).unwrap().body, b"after");
}
