//! The door examples run for real (cargo builds them for the tests): `--help` explains and
//! serves nothing, the echo server and client talk, the file server hands out a descriptor,
//! and SIGTERM removes a server's door file.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The example `name`, built beside this test binary.
fn example(name: &str) -> PathBuf {
    let deps = std::env::current_exe().unwrap().parent().unwrap().to_path_buf();
    deps.parent().unwrap().join("examples").join(name)
}

/// Starts the example server `name` on `door`, waits until it serves, runs `client`, then
/// stops the server with SIGTERM and checks it removed its door.
fn with_server(name: &str, door: &Path, client: impl FnOnce()) {
    let mut server = Command::new(example(name)).arg(door).stdout(Stdio::piped()).spawn().unwrap();
    let mut line = String::new();
    BufReader::new(server.stdout.take().unwrap()).read_line(&mut line).unwrap();
    assert!(line.starts_with("serving "), "{line}");
    client();
    ostium_sys::signal_process(server.id(), ostium_sys::ProcessSignal::Terminate).unwrap();
    assert!(server.wait().unwrap().success());
    assert!(!door.exists(), "the door file outlived its server");
}

#[test]
fn every_example_explains_itself_and_serves_nothing_when_asked_for_help() {
    for name in ["door-echo-server", "door-echo-client", "door-fd-server", "door-fd-client"] {
        let output =
            Command::new(example(name)).current_dir("/tmp").arg("--help").output().unwrap();
        assert!(output.status.success(), "{name}");
        let help = String::from_utf8_lossy(&output.stdout);
        assert!(help.contains("Usage:") && help.contains("operation 1"), "{name}: {help}");
        assert!(!Path::new("/tmp/--help").exists(), "{name} served a door named --help");
    }
}

#[test]
fn the_echo_example_echoes_and_its_server_stops_cleanly() {
    let door = ostium_test_support::door_path("examples", "echo.door");
    with_server("door-echo-server", &door, || {
        let output = Command::new(example("door-echo-client"))
            .arg(&door)
            .args(["hello", "door"])
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&output.stdout), "hello door\n");
    });
}

#[test]
fn the_file_example_hands_out_a_descriptor() {
    let door = ostium_test_support::door_path("examples", "files.door");
    let file = door.with_file_name("hello.txt");
    std::fs::write(&file, "through a descriptor\n").unwrap();
    with_server("door-fd-server", &door, || {
        let output =
            Command::new(example("door-fd-client")).arg(&door).arg(&file).output().unwrap();
        assert_eq!(String::from_utf8_lossy(&output.stdout), "through a descriptor\n");
    });
}
