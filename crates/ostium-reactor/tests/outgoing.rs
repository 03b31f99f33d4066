//! Outgoing connections driven through Initiated → SentHandshake → AwaitingAck →
//! Connected, against real listeners on loopback.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::mpsc::{self, Sender};
use std::time::Duration;

use ostium_reactor::{
    Ack, Buffer, CloseReason, Config, ConnId, ConnectState, Context, EventLoop, Flow, Handshake,
    Origin, Service,
};

/// The handshake of the test protocol: send `HELLO\n`, expect `ACK\n` (anything else that
/// is complete is a refusal).
struct Hello;

impl Handshake for Hello {
    fn hello(&mut self) -> Vec<u8> {
        b"HELLO\n".to_vec()
    }

    fn check_ack(&mut self, received: &[u8]) -> Ack {
        match received.iter().position(|&b| b == b'\n') {
            None => Ack::Incomplete,
            Some(end) if &received[..end] == b"ACK" => Ack::Accepted { consumed: end + 1 },
            Some(end) => Ack::Rejected(String::from_utf8_lossy(&received[..end]).into_owned()),
        }
    }
}

#[derive(Debug)]
enum Seen {
    State(ConnectState),
    Open(Origin),
    Data(Vec<u8>),
    Closed(String),
}

/// Connects at start, reports what happens, and stops the loop when the connection ends.
struct Dialer {
    target: SocketAddr,
    handshake: bool,
    timeout: Option<Duration>,
    seen: Sender<Seen>,
}

impl Service for Dialer {
    fn on_start(&mut self, cx: &mut Context<'_>) {
        let handshake: Option<Box<dyn Handshake>> =
            if self.handshake { Some(Box::new(Hello)) } else { None };
        let with_handshake = handshake.is_some();
        let id = cx.connect(self.target, handshake, self.timeout).unwrap();
        self.seen.send(Seen::State(cx.connect_state(id).unwrap())).unwrap();
        if with_handshake {
            // Queued before the connection exists: sent after the hello.
            assert!(cx.write(id, b"early"));
        }
    }

    fn on_open(&mut self, cx: &mut Context<'_>, conn: ConnId, origin: Origin) {
        self.seen.send(Seen::State(cx.connect_state(conn).unwrap())).unwrap();
        self.seen.send(Seen::Open(origin)).unwrap();
        cx.write(conn, b"ping");
    }

    fn on_data(
        &mut self,
        _: &mut Context<'_>,
        _: ConnId,
        input: &mut Buffer,
        _: &mut Buffer,
    ) -> Flow {
        self.seen.send(Seen::Data(input.as_slice().to_vec())).unwrap();
        input.clear();
        Flow::Keep
    }

    fn on_close(&mut self, cx: &mut Context<'_>, _: ConnId, reason: &CloseReason) {
        self.seen.send(Seen::Closed(format!("{reason:?}"))).unwrap();
        cx.stop();
    }
}

/// Runs a dialer against `target` until its connection closes; returns what it saw.
fn dial(target: SocketAddr, handshake: bool, timeout: Option<Duration>) -> Vec<Seen> {
    let (tx, rx) = mpsc::channel();
    let dialer = Dialer { target, handshake, timeout, seen: tx };
    let thread = std::thread::spawn(move || EventLoop::new(Config::default(), dialer)?.run());
    let mut seen = Vec::new();
    while let Ok(event) = rx.recv_timeout(Duration::from_secs(20)) {
        let done = matches!(event, Seen::Closed(_));
        seen.push(event);
        if done {
            break;
        }
    }
    thread.join().unwrap().unwrap();
    seen
}

/// A peer that accepts one connection and plays `script`: read the hello, answer.
fn peer(answer: &'static [u8], then_read: usize) -> (SocketAddr, std::thread::JoinHandle<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let thread = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let mut hello = [0u8; 6];
        stream.read_exact(&mut hello).unwrap();
        stream.write_all(answer).unwrap();
        let mut rest = vec![0u8; then_read];
        stream.read_exact(&mut rest).unwrap();
        let mut all = hello.to_vec();
        all.extend(rest);
        all
    });
    (addr, thread)
}

#[test]
fn a_handshake_goes_through_every_state_before_the_service_gets_the_connection() {
    let (addr, peer) = peer(b"ACK\nwelcome", 9);
    let seen = dial(addr, true, Some(Duration::from_secs(20)));
    assert!(matches!(seen[0], Seen::State(ConnectState::Initiated)), "{seen:?}");
    assert!(matches!(seen[1], Seen::State(ConnectState::Connected)), "{seen:?}");
    assert!(matches!(seen[2], Seen::Open(Origin::Outgoing(a)) if a == addr), "{seen:?}");
    // The bytes after the acknowledgement are the service's first input.
    let data: Vec<u8> = seen
        .iter()
        .filter_map(|s| if let Seen::Data(d) = s { Some(d.clone()) } else { None })
        .flatten()
        .collect();
    assert_eq!(data, b"welcome");
    assert_eq!(
        peer.join().unwrap(),
        b"HELLO\nearlyping",
        "the peer got the hello, then the service's bytes in order"
    );
}

#[test]
fn the_ack_may_arrive_in_pieces() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let peer = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut hello = [0u8; 6];
        stream.read_exact(&mut hello).unwrap();
        for piece in [&b"A"[..], b"C", b"K\n"] {
            stream.write_all(piece).unwrap();
            std::thread::sleep(Duration::from_millis(20));
        }
        let mut rest = [0u8; 9];
        stream.read_exact(&mut rest).unwrap();
    });
    let seen = dial(addr, true, None);
    assert!(seen.iter().any(|s| matches!(s, Seen::Open(_))), "{seen:?}");
    peer.join().unwrap();
}

#[test]
fn a_refused_handshake_closes_with_the_peers_reason() {
    let (addr, _peer) = peer(b"GO AWAY\n", 0);
    let seen = dial(addr, true, None);
    assert!(!seen.iter().any(|s| matches!(s, Seen::Open(_))), "{seen:?}");
    let Some(Seen::Closed(reason)) = seen.last() else { panic!("{seen:?}") };
    assert!(reason.contains("HandshakeRejected") && reason.contains("GO AWAY"), "{reason}");
}

#[test]
fn a_peer_that_never_acknowledges_times_out() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let seen = dial(listener.local_addr().unwrap(), true, Some(Duration::from_millis(200)));
    let Some(Seen::Closed(reason)) = seen.last() else { panic!("{seen:?}") };
    assert_eq!(reason, "ConnectTimeout");
    drop(listener);
}

#[test]
fn a_refused_connect_is_reported() {
    let addr = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let seen = dial(addr, true, None);
    let Some(Seen::Closed(reason)) = seen.last() else { panic!("{seen:?}") };
    assert!(reason.contains("ConnectFailed") && reason.contains("ConnectionRefused"), "{reason}");
}

#[test]
fn without_a_handshake_the_connection_is_handed_over_once_connected() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let peer = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut ping = [0u8; 4];
        stream.read_exact(&mut ping).unwrap();
        ping
    });
    let (tx, rx) = mpsc::channel();
    let dialer = Dialer { target: addr, handshake: false, timeout: None, seen: tx };
    let mut event_loop = EventLoop::new(Config::default(), dialer).unwrap();
    let handle = event_loop.handle();
    let thread = std::thread::spawn(move || event_loop.run());
    assert_eq!(&peer.join().unwrap(), b"ping");
    let seen: Vec<Seen> = rx.iter().take(3).collect();
    assert!(matches!(seen[1], Seen::State(ConnectState::Connected)), "{seen:?}");
    handle.stop().unwrap();
    thread.join().unwrap().unwrap();
}
