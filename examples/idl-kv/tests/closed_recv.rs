//! Closed receive on a generated `InOrder` server (`Events`): while another process
//! (`events-locker`) has locked it, this process's calls wait; they go through once it
//! unlocks, or once it dies — and then the server is told (`closed_recv_fail`).

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use idl_kv::events::{Events, EventsServer};
use idl_kv::{Happened, Log, Watcher};
use ostium::DoorOptions;
use ostium_rpc::Served;

/// Serves a [`Watcher`] in order at a new path.
fn serve(name: &str) -> (PathBuf, Log, Served) {
    let path = common::door_path(name);
    let log = Log::default();
    let served =
        EventsServer::serve_in_order(&path, DoorOptions::default(), Watcher::new(log.clone()))
            .unwrap();
    (path, log, served)
}

/// Starts `events-locker` on `path` and waits until it holds the lock.
fn lock_from_another_process(path: &Path) -> (Child, BufReader<std::process::ChildStdout>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_events-locker"))
        .arg(path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert_eq!(line.trim(), "locked");
    (child, out)
}

/// Calls `handled` from another thread of this process; the receiver gets its answer.
fn call_in_background(path: &Path) -> mpsc::Receiver<u32> {
    let events = Events::open(path).unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(events.handled().unwrap());
    });
    rx
}

#[test]
fn other_callers_wait_until_the_lock_is_released() {
    let (path, log, _served) = serve("closed");
    let (mut locker, mut out) = lock_from_another_process(&path);
    let answer = call_in_background(&path);
    assert!(answer.recv_timeout(Duration::from_millis(150)).is_err(), "served while closed");
    locker.stdin.as_mut().unwrap().write_all(b"unlock\n").unwrap();
    assert_eq!(answer.recv_timeout(Duration::from_secs(5)).unwrap(), 0);
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert_eq!(line.trim(), "unlocked");
    assert!(locker.wait().unwrap().success());
    assert!(log.lock().unwrap().is_empty(), "closed_recv_fail called for a clean release");
}

#[test]
fn the_death_of_the_locker_is_a_closed_recv_fail() {
    let (path, log, _served) = serve("closed-death");
    let (mut locker, _out) = lock_from_another_process(&path);
    let answer = call_in_background(&path);
    assert!(answer.recv_timeout(Duration::from_millis(100)).is_err(), "served while closed");
    locker.kill().unwrap();
    assert_eq!(answer.recv_timeout(Duration::from_secs(5)).unwrap(), 0);
    locker.wait().unwrap();
    assert_eq!(*log.lock().unwrap(), [Happened::LockerDied]);
    // Open again: a call from here goes straight through.
    assert_eq!(Events::open(&path).unwrap().handled().unwrap(), 0);
}
