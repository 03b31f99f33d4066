//! Messages at and past what the socket can carry, both ways. Linux refuses a
//! `SOCK_SEQPACKET` message longer than the sender's send buffer, whatever `max_message`
//! the receiver announced: a server announcing 1 MiB, or a client doing so, must still get
//! every call and reply through — inline up to the transport's limit, in a memfd past it —
//! and never lose the connection over it.

mod common;

use ostium::wire::{self, Call, Capabilities, Hello, Op, Payload, Side, Status};
use ostium::{Client, Door, DoorOptions, Response};
use ostium_sys::unix::SeqpacketConn;

const ECHO: u32 = 1;
/// Replies with as many bytes as its argument (a little-endian u32) says.
const SIZED: u32 = 2;
const ONE_MIB: u32 = 1024 * 1024;

fn serve(name: &str) -> Door {
    let options = DoorOptions { max_request: ONE_MIB, ..DoorOptions::default() };
    Door::create(common::door_path("door-message-limit", name), options, |request| {
        match request.op {
            ECHO => Response::ok(request.args),
            SIZED => {
                let len = u32::from_le_bytes(request.args.try_into().unwrap_or([0; 4]));
                Response::ok(vec![9u8; len as usize])
            }
            _ => Response::fault(wire::Fault::UnknownOperation),
        }
    })
    .unwrap()
}

/// The most this machine's sockets send in one message (the default send buffer).
fn transport_limit() -> usize {
    let (a, _b) = SeqpacketConn::pair().unwrap();
    a.max_send().unwrap()
}

#[test]
fn calls_at_and_past_the_transport_limit_reach_a_server_that_accepts_more() {
    let door = serve("calls");
    let client = Client::open(door.path()).unwrap();
    let limit = transport_limit();
    for len in [limit - 64, limit, limit + 1, limit + 4096, 600_000] {
        let args: Vec<u8> = (0..len).map(|i| i as u8).collect();
        let reply = client.call(ECHO, &args).unwrap_or_else(|e| panic!("{len} B: {e}"));
        assert!(reply.data == args, "{len} B came back changed");
    }
}

#[test]
fn replies_at_and_past_the_transport_limit_reach_a_client_that_accepts_more() {
    let door = serve("replies");
    let conn = SeqpacketConn::connect(door.path()).unwrap();
    let mut out = Vec::new();
    Hello::client(ONE_MIB, Capabilities::MEMFD).encode(&mut out).unwrap();
    conn.send(&out, &[]).unwrap();
    let mut buf = vec![0u8; ONE_MIB as usize];
    let mut fds = Vec::new();
    let n = conn.recv(&mut buf, &mut fds).unwrap().len;
    Hello::decode(&buf[..n], fds.len(), Side::Server).unwrap();

    let limit = transport_limit();
    for (id, len) in [limit - 1024, limit, limit + 4096, 600_000].into_iter().enumerate() {
        let len = len as u32;
        out.clear();
        let arg = len.to_le_bytes();
        let call = Call {
            id: id as u32,
            op: Op(SIZED),
            deadline_ms: None,
            args: Payload::Inline(&arg),
            leases: &[],
            fd_count: 0,
        };
        call.encode(&mut out).unwrap();
        conn.send(&out, &[]).unwrap();
        fds.clear();
        let n = conn.recv(&mut buf, &mut fds).unwrap().len;
        assert!(n > 0, "the server closed the connection over a {len} B reply");
        let reply = wire::decode_reply(&buf[..n], fds.len(), None).unwrap();
        assert_eq!((reply.id(), reply.status()), (id as u32, Status::Ok));
        match reply.data() {
            Payload::Inline(data) => {
                assert_eq!(data.len(), len as usize);
                assert!(wire::ReplyHeader::SIZE + data.len() <= limit, "{len} B inline");
            }
            Payload::InMemfd { len: in_memfd } => {
                assert_eq!(in_memfd, len);
                assert!(wire::ReplyHeader::SIZE + len as usize > limit, "{len} B in a memfd");
            }
        }
    }
}
