//! `LoopConnection` driven the way an event loop drives it: a poller reports readiness and
//! the connection never waits.

use std::os::fd::AsFd;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use ostium::wire::Fault;
use ostium::{
    Answer, CallError, Door, LoopConnection, LoopEvent, LoopOptions, OwnedLend, Reply, Request,
};
use ostium_sys::unix::SeqpacketListener;
use ostium_sys::{Events, Interest, Poller, Token};

const ECHO: u32 = 1;
const FD_COUNT: u32 = 2;
const NEVER: u32 = 3; // answered only when the test lets it
const INCREMENT: u32 = 4; // adds 1 to every byte of read-write lease 0, replies with its length
const WHERE: u32 = 5; // replies with the CPU the handler runs on

fn door_path(name: &str) -> PathBuf {
    ostium_test_support::door_path("ostium-loop", name)
}

fn handler(mut request: Request<'_>) -> Answer {
    match request.op {
        INCREMENT => {
            let Ok(mut lease) = request.leases.read_write(0) else {
                return Answer::fault(Fault::BadLease);
            };
            let mut bytes = vec![0; lease.len()];
            lease.read(&mut bytes).unwrap();
            bytes.iter_mut().for_each(|b| *b = b.wrapping_add(1));
            lease.write(&bytes).unwrap();
            Answer::ok((bytes.len() as u32).to_le_bytes().to_vec())
        }
        WHERE => Answer::ok((ostium_sys::current_cpu() as u32).to_le_bytes().to_vec()),
        ECHO => Answer::ok(request.args.to_vec()),
        FD_COUNT => Answer::ok((request.fds.len() as u32).to_le_bytes().to_vec()),
        NEVER => {
            std::thread::sleep(Duration::from_millis(300));
            Answer::ok(Vec::new())
        }
        _ => Answer::fault(Fault::UnknownOperation),
    }
}

/// A poller watching one connection, as a loop would.
struct Driver {
    poller: Poller,
    events: Events,
    scratch: Vec<u8>,
}

impl Driver {
    fn new(conn: &LoopConnection) -> Driver {
        let poller = Poller::new().unwrap();
        poller.add(conn, Token(1), Interest::READABLE).unwrap();
        Driver { poller, events: Events::with_capacity(4), scratch: Vec::new() }
    }

    /// Waits (in the poller, as a loop does) for the connection's next event.
    fn next(&mut self, conn: &mut LoopConnection) -> Result<LoopEvent, CallError> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(event) = conn.on_readable(&mut self.scratch)? {
                return Ok(event);
            }
            let left = deadline.checked_duration_since(Instant::now()).expect("an event in 10 s");
            self.poller.wait(&mut self.events, Some(left)).unwrap();
        }
    }

    fn reply(&mut self, conn: &mut LoopConnection) -> Result<Reply, CallError> {
        match self.next(conn)? {
            LoopEvent::Reply(outcome) => outcome,
            LoopEvent::Ready => panic!("a second HELLO"),
        }
    }
}

fn ready(path: &std::path::Path) -> (LoopConnection, Driver) {
    ready_with(path, LoopOptions::default())
}

fn ready_with(path: &std::path::Path, options: LoopOptions) -> (LoopConnection, Driver) {
    let mut conn = LoopConnection::connect_with(path, options).unwrap();
    let mut driver = Driver::new(&conn);
    assert!(!conn.is_idle(), "not before the server's HELLO");
    assert!(matches!(driver.next(&mut conn), Ok(LoopEvent::Ready)));
    assert!(conn.is_idle());
    (conn, driver)
}

#[test]
fn calls_small_and_large_with_descriptors() {
    let path = door_path("calls");
    let door = Door::builder(&path).serve(handler).unwrap();
    let (mut conn, mut driver) = ready(&path);
    assert_eq!(conn.instance(), door.instance());
    for i in 0..100u32 {
        let id = conn.call(ECHO, &i.to_le_bytes(), &[]).unwrap();
        assert!(id > 0 && !conn.is_idle());
        assert_eq!(driver.reply(&mut conn).unwrap().data, i.to_le_bytes());
        assert!(conn.is_idle());
    }
    // Larger than a message both ways: arguments and reply in memfds.
    let big: Vec<u8> = (0..3 << 20).map(|i| (i % 253) as u8).collect();
    conn.call(ECHO, &big, &[]).unwrap();
    assert!(driver.reply(&mut conn).unwrap().data == big);
    let file = std::fs::File::open("/dev/null").unwrap();
    conn.call(FD_COUNT, b"", &[file.as_fd(), file.as_fd()]).unwrap();
    assert_eq!(driver.reply(&mut conn).unwrap().data, 2u32.to_le_bytes());
}

#[test]
fn a_fault_leaves_the_connection_usable_and_a_second_call_is_refused() {
    let path = door_path("fault");
    let _door = Door::builder(&path).serve(handler).unwrap();
    let (mut conn, mut driver) = ready(&path);
    conn.call(99, b"", &[]).unwrap();
    assert!(matches!(driver.reply(&mut conn), Err(CallError::Fault(Fault::UnknownOperation))));
    assert!(conn.is_idle());
    conn.call(ECHO, b"x", &[]).unwrap();
    assert!(matches!(conn.call(ECHO, b"y", &[]), Err(CallError::Invalid(_))), "one at a time");
    assert_eq!(driver.reply(&mut conn).unwrap().data, b"x");
}

#[test]
fn nothing_waits() {
    let path = door_path("never");
    let _door = Door::builder(&path).serve(handler).unwrap();
    let (mut conn, mut driver) = ready(&path);
    conn.call(NEVER, b"", &[]).unwrap();
    let started = Instant::now();
    assert!(conn.on_readable(&mut Vec::new()).unwrap().is_none(), "no reply yet");
    assert!(started.elapsed() < Duration::from_millis(100), "on_readable returned at once");
    assert!(driver.reply(&mut conn).is_ok(), "the reply comes later");
}

#[test]
fn a_missing_door_and_a_dying_server_are_reported() {
    let path = door_path("missing");
    assert!(matches!(LoopConnection::connect(&path), Err(CallError::NoDoor { .. })));
    // A server that accepts, then closes: the call in flight ends in ServerDeath.
    let listener = SeqpacketListener::bind(&path, 8).unwrap();
    let mut conn = LoopConnection::connect(&path).unwrap();
    let mut driver = Driver::new(&conn);
    drop(listener.accept().unwrap());
    assert!(matches!(driver.next(&mut conn), Err(CallError::ServerDeath { .. })));
    assert!(conn.is_broken());
    assert!(matches!(conn.call(ECHO, b"", &[]), Err(CallError::Invalid(_))));
}

#[test]
fn a_revoked_door_answers_with_a_fault() {
    let path = door_path("revoked");
    let door = Door::builder(&path).serve(handler).unwrap();
    let (mut conn, mut driver) = ready(&path);
    door.revoke();
    conn.call(ECHO, b"late", &[]).unwrap();
    assert!(matches!(driver.reply(&mut conn), Err(CallError::Fault(Fault::Revoked))));
}

#[test]
fn pipelined_calls_go_out_together_and_come_back_in_order() {
    let path = door_path("pipelined");
    let door = Door::builder(&path).serve(handler).unwrap();
    let (mut conn, mut driver) = ready(&path);
    conn.set_depth(8);
    for round in 0..20u32 {
        let ids: Vec<u32> = (0..8u32)
            .map(|i| conn.queue_call(ECHO, &(round * 8 + i).to_le_bytes()).unwrap())
            .collect();
        assert!(!conn.has_room(), "8 in flight at depth 8");
        assert!(matches!(conn.queue_call(ECHO, b"x"), Err(CallError::Invalid(_))));
        let received = conn.messages_received();
        conn.flush().unwrap();
        for (i, _) in ids.iter().enumerate() {
            let reply = driver.reply(&mut conn).unwrap();
            assert_eq!(reply.data, (round * 8 + i as u32).to_le_bytes(), "in order");
        }
        assert!(conn.is_idle());
        // The 8 calls went as one CALL_BATCH, so their replies come as one REPLY_BATCH.
        assert_eq!(conn.messages_received() - received, 1, "one message for round {round}");
    }
    // A large argument among them goes by memfd, still in order.
    conn.queue_call(ECHO, b"small").unwrap();
    let big = vec![7u8; 200_000];
    conn.queue_call(ECHO, &big).unwrap();
    conn.queue_call(ECHO, b"last").unwrap();
    conn.flush().unwrap();
    assert_eq!(driver.reply(&mut conn).unwrap().data, b"small");
    assert!(driver.reply(&mut conn).unwrap().data == big);
    assert_eq!(driver.reply(&mut conn).unwrap().data, b"last");
    drop(door);
}

/// Bytes `0, 1, 2, …` (mod 251) of `len`.
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

fn incremented(bytes: &[u8]) -> Vec<u8> {
    bytes.iter().map(|b| b.wrapping_add(1)).collect()
}

#[test]
fn leases_travel_with_the_call_and_come_back_written() {
    let path = door_path("leases");
    let _door = Door::builder(&path).serve(handler).unwrap();
    let (mut conn, mut driver) = ready(&path);
    // Inline (small) and in a memfd (large), one call at a time.
    for len in [0, 100, 16 * 1024, 100_000, 3 << 20] {
        let lent = vec![OwnedLend::ReadWrite(pattern(len))];
        conn.call_with(INCREMENT, b"", &[], lent).unwrap();
        let reply = driver.reply(&mut conn).unwrap();
        assert_eq!(reply.data, (len as u32).to_le_bytes());
        assert_eq!(reply.leases.len(), 1);
        assert!(reply.leases[0] == OwnedLend::ReadWrite(incremented(&pattern(len))), "{len} B");
    }
    // Pipelined: two large leases in flight at once each get a memfd of their own.
    conn.set_depth(2);
    let first = vec![OwnedLend::ReadWrite(vec![1; 300_000])];
    let second = vec![OwnedLend::ReadWrite(vec![5; 300_000])];
    conn.call_with(INCREMENT, b"", &[], first).unwrap();
    conn.call_with(INCREMENT, b"", &[], second).unwrap();
    let replies = [driver.reply(&mut conn).unwrap(), driver.reply(&mut conn).unwrap()];
    assert!(replies[0].leases[0].clone().into_bytes() == vec![2; 300_000]);
    assert!(replies[1].leases[0].clone().into_bytes() == vec![6; 300_000]);
    // A read-only lease the handler tries to write: a fault, and the lease is not returned.
    conn.call_with(INCREMENT, b"", &[], vec![OwnedLend::Read(vec![0; 8])]).unwrap();
    assert!(matches!(driver.reply(&mut conn), Err(CallError::Fault(Fault::BadLease))));
    assert!(conn.is_idle());
}

#[test]
fn replies_come_through_a_reply_slot_when_asked() {
    let path = door_path("slot");
    let _door = Door::builder(&path).serve(handler).unwrap();
    let options = LoopOptions { reply_slot: true, ..LoopOptions::default() };
    let (mut conn, mut driver) = ready_with(&path, options);
    assert!(conn.has_reply_slot());
    let received = conn.messages_received();
    for i in 0..50u32 {
        conn.call(ECHO, &i.to_le_bytes(), &[]).unwrap();
        assert_eq!(driver.reply(&mut conn).unwrap().data, i.to_le_bytes());
    }
    // Each reply was in the slot, announced by a DOORBELL: one message per call still.
    assert_eq!(conn.messages_received() - received, 50);
    // A reply too large for the slot comes on the socket, a descriptor on the socket too.
    let big = pattern(1 << 20);
    conn.call(ECHO, &big, &[]).unwrap();
    assert!(driver.reply(&mut conn).unwrap().data == big);
    let file = std::fs::File::open("/dev/null").unwrap();
    conn.call(FD_COUNT, b"", &[file.as_fd()]).unwrap();
    assert_eq!(driver.reply(&mut conn).unwrap().data, 1u32.to_le_bytes());
    conn.set_depth(8);
    assert!(conn.call(ECHO, b"a", &[]).is_ok());
    assert!(!conn.has_room(), "no pipelining beside a reply slot");
    assert_eq!(driver.reply(&mut conn).unwrap().data, b"a");
}

#[test]
fn a_lane_keeps_the_handler_on_the_loops_cpu() {
    let cpus = ostium_sys::allowed_cpus().unwrap();
    if cpus.len() < 2 {
        eprintln!("skipped: lanes need two CPUs, this test may run on {cpus:?} only");
        return;
    }
    let path = door_path("lane");
    let _door = Door::builder(&path).serve(handler).unwrap();
    for &cpu in &cpus {
        let lane = Some(cpu as u32);
        let (mut conn, mut driver) = ready_with(&path, LoopOptions { lane, reply_slot: false });
        assert_eq!(conn.lane(), lane, "the server agreed to the lane");
        for _ in 0..3 {
            conn.call(WHERE, b"", &[]).unwrap();
            let reply = driver.reply(&mut conn).unwrap().data;
            assert_eq!(u32::from_le_bytes(reply.try_into().unwrap()), cpu as u32);
        }
    }
}
