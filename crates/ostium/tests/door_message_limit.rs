//! Messages at the protocol's limits. Linux refuses a `SOCK_SEQPACKET` message longer than
//! the sender's send buffer, whatever `max_message` the receiver announced: a server
//! announcing 1 MiB, or a client doing so, must still get every call and reply through —
//! inline up to the transport's limit, in a memfd past it — and never lose the connection
//! over it. A writable inline lease comes back in the reply, so it must fit what the
//! caller accepts; a PING carries nothing, and op 0 is no operation.

use ostium::wire::{self, Call, Capabilities, Hello, Op, Payload, Side, Status};
use ostium::{Answer, Client, Door, DoorOptions, Lend};
use ostium_sys::unix::SeqpacketConn;

const ECHO: u32 = 1;
/// Replies with as many bytes as its argument (a little-endian u32) says.
const SIZED: u32 = 2;
/// Fills its one writable lease with `0xab`.
const FILL: u32 = 3;
const ONE_MIB: u32 = 1024 * 1024;

fn serve(name: &str) -> Door {
    let options = DoorOptions { max_request: ONE_MIB, ..DoorOptions::default() };
    Door::builder(ostium_test_support::door_path("door-message-limit", name))
        .options(options)
        .serve(|mut request| match request.op {
            ECHO => Answer::ok(request.args),
            FILL => {
                let mut lease = request.leases.write(0).unwrap();
                let len = lease.len();
                lease.write(&vec![0xab; len]).unwrap();
                Answer::ok(Vec::new())
            }
            SIZED => {
                let len = u32::from_le_bytes(request.args.try_into().unwrap_or([0; 4]));
                Answer::ok(vec![9u8; len as usize])
            }
            _ => Answer::fault(wire::Fault::UnknownOperation),
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

#[test]
fn a_writable_lease_larger_than_the_caller_accepts_inline_comes_back_whole() {
    let door = serve("writable-lease");
    let client = Client::open(door.path()).unwrap();
    // Inline as far as the server goes (it accepts 1 MiB); the reply could not carry it.
    client.set_inline_lease_max(ONE_MIB as usize);
    let mut buffer = vec![0u8; 150_000];
    client
        .call_with(
            FILL,
            b"",
            ostium::CallOptions { leases: &mut [Lend::Write(&mut buffer)], ..Default::default() },
        )
        .unwrap();
    assert!(buffer.iter().all(|&b| b == 0xab), "the lease came back whole");
}

/// Sends `call` on a fresh connection (after `HELLO`) and returns the reply's status.
fn status_of(door: &Door, op: u32, args: &[u8]) -> Status {
    let conn = SeqpacketConn::connect(door.path()).unwrap();
    let mut out = Vec::new();
    Hello::client(64 * 1024, Capabilities::MEMFD).encode(&mut out).unwrap();
    conn.send(&out, &[]).unwrap();
    let mut buf = vec![0u8; 64 * 1024];
    let mut fds = Vec::new();
    conn.recv(&mut buf, &mut fds).unwrap();
    out.clear();
    let call = Call {
        id: 1,
        op: Op(op),
        deadline_ms: None,
        args: Payload::Inline(args),
        leases: &[],
        fd_count: 0,
    };
    call.encode(&mut out).unwrap();
    conn.send(&out, &[]).unwrap();
    let n = conn.recv(&mut buf, &mut fds).unwrap().len;
    wire::decode_reply(&buf[..n], fds.len(), None).unwrap().status()
}

#[test]
fn a_ping_carries_nothing_and_op_0_is_no_operation() {
    let door = serve("edges");
    assert_eq!(status_of(&door, Op::PING.0, b""), Status::Ok);
    assert_eq!(status_of(&door, Op::PING.0, b"x"), Status::Fault(wire::Fault::BadMessage));
    assert_eq!(status_of(&door, 0, b""), Status::Fault(wire::Fault::UnknownOperation));
}
