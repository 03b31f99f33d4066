//! Property tests of the wire codec: what is encoded decodes to itself, and no input, however
//! broken, makes a decoder panic or decode to something that encodes differently.

use std::num::NonZeroU32;

use ostium::wire::{
    Access, Call, CallView, Capabilities, Hello, HelloStatus, InstanceId, Lease, Op, Payload,
    Reply, ReplyView, Side, Status, WritableLeases, decode_call, decode_reply,
};
use proptest::collection::vec;
use proptest::prelude::*;

/// A payload that owns its bytes, so that strategies can make one.
#[derive(Debug, Clone)]
enum Owned {
    Inline(Vec<u8>),
    Memfd(u32),
}

impl Owned {
    fn payload(&self) -> Payload<'_> {
        match self {
            Owned::Inline(bytes) => Payload::Inline(bytes),
            Owned::Memfd(len) => Payload::InMemfd { len: *len },
        }
    }
}

fn owned() -> impl Strategy<Value = Owned> {
    prop_oneof![
        vec(any::<u8>(), 0..48).prop_map(Owned::Inline),
        any::<u32>().prop_map(Owned::Memfd)
    ]
}

fn access() -> impl Strategy<Value = Access> {
    prop_oneof![Just(Access::Read), Just(Access::Write), Just(Access::ReadWrite)]
}

#[derive(Debug, Clone)]
struct CallCase {
    id: u32,
    op: u32,
    deadline: Option<NonZeroU32>,
    args: Owned,
    leases: Vec<(Access, Owned)>,
    fd_count: u16,
}

fn call_case() -> impl Strategy<Value = CallCase> {
    let leases = prop_oneof![vec((access(), owned()), 0..6), vec((access(), owned()), 60..=64)];
    (any::<u32>(), any::<u32>(), any::<Option<NonZeroU32>>(), owned(), leases, 0..=180u16).prop_map(
        |(id, op, deadline, args, leases, fd_count)| CallCase {
            id,
            op,
            deadline,
            args,
            leases,
            fd_count,
        },
    )
}

/// Encodes the call of `case`, returning the bytes, the descriptor count and what its reply
/// must return.
fn encode_call(case: &CallCase) -> (Vec<u8>, usize, WritableLeases) {
    let leases: Vec<Lease<'_>> = case
        .leases
        .iter()
        .map(|(access, c)| Lease { access: *access, contents: c.payload() })
        .collect();
    let call = Call {
        id: case.id,
        op: Op(case.op),
        deadline_ms: case.deadline,
        args: case.args.payload(),
        leases: &leases,
        fd_count: case.fd_count,
    };
    let mut msg = Vec::new();
    call.encode(&mut msg).expect("a valid call encodes");
    assert_eq!(msg.len(), call.encoded_len());
    (msg, call.fds().total(), call.writable_leases())
}

/// Encodes a decoded call again.
fn reencode_call(view: &CallView<'_>) -> Vec<u8> {
    let leases: Vec<Lease<'_>> = view.leases().collect();
    let header = view.header();
    let call = Call {
        id: header.id,
        op: header.op,
        deadline_ms: header.deadline_ms,
        args: view.args(),
        leases: &leases,
        fd_count: header.fd_count,
    };
    let mut out = Vec::new();
    call.encode(&mut out).expect("a decoded call encodes");
    out
}

/// Encodes a decoded reply again. Lease lengths are not on the wire, so any split of the
/// returned contents into `lease_count` pieces encodes the same: here, all in the last one.
fn reencode_reply(view: &ReplyView<'_>) -> Vec<u8> {
    let count = usize::from(view.header().lease_count);
    let mut leases: Vec<&[u8]> = vec![&[]; count];
    if let Some(last) = leases.last_mut() {
        *last = view.lease_contents();
    }
    let reply = Reply {
        id: view.id(),
        status: view.status(),
        data: view.data(),
        leases: &leases,
        fd_count: view.header().fd_count,
    };
    let mut out = Vec::new();
    reply.encode(&mut out).expect("a decoded reply encodes");
    out
}

#[derive(Debug, Clone)]
struct ReplyCase {
    id: u32,
    status: u32,
    data: Owned,
    leases: Vec<Vec<u8>>,
    fd_count: u16,
}

fn reply_case() -> impl Strategy<Value = ReplyCase> {
    let status = prop_oneof![Just(0u32), 1..=0xFFFF_FEFFu32, 0xFFFF_FF00..=u32::MAX];
    (any::<u32>(), status, owned(), vec(vec(any::<u8>(), 0..24), 0..=64), 0..=252u16).prop_map(
        |(id, status, data, leases, fd_count)| {
            if Status::from_u32(status).is_fault() {
                // A fault carries nothing.
                ReplyCase { id, status, data: Owned::Inline(vec![]), leases: vec![], fd_count: 0 }
            } else {
                ReplyCase { id, status, data, leases, fd_count }
            }
        },
    )
}

fn encode_reply(case: &ReplyCase) -> (Vec<u8>, usize, WritableLeases) {
    let leases: Vec<&[u8]> = case.leases.iter().map(Vec::as_slice).collect();
    let reply = Reply {
        id: case.id,
        status: Status::from_u32(case.status),
        data: case.data.payload(),
        leases: &leases,
        fd_count: case.fd_count,
    };
    let mut msg = Vec::new();
    reply.encode(&mut msg).expect("a valid reply encodes");
    assert_eq!(msg.len(), reply.encoded_len());
    let total_len = case.leases.iter().map(|l| l.len() as u64).sum();
    let expect = WritableLeases { count: case.leases.len(), total_len };
    (msg, reply.fds().total(), expect)
}

fn hello_case() -> impl Strategy<Value = (Hello, Side)> {
    let status = prop_oneof![Just(0u32), 0xFFFF_FF00..=u32::MAX];
    (
        any::<u16>(),
        any::<u16>(),
        4096..=u32::MAX,
        any::<u64>(),
        any::<[u8; 16]>(),
        status,
        any::<bool>(),
        proptest::option::of(0..u32::MAX),
    )
        .prop_map(|(min, max, max_message, caps, instance, status, client, lane)| {
            let status = match Status::from_u32(status) {
                Status::Fault(fault) => HelloStatus::Refused(fault),
                _ => HelloStatus::Accepted,
            };
            let base = Hello {
                min_version: min,
                max_version: max,
                max_message,
                capabilities: Capabilities::from_bits(caps),
                instance: InstanceId(instance),
                status,
                lane: None,
            };
            if client {
                (
                    Hello {
                        instance: InstanceId::ZERO,
                        status: HelloStatus::Accepted,
                        lane,
                        ..base
                    },
                    Side::Client,
                )
            } else if status == HelloStatus::Accepted {
                (Hello { max_version: min, ..base }, Side::Server)
            } else {
                (base, Side::Server)
            }
        })
}

/// Every decoder on `msg`; whatever decodes must encode back to `msg`.
fn decode_everything(msg: &[u8], fds: usize) {
    for side in [Side::Client, Side::Server] {
        if let Ok(hello) = Hello::decode(msg, fds, side) {
            let mut out = Vec::new();
            hello.encode(&mut out).expect("a decoded HELLO encodes");
            assert_eq!(out, msg);
        }
    }
    if let Ok(view) = decode_call(msg, fds) {
        assert_eq!(reencode_call(&view), msg);
        assert_eq!(ostium::wire::call_id(msg), Some(view.header().id));
    }
    if let Ok(view) = decode_reply(msg, fds, None) {
        assert_eq!(reencode_reply(&view), msg);
    }
}

/// A damage done to a valid message: one byte flipped, or the message cut short.
#[derive(Debug, Clone)]
struct Damage {
    at: prop::sample::Index,
    bits: u8,
    cut: prop::sample::Index,
}

impl Damage {
    /// `msg` with a byte flipped, and `msg` cut short.
    fn apply(&self, msg: &[u8]) -> (Vec<u8>, Vec<u8>) {
        let mut flipped = msg.to_vec();
        flipped[self.at.index(msg.len())] ^= self.bits;
        (flipped, msg[..self.cut.index(msg.len())].to_vec())
    }
}

fn damage() -> impl Strategy<Value = Damage> {
    (any::<prop::sample::Index>(), 1u8..=255, any::<prop::sample::Index>())
        .prop_map(|(at, bits, cut)| Damage { at, bits, cut })
}

fn leases_of(case: &CallCase) -> Vec<Lease<'_>> {
    case.leases.iter().map(|(access, c)| Lease { access: *access, contents: c.payload() }).collect()
}

proptest! {
    #[test]
    fn call_round_trips(case in call_case()) {
        let (msg, fds, writable) = encode_call(&case);
        let view = decode_call(&msg, fds).expect("an encoded call decodes");
        let h = view.header();
        prop_assert_eq!((h.id, h.op, h.deadline_ms), (case.id, Op(case.op), case.deadline));
        prop_assert_eq!(view.args(), case.args.payload());
        prop_assert_eq!(view.leases().collect::<Vec<_>>(), leases_of(&case));
        prop_assert_eq!(view.writable_leases(), writable);
        prop_assert_eq!(view.fds().handler().len(), usize::from(case.fd_count));
        prop_assert_eq!(&reencode_call(&view), &msg);
        prop_assert!(decode_call(&msg, fds + 1).is_err());
    }

    #[test]
    fn reply_round_trips(case in reply_case()) {
        let (msg, fds, expect) = encode_reply(&case);
        let view = decode_reply(&msg, fds, Some(expect)).expect("an encoded reply decodes");
        prop_assert_eq!((view.id(), view.status().to_u32()), (case.id, case.status));
        prop_assert_eq!(view.data(), case.data.payload());
        let lens = case.leases.iter().map(|l| l.len() as u32);
        let want: Vec<&[u8]> = case.leases.iter().map(Vec::as_slice).collect();
        prop_assert_eq!(view.lease_chunks(lens).collect::<Vec<_>>(), want);
        prop_assert_eq!(decode_reply(&msg, fds, None), Ok(view));
        prop_assert_eq!(&reencode_reply(&view), &msg);
    }

    #[test]
    fn hello_round_trips((hello, side) in hello_case()) {
        let mut msg = Vec::new();
        hello.encode(&mut msg).expect("a valid HELLO encodes");
        prop_assert_eq!(msg.len(), Hello::SIZE);
        prop_assert_eq!(Hello::decode(&msg, 0, side), Ok(hello));
        prop_assert!(Hello::decode(&msg, 1, side).is_err());
    }

    #[test]
    fn arbitrary_bytes_never_panic(msg in vec(any::<u8>(), 0..160), fds in 0usize..300) {
        decode_everything(&msg, fds);
    }

    #[test]
    fn arbitrary_bytes_of_a_known_kind_never_panic(
        kind in 1u8..=3,
        rest in vec(any::<u8>(), 0..160),
        fds in 0usize..8,
    ) {
        decode_everything(&[&[kind], &rest[..]].concat(), fds);
    }

    #[test]
    fn a_damaged_call_fails_or_encodes_to_itself(case in call_case(), damage in damage()) {
        let (msg, fds, _) = encode_call(&case);
        let (flipped, cut) = damage.apply(&msg);
        decode_everything(&flipped, fds);
        decode_everything(&cut, fds);
    }

    #[test]
    fn a_damaged_reply_fails_or_encodes_to_itself(case in reply_case(), damage in damage()) {
        let (msg, fds, expect) = encode_reply(&case);
        let (flipped, cut) = damage.apply(&msg);
        decode_everything(&flipped, fds);
        if let Ok(view) = decode_reply(&flipped, fds, Some(expect)) {
            prop_assert_eq!(&reencode_reply(&view), &flipped);
        }
        decode_everything(&cut, fds);
    }

    #[test]
    fn a_damaged_hello_fails_or_encodes_to_itself((hello, _) in hello_case(), damage in damage()) {
        let mut msg = Vec::new();
        hello.encode(&mut msg).expect("a valid HELLO encodes");
        let (flipped, cut) = damage.apply(&msg);
        decode_everything(&flipped, 0);
        decode_everything(&cut, 0);
    }
}
