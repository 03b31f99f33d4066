//! The generated client and server in separate processes (`kv-server`): calls across
//! processes, a non-idempotent call reporting the server's death, and an idempotent call
//! retried until a restarted server answers it.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use idl_kv::kv::Kv;
use idl_kv::{KvError, Mode};
use ostium_rpc::{Failure, RequestError};

/// Starts `kv-server` at `path` and waits until it serves.
fn start(path: &Path, style: &str) -> Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kv-server"))
        .arg(path)
        .arg(style)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    assert_eq!(line.trim(), "ready");
    child
}

#[test]
fn calls_across_processes_in_each_style() {
    for style in ["in-order", "concurrent", "pipelined"] {
        let path = common::door_path(style);
        let mut server = start(&path, style);
        let kv = Kv::open(&path).unwrap();
        kv.put(1, b"across").unwrap();
        let mut buf = [0_u8; 64];
        assert_eq!(kv.get(1, &mut buf).unwrap(), 6);
        assert_eq!(&buf[..6], b"across");
        assert!(kv.set_mode(Mode::Frozen).unwrap());
        assert!(matches!(kv.put(2, b"x"), Err(RequestError::Runtime(KvError::Frozen))));
        server.kill().unwrap();
        server.wait().unwrap();
    }
}

#[test]
fn a_non_idempotent_call_reports_server_death() {
    let path = common::door_path("death");
    let mut server = start(&path, "in-order");
    let kv = Kv::open(&path).unwrap();
    match kv.exit() {
        Err(Failure::ServerDeath) => {}
        other => panic!("{other:?}"),
    }
    assert_eq!(server.wait().unwrap().code(), Some(3));
}

#[test]
fn an_idempotent_call_is_retried_across_a_restart() {
    let path = common::door_path("restart");
    let mut first = start(&path, "in-order");
    let kv = Kv::open(&path).unwrap().with_timeout(Some(Duration::from_secs(10)));
    kv.put(5, b"old").unwrap();
    first.kill().unwrap();
    first.wait().unwrap();
    let restarting = {
        let path = path.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(200));
            start(&path, "in-order")
        })
    };
    // `get` is idempotent: the dead connection and the absent door are retried until the
    // new server answers — with its own, empty, store.
    let mut buf = [0_u8; 8];
    assert!(matches!(kv.get(5, &mut buf), Err(RequestError::Runtime(KvError::NotFound))));
    let mut second = restarting.join().unwrap();
    second.kill().unwrap();
    second.wait().unwrap();
}

#[test]
fn restrictions_dropped_tokens_and_describe_across_processes() {
    let path = common::door_path("features");
    let mut server = start(&path, "pipelined");
    let kv = Kv::open(&path).unwrap();
    // Restricted to a user nobody is: refused, whoever calls from this process.
    assert!(matches!(kv.shutdown(), Err(Failure::Fault(ostium::wire::Fault::AccessViolation))));
    // The pipelined server drops `clear`'s token unanswered: a fault, and it goes on.
    assert!(matches!(kv.clear(), Err(Failure::Fault(ostium::wire::Fault::ReplyDropped))));
    assert!(kv.set_mode(Mode::Open).is_ok());
    // DESCRIBE from another process: the interface's text and this process's calls.
    let client = ostium::Client::open(&path).unwrap();
    let described = client.call(ostium::wire::Op::DESCRIBE.0, b"").unwrap().data;
    let text = String::from_utf8(described).unwrap();
    assert!(text.contains("Kv"), "{text}");
    assert!(text.contains("set_mode"), "{text}");
    server.kill().unwrap();
    server.wait().unwrap();
}
