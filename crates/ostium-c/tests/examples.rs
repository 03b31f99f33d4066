//! The C examples of `examples/c`, built as their head comments say and run end to end:
//! against each other, and against Rust doors and clients.

mod support;

use std::io::Read;
use std::path::Path;

use ostium::{Answer, Client, Door};
use support::{Build, Server, compile, example, run, text};

/// Builds example `name` and starts it serving at `door`.
fn start(name: &str, door: &Path) -> Server {
    Server::start(&compile(&example(name), door.parent().unwrap(), Build::C99), door)
}

fn door_path(name: &str) -> std::path::PathBuf {
    ostium_test_support::door_path("ostium-c-examples", name)
}

#[test]
fn the_echo_examples_talk_to_each_other_and_to_rust() {
    let path = door_path("echo");
    let dir = path.parent().unwrap();
    let _server = start("echo-server", &path);
    let client = compile(&example("echo-client"), dir, Build::C99);
    let output = run(&client, &[path.to_str().unwrap(), "hello, doors"]);
    assert!(output.status.success(), "{}", text(&output));
    assert_eq!(output.stdout, b"hello, doors\n");
    let big = "x".repeat(5000);
    let output = run(&client, &[path.to_str().unwrap(), &big]);
    assert_eq!(output.stdout, format!("{big}\n").into_bytes(), "results mapped, then freed");
    assert_eq!(Client::open(&path).unwrap().call(1, b"from Rust").unwrap().data, b"from Rust");

    // The C client against a Rust door.
    let rust = door_path("rust-echo");
    let _door = Door::builder(&rust).serve(|request| Answer::ok(request.args.to_vec())).unwrap();
    let output = run(&client, &[rust.to_str().unwrap(), "to Rust"]);
    assert_eq!(output.stdout, b"to Rust\n", "{}", text(&output));
}

#[test]
fn the_fd_examples_hand_out_open_files() {
    let path = door_path("files");
    let dir = path.parent().unwrap();
    let file = dir.join("hello.txt");
    std::fs::write(&file, "a file's contents\n").unwrap();
    let _server = start("fd-server", &path);
    let client = compile(&example("fd-client"), dir, Build::C99);
    let output = run(&client, &[path.to_str().unwrap(), file.to_str().unwrap()]);
    assert!(output.status.success(), "{}", text(&output));
    assert_eq!(output.stdout, b"a file's contents\n");
    let missing = run(&client, &[path.to_str().unwrap(), "/nonexistent"]);
    assert!(!missing.status.success());
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("No such file"),
        "{}",
        text(&missing)
    );

    // A Rust client gets the descriptor too.
    let reply = Client::open(&path).unwrap().call(1, file.to_str().unwrap().as_bytes()).unwrap();
    let mut contents = String::new();
    std::fs::File::from(reply.fds.into_iter().next().unwrap())
        .read_to_string(&mut contents)
        .unwrap();
    assert_eq!(contents, "a file's contents\n");
}

#[test]
fn the_http_example_answers_requests_and_refuses_what_is_not_one() {
    let path = door_path("http");
    let program = compile(&example("http-hello"), path.parent().unwrap(), Build::C99);
    let _server = Server::start_quiet(&program, &path);
    let client = Client::open(&path).unwrap();
    let mut request = http::Request::new(b"posted".to_vec());
    *request.method_mut() = http::Method::POST;
    *request.uri_mut() = "/echo".parse().unwrap();
    request.headers_mut().insert("content-type", "text/x-test".parse().unwrap());
    let (remote, local) = ("192.0.2.7:50000".parse().unwrap(), "127.0.0.1:8080".parse().unwrap());
    request.extensions_mut().insert(ostium_http::Peer::new(remote, local));
    let message = ostium_http::encode_http_request(&request).unwrap();
    let reply = client.call(1, &message).unwrap();
    let response = ostium_http::decode_http_response(&reply.data).unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/x-test");
    assert_eq!(response.body(), b"posted");
    let refused = client.call(1, b"not a request message");
    assert!(matches!(refused, Err(ostium::CallError::Fault(ostium::wire::Fault::BadMessage))));
}
