//! The Python package (`python/`): its pytest suites (protocol, doors, WSGI behind this
//! ostiumd, Flask and Django), and the Python peer against Rust doors and clients. Run by
//! `cargo test` so that one command runs every suite; skipped, saying why, where pytest
//! is not installed (`.ci/run` installs it).

use std::os::fd::AsFd;
use std::process::{Command, Stdio};

use ostium::{Answer, CallOptions, Client, Door, Lend};
use ostium_test_support::python::{PythonDoor, package_dir};

fn has_pytest() -> bool {
    Command::new("python3")
        .args(["-c", "import pytest"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

#[test]
fn the_python_test_suites_pass() {
    if !has_pytest() {
        println!("skipped: pytest is not installed (pip install pytest; .ci/run installs it)");
        return;
    }
    let output = Command::new("python3")
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"])
        .current_dir(package_dir())
        .env("OSTIUMD", env!("CARGO_BIN_EXE_ostiumd"))
        .output()
        .expect("run pytest");
    let report = String::from_utf8_lossy(&output.stdout);
    println!("{report}");
    assert!(output.status.success(), "{report}\n{}", String::from_utf8_lossy(&output.stderr));
}

#[test]
fn a_rust_client_calls_a_python_door() {
    let path = ostium_test_support::door_path("ostium-python", "rust-client");
    let _door = PythonDoor::start(&path);
    let client = Client::open(&path).unwrap();
    for size in [0, 8, 4096, 100_000, 300_000, 1 << 20] {
        let payload: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
        assert_eq!(client.call(1, &payload).unwrap().data, payload, "{size} bytes");
    }
    for size in [16, 200_000] {
        let source: Vec<u8> = (0..size).map(|i| (i % 7) as u8).collect();
        let mut target = vec![0u8; size];
        let mut leases = [Lend::Read(&source), Lend::Write(&mut target)];
        let options = CallOptions { leases: &mut leases, ..Default::default() };
        client.call_with(2, b"", options).unwrap();
        let reversed: Vec<u8> = source.iter().rev().copied().collect();
        assert_eq!(target, reversed, "leases of {size} bytes");
    }
    let (read, mut write) = std::io::pipe().unwrap();
    std::io::Write::write_all(&mut write, b"from rust").unwrap();
    drop(write);
    let fds = [read.as_fd()];
    let reply = client.call_with(3, b"", CallOptions { fds: &fds, ..Default::default() });
    let reply = reply.unwrap();
    assert_eq!(reply.data, b"from rust");
    let mut passed = String::new();
    std::io::Read::read_to_string(
        &mut std::fs::File::from(reply.fds.into_iter().next().unwrap()),
        &mut passed,
    )
    .unwrap();
    assert_eq!(passed, "from python");
}

#[test]
fn the_python_client_calls_a_rust_door() {
    let path = ostium_test_support::door_path("ostium-python", "python-client");
    let door = Door::builder(&path)
        .serve(|mut request| match request.op {
            1 => Answer::ok(request.args),
            2 => {
                let mut source = vec![0u8; request.leases.read(0).unwrap().len()];
                request.leases.read(0).unwrap().read(&mut source).unwrap();
                source.reverse();
                request.leases.write(1).unwrap().write(&source).unwrap();
                Answer::ok(Vec::new())
            }
            3 => {
                let mut seen = String::new();
                let file = request.fds.pop().unwrap();
                std::io::Read::read_to_string(&mut std::fs::File::from(file), &mut seen).unwrap();
                let (read, mut write) = std::io::pipe().unwrap();
                std::io::Write::write_all(&mut write, b"from rust").unwrap();
                Answer::ok(seen).with_fds([read.into()])
            }
            _ => Answer::fault(ostium::Fault::UnknownOperation),
        })
        .unwrap();
    let output = Command::new("python3")
        .arg(package_dir().join("tests/peers/rust_door_client.py"))
        .arg(door.path())
        .output()
        .expect("run python3");
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&output.stdout), "ok\n");
}
