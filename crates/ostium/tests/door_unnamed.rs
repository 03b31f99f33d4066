//! A connection a door adopts (one end of a socket pair) and a client of it without a path:
//! how a door travels through a door as a descriptor.

use std::os::fd::OwnedFd;
use std::sync::Barrier;
use std::time::Duration;

use ostium::wire::{Fault, Op};
use ostium::{Answer, CallError, Client, Door, DoorOptions};

fn pair() -> (OwnedFd, OwnedFd) {
    let (a, b) = ostium_sys::unix::SeqpacketConn::pair().unwrap();
    (a.into(), b.into())
}

fn slow_echo_door(name: &str) -> Door {
    let path = ostium_test_support::door_path("ostium-unnamed", name);
    // A short HELLO deadline, which adopted connections are exempt from.
    let options = DoorOptions {
        hello_timeout: Duration::from_millis(50),
        // Connections per CPU would make the counts below depend on scheduling.
        cpu_lanes: false,
        ..Default::default()
    };
    Door::builder(&path)
        .options(options)
        .serve(|request| {
            std::thread::sleep(Duration::from_millis(20));
            Answer::ok(request.args)
        })
        .unwrap()
}

#[test]
fn a_client_of_an_adopted_connection_calls_without_a_path_and_grows_with_its_callers() {
    let door = slow_echo_door("turns");
    let (server_end, client_end) = pair();
    door.adopt_connection(server_end).unwrap();
    // Past the door's HELLO deadline: the adopted connection is still there.
    std::thread::sleep(Duration::from_millis(200));
    let client = Client::adopt_unnamed(client_end).unwrap();
    assert_eq!(client.call(1, b"one").unwrap().data, b"one");

    // Four callers at once: those that find the connection busy wait for it, and ask the
    // door through it for another, so the connections follow the peak.
    let start = Barrier::new(4);
    std::thread::scope(|scope| {
        let calls: Vec<_> = (0..4u8)
            .map(|i| {
                let (client, start) = (&client, &start);
                scope.spawn(move || {
                    start.wait();
                    client.call(1, &[i]).unwrap().data
                })
            })
            .collect();
        for (i, call) in calls.into_iter().enumerate() {
            assert_eq!(call.join().unwrap(), [i as u8]);
        }
    });
    let connections = door.connections();
    assert!((2..=4).contains(&connections), "{connections} connections for 4 callers");

    door.revoke();
    assert!(matches!(client.call(1, b"x"), Err(CallError::Fault(Fault::Revoked))));
    let (server_end, _client_end) = pair();
    assert!(door.adopt_connection(server_end).is_err(), "a revoked door adopts nothing");
}

#[test]
fn a_client_whose_only_connection_died_says_so_rather_than_waiting() {
    let door = slow_echo_door("died");
    let (server_end, client_end) = pair();
    door.adopt_connection(server_end).unwrap();
    let client = Client::adopt_unnamed(client_end).unwrap();
    drop(door);
    assert!(client.call(1, b"x").is_err(), "the door is gone");
    let next = client.call(1, b"y");
    assert!(matches!(next, Err(CallError::NoDoor { .. })), "no connection is left: {next:?}");
}

#[test]
fn connect_hands_out_connections_within_the_doors_limits() {
    let path = ostium_test_support::door_path("ostium-unnamed", "connect");
    let options = DoorOptions { max_connections: 3, cpu_lanes: false, ..Default::default() };
    let door =
        Door::builder(&path).options(options).serve(|request| Answer::ok(request.args)).unwrap();
    let client = Client::open(&path).unwrap();
    let other = Client::adopt_unnamed(client.connect_another().unwrap()).unwrap();
    assert_eq!(other.call(1, b"through CONNECT").unwrap().data, b"through CONNECT");
    assert_eq!(door.connections(), 2);
    let malformed = client.call(Op::CONNECT, b"x");
    assert!(matches!(malformed, Err(CallError::Fault(Fault::BadMessage))), "{malformed:?}");
    let _third = client.connect_another().unwrap();
    let refused = client.connect_another();
    assert!(matches!(refused, Err(CallError::Fault(Fault::RequestTooLarge))), "{refused:?}");
}
