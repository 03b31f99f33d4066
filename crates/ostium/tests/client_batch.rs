//! `Client::call_batch`: pipelined calls from a blocking client, in order, with faults,
//! large arguments and replies, and more calls than one message holds.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use ostium::wire::{Fault, Op};
use ostium::{Answer, CallError, Client, Door, Request};

const ECHO: u32 = 1;
const BIG_REPLY: u32 = 2; // replies with `args` repeated to 60,000 bytes

fn door_path(name: &str) -> PathBuf {
    ostium_test_support::door_path("ostium-batch", name)
}

fn handler(request: Request<'_>) -> Answer {
    match request.op {
        ECHO => Answer::ok(request.args.to_vec()),
        BIG_REPLY => {
            Answer::ok(request.args.iter().copied().cycle().take(60_000).collect::<Vec<u8>>())
        }
        _ => Answer::fault(Fault::UnknownOperation),
    }
}

#[test]
fn a_batch_comes_back_in_order_with_each_calls_own_outcome() {
    let path = door_path("order");
    let _door = Door::builder(&path).serve(handler).unwrap();
    let client = Client::open(&path).unwrap();
    let args: Vec<Vec<u8>> = (0..500u32).map(|i| i.to_le_bytes().to_vec()).collect();
    let calls: Vec<(Op, &[u8])> = args
        .iter()
        .enumerate()
        .map(|(i, a)| (Op(if i % 7 == 3 { 99 } else { ECHO }), a.as_slice()))
        .collect();
    let outcomes = client.call_batch(&calls, None).unwrap();
    assert_eq!(outcomes.len(), 500);
    for (i, outcome) in outcomes.into_iter().enumerate() {
        match outcome {
            Ok(reply) => assert_eq!(reply.data, (i as u32).to_le_bytes(), "call {i}"),
            Err(CallError::Fault(Fault::UnknownOperation)) => assert_eq!(i % 7, 3, "call {i}"),
            Err(err) => panic!("call {i}: {err}"),
        }
    }
    // The connection is kept, and ordinary calls are unaffected.
    assert_eq!(client.call(ECHO, b"after").unwrap().data, b"after");
    assert!(client.call_batch(&[], None).unwrap().is_empty());
}

#[test]
fn large_arguments_and_replies_of_many_calls_do_not_wedge_the_sockets() {
    let path = door_path("large");
    let served = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&served);
    let _door = Door::builder(&path)
        .serve(move |request: Request<'_>| {
            count.fetch_add(1, Ordering::Relaxed);
            handler(request)
        })
        .unwrap();
    let client = Client::open(&path).unwrap();
    let big: Vec<u8> = (0..300_000).map(|i| (i % 253) as u8).collect();
    let mut calls: Vec<(Op, &[u8])> = vec![(Op(BIG_REPLY), b"xyz"); 200];
    calls.insert(100, (Op(ECHO), &big));
    let outcomes = client.call_batch(&calls, None).unwrap();
    assert_eq!(served.load(Ordering::Relaxed), 201);
    for (i, outcome) in outcomes.into_iter().enumerate() {
        let data = outcome.unwrap().data;
        if i == 100 {
            assert!(data == big, "the large argument came back whole");
        } else {
            assert_eq!(data.len(), 60_000);
            assert_eq!(&data[..6], b"xyzxyz");
        }
    }
}

#[test]
fn a_dead_server_fails_the_batch() {
    let path = door_path("dead");
    let door = Door::builder(&path).serve(handler).unwrap();
    let client = Client::open(&path).unwrap();
    assert!(client.call_batch(&[(Op(ECHO), b"a")], None).is_ok());
    drop(door);
    let outcome = client.call_batch(&[(Op(ECHO), b"a"), (Op(ECHO), b"b")], None);
    assert!(
        matches!(outcome, Err(CallError::ServerDeath { .. } | CallError::NoDoor { .. })),
        "{outcome:?}"
    );
}
