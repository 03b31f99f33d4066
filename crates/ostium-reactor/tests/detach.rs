//! Detaching connections: the socket leaves the loop open and usable, with the bytes the
//! loop held for it, and the loop neither closes it nor reads from it again.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::mpsc::{self, Sender};
use std::time::Duration;

use common::{PATIENCE, next};
use ostium_reactor::{
    Buffer, CloseReason, ConnId, Context, Detached, EventLoop, Flow, Origin, Service,
};
use ostium_sys::tcp_listen;

#[derive(Debug)]
enum Seen {
    Open(ConnId),
    Data(Vec<u8>),
    Detached(Detached),
    Closed(ConnId),
}

/// Consumes the first two bytes of each arrival and keeps the rest; a connection whose
/// input starts with `HANDOFF:` is detached from inside `on_data`, as `Context::detach`
/// says to: with the rest of `input` taken along.
struct Holder {
    seen: Sender<Seen>,
}

impl Service for Holder {
    fn on_open(&mut self, _: &mut Context<'_>, conn: ConnId, _: Origin) {
        self.seen.send(Seen::Open(conn)).unwrap();
    }

    fn on_data(
        &mut self,
        cx: &mut Context<'_>,
        conn: ConnId,
        input: &mut Buffer,
        output: &mut Buffer,
    ) -> Flow {
        if let Some(rest) = input.as_slice().strip_prefix(b"HANDOFF:") {
            let rest = rest.to_vec();
            output.extend_from_slice(b"bye");
            let mut detached = cx.detach(conn).expect("an open connection detaches");
            detached.input.extend_from_slice(&rest);
            detached.output.extend_from_slice(output.as_slice());
            input.clear();
            output.clear();
            self.seen.send(Seen::Detached(detached)).unwrap();
            return Flow::Close; // says nothing about a connection no longer here
        }
        self.seen.send(Seen::Data(input.as_slice().to_vec())).unwrap();
        input.consume(2);
        Flow::Keep
    }

    fn on_close(&mut self, _: &mut Context<'_>, conn: ConnId, _: &CloseReason) {
        self.seen.send(Seen::Closed(conn)).unwrap();
    }
}

fn serve() -> (ostium_reactor::LoopHandle<Holder>, std::sync::mpsc::Receiver<Seen>, TcpStream) {
    let listener = tcp_listen("127.0.0.1:0".parse().unwrap(), 16).unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = mpsc::channel();
    let mut event_loop = EventLoop::new(Default::default(), Holder { seen: tx }).unwrap();
    event_loop.add_listener(listener).unwrap();
    let handle = event_loop.handle();
    std::thread::spawn(move || event_loop.run());
    let client = TcpStream::connect(addr).unwrap();
    client.set_read_timeout(Some(PATIENCE)).unwrap();
    (handle, rx, client)
}

/// The detached socket, made blocking so the test can read it plainly.
fn blocking(detached: &Detached) -> &ostium_sys::Socket {
    detached.socket.set_nonblocking(false).unwrap();
    &detached.socket
}

#[test]
fn a_detached_connection_keeps_its_unread_input_and_unsent_output_and_stays_usable() {
    let (handle, rx, mut client) = serve();
    let Seen::Open(conn) = next(&rx) else { panic!("no open") };
    client.write_all(b"abcdef").unwrap();
    assert!(matches!(next(&rx), Seen::Data(d) if d == b"abcdef"));

    // Outside any callback of the connection: a write the loop has not sent yet, then
    // detach. Both the unconsumed input and that output come back.
    let (tx, detached_rx) = mpsc::channel();
    handle
        .post(move |_: &mut Holder, cx: &mut Context<'_>| {
            assert!(cx.write(conn, b"queued"));
            let detached = cx.detach(conn);
            let again = cx.detach(conn).is_none();
            tx.send((detached, again, cx.connection_count())).unwrap();
        })
        .unwrap();
    let (detached, again, count) = next(&detached_rx);
    let detached = detached.expect("detached");
    assert!(again, "a detached id names nothing");
    assert_eq!(count, 0);
    assert_eq!(detached.input, b"cdef");
    assert_eq!(detached.output, b"queued");
    assert_eq!(detached.peer, client.local_addr().unwrap());

    // The socket is open and ours: both directions work, and the loop takes nothing more.
    let socket = blocking(&detached);
    client.write_all(b"after").unwrap();
    let mut buf = [0u8; 5];
    let mut got = 0;
    while got < 5 {
        got += socket.read(&mut buf[got..]).unwrap();
    }
    assert_eq!(&buf, b"after");
    socket.write(b"from the new owner").unwrap();
    let mut reply = [0u8; 18];
    client.read_exact(&mut reply).unwrap();
    assert_eq!(&reply, b"from the new owner");

    // No on_close for it, and no data callback for what the client sent after.
    assert!(rx.recv_timeout(Duration::from_millis(200)).is_err(), "the loop still served it");
    drop(detached);
    assert_eq!(client.read(&mut buf).unwrap(), 0, "closed by its new owner only");
    handle.stop().unwrap();
}

#[test]
fn detaching_inside_on_data_takes_the_lent_buffers_along() {
    let (handle, rx, mut client) = serve();
    assert!(matches!(next(&rx), Seen::Open(_)));
    client.write_all(b"HANDOFF:early bytes").unwrap();
    let Seen::Detached(detached) = next(&rx) else { panic!("not detached") };
    assert_eq!(detached.input, b"early bytes");
    assert_eq!(detached.output, b"bye", "what the callback wrote came along, unsent");
    let socket = blocking(&detached);
    socket.write(b"ok").unwrap();
    let mut buf = [0u8; 2];
    client.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"ok");
    assert!(rx.recv_timeout(Duration::from_millis(200)).is_err(), "on_close came for it");
    handle.stop().unwrap();
}

#[test]
fn a_closing_connection_is_not_detached_and_closes_as_usual() {
    let (handle, rx, mut client) = serve();
    let Seen::Open(conn) = next(&rx) else { panic!("no open") };
    let (tx, answer_rx) = mpsc::channel();
    handle
        .post(move |_: &mut Holder, cx: &mut Context<'_>| {
            cx.close(conn);
            tx.send(cx.detach(conn).is_none()).unwrap();
        })
        .unwrap();
    assert!(next(&answer_rx), "a closing connection was detached");
    assert!(matches!(next(&rx), Seen::Closed(id) if id == conn));
    assert_eq!(client.read(&mut [0u8; 1]).unwrap(), 0);
    handle.stop().unwrap();
}
