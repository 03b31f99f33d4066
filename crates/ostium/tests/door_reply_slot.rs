//! The reply slot (protocol §3.3): what a door does for a hand-written client that sets one
//! up (replies in the slot, the futex woken or the doorbell rung, replies with descriptors
//! on the socket), what it does with a `RING_SETUP` it cannot use (closes that connection
//! only), and the reference client across every kind of reply, slow ones included.

use std::io::Write;
use std::os::fd::{AsFd, OwnedFd};
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use ostium::wire::ring::{
    CLIENT_WAITING, Doorbell, HEADER_LEN, ON_SOCKET, REPLY_LEN, REPLY_SEQ, RingSetup,
};
use ostium::wire::{self, Capabilities, Fault, Hello, Kind, Op, Payload, Side, Status};
use ostium::{Answer, CallError, Client, Door, Request};
use ostium_sys::Memfd;
use ostium_sys::memfd::{Seals, SharedMap};
use ostium_sys::unix::SeqpacketConn;

const ECHO: u32 = 1;
const SLOW_ECHO: u32 = 2; // echoes after sleeping the milliseconds in args[0]
const GIVE_FD: u32 = 3;
const BIG: u32 = 4; // a reply of 100 KiB: larger than a message, in a memfd

fn door_path(name: &str) -> PathBuf {
    ostium_test_support::door_path("ostium-reply-slot", name)
}

fn handler(request: Request<'_>) -> Answer {
    match request.op {
        ECHO => Answer::ok(request.args),
        SLOW_ECHO => {
            std::thread::sleep(Duration::from_millis(u64::from(request.args[0])));
            Answer::ok(request.args)
        }
        GIVE_FD => {
            let (reader, mut writer) = std::io::pipe().unwrap();
            writer.write_all(b"through the socket").unwrap();
            Answer::ok(b"fd".to_vec()).with_fds([reader.into()])
        }
        BIG => Answer::ok(vec![9u8; 100 * 1024]),
        _ => Answer::fault(Fault::UnknownOperation),
    }
}

/// Held by every test here: they count the slot mappings of this process, which the
/// tests running beside them on other threads would change.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serve(name: &str) -> (Door, PathBuf) {
    let path = door_path(name);
    (Door::builder(&path).serve(handler).unwrap(), path)
}

/// A hand-written client: the socket, the slot's mapping, and a receive buffer.
struct ByHand {
    conn: SeqpacketConn,
    slot: SharedMap,
    buf: Vec<u8>,
}

/// Connects offering `capabilities` and returns the socket and the capabilities in use.
fn connect(path: &PathBuf, capabilities: Capabilities) -> (SeqpacketConn, Capabilities) {
    let conn = SeqpacketConn::connect(path).unwrap();
    let mut out = Vec::new();
    Hello::client(65536, capabilities).encode(&mut out).unwrap();
    conn.send(&out, &[]).unwrap();
    let (mut buf, mut fds) = (vec![0u8; 4096], Vec::new());
    let received = conn.recv(&mut buf, &mut fds).unwrap();
    let hello = Hello::decode(&buf[..received.len], fds.len(), Side::Server).unwrap();
    (conn, hello.capabilities.intersection(capabilities))
}

fn slot_memfd(slot_len: u32) -> Memfd {
    let memfd = Memfd::create("test-slot", RingSetup { slot_len }.memfd_len() as u64).unwrap();
    memfd.seal(Seals::SHRINK).unwrap();
    memfd
}

fn ring_setup(slot_len: u32) -> Vec<u8> {
    let mut out = Vec::new();
    RingSetup { slot_len }.encode(&mut out).unwrap();
    out
}

impl ByHand {
    fn new(path: &PathBuf) -> ByHand {
        let caps = Capabilities::MEMFD.union(Capabilities::RING);
        let (conn, in_use) = connect(path, caps);
        assert!(in_use.contains(Capabilities::RING), "a door offers the reply slot");
        let memfd = slot_memfd(4096);
        conn.send(&ring_setup(4096), &[memfd.as_fd()]).unwrap();
        ByHand { conn, slot: memfd.map_shared().unwrap(), buf: vec![0; 65536] }
    }

    fn word(&self, offset: usize) -> u32 {
        self.slot.word(offset).unwrap().load(Ordering::SeqCst)
    }

    fn send_call(&self, id: u32, op: u32, args: &[u8]) {
        let call = wire::Call {
            id,
            op: Op(op),
            deadline_ms: None,
            args: Payload::Inline(args),
            leases: &[],
            fd_count: 0,
        };
        let mut out = Vec::new();
        call.encode(&mut out).unwrap();
        self.conn.send(&out, &[]).unwrap();
    }

    /// Waits on the futex until `REPLY_SEQ` is `seq`, as the reference client does.
    fn wait_for(&self, seq: u32) {
        let deadline = Instant::now() + Duration::from_secs(10);
        let word = self.slot.word(REPLY_SEQ).unwrap();
        loop {
            let now = word.load(Ordering::SeqCst);
            if now == seq {
                return;
            }
            assert!(Instant::now() < deadline, "reply {seq} never published (seq {now})");
            ostium_sys::futex_wait(word, now, Some(Duration::from_secs(1))).unwrap();
        }
    }

    /// The reply in the slot, copied out and decoded: its status and data.
    fn slot_reply(&mut self) -> (u32, Status, Vec<u8>) {
        let len = self.word(REPLY_LEN) as usize;
        assert!(len <= 4096, "REPLY_LEN {len}");
        self.slot.read_at(HEADER_LEN, &mut self.buf[..len]).unwrap();
        let view = wire::decode_reply(&self.buf[..len], 0, None).unwrap();
        let Payload::Inline(data) = view.data() else { panic!("inline data expected") };
        (view.id(), view.status(), data.to_vec())
    }

    /// The next message on the socket, and the descriptors that came with it.
    fn recv(&mut self) -> (Vec<u8>, Vec<OwnedFd>) {
        self.conn.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut fds = Vec::new();
        let received = self.conn.recv(&mut self.buf, &mut fds).unwrap();
        (self.buf[..received.len].to_vec(), fds)
    }
}

#[test]
fn a_waiting_client_is_woken_by_the_futex_and_finds_its_reply_in_the_slot() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let (_door, path) = serve("futex.door");
    let mut client = ByHand::new(&path);
    for id in 1..=3u32 {
        client.slot.word(CLIENT_WAITING).unwrap().store(1, Ordering::SeqCst);
        client.send_call(id, ECHO, &id.to_le_bytes());
        client.wait_for(id);
        assert_eq!(client.slot_reply(), (id, Status::Ok, id.to_le_bytes().to_vec()));
        assert_eq!(client.word(CLIENT_WAITING), 0, "the server takes the flag back to wake us");
    }
    // Woken by the futex: the socket carries nothing.
    assert_eq!(client.conn.pending_bytes().unwrap(), 0);
}

#[test]
fn a_client_not_waiting_on_the_futex_gets_a_doorbell() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let (_door, path) = serve("doorbell.door");
    let mut client = ByHand::new(&path);
    client.send_call(1, ECHO, b"ring");
    let (msg, fds) = client.recv();
    assert_eq!(Doorbell::decode(&msg, fds.len()), Ok(Doorbell { seq: 1 }));
    assert_eq!(client.word(REPLY_SEQ), 1);
    assert_eq!(client.slot_reply(), (1, Status::Ok, b"ring".to_vec()));
}

#[test]
fn replies_with_descriptors_or_too_large_for_the_slot_go_on_the_socket() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let (_door, path) = serve("on-socket.door");
    let mut client = ByHand::new(&path);
    client.send_call(1, GIVE_FD, &[]);
    let (msg, fds) = client.recv();
    assert_eq!(wire::peek_kind(&msg), Ok(Kind::Reply), "the reply itself, with its descriptor");
    let view = wire::decode_reply(&msg, fds.len(), None).unwrap();
    assert_eq!((view.id(), view.data()), (1, Payload::Inline(&b"fd"[..])));
    client.wait_for(1);
    assert_eq!(client.word(REPLY_LEN), ON_SOCKET);
    // A 5000-byte echo does not fit a 4096-byte slot.
    client.send_call(2, ECHO, &[5; 5000]);
    let (msg, _) = client.recv();
    assert_eq!(wire::decode_reply(&msg, 0, None).unwrap().data(), Payload::Inline(&[5; 5000][..]));
    client.wait_for(2);
    assert_eq!(client.word(REPLY_LEN), ON_SOCKET);
    // And the next small reply is in the slot again.
    client.send_call(3, ECHO, b"back");
    let (msg, _) = client.recv();
    assert_eq!(Doorbell::decode(&msg, 0), Ok(Doorbell { seq: 3 }));
    assert_eq!(client.slot_reply(), (3, Status::Ok, b"back".to_vec()));
}

/// A message to send, with its descriptors.
type Message = (Vec<u8>, Vec<OwnedFd>);

/// Sends `setups` on a fresh connection offering `capabilities`, then a call, and says whether
/// the door then closed the connection (rather than answering a call).
fn closes_after(path: &PathBuf, capabilities: Capabilities, setups: &[Message]) -> bool {
    let (conn, _) = connect(path, capabilities);
    for (msg, fds) in setups {
        let fds: Vec<_> = fds.iter().map(|fd| fd.as_fd()).collect();
        if conn.send(msg, &fds).is_err() {
            return true;
        }
    }
    let mut call = Vec::new();
    let args = Payload::Inline(b"x");
    let message =
        wire::Call { id: 1, op: Op(ECHO), deadline_ms: None, args, leases: &[], fd_count: 0 };
    message.encode(&mut call).unwrap();
    if conn.send(&call, &[]).is_err() {
        return true;
    }
    conn.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let (mut buf, mut fds) = (vec![0u8; 65536], Vec::new());
    match conn.recv(&mut buf, &mut fds) {
        Ok(received) => received.len == 0,
        Err(err) => err.kind() == std::io::ErrorKind::ConnectionReset,
    }
}

#[test]
fn a_ring_setup_the_door_cannot_use_closes_that_connection_only() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let (_door, path) = serve("bad-setup.door");
    let ring = Capabilities::MEMFD.union(Capabilities::RING);
    let good = || (ring_setup(4096), vec![OwnedFd::from(slot_memfd(4096))]);
    assert!(!closes_after(&path, ring, &[good()]), "a good setup keeps the connection");
    let (pipe, _writer) = std::io::pipe().unwrap();
    let unsealed = Memfd::create("unsealed", 4096 + 64).unwrap();
    let cases: Vec<(&str, Capabilities, Vec<Message>)> = vec![
        ("no descriptor", ring, vec![(ring_setup(4096), vec![])]),
        ("not a memfd", ring, vec![(ring_setup(4096), vec![pipe.into()])]),
        ("not sealed against shrinking", ring, vec![(ring_setup(4096), vec![unsealed.into()])]),
        ("shorter than the slot", ring, vec![(ring_setup(8192), vec![slot_memfd(4096).into()])]),
        (
            "a slot too small",
            ring,
            vec![([6, 0, 0, 0, 0, 1, 0, 0].to_vec(), vec![slot_memfd(4096).into()])],
        ),
        ("twice", ring, vec![good(), good()]),
        ("without the capability", Capabilities::MEMFD, vec![good()]),
        ("while pipelining", ring.union(Capabilities::PIPELINING), vec![good()]),
    ];
    for (name, capabilities, setups) in cases {
        assert!(closes_after(&path, capabilities, &setups), "{name}: the connection stays open");
    }
    // Everyone else is served as before.
    let client = Client::open(&path).unwrap();
    assert_eq!(client.call(ECHO, b"still here").unwrap().data, b"still here");
}

/// The mappings of reply slot memfds in this process (both sides, the door being here).
fn slot_mappings() -> usize {
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
    maps.lines().filter(|line| line.contains("memfd:ostium-reply-slot")).count()
}

#[test]
fn the_reference_client_keeps_in_step_through_every_kind_of_reply() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let (_door, path) = serve("in-step.door");
    let before = slot_mappings();
    let client = Client::open(&path).unwrap();
    let fast = |n: u8| assert_eq!(client.call(ECHO, &[n; 3]).unwrap().data, [n; 3]);
    fast(1);
    assert!(slot_mappings() >= before + 2, "the client's and the door's mapping of its slot");
    // Slower than the futex window: the reply is announced by a doorbell.
    assert_eq!(client.call(SLOW_ECHO, &[60, 1]).unwrap().data, [60, 1]);
    fast(2);
    let reply = client.call(GIVE_FD, &[]).unwrap();
    let mut text = String::new();
    std::io::Read::read_to_string(
        &mut std::fs::File::from(reply.fds.into_iter().next().unwrap()),
        &mut text,
    )
    .unwrap();
    assert_eq!(text, "through the socket");
    fast(3);
    assert_eq!(client.call(BIG, &[]).unwrap().data, vec![9u8; 100 * 1024]);
    fast(4);
    assert!(matches!(client.call(99, &[]), Err(CallError::Fault(Fault::UnknownOperation))));
    fast(5);
    for n in 0..200u8 {
        fast(n);
    }
    // A deadline passing while the reply is late loses that connection, not the client.
    let deadline = Some(Instant::now() + Duration::from_millis(5));
    let late =
        client.call_with(SLOW_ECHO, &[50], ostium::CallOptions { deadline, ..Default::default() });
    assert!(matches!(late, Err(CallError::Deadline)), "{late:?}");
    fast(6);
}

#[test]
fn a_client_told_not_to_use_the_slot_gets_replies_on_the_socket() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let (_door, path) = serve("no-slot.door");
    let before = slot_mappings();
    let client = Client::open(&path).unwrap();
    client.set_reply_slot(false);
    assert_eq!(client.call(ECHO, b"socket").unwrap().data, b"socket");
    assert_eq!(client.call(SLOW_ECHO, &[30]).unwrap().data, [30]);
    // The first connection (made by `open`) is gone with its slot (the door unmaps its
    // side when it sees the connection close); no other has one.
    let deadline = Instant::now() + Duration::from_secs(5);
    while slot_mappings() != before && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(slot_mappings(), before, "no slot is in use");
}
