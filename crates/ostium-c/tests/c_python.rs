//! C and Python doors calling each other, through the Python package of `python/`: a C
//! client written as for illumos (`tests/c/minimal.c`) calls a Python door, and the Python
//! client calls a C door (`tests/c/passing.c`'s factory), then calls the door that C door
//! passes back as a descriptor.

mod support;

use std::path::PathBuf;
use std::process::Command;

use ostium_test_support::python::{PythonDoor, package_dir};
use support::{Build, Server, compile, run, source, text};

fn door_path(name: &str) -> PathBuf {
    ostium_test_support::door_path("ostium-c-python", name)
}

#[test]
fn a_c_client_calls_a_python_door() {
    let path = door_path("python-door");
    let _door = PythonDoor::start(&path);
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
        .arg(package_dir())
        .arg(&path)
        .output()
        .expect("run python3");
    assert!(output.status.success(), "{}", text(&output));
    assert_eq!(String::from_utf8_lossy(&output.stdout), "ok\n");
}
