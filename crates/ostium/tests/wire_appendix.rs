//! The examples of the protocol's appendix, read from `docs/door-protocol.md` itself, are
//! exactly what the codec encodes, and decode to what the text says.

use ostium::wire::{Call, Op, Payload, Reply, Status, WritableLeases, decode_call, decode_reply};

const SPEC: &str =
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/door-protocol.md"));

/// The hex dumps of the appendix's code blocks, in order, as bytes.
fn appendix_dumps() -> Vec<Vec<u8>> {
    let (_, appendix) = SPEC.split_once("## Appendix").expect("the spec has an appendix");
    appendix
        .split("```")
        .skip(1)
        .step_by(2)
        .map(|block| {
            block
                .split_whitespace()
                .map(|byte| u8::from_str_radix(byte, 16).expect("a hex byte"))
                .collect()
        })
        .collect()
}

#[test]
fn the_appendix_call_and_reply_are_what_the_codec_encodes() {
    let dumps = appendix_dumps();
    assert_eq!(dumps.len(), 2, "the appendix has a call and its reply");

    // "A call of operation 3 with 4 argument bytes 01 00 00 00, no lease, no descriptor,
    // id 7, no deadline".
    let call = Call {
        id: 7,
        op: Op(3),
        deadline_ms: None,
        args: Payload::Inline(&[1, 0, 0, 0]),
        leases: &[],
        fd_count: 0,
    };
    let mut msg = Vec::new();
    call.encode(&mut msg).unwrap();
    assert_eq!(msg, dumps[0]);
    let view = decode_call(&dumps[0], 0).unwrap();
    assert_eq!((view.header().id, view.header().op), (7, Op(3)));
    assert_eq!(view.args(), Payload::Inline(&[1, 0, 0, 0]));
    assert_eq!(view.lease_count(), 0);

    // "Its successful reply with 2 data bytes 2a 00".
    let reply = Reply {
        id: 7,
        status: Status::Ok,
        data: Payload::Inline(&[0x2a, 0]),
        leases: &[],
        fd_count: 0,
    };
    msg.clear();
    reply.encode(&mut msg).unwrap();
    assert_eq!(msg, dumps[1]);
    let view = decode_reply(&dumps[1], 0, Some(WritableLeases::default())).unwrap();
    assert_eq!((view.id(), view.status()), (7, Status::Ok));
    assert_eq!(view.data(), Payload::Inline(&[0x2a, 0]));
}
