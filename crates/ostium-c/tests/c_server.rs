//! A C door server written as for illumos (`tests/c/server.c`: door_create, fattach,
//! door_return, door_ucred, door_revoke), built against libdoor and called from Rust and
//! from C.

mod support;

use std::io::{Read, Write};
use std::os::fd::AsFd;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use ostium::wire::Fault;
use ostium::{CallError, CallOptions, Client};
use support::{Build, Server, compile, run, source, text};

/// Builds `tests/c/server.c` and starts it serving at `path`.
fn start(path: &Path) -> Server {
    Server::start(&compile(&source("server.c"), path.parent().unwrap(), Build::C99), path)
}

fn door_path(name: &str) -> std::path::PathBuf {
    ostium_test_support::door_path("ostium-c-server", name)
}

fn call(client: &Client, args: &[u8]) -> Vec<u8> {
    client.call(1, args).unwrap().data
}

#[test]
fn a_c_door_serves_rust_callers_as_illumos_doors_serve_theirs() {
    let path = door_path("serve");
    let server = start(&path);
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o644, "the door took its placeholder's mode");
    let client = Client::open(&path).unwrap();
    assert_eq!(call(&client, b"hello, C"), b"hello, C");
    assert_eq!(call(&client, b"big"), vec![b'b'; 100_000]);
    let expected = format!("{} {}", rustix::process::geteuid().as_raw(), std::process::id());
    assert_eq!(String::from_utf8(call(&client, b"whoami")).unwrap(), expected, "door_ucred");
    assert_eq!(String::from_utf8(call(&client, b"cred")).unwrap(), expected, "door_cred");

    let reply = client.call(1, b"fd").unwrap();
    let mut received = String::new();
    std::fs::File::from(reply.fds.into_iter().next().expect("a descriptor"))
        .read_to_string(&mut received)
        .unwrap();
    assert_eq!(received, "from a C door");

    let pipes: Vec<_> = (0..2).map(|_| std::io::pipe().unwrap()).collect();
    let fds: Vec<_> = pipes.iter().map(|(_, write)| write.as_fd()).collect();
    let reply = client.call_with(1, b"count", CallOptions { fds: &fds, ..Default::default() });
    assert_eq!(reply.unwrap().data, b"2");
    drop(fds);
    for (read, write) in pipes {
        drop(write);
        let mut seen = String::new();
        std::fs::File::from(std::os::fd::OwnedFd::from(read)).read_to_string(&mut seen).unwrap();
        assert_eq!(seen, "seen", "the procedure wrote into the descriptor it got");
    }

    // A procedure that returns without door_return fails its caller, and its thread
    // goes on serving.
    assert!(matches!(client.call(1, b"noreturn"), Err(CallError::Fault(Fault::HandlerPanicked))));
    assert_eq!(call(&client, b"still here"), b"still here");
    drop(server);
}

#[test]
fn a_c_client_calls_a_c_door_and_a_revoked_door_refuses() {
    let path = door_path("c-to-c");
    let _server = start(&path);
    let program = compile(&source("minimal.c"), path.parent().unwrap(), Build::C99);
    let output = run(&program, &[path.to_str().unwrap()]);
    assert!(output.status.success(), "{}", text(&output));

    let client = Client::open(&path).unwrap();
    assert_eq!(call(&client, b"revoke"), b"revoking", "the call in progress finishes");
    let after = client.call(1, b"x");
    assert!(
        matches!(after, Err(CallError::Fault(Fault::Revoked) | CallError::NoDoor { .. })),
        "{after:?}"
    );
    let _ = std::io::stdout().flush();
}

#[test]
fn an_unref_door_is_told_once_its_name_and_last_caller_are_gone() {
    let path = door_path("unref");
    let program = compile(&source("unref.c"), path.parent().unwrap(), Build::C99);
    let mut child = support::Reaped(
        std::process::Command::new(program)
            .arg(&path)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let (lines_tx, lines) = std::sync::mpsc::channel();
    let stdout = child.0.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in std::io::BufRead::lines(std::io::BufReader::new(stdout)) {
            let _ = lines_tx.send(line.unwrap());
        }
    });
    let next = || lines.recv_timeout(std::time::Duration::from_secs(10)).ok();
    assert_eq!(next().as_deref(), Some("ready"));
    let client = Client::open(&path).unwrap();
    assert_eq!(call(&client, b"detach"), b"detached");
    assert!(!path.exists(), "fdetach removed the name");
    assert_eq!(call(&client, b"still callable"), b"still callable");
    assert!(lines.try_recv().is_err(), "no notification while a caller holds the door");
    drop(client);
    assert_eq!(next().as_deref(), Some("unref"), "the last caller closed");
    assert!(lines.recv_timeout(std::time::Duration::from_millis(200)).is_err(), "once");
}

#[test]
fn a_hundred_thousand_calls_leak_neither_memory_nor_descriptors_on_either_side() {
    let path = door_path("leaks");
    let _server = start(&path);
    let program = compile(&source("leaks.c"), path.parent().unwrap(), Build::C99);
    let output = run(&program, &[path.to_str().unwrap(), "100000"]);
    // Its one line says what grew, pass or fail.
    println!("{}", String::from_utf8_lossy(&output.stdout));
    assert!(output.status.success(), "{}", text(&output));
}

#[test]
fn a_doors_limits_refuse_calls_outside_them_before_the_procedure_runs() {
    let path = door_path("params");
    let program = compile(&source("params.c"), path.parent().unwrap(), Build::C99);
    let _server = Server::start(&program, &path);
    let client = Client::open(&path).unwrap();
    assert_eq!(call(&client, &[b'a'; 1000]), vec![b'a'; 1000]);
    let refused = |args: &[u8], fds: &[std::os::fd::BorrowedFd<'_>]| match client.call_with(
        1,
        args,
        CallOptions { fds, ..Default::default() },
    ) {
        Err(CallError::Fault(fault)) => Some(fault),
        _ => None,
    };
    assert_eq!(refused(&[b'a'; 1001], &[]), Some(Fault::RequestTooLarge), "over DATA_MAX");
    assert_eq!(refused(b"", &[]), Some(Fault::RequestTooLarge), "under DATA_MIN");
    let (read, write) = std::io::pipe().unwrap();
    assert_eq!(refused(b"one", &[read.as_fd()]), None, "one descriptor is allowed");
    let two = [read.as_fd(), write.as_fd()];
    assert_eq!(refused(b"two", &two), Some(Fault::TooManyDescriptors), "over DESC_MAX");
}

#[test]
fn doors_passed_through_doors_are_doors_in_the_receiver() {
    let path = door_path("factory");
    let program = compile(&source("passing.c"), path.parent().unwrap(), Build::C99);
    let _server = Server::start_with(std::process::Command::new(&program).arg("serve").arg(&path));
    let output = run(&program, &["client", path.to_str().unwrap()]);
    assert!(output.status.success(), "{}", text(&output));
    assert_eq!(String::from_utf8_lossy(&output.stdout), "ok\n");

    // A Rust client gets a door too: the descriptor is a connection it adopts.
    let factory = Client::open(&path).unwrap();
    let reply = factory.call(1, b"new").unwrap();
    let door = Client::adopt_unnamed(reply.fds.into_iter().next().expect("a door")).unwrap();
    assert_eq!(call(&door, b"x"), b"count 1");
    assert_eq!(call(&door, b"x"), b"count 2");
}
