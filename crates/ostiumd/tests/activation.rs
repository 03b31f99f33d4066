//! Socket activation: started with a listening socket at descriptor 3 and `LISTEN_FDS`,
//! `LISTEN_PID` set (as systemd does, here through `sh`, which sets `LISTEN_PID` to its
//! own pid and then becomes ostiumd), ostiumd serves the forward on that socket instead of
//! binding one — which it could not: this test keeps the address bound.

mod common;

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::os::fd::AsFd;
use std::process::{Command, Stdio};

use common::{TempDir, get};

#[test]
fn a_passed_socket_is_served() {
    let dir = TempDir::new("activation");
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let config = dir.path().join("ostiumd.conf");
    std::fs::write(
        &config,
        format!("forward http {addr} to {}\n", dir.path().join("nobody.door").display()),
    )
    .unwrap();
    let mut command = Command::new("/bin/sh");
    command
        .arg("-c")
        .arg("LISTEN_PID=$$ LISTEN_FDS=1 exec \"$0\" --config \"$1\"")
        .arg(env!("CARGO_BIN_EXE_ostiumd"))
        .arg(&config)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped());
    ostium_sys::pass_fds_from_3(&mut command, &[listener.as_fd()]).unwrap();
    let mut child = command.spawn().unwrap();
    drop(command);
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    assert_eq!(line.trim(), format!("ostiumd: listening on {addr}"));
    // No application behind it: ostiumd itself answers 503, on the passed socket.
    assert_eq!(get(addr, "/").status, 503);
    ostium_sys::signal_process(child.id(), ostium_sys::ProcessSignal::Terminate).unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(0));
}
