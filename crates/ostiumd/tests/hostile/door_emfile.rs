//! A door whose process runs out of descriptors. Its accept loop used to retry at once and
//! log each failure: 5.35 million lines (706 MB) and 32 s of CPU in 25 s. Now it rests from
//! accepting, logs about a line a second, and serves again once descriptors are free.

use std::io::{BufRead, BufReader};
use std::time::{Duration, Instant};

use ostium::wire::Fault;
use ostium::{Answer, Client, Door, DoorOptions};
use ostium_sys::unix::SeqpacketConn;

use crate::common::TempDir;
use crate::probe::{cpu_time, read_line_from, root_or_skip, spawn_entry};

const DOOR_ENV: &str = "OSTIUM_EMFILE_DOOR";
/// The door process's descriptor limit: a few dozen connections exhaust it.
const NOFILE: u32 = 64;
/// Connections the probe opens: three times what the limit allows.
const CONNECTIONS: usize = 200;
const ECHO: u32 = 1;

/// Not a test: serves an echo door at `OSTIUM_EMFILE_DOOR` with no connection limit of its
/// own, logging warnings to standard error, until killed (20 s at most).
#[test]
#[ignore = "a helper: the door that the EMFILE probe runs out of descriptors"]
fn door_emfile_child() {
    let Ok(path) = std::env::var(DOOR_ENV) else { return };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing::Level::WARN)
        .init();
    let options = DoorOptions { max_connections: 100_000, ..DoorOptions::default() };
    let _door = Door::builder(&path)
        .options(options)
        .serve(|request| match request.op {
            ECHO => Answer::ok(request.args),
            _ => Answer::fault(Fault::UnknownOperation),
        })
        .unwrap();
    println!("serving");
    std::thread::sleep(Duration::from_secs(20));
}

#[test]
fn a_door_out_of_descriptors_rests_logs_little_and_recovers() {
    // Lowering another process's hard limit is root's.
    if !root_or_skip("the door EMFILE probe") {
        return;
    }
    let dir = TempDir::new("door-emfile");
    let path = dir.path().join("echo.door");
    let mut child = spawn_entry(
        "door_emfile::door_emfile_child",
        &[(DOOR_ENV, path.display().to_string())],
        Some(NOFILE),
    );
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    read_line_from(&mut lines, "serving");
    let stderr = child.stderr.take().unwrap();
    let log = std::thread::spawn(move || {
        BufReader::new(stderr).lines().map_while(Result::ok).collect::<Vec<String>>()
    });

    let flood: Vec<SeqpacketConn> =
        (0..CONNECTIONS).filter_map(|_| SeqpacketConn::connect_nonblocking(&path).ok()).collect();
    assert!(flood.len() > NOFILE as usize, "only {} connections were made", flood.len());
    std::thread::sleep(Duration::from_millis(200));
    let before = cpu_time(child.id());
    std::thread::sleep(Duration::from_secs(2));
    let spent = cpu_time(child.id()) - before;

    drop(flood);
    let deadline = Instant::now() + Duration::from_secs(10);
    let answer = loop {
        let answer = Client::open(&path).and_then(|client| client.call(ECHO, b"back"));
        if answer.is_ok() || Instant::now() > deadline {
            break answer;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let _ = child.kill();
    let _ = child.wait();
    let log = log.join().unwrap();
    let warnings: Vec<&String> = log.iter().filter(|l| l.contains("accept failed")).collect();

    assert!(
        spent < Duration::from_millis(300),
        "the door spent {spent:?} of CPU in 2 s out of descriptors"
    );
    assert!(!warnings.is_empty(), "running out of descriptors was not logged at all");
    assert!(warnings.len() <= 5, "{} accept warnings in about 2 s: {warnings:#?}", warnings.len());
    assert_eq!(answer.expect("the door serves again").data, b"back");
}
