//! Leases end to end: inline and in memfds, read, write and read-write, access and bounds
//! checked, written bytes back in the caller's buffers.

use std::path::PathBuf;

use ostium::wire::Fault;
use ostium::{Answer, CallError, Client, Door, LeaseError, Lend, Request};

fn door_path(name: &str) -> PathBuf {
    ostium_test_support::door_path("ostium-leases", name)
}

const SUM: u32 = 1; // reads lease 0, replies with the sum of its bytes
const FILL: u32 = 2; // writes byte `args[0]` over bytes `args[1]..args[2]` of lease 0
const INCREMENT: u32 = 3; // adds 1 to every byte of lease 0, read-write
const COPY: u32 = 4; // copies lease 0 (read) into lease 1 (write)
const WRITE_READ_LEASE: u32 = 5; // tries to write lease 0 as if writable
const PAST_THE_END: u32 = 6; // reads one byte past the end of lease 0

fn fault_of(err: LeaseError) -> Answer {
    eprintln!("handler: {err}");
    Answer::fault(Fault::BadLease)
}

fn handler(mut request: Request<'_>) -> Answer {
    let leases = &mut request.leases;
    match request.op {
        SUM => {
            let lease = match leases.read(0) {
                Ok(lease) => lease,
                Err(err) => return fault_of(err),
            };
            let mut bytes = vec![0; lease.len()];
            lease.read(&mut bytes).unwrap();
            let sum: u64 = bytes.iter().map(|&b| u64::from(b)).sum();
            Answer::ok(sum.to_le_bytes().to_vec())
        }
        FILL => {
            let (value, start, end) =
                (request.args[0], request.args[1] as usize, request.args[2] as usize);
            let mut lease = match leases.write(0) {
                Ok(lease) => lease,
                Err(err) => return fault_of(err),
            };
            match lease.write_range(start..end, &vec![value; end.saturating_sub(start)]) {
                Ok(()) => Answer::ok(Vec::new()),
                Err(err) => fault_of(err),
            }
        }
        INCREMENT => {
            let mut lease = match leases.read_write(0) {
                Ok(lease) => lease,
                Err(err) => return fault_of(err),
            };
            let mut bytes = vec![0; lease.len()];
            lease.read(&mut bytes).unwrap();
            bytes.iter_mut().for_each(|b| *b = b.wrapping_add(1));
            lease.write(&bytes).unwrap();
            Answer::ok(Vec::new())
        }
        COPY => {
            let mut bytes = {
                let source = leases.read(0).unwrap();
                vec![0; source.len()]
            };
            leases.read(0).unwrap().read(&mut bytes).unwrap();
            match leases.write(1) {
                Ok(mut dest) => match dest.write(&bytes) {
                    Ok(()) => Answer::ok(Vec::new()),
                    Err(err) => fault_of(err),
                },
                Err(err) => fault_of(err),
            }
        }
        WRITE_READ_LEASE => match leases.write(0) {
            Ok(_) => Answer::ok(b"wrote a read-only lease".to_vec()),
            Err(err) => fault_of(err),
        },
        PAST_THE_END => {
            let lease = leases.read(0).unwrap();
            match lease.read_at(lease.len()) {
                Ok(_) => Answer::ok(b"read past the end".to_vec()),
                Err(err) => fault_of(err),
            }
        }
        _ => Answer::fault(Fault::UnknownOperation),
    }
}

fn serve(name: &str) -> (Door, Client) {
    let path = door_path(name);
    let door = Door::builder(&path).serve(handler).unwrap();
    (door, Client::open(&path).unwrap())
}

fn sum_of(client: &Client, bytes: &[u8]) -> u64 {
    let reply = client
        .call_with(
            SUM,
            b"",
            ostium::CallOptions { leases: &mut [Lend::Read(bytes)], ..Default::default() },
        )
        .unwrap();
    u64::from_le_bytes(reply.data.try_into().unwrap())
}

#[test]
fn read_leases_small_and_large() {
    let (_door, client) = serve("read");
    for len in [0usize, 1, 100, 16 * 1024, 16 * 1024 + 1, 1024 * 1024] {
        let bytes: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
        let expected: u64 = bytes.iter().map(|&b| u64::from(b)).sum();
        assert_eq!(sum_of(&client, &bytes), expected, "a {len}-byte read lease");
    }
}

#[test]
fn write_leases_change_only_what_the_server_wrote() {
    let (_door, client) = serve("write");
    for len in [8usize, 64 * 1024, 1024 * 1024] {
        let mut buffer = vec![1u8; len];
        let (start, end) = (2usize, 5usize);
        client
            .call_with(
                FILL,
                &[9, start as u8, end as u8],
                ostium::CallOptions {
                    leases: &mut [Lend::Write(&mut buffer)],
                    ..Default::default()
                },
            )
            .unwrap();
        let mut expected = vec![1u8; len];
        expected[start..end].fill(9);
        assert!(buffer == expected, "a {len}-byte write lease");
    }
}

#[test]
fn read_write_leases_round_trip() {
    let (_door, client) = serve("rw");
    for len in [3usize, 1024 * 1024] {
        let mut buffer: Vec<u8> = (0..len).map(|i| i as u8).collect();
        client
            .call_with(
                INCREMENT,
                b"",
                ostium::CallOptions {
                    leases: &mut [Lend::ReadWrite(&mut buffer)],
                    ..Default::default()
                },
            )
            .unwrap();
        assert!(buffer.iter().enumerate().all(|(i, &b)| b == (i as u8).wrapping_add(1)));
    }
}

#[test]
fn several_leases_of_both_transports_in_one_call() {
    let (_door, client) = serve("several");
    let source: Vec<u8> = (0..200_000).map(|i| (i % 7) as u8).collect();
    let mut dest = vec![0u8; source.len()];
    client
        .call_with(
            COPY,
            b"",
            ostium::CallOptions {
                leases: &mut [Lend::Read(&source), Lend::Write(&mut dest)],
                ..Default::default()
            },
        )
        .unwrap();
    assert!(dest == source);
    let small = b"tiny".to_vec();
    let mut small_dest = [0u8; 4];
    client
        .call_with(
            COPY,
            b"",
            ostium::CallOptions {
                leases: &mut [Lend::Read(&small), Lend::Write(&mut small_dest)],
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(&small_dest, b"tiny");
}

#[test]
fn access_and_bounds_are_checked_and_a_refused_call_changes_nothing() {
    let (_door, client) = serve("checks");
    let data = [5u8; 10];
    let outcome = client.call_with(
        WRITE_READ_LEASE,
        b"",
        ostium::CallOptions { leases: &mut [Lend::Read(&data)], ..Default::default() },
    );
    assert!(matches!(outcome, Err(CallError::Fault(Fault::BadLease))), "{outcome:?}");
    let outcome = client.call_with(
        PAST_THE_END,
        b"",
        ostium::CallOptions { leases: &mut [Lend::Read(&data)], ..Default::default() },
    );
    assert!(matches!(outcome, Err(CallError::Fault(Fault::BadLease))), "{outcome:?}");

    // Writing past the end of a write lease: refused, and the buffer is untouched.
    let mut buffer = [1u8; 4];
    let outcome = client.call_with(
        FILL,
        &[9, 2, 6],
        ostium::CallOptions { leases: &mut [Lend::Write(&mut buffer)], ..Default::default() },
    );
    assert!(matches!(outcome, Err(CallError::Fault(Fault::BadLease))), "{outcome:?}");
    assert_eq!(buffer, [1; 4]);

    // Asking for a lease the call does not carry.
    let outcome = client.call_with(
        COPY,
        b"",
        ostium::CallOptions { leases: &mut [Lend::Read(&data)], ..Default::default() },
    );
    assert!(matches!(outcome, Err(CallError::Fault(Fault::BadLease))), "{outcome:?}");
    // And the door goes on.
    assert_eq!(sum_of(&client, &data), 50);
}
