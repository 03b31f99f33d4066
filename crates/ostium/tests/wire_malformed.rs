//! A hand-made corpus of malformed messages, one or more per case of the protocol's §7, each
//! with the error and the byte offset the decoder must report.

use ostium::wire::ring::{Doorbell, RingSetup};
use ostium::wire::{
    Capabilities, DecodeError, DecodeErrorKind as K, Hello, InstanceId, Kind, Side, WritableLeases,
    decode_call, decode_reply, peek_kind,
};

/// Which decoder a case is for.
#[derive(Debug, Clone, Copy)]
enum Decoder {
    Call,
    Reply(Option<WritableLeases>),
    Hello(Side),
    RingSetup,
    Doorbell,
}

fn decode(decoder: Decoder, msg: &[u8], fds: usize) -> Result<(), DecodeError> {
    match decoder {
        Decoder::Call => decode_call(msg, fds).map(drop),
        Decoder::Reply(expect) => decode_reply(msg, fds, expect).map(drop),
        Decoder::Hello(side) => Hello::decode(msg, fds, side).map(drop),
        Decoder::RingSetup => RingSetup::decode(msg, fds).map(drop),
        Decoder::Doorbell => Doorbell::decode(msg, fds).map(drop),
    }
}

/// The appendix's call: op 3, id 7, 4 argument bytes.
fn call() -> Vec<u8> {
    let mut msg = vec![2, 0, 0, 0, 7, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0];
    msg.resize(32, 0);
    msg.extend([1, 0, 0, 0]);
    msg
}

/// The appendix's call, with one lease descriptor (read, inline, 2 bytes) and its contents.
fn call_with_lease() -> Vec<u8> {
    let mut msg = call();
    msg[2] = 1;
    let desc = [1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    msg.splice(32..32, desc);
    msg.extend([0xaa, 0xbb]);
    msg
}

/// The appendix's reply: id 7, status 0, data `2a 00`.
fn reply() -> Vec<u8> {
    let mut msg = vec![3, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0];
    msg.resize(24, 0);
    msg.extend([0x2a, 0]);
    msg
}

/// A `BAD_MESSAGE` fault reply to call 7.
fn fault() -> Vec<u8> {
    let mut msg = reply();
    msg.truncate(24);
    msg[8..16].copy_from_slice(&[2, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
    msg
}

fn client_hello() -> Vec<u8> {
    let mut msg = Vec::new();
    Hello::client(4096, Capabilities::MEMFD).encode(&mut msg).unwrap();
    msg
}

fn server_hello() -> Vec<u8> {
    let mut msg = client_hello();
    msg[24..40].copy_from_slice(&[9; 16]);
    msg
}

/// A `RING_SETUP` asking for a 64 KiB slot.
fn ring_setup() -> Vec<u8> {
    vec![6, 0, 0, 0, 0, 0, 1, 0]
}

/// The `DOORBELL` of reply 1.
fn doorbell() -> Vec<u8> {
    vec![7, 0, 0, 0, 1, 0, 0, 0]
}

/// `msg` with `bytes` written at `at`.
fn with(mut msg: Vec<u8>, at: usize, bytes: &[u8]) -> Vec<u8> {
    msg[at..at + bytes.len()].copy_from_slice(bytes);
    msg
}

/// A case: its name, the decoder, the message, the descriptors received, and the offset and
/// kind of the error expected.
type Case = (&'static str, Decoder, Vec<u8>, usize, usize, K);

fn short(what: &'static str, needed: usize, got: usize) -> K {
    K::TooShort { what, needed, got }
}

fn reserved(field: &'static str, value: u64) -> K {
    K::ReservedNotZero { field, value }
}

#[test]
fn every_malformed_message_is_rejected_where_it_goes_wrong() {
    use Decoder::{Call as C, Doorbell as Bell, Hello as H, Reply as R, RingSetup as Ring};
    let (client, server) = (H(Side::Client), H(Side::Server));
    let one_lease = Some(WritableLeases { count: 1, total_len: 2 });
    let memfd_args = with(call(), 1, &[1]);
    // One case a line: a table reads better than rustfmt's layout of 60 tuples.
    #[rustfmt::skip]
    let cases: Vec<Case> = vec![
        // The kind is unknown, or not allowed in that direction.
        ("empty", C, vec![], 0, 0, short("kind", 1, 0)),
        ("kind 0", C, with(call(), 0, &[0]), 0, 0, K::UnknownKind(0)),
        ("kind 8", R(None), with(reply(), 0, &[8]), 0, 0, K::UnknownKind(8)),
        ("a ring setup where a reply goes", R(None), ring_setup(), 1, 0, K::UnexpectedKind { expected: Kind::Reply, found: Kind::RingSetup }),
        ("a doorbell where a call goes", C, doorbell(), 0, 0, K::UnexpectedKind { expected: Kind::Call, found: Kind::Doorbell }),
        ("a batch where a reply goes", R(None), with(reply(), 0, &[5]), 0, 0, K::UnexpectedKind { expected: Kind::Reply, found: Kind::ReplyBatch }),
        ("reply to a server", C, reply(), 0, 0, K::UnexpectedKind { expected: Kind::Call, found: Kind::Reply }),
        ("call to a client", R(None), call(), 0, 0, K::UnexpectedKind { expected: Kind::Reply, found: Kind::Call }),
        ("hello as a call", C, client_hello(), 0, 0, K::UnexpectedKind { expected: Kind::Call, found: Kind::Hello }),
        ("call as a hello", server, call(), 0, 0, K::UnexpectedKind { expected: Kind::Hello, found: Kind::Call }),
        // A reserved field is not zero.
        ("call flags bit 1", C, with(call(), 1, &[3]), 0, 1, reserved("flags", 2)),
        ("call bytes 18..20", C, with(call(), 19, &[1]), 0, 18, reserved("bytes 18..20", 0x100)),
        ("call bytes 24..32", C, with(call(), 28, &[1]), 0, 24, reserved("bytes 24..32", 1 << 32)),
        ("lease bytes 2..4", C, with(call_with_lease(), 34, &[5]), 0, 34, reserved("lease bytes 2..4", 5)),
        ("lease bytes 8..16", C, with(call_with_lease(), 47, &[0x80]), 0, 40, reserved("lease bytes 8..16", 0x80 << 56)),
        ("reply flags bit 7", R(None), with(reply(), 1, &[0x80]), 0, 1, reserved("flags", 0x80)),
        ("reply bytes 18..24", R(None), with(reply(), 20, &[1]), 0, 18, reserved("bytes 18..24", 0x1_0000)),
        ("hello flags", client, with(client_hello(), 1, &[1]), 0, 1, reserved("flags", 1)),
        ("hello bytes 2..4", client, with(client_hello(), 2, &[1]), 0, 2, reserved("bytes 2..4", 1)),
        ("ring setup bytes 1..4", Ring, with(ring_setup(), 3, &[1]), 1, 1, reserved("bytes 1..4", 0x1_0000)),
        ("doorbell bytes 1..4", Bell, with(doorbell(), 1, &[1]), 0, 1, reserved("bytes 1..4", 1)),
        ("server hello lane", server, with(server_hello(), 47, &[1]), 0, 44, reserved("lane", 1 << 24)),
        // A count or length makes the message longer or shorter than it is.
        ("call header cut", C, call()[..20].to_vec(), 0, 0, short("CALL header", 32, 20)),
        ("arg_len too long", C, with(call(), 12, &[5]), 0, 32, short("arguments", 5, 4)),
        ("arg_len u32::MAX", C, with(call(), 12, &[0xff; 4]), 0, 32, short("arguments", u32::MAX as usize, 4)),
        ("arg_len too short", C, with(call(), 12, &[3]), 0, 35, K::TrailingBytes { extra: 1 }),
        ("args inline and in a memfd", C, memfd_args, 1, 32, K::TrailingBytes { extra: 4 }),
        ("lease_count without descriptors", C, with(call(), 2, &[1]), 0, 32, short("lease descriptors", 16, 4)),
        ("inline lease cut", C, call_with_lease()[..53].to_vec(), 0, 52, short("inline lease contents", 2, 1)),
        ("inline lease too long", C, with(call_with_lease(), 36, &[3]), 0, 52, short("inline lease contents", 3, 2)),
        ("trailing byte after a call", C, [call(), vec![0]].concat(), 0, 36, K::TrailingBytes { extra: 1 }),
        ("reply header cut", R(None), reply()[..23].to_vec(), 0, 0, short("REPLY header", 24, 23)),
        ("data_len too long", R(None), with(reply(), 12, &[3]), 0, 24, short("reply data", 3, 2)),
        ("data_len too short", R(Some(WritableLeases::default())), with(reply(), 12, &[1]), 0, 25, K::TrailingBytes { extra: 1 }),
        ("leases returned, none expected", R(None), with(reply(), 12, &[1]), 0, 25, K::TrailingBytes { extra: 1 }),
        ("returned lease cut", R(one_lease), with(reply(), 2, &[1]), 0, 26, short("returned lease contents", 2, 0)),
        ("reply lease_count wrong", R(one_lease), reply(), 0, 2, K::LeaseCountMismatch { expected: 1, found: 0 }),
        ("ring setup cut", Ring, ring_setup()[..7].to_vec(), 1, 0, short("RING_SETUP", 8, 7)),
        ("doorbell too long", Bell, [doorbell(), vec![0]].concat(), 0, 8, K::TrailingBytes { extra: 1 }),
        ("hello cut", client, client_hello()[..47].to_vec(), 0, 0, short("HELLO", 48, 47)),
        ("hello too long", client, [client_hello(), vec![0]].concat(), 0, 48, K::TrailingBytes { extra: 1 }),
        // The descriptors received are not exactly as many as the message needs.
        ("a call's stray descriptor", C, call(), 1, 16, K::DescriptorCount { expected: 0, received: 1 }),
        ("handler descriptor missing", C, with(call(), 16, &[2]), 1, 16, K::DescriptorCount { expected: 2, received: 1 }),
        ("args memfd missing", C, with(call(), 1, &[1])[..32].to_vec(), 0, 16, K::DescriptorCount { expected: 1, received: 0 }),
        ("lease memfd missing", C, with(call_with_lease(), 33, &[1])[..52].to_vec(), 0, 16, K::DescriptorCount { expected: 1, received: 0 }),
        ("data memfd missing", R(None), with(reply(), 1, &[1])[..24].to_vec(), 0, 16, K::DescriptorCount { expected: 1, received: 0 }),
        ("a ring setup without its memfd", Ring, ring_setup(), 0, 0, K::DescriptorCount { expected: 1, received: 0 }),
        ("a doorbell's descriptor", Bell, doorbell(), 1, 0, K::DescriptorCount { expected: 0, received: 1 }),
        // A slot smaller than the smallest message, or larger than 16 MiB.
        ("ring slot 4095", Ring, with(ring_setup(), 4, &[0xff, 0x0f, 0, 0]), 1, 4, K::RingSlot(4095)),
        ("ring slot 16 MiB + 1", Ring, with(ring_setup(), 4, &[1, 0, 0, 1]), 1, 4, K::RingSlot((16 << 20) + 1)),
        ("a hello's descriptor", client, client_hello(), 1, 0, K::DescriptorCount { expected: 0, received: 1 }),
        // More descriptors than one message can carry (found by the fuzzer: it decoded, and
        // could not be encoded again).
        ("254 handler descriptors", C, with(call(), 16, &[254]), 254, 16, K::TooManyDescriptors(254)),
        ("255 returned descriptors", R(None), with(reply(), 16, &[255]), 255, 16, K::TooManyDescriptors(255)),
        // lease_count exceeds 64.
        ("65 leases", C, with(call(), 2, &[65]), 0, 2, K::TooManyLeases(65)),
        ("65 returned leases", R(None), with(reply(), 2, &[65]), 0, 2, K::TooManyLeases(65)),
        // A lease's access has no bit or an unknown bit, or its transport is unknown.
        ("access 0", C, with(call_with_lease(), 32, &[0]), 0, 32, K::BadLeaseAccess(0)),
        ("access bit 2", C, with(call_with_lease(), 32, &[5]), 0, 32, K::BadLeaseAccess(5)),
        ("transport 2", C, with(call_with_lease(), 33, &[2]), 0, 33, K::BadLeaseTransport(2)),
        // A HELLO with a wrong magic, a small max_message, or fields wrong for its sender.
        ("magic", client, with(client_hello(), 7, b"S"), 0, 4, K::BadMagic(*b"DOOS")),
        ("max_message 4095", client, with(client_hello(), 12, &[0xff, 0x0f]), 0, 12, K::MaxMessageTooSmall(4095)),
        ("client instance", client, server_hello(), 0, 24, K::ClientHelloNotZero { field: "instance" }),
        ("client status", client, with(client_hello(), 40, &[1]), 0, 40, K::ClientHelloNotZero { field: "status" }),
        ("server app status", server, with(server_hello(), 40, &[1]), 0, 40, K::BadHelloStatus(1)),
        ("server without a choice", server, with(server_hello(), 10, &[2]), 0, 8, K::NoVersionChosen { min: 1, max: 2 }),
        // A fault carries data, descriptors or lease contents.
        ("fault with a data memfd", R(None), with(fault(), 1, &[1]), 1, 1, K::FaultWithPayload { field: "flags" }),
        ("fault with leases", R(None), with(fault(), 2, &[1]), 0, 2, K::FaultWithPayload { field: "lease_count" }),
        ("fault with data", R(None), [with(fault(), 12, &[1]), vec![0]].concat(), 0, 12, K::FaultWithPayload { field: "data_len" }),
        ("fault with descriptors", R(None), with(fault(), 16, &[1]), 1, 16, K::FaultWithPayload { field: "fd_count" }),
    ];
    for (name, decoder, msg, fds, offset, kind) in cases {
        let err = decode(decoder, &msg, fds).expect_err(name);
        assert_eq!((err.offset(), err.kind()), (offset, kind), "{name}: {err}");
    }
}

#[test]
fn the_corpus_bases_are_well_formed() {
    assert!(decode_call(&call(), 0).is_ok());
    assert!(decode_call(&call_with_lease(), 0).is_ok());
    assert!(decode_reply(&reply(), 0, Some(WritableLeases::default())).is_ok());
    assert!(decode_reply(&fault(), 0, Some(WritableLeases { count: 2, total_len: 9 })).is_ok());
    assert!(Hello::decode(&client_hello(), 0, Side::Client).is_ok());
    let hello = Hello::decode(&server_hello(), 0, Side::Server).unwrap();
    assert_eq!(hello.instance, InstanceId([9; 16]));
    assert_eq!(peek_kind(&fault()), Ok(Kind::Reply));
}

#[test]
fn errors_read_like_a_diagnostic() {
    let err = decode_call(&with(call(), 19, &[3]), 0).unwrap_err();
    assert_eq!(err.to_string(), "byte 18: reserved field `bytes 18..20` is 0x300, must be 0");
    let err = decode_call(&with(call(), 12, &[5]), 0).unwrap_err();
    assert_eq!(err.to_string(), "byte 32: message too short: arguments needs 5 bytes, 4 remain");
}
