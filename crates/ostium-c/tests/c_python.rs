//! C and Python doors calling each other, through the Python package of `python/`: a C
//! client written as for illumos (`tests/c/minimal.c`) calls a Python door, and the Python
//! client calls a C door (`tests/c/passing.c`'s factory), then calls the door that C door
//! passes back as a descriptor.

mod support;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use support::{Build, Reaped, Server, compile, run, source, text};

fn python_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../python")
}

fn door_path(name: &str) -> PathBuf {
    ostium_test_support::door_path("ostium-c-python", name)
}

#[test]
fn a_c_client_calls_a_python_door() {
    let path = door_path("python-door");
    let mut door = Reaped(
        Command::new("python3")
            .arg(python_dir().join("tests/peers/echo_door.py"))
            .arg(&path)
            .stdout(Stdio::piped())
            .spawn()
            .expect("start python3"),
    );
    let mut ready = String::new();
    BufReader::new(door.0.stdout.take().unwrap()).read_line(&mut ready).unwrap();
    assert_eq!(ready, "ready\n");
    let program = compile(&source("minimal.c"), path.parent().unwrap(), Build::C99);
    let output = run(&program, &[path.to_str().unwrap()]);
    assert!(output.status.success(), "{}", text(&output));
}

const PYTHON_CLIENT: &str = r#"
import socket, sys
sys.path.insert(0, sys.argv[1])
from ostium import Client
factory = Client(sys.argv[2])
assert factory.call(1, b"echo me").data == b"echo me"
reply = factory.call(1, b"new")
assert len(reply.fds) == 1, reply
door = Client.adopt("", socket.socket(fileno=reply.fds[0]))
assert door.call(1, b"x").data == b"count 1"
assert door.call(1, b"x").data == b"count 2"
print("ok")
"#;

#[test]
fn the_python_client_calls_a_c_door_and_the_door_it_passes_back() {
    let path = door_path("c-door");
    let program = compile(&source("passing.c"), path.parent().unwrap(), Build::C99);
    let _server = Server::start_with(Command::new(&program).arg("serve").arg(&path));
    let output = Command::new("python3")
        .args(["-c", PYTHON_CLIENT])
        .arg(python_dir())
        .arg(&path)
        .output()
        .expect("run python3");
    assert!(output.status.success(), "{}", text(&output));
    assert_eq!(String::from_utf8_lossy(&output.stdout), "ok\n");
}
