//! Feeds arbitrary bytes to every decoder of `ostium::wire`: none may panic, and whatever
//! decodes must encode back to exactly the bytes it came from.
//!
//! The first input byte is the number of descriptors "received" with the message (so that
//! the descriptor-count checks are reached too); the rest is the message.

#![no_main]

use libfuzzer_sys::fuzz_target;
use ostium::wire::ring::{Doorbell, RingSetup};
use ostium::wire::{
    Call, CallHeader, Hello, Kind, Lease, Reply, ReplyHeader, Side, WritableLeases, call_id,
    decode_batch, decode_call, decode_reply, encode_batch, peek_kind,
};

fuzz_target!(|input: &[u8]| {
    let Some((&fds, msg)) = input.split_first() else { return };
    let fds = usize::from(fds);
    let _ = peek_kind(msg);

    for kind in [Kind::CallBatch, Kind::ReplyBatch] {
        if let Ok(entries) = decode_batch(msg, fds, kind) {
            let mut out = Vec::new();
            encode_batch(kind, &entries, &mut out).expect("a decoded batch encodes");
            assert_eq!(out, msg, "{kind}");
        }
    }

    for side in [Side::Client, Side::Server] {
        if let Ok(hello) = Hello::decode(msg, fds, side) {
            let mut out = Vec::new();
            hello.encode(&mut out).expect("a decoded HELLO encodes");
            assert_eq!(out, msg, "HELLO from {side:?}");
        }
    }

    if let Ok(setup) = RingSetup::decode(msg, fds) {
        let mut out = Vec::new();
        setup.encode(&mut out).expect("a decoded RING_SETUP encodes");
        assert_eq!(out, msg, "RING_SETUP");
    }
    if let Ok(bell) = Doorbell::decode(msg, fds) {
        assert_eq!(bell.encode(), msg, "DOORBELL");
    }

    let header = CallHeader::decode(msg);
    if let Ok(view) = decode_call(msg, fds) {
        assert_eq!(header, Ok(*view.header()));
        assert_eq!(call_id(msg), Some(view.header().id));
        let leases: Vec<Lease<'_>> = view.leases().collect();
        let h = view.header();
        let call = Call {
            id: h.id,
            op: h.op,
            deadline_ms: h.deadline_ms,
            args: view.args(),
            leases: &leases,
            fd_count: h.fd_count,
        };
        let mut out = Vec::new();
        call.encode(&mut out).expect("a decoded CALL encodes");
        assert_eq!(out, msg, "CALL");
        assert_eq!(call.fds(), view.fds());
    }

    let header = ReplyHeader::decode(msg);
    if let Ok(view) = decode_reply(msg, fds, None) {
        assert_eq!(header, Ok(*view.header()));
        // Lease lengths are not on the wire: any split into `lease_count` pieces encodes
        // the same; so must the decode that knows the call.
        let count = usize::from(view.header().lease_count);
        let mut leases: Vec<&[u8]> = vec![&[]; count];
        if let Some(last) = leases.last_mut() {
            *last = view.lease_contents();
        }
        let expect = WritableLeases { count, total_len: view.lease_contents().len() as u64 };
        assert_eq!(decode_reply(msg, fds, Some(expect)), Ok(view));
        let h = view.header();
        let reply = Reply {
            id: h.id,
            status: h.status,
            data: view.data(),
            leases: &leases,
            fd_count: h.fd_count,
        };
        let mut out = Vec::new();
        reply.encode(&mut out).expect("a decoded REPLY encodes");
        assert_eq!(out, msg, "REPLY");
    }
});
