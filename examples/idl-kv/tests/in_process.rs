//! The generated client calls the generated server on a real door in this process, in each
//! server style: every reply kind and encoding, leases R, W and RW of `[u8]`, `[u32]`,
//! `[u8; 4]` and a struct, `max_len` on both sides, faults for bad values and refused
//! callers, and a pipelined token dropped unanswered.

mod common;

use std::sync::Arc;

use idl_kv::kv::{Kv, Kv_set_mode_ARGS, KvOperation, KvServer};
use idl_kv::{Entry, KeyProblem, KvError, Mode, Piped, Shared, Stats, Store};
use ostium::wire::Fault;
use ostium::{Client, DoorOptions, Lend};
use ostium_rpc::{Failure, RequestError, Served};

fn in_order() -> (Served, Kv) {
    let path = common::door_path("in-order");
    let served = KvServer::serve_in_order(&path, DoorOptions::default(), Store::default()).unwrap();
    (served, Kv::open(&path).unwrap())
}

/// The calls every style answers alike.
fn exercise(kv: &Kv) {
    kv.put(7, b"seven").unwrap();
    let mut buf = [0_u8; 16];
    assert_eq!(kv.get(7, &mut buf).unwrap(), 5);
    assert_eq!(&buf[..5], b"seven");
    assert!(matches!(kv.get(8, &mut buf), Err(RequestError::Runtime(KvError::NotFound))));

    let mut words = [1_u32, 2, 0xFFFF_FFFF];
    kv.add_to_all(10, &mut words).unwrap();
    assert_eq!(words, [11, 12, 9], "a read-write lease of [u32]");

    let mut stats = Stats::default();
    kv.stats(&mut stats).unwrap();
    assert_eq!((stats.keys, stats.bytes), (1, 5), "a sized lease");

    let mut block = [0_u8; 4];
    assert!(kv.fill(0x0F, true, &mut block).unwrap());
    assert_eq!(block, [0xF0; 4], "an array lease and a bool argument");

    assert!(kv.set_mode(Mode::Frozen).unwrap());
    assert!(matches!(kv.put(1, b"x"), Err(RequestError::Runtime(KvError::Frozen))));
    assert!(kv.maybe_mode(Some(Mode::Open)).unwrap());
    assert!(!kv.maybe_mode(None).unwrap(), "Option<E> received FromPrimitive");

    assert_eq!(kv.entry(7, None).unwrap(), Entry { len: 5, mode: Mode::Frozen });
    match kv.entry(9, Some(Mode::Open)) {
        Err(RequestError::Runtime(KeyProblem::Missing { key: 9 })) => {}
        other => panic!("a Complex error: {other:?}"),
    }
    match kv.entry(7, Some(Mode::Open)) {
        Err(RequestError::Runtime(KeyProblem::Filtered(Mode::Frozen))) => {}
        other => panic!("a Complex error: {other:?}"),
    }
    assert_eq!(kv.checksum(100, &[1, 2, 3]).unwrap(), 106, "Ssmarshal");
}

#[test]
fn in_order_server() {
    let (served, kv) = in_order();
    exercise(&kv);
    kv.clear().unwrap();
    let counters = served.counters();
    let get = KvOperation::get as usize - 1;
    assert_eq!((counters[get].calls, counters[get].errors), (2, 1));
}

#[test]
fn concurrent_server_from_many_threads() {
    let path = common::door_path("concurrent");
    let shared = Arc::new(Shared::default());
    let _served = KvServer::serve_concurrent(&path, DoorOptions::default(), shared).unwrap();
    let kv = Arc::new(Kv::open(&path).unwrap());
    exercise(&kv);
    let threads: Vec<_> = (0..4_u32)
        .map(|t| {
            let kv = kv.clone();
            std::thread::spawn(move || {
                for i in 0..50 {
                    let mut words = [t, i];
                    kv.add_to_all(1, &mut words).unwrap();
                    assert_eq!(words, [t + 1, i + 1]);
                }
            })
        })
        .collect();
    threads.into_iter().for_each(|t| t.join().unwrap());
}

#[test]
fn pipelined_server_replies_later_and_a_dropped_token_is_a_fault() {
    let path = common::door_path("pipelined");
    let _served =
        KvServer::serve_pipelined(&path, DoorOptions::default(), Arc::new(Piped::default()))
            .unwrap();
    let kv = Kv::open(&path).unwrap();
    exercise(&kv);
    match kv.clear() {
        Err(Failure::Fault(Fault::ReplyDropped)) => {}
        other => panic!("a dropped token: {other:?}"),
    }
    kv.set_mode(Mode::Open).expect("the door still serves after a dropped token");
}

#[test]
fn max_len_is_checked_on_both_sides() {
    let (served, kv) = in_order();
    assert!(kv.put(1, &[0; 64]).is_ok(), "exactly max_len is allowed");
    match kv.put(1, &[0; 65]) {
        Err(RequestError::Fail(Failure::LeaseTooLong {
            op: "put",
            lease: "value",
            len: 65,
            max: 64,
        })) => {}
        other => panic!("{other:?}"),
    }
    // A caller that skips the client's check is refused by the server.
    let client = Client::open(served.door().path()).unwrap();
    let args = 1_u32.to_ne_bytes();
    let long = [0_u8; 65];
    let error = client.call_with(
        KvOperation::put as u32,
        &args,
        ostium::CallOptions { leases: &mut [Lend::Read(&long)], ..Default::default() },
    );
    assert!(matches!(error, Err(ostium::CallError::Fault(Fault::BadLease))), "{error:?}");
}

#[test]
fn bad_messages_are_faults_not_panics() {
    let (served, _kv) = in_order();
    let client = Client::open(served.door().path()).unwrap();
    let set_mode = KvOperation::set_mode as u32;
    // 9 is no `Mode`: `recv: FromPrimitive` finds no variant.
    let bad = ostium_rpc::Zerocopy::encode(&Kv_set_mode_ARGS { mode: 9 });
    let fault = |r: Result<ostium::Reply, ostium::CallError>| match r {
        Err(ostium::CallError::Fault(fault)) => fault,
        other => panic!("{other:?}"),
    };
    assert_eq!(fault(client.call(set_mode, &bad)), Fault::BadMessage);
    assert_eq!(fault(client.call(set_mode, &[1, 2])), Fault::BadMessage, "trailing bytes");
    assert_eq!(fault(client.call(KvOperation::get as u32, &[0; 4])), Fault::BadLease, "no lease");
    assert_eq!(fault(client.call(99, &[])), Fault::UnknownOperation);
    let good = ostium_rpc::Zerocopy::encode(&Kv_set_mode_ARGS { mode: 2 });
    assert!(client.call(set_mode, &good).is_ok());
}

#[test]
fn a_restricted_operation_is_refused() {
    let (_served, kv) = in_order();
    match kv.shutdown() {
        Err(Failure::Fault(Fault::AccessViolation)) => {}
        other => panic!("{other:?}"),
    }
    assert!(kv.clear().is_ok(), "unrestricted operations are served");
}

#[test]
fn the_service_describes_the_interface() {
    let service = &KvServer::SERVICE;
    assert_eq!(service.name, "Kv");
    assert!(service.idol.contains("\"add_to_all\""));
    assert_eq!(service.ops[KvOperation::exit as usize - 1], "exit");
    assert_eq!(KvOperation::from_u32(3), Some(KvOperation::add_to_all));
    assert_eq!(KvOperation::add_to_all.name(), "add_to_all");
    let counters = ostium_rpc::Counters::new(service.ops.len());
    let text = String::from_utf8(ostium_rpc::describe::describe(service, &counters)).unwrap();
    assert!(text.starts_with("ostium-describe 1\ninterface Kv\nhash "));
    assert!(text.ends_with(service.idol));
}
