//! The real `hello` binary on a temporary door, called as ostiumd calls it: an
//! `ostium::Client` and the HTTP-over-doors codec. Both ways of naming the door are tried,
//! and SIGTERM must stop it cleanly, removing the door.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use ostium::Client;
use ostium_http::{HTTP_REQUEST, Peer, RequestParts, decode_response, encode_request};

/// How long any single wait may take before the test fails.
const PATIENCE: Duration = Duration::from_secs(20);

fn door_path(name: &str) -> PathBuf {
    ostium_test_support::door_path("hello-test", name)
}

/// A running `hello`, killed if the test ends without stopping it.
struct Hello(Child);

impl Hello {
    /// Starts the binary as `command` says and waits for its `serving at` line.
    fn start(mut command: Command) -> Hello {
        let mut child = command.stdout(Stdio::piped()).spawn().expect("start hello");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx.recv_timeout(PATIENCE).expect("hello said it serves");
        assert!(line.starts_with("serving at "), "{line:?}");
        Hello(child)
    }

    /// Sends SIGTERM and waits for the exit.
    fn terminate(mut self) -> ExitStatus {
        let kill = Command::new("kill").arg("-TERM").arg(self.0.id().to_string()).status();
        assert!(kill.expect("run kill").success());
        let deadline = Instant::now() + PATIENCE;
        while Instant::now() < deadline {
            if let Some(status) = self.0.try_wait().unwrap() {
                return status;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!("hello did not exit after SIGTERM");
    }
}

impl Drop for Hello {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Calls the door with one request; returns the status, content type and body.
fn get(client: &Client, method: &str, target: &str, body: &[u8]) -> (u16, String, Vec<u8>) {
    let peer = Peer::new("198.51.100.9:40000".parse().unwrap(), "127.0.0.1:8080".parse().unwrap());
    let headers: [(&[u8], &[u8]); 2] = [(b"Host", b"127.0.0.1:8080"), (b"Accept", b"*/*")];
    let msg = encode_request(&RequestParts {
        method: method.as_bytes(),
        target: target.as_bytes(),
        version: http::Version::HTTP_11,
        peer,
        headers: headers.iter().copied(),
        body,
        body_in_fd: None,
    })
    .unwrap();
    let reply = client.call(HTTP_REQUEST, &msg).expect("a reply");
    let response = decode_response(&reply.data).expect("a response message");
    let kind = response.headers.get("content-type").unwrap_or_default();
    (response.status, String::from_utf8_lossy(kind).into_owned(), response.body.to_vec())
}

fn exercise(door: &Path) {
    let client = Client::open(door).expect("the door is open");
    let (status, kind, body) = get(&client, "GET", "/", b"");
    let page = String::from_utf8(body).unwrap();
    assert_eq!((status, kind.as_str()), (200, "text/html; charset=utf-8"));
    for needle in ["Hello from Ostium", "<td>GET</td>", "<td>/</td>", "198.51.100.9:40000"] {
        assert!(page.contains(needle), "{needle} not in {page}");
    }
    assert!(page.contains("<td>ostium-door"), "the serving thread's name: {page}");

    assert_eq!(get(&client, "GET", "/echo?a=1&b", b"").2, b"a=1&b");
    let big: Vec<u8> = (0..300_000).map(|i| (i % 256) as u8).collect();
    assert!(get(&client, "POST", "/echo", &big).2 == big, "a large body comes back");
    assert_eq!(get(&client, "GET", "/missing", b"").0, 404);
    assert_eq!(get(&client, "PUT", "/echo", b"").0, 405);
}

#[test]
fn serves_at_the_door_given_with_the_flag_and_stops_on_sigterm() {
    let door = door_path("flag.door");
    let mut command = Command::new(env!("CARGO_BIN_EXE_hello"));
    command.arg("--door").arg(&door).env_remove("OSTIUM_DOOR");
    let hello = Hello::start(command);
    exercise(&door);
    let status = hello.terminate();
    assert!(status.success(), "{status:?}");
    assert!(!door.exists(), "the door is removed on the way out");
}

#[test]
fn serves_at_the_door_given_in_the_environment() {
    let door = door_path("env.door");
    let mut command = Command::new(env!("CARGO_BIN_EXE_hello"));
    command.env("OSTIUM_DOOR", &door);
    let hello = Hello::start(command);
    exercise(&door);
    assert!(hello.terminate().success());
}
