//! Per-connection limits and end-of-stream handling, against real TCP clients: a
//! connection that breaks a limit is closed with the reason, and the others are untouched.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::mpsc::{self, Sender};
use std::time::Duration;

use ostium_reactor::{
    Buffer, CloseReason, Config, ConnId, Context, EventLoop, Flow, LoopHandle, Service, TimerId,
};
use ostium_sys::tcp_listen;

const MAX_INPUT: usize = 64 * 1024;
const MAX_OUTPUT: usize = 256 * 1024;

/// Echoes, except on connections whose first bytes ask otherwise:
/// `HOARD` never consumes input, `FLOOD` answers with far more than `MAX_OUTPUT` (more
/// than the kernel's socket buffers can absorb, so more than the limit stays unsent), `LATER`
/// replies only after the client has finished sending, from a timer.
#[derive(Default)]
struct Moody {
    closed: Option<Sender<String>>,
    later: HashMap<TimerId, ConnId>,
}

impl Service for Moody {
    fn on_data(
        &mut self,
        _: &mut Context<'_>,
        _: ConnId,
        input: &mut Buffer,
        output: &mut Buffer,
    ) -> Flow {
        match input.as_slice().get(..5) {
            Some(b"HOARD") | Some(b"LATER") => {}
            Some(b"FLOOD") => {
                input.clear();
                output.extend_from_slice(&vec![b'x'; 64 * MAX_OUTPUT]);
            }
            _ => input.move_to(output),
        }
        Flow::Keep
    }

    fn on_read_closed(
        &mut self,
        cx: &mut Context<'_>,
        conn: ConnId,
        input: &mut Buffer,
        _: &mut Buffer,
    ) -> Flow {
        if input.as_slice().starts_with(b"LATER") {
            let timer = cx.set_timer(Duration::from_millis(50));
            self.later.insert(timer, conn);
            return Flow::Keep;
        }
        Flow::Close
    }

    fn on_timer(&mut self, cx: &mut Context<'_>, timer: TimerId) {
        if let Some(conn) = self.later.remove(&timer) {
            assert!(cx.write(conn, b"your reply"));
            cx.close(conn);
        }
    }

    fn on_close(&mut self, _: &mut Context<'_>, _: ConnId, reason: &CloseReason) {
        if let Some(closed) = &self.closed {
            let _ = closed.send(format!("{reason:?}"));
        }
    }
}

struct Running {
    addr: SocketAddr,
    handle: LoopHandle<Moody>,
    thread: std::thread::JoinHandle<std::io::Result<()>>,
    closed: mpsc::Receiver<String>,
}

fn start() -> Running {
    let config = Config { max_input: MAX_INPUT, max_output: MAX_OUTPUT, ..Config::default() };
    let (tx, closed) = mpsc::channel();
    let mut event_loop =
        EventLoop::new(config, Moody { closed: Some(tx), ..Moody::default() }).unwrap();
    let listener = tcp_listen("127.0.0.1:0".parse().unwrap(), 128).unwrap();
    let addr = listener.local_addr().unwrap();
    event_loop.add_listener(listener).unwrap();
    let handle = event_loop.handle();
    let thread = std::thread::spawn(move || event_loop.run());
    Running { addr, handle, thread, closed }
}

impl Running {
    fn connect(&self) -> TcpStream {
        let stream = TcpStream::connect(self.addr).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        stream
    }

    fn next_close(&self) -> String {
        self.closed.recv_timeout(Duration::from_secs(20)).expect("a connection closed")
    }

    fn stop(self) {
        self.handle.stop().unwrap();
        self.thread.join().unwrap().unwrap();
    }
}

fn assert_echoes(stream: &mut TcpStream) {
    stream.write_all(b"still echoing").unwrap();
    let mut buf = [0u8; 13];
    stream.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"still echoing");
}

/// Reads until the server ends the connection; true if it did (end of stream or reset).
fn ends(stream: &mut TcpStream) -> bool {
    let mut buf = [0u8; 64 * 1024];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(err) => return err.kind() == std::io::ErrorKind::ConnectionReset,
        }
    }
}

#[test]
fn too_much_unconsumed_input_closes_only_that_connection() {
    let server = start();
    let mut bystander = server.connect();
    assert_echoes(&mut bystander);
    let mut hoarder = server.connect();
    hoarder.write_all(b"HOARD").unwrap();
    // More than the limit; the server may close before all of it is written.
    let _ = hoarder.write_all(&vec![0u8; 2 * MAX_INPUT]);
    assert!(ends(&mut hoarder));
    assert_eq!(server.next_close(), "InputLimit");
    assert_echoes(&mut bystander);
    server.stop();
}

#[test]
fn too_much_unsent_output_closes_only_that_connection() {
    let server = start();
    let mut bystander = server.connect();
    let mut flooded = server.connect();
    flooded.write_all(b"FLOOD").unwrap();
    // The client does not read until the server has judged: a client that reads as fast as
    // the server writes never has output waiting, and is rightly left alone.
    assert_eq!(server.next_close(), "OutputLimit");
    assert!(ends(&mut flooded));
    assert_echoes(&mut bystander);
    server.stop();
}

#[test]
fn a_service_may_reply_after_the_client_finished_sending() {
    let server = start();
    let mut client = server.connect();
    client.write_all(b"LATER: the whole request").unwrap();
    client.shutdown(Shutdown::Write).unwrap();
    let mut reply = Vec::new();
    client.read_to_end(&mut reply).unwrap();
    assert_eq!(reply, b"your reply");
    assert_eq!(server.next_close(), "Service");
    server.stop();
}

#[test]
fn a_client_that_half_closes_gets_its_whole_echo_then_the_end() {
    let server = start();
    let mut client = server.connect();
    // Far more than a turn's read budget and the output high-water mark, so the echo
    // crosses every path: budgets carried to the next turn, paused and resumed reading,
    // and the end of stream read after a short read.
    let sent: Vec<u8> = (0..4 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
    let mut writer = client.try_clone().unwrap();
    let to_send = sent.clone();
    let writing = std::thread::spawn(move || {
        writer.write_all(&to_send).unwrap();
        writer.shutdown(Shutdown::Write).unwrap();
    });
    let mut reply = Vec::new();
    client.read_to_end(&mut reply).unwrap();
    writing.join().unwrap();
    assert!(reply == sent, "the echo differs from what was sent");
    assert_eq!(server.next_close(), "PeerClosed");
    server.stop();
}

#[test]
fn stopping_closes_every_connection_with_shutdown() {
    let server = start();
    let mut clients: Vec<TcpStream> = (0..3).map(|_| server.connect()).collect();
    for client in &mut clients {
        assert_echoes(client);
    }
    server.handle.stop().unwrap();
    for client in &mut clients {
        assert!(ends(client));
    }
    let reasons: Vec<String> = (0..3).map(|_| server.next_close()).collect();
    assert!(reasons.iter().all(|r| r == "Shutdown"), "{reasons:?}");
    server.thread.join().unwrap().unwrap();
}
