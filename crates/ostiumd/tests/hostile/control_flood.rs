//! Another local user floods the control door (mode 0666, so anyone may connect) with
//! thousands of connections while clients make HTTP requests. Before doors had connection
//! limits, 19,990 such connections took ostiumd to its descriptor limit and every HTTP
//! request failed; now the flooder holds a handful and no request fails.

use std::io::{BufRead, BufReader};
use std::time::{Duration, Instant};

use ostium::wire::{Capabilities, Hello};
use ostium_sys::unix::SeqpacketConn;

use crate::common::TempDir;
use crate::probe::{NOBODY, get_within, read_line_from, root_or_skip, spawn_entry, start_app};

const DOOR_ENV: &str = "OSTIUM_FLOOD_DOOR";
/// Connections the flooder tries to hold: more than ostiumd's descriptor limit here.
const FLOOD: usize = 5000;
/// A request not answered in this long failed, as far as its client is concerned (a
/// request to the test application takes about a millisecond).
const ANSWER_WITHIN: Duration = Duration::from_secs(2);
/// ostiumd's descriptor limit in this probe.
const OSTIUMD_NOFILE: u32 = 4096;

/// Not a test: as `nobody`, opens up to `FLOOD` connections to the control door and holds
/// them until killed; says how many it opened, then how many the door still holds open
/// after a while.
#[test]
#[ignore = "a helper: the flooding user that the control-door probe runs as a child"]
fn control_flood_child() {
    let Ok(door) = std::env::var(DOOR_ENV) else { return };
    ostium_sys::drop_privileges(NOBODY, NOBODY).unwrap();
    let deadline = Instant::now() + Duration::from_secs(6);
    let mut held = Vec::with_capacity(FLOOD);
    let mut hello = Vec::new();
    Hello::client(64 * 1024, Capabilities::from_bits(0)).encode(&mut hello).unwrap();
    while held.len() < FLOOD && Instant::now() < deadline {
        match SeqpacketConn::connect_nonblocking(&door) {
            Ok(conn) => {
                // Saying HELLO, as a careful attacker would, so that the HELLO deadline does
                // not close the connection: only the per-user cap stands in the way.
                let _ = conn.send(&hello, &[]);
                held.push(conn);
            }
            // The backlog is full: the door has not accepted the last ones yet.
            Err(_) => std::thread::sleep(Duration::from_millis(1)),
        }
    }
    println!("opened {}", held.len());
    std::thread::sleep(Duration::from_millis(500));
    // A connection the door closed reads as the end of the stream.
    let open = held.iter().filter(|conn| !closed(conn)).count();
    println!("still open {open}");
    // Held until the probe kills it (bounded all the same).
    std::thread::sleep(Duration::from_secs(20));
}

/// Whether the door closed `conn` (its `HELLO` answer, if any, read first).
fn closed(conn: &SeqpacketConn) -> bool {
    let mut buf = [0u8; 64];
    let mut fds = Vec::new();
    loop {
        match conn.recv(&mut buf, &mut fds) {
            Ok(r) if r.len == 0 => return true,
            Ok(_) => continue,
            Err(err) => return err.kind() != std::io::ErrorKind::WouldBlock,
        }
    }
}

#[test]
fn a_control_door_flood_by_another_user_fails_no_http_request() {
    if !root_or_skip("the control-door flood") {
        return;
    }
    let dir = TempDir::new("control-flood");
    let control = dir.path().join("control.door");
    let settings = format!("set control {}\n", control.display());
    let ostiumd = start_app(&dir, &settings, "  max-connections 1000\n", Some(OSTIUMD_NOFILE));
    let mut flooder = spawn_entry(
        "control_flood::control_flood_child",
        &[(DOOR_ENV, control.display().to_string())],
        None,
    );
    let mut lines = BufReader::new(flooder.stdout.take().unwrap()).lines();

    // Requests while the flood builds up and while it is held.
    let started = Instant::now();
    let (mut ok, mut failed) = (0, Vec::new());
    while started.elapsed() < Duration::from_secs(4) {
        match std::panic::catch_unwind(|| get_within(ostiumd.addr, ANSWER_WITHIN).status) {
            Ok(200) => ok += 1,
            Ok(status) => failed.push(status.to_string()),
            Err(_) => failed.push("no response".into()),
        }
    }
    let opened: usize = read_line_from(&mut lines, "opened ").parse().unwrap();
    let still_open: usize = read_line_from(&mut lines, "still open ").parse().unwrap();
    let _ = flooder.kill();
    let _ = flooder.wait();

    assert!(opened > OSTIUMD_NOFILE as usize, "the flood opened only {opened} connections");
    assert!(
        failed.is_empty(),
        "{} of {} requests failed: {failed:?}",
        failed.len(),
        ok + failed.len()
    );
    assert!(still_open <= 8, "the flooder still holds {still_open} control connections");
    assert!(
        ostiumd.fds() < 200,
        "ostiumd holds {} descriptors: {}",
        ostiumd.fds(),
        ostiumd.fd_kinds()
    );
}
