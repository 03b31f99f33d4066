//! A door's connection rules (`DoorOptions::max_connections`, `max_connections_per_uid`,
//! `hello_timeout`, `connection_idle_timeout`): a connection that never says `HELLO`, one
//! left idle, one past the limit, and a user past its cap, each with the door still serving
//! everyone else.

use std::process::Command;
use std::time::Duration;

use ostium::wire::{Capabilities, Fault, Hello, Side};
use ostium::{Answer, Client, Door, DoorOptions};
use ostium_sys::unix::SeqpacketConn;

const ECHO: u32 = 1;
const SLOW: u32 = 2;
const FLOOD_ENV: &str = "OSTIUM_TEST_DOOR_FLOOD";
const NOBODY: u32 = 65534;

fn serve(name: &str, options: DoorOptions) -> Door {
    let path = ostium_test_support::door_path("door-limits", name);
    Door::builder(&path)
        .options(options)
        .serve(|request| match request.op {
            ECHO => Answer::ok(request.args),
            SLOW => {
                std::thread::sleep(Duration::from_millis(600));
                Answer::ok(Vec::new())
            }
            _ => Answer::fault(Fault::UnknownOperation),
        })
        .unwrap()
}

/// Sends a client's `HELLO` on `conn` (which fails if the door closed it already).
fn say_hello(conn: &SeqpacketConn) -> std::io::Result<()> {
    let mut hello = Vec::new();
    Hello::client(64 * 1024, Capabilities::from_bits(0)).encode(&mut hello).unwrap();
    conn.send(&hello, &[]).map(drop)
}

/// What the door answers on `conn` within `wait`: `Some(true)` its `HELLO`, `Some(false)`
/// the end of the connection, `None` nothing yet.
fn answer_within(conn: &SeqpacketConn, wait: Duration) -> Option<bool> {
    conn.set_read_timeout(Some(wait)).unwrap();
    let mut buf = [0u8; 256];
    let mut fds = Vec::new();
    match conn.recv(&mut buf, &mut fds) {
        Ok(r) if r.len == 0 => Some(false),
        Ok(r) => {
            Hello::decode(&buf[..r.len], fds.len(), Side::Server).unwrap();
            Some(true)
        }
        Err(err) if err.kind() == std::io::ErrorKind::WouldBlock => None,
        Err(_) => Some(false),
    }
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(std::time::Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_connection_that_never_says_hello_is_closed_at_the_hello_timeout() {
    let options =
        DoorOptions { hello_timeout: Duration::from_millis(200), ..DoorOptions::default() };
    let door = serve("hello-timeout", options);
    let silent = SeqpacketConn::connect(door.path()).unwrap();
    let client = Client::open(door.path()).unwrap();
    wait_until("both connections are open", || door.connections() == 2);
    assert_eq!(answer_within(&silent, Duration::from_secs(5)), Some(false), "closed");
    assert_eq!(door.connections(), 1);
    // The client that did say hello is not touched, however long it waits between calls.
    std::thread::sleep(Duration::from_millis(400));
    assert_eq!(client.call(ECHO, b"still here").unwrap().data, b"still here");
}

#[test]
fn an_idle_connection_is_closed_at_the_idle_timeout_but_not_during_a_call() {
    let options = DoorOptions {
        connection_idle_timeout: Some(Duration::from_millis(200)),
        ..DoorOptions::default()
    };
    let door = serve("idle-timeout", options);
    let client = Client::open(door.path()).unwrap();
    // A call three times longer than the idle timeout is served to its end.
    client.call(SLOW, b"").unwrap();
    wait_until("the idle connection is closed", || door.connections() == 0);
    // The client connects again for its next call.
    assert_eq!(
        client
            .call_with(
                ECHO,
                b"again",
                ostium::CallOptions {
                    deadline: Some(std::time::Instant::now() + Duration::from_secs(5)),
                    retry: true,
                    ..Default::default()
                }
            )
            .unwrap()
            .data,
        b"again"
    );
}

#[test]
fn at_the_connection_limit_a_new_connection_waits_until_one_closes() {
    let options = DoorOptions { max_connections: 2, ..DoorOptions::default() };
    let door = serve("limit", options);
    let open = |_| {
        let conn = SeqpacketConn::connect(door.path()).unwrap();
        say_hello(&conn).unwrap();
        conn
    };
    let first = open(1);
    let second = open(2);
    assert_eq!(answer_within(&first, Duration::from_secs(5)), Some(true));
    assert_eq!(answer_within(&second, Duration::from_secs(5)), Some(true));
    let third = open(3);
    assert_eq!(answer_within(&third, Duration::from_millis(300)), None, "waits in the backlog");
    assert_eq!(door.connections(), 2);
    drop(first);
    assert_eq!(answer_within(&third, Duration::from_secs(5)), Some(true), "accepted");
    assert_eq!(door.connections(), 2);
}

/// Not a test: run as `nobody` by the per-user test, it opens connections to the door and
/// says how many were answered and how many were closed.
#[test]
#[ignore = "a helper: the other user that the per-user cap test runs in a child process"]
fn flood_child() {
    let Ok(path) = std::env::var(FLOOD_ENV) else { return };
    ostium_sys::drop_privileges(NOBODY, NOBODY).unwrap();
    let conns: Vec<SeqpacketConn> =
        (0..10).map(|_| SeqpacketConn::connect(&path).unwrap()).collect();
    let mut answered = 0;
    let mut closed = 0;
    for conn in &conns {
        let _ = say_hello(conn);
        match answer_within(conn, Duration::from_secs(5)) {
            Some(true) => answered += 1,
            Some(false) => closed += 1,
            None => {}
        }
    }
    println!("answered {answered} closed {closed}");
}

#[test]
fn a_user_past_its_cap_is_refused_while_the_owner_is_served() {
    if ostium_sys::effective_uid() != 0 {
        eprintln!("skipped: needs root, to connect as another user");
        return;
    }
    let options = DoorOptions {
        mode: 0o666,
        max_connections: 100,
        max_connections_per_uid: Some(3),
        ..DoorOptions::default()
    };
    let door = serve("per-uid", options);
    let owner: Vec<Client> = (0..5).map(|_| Client::open(door.path()).unwrap()).collect();
    let output = Command::new(std::env::current_exe().unwrap())
        .args(["flood_child", "--exact", "--ignored", "--nocapture"])
        .env(FLOOD_ENV, door.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("answered 3 closed 7"), "the child said: {stdout}");
    for client in &owner {
        assert_eq!(client.call(ECHO, b"owner").unwrap().data, b"owner");
    }
}
