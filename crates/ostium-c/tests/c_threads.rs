//! A C door's server threads: the pool follows the calls in flight and retires idle
//! threads (`tests/c/server.c`), and a program that makes its own threads
//! (`tests/c/private.c`: door_server_create, DOOR_PRIVATE, door_bind) gets calls only on
//! the threads it bound to each door.

mod support;

use std::process::Command;
use std::time::{Duration, Instant};

use ostium::Client;
use ostium_test_support::proc::threads;
use support::{Build, Server, compile, source};

fn door_path(name: &str) -> std::path::PathBuf {
    ostium_test_support::door_path("ostium-c-threads", name)
}

fn call(client: &Client, args: &[u8]) -> String {
    String::from_utf8(client.call(1, args).unwrap().data).unwrap()
}

/// Makes `n` calls at once (each on a connection of its own), returning their answers.
fn concurrently(client: &Client, n: usize, args: &[u8]) -> Vec<String> {
    std::thread::scope(|scope| {
        let calls: Vec<_> = (0..n).map(|_| scope.spawn(|| call(client, args))).collect();
        calls.into_iter().map(|call| call.join().unwrap()).collect()
    })
}

/// Waits (bounded) until the process `pid` has at most `most` threads; the count then.
fn threads_fall_to(pid: u32, most: usize, within: Duration) -> usize {
    let deadline = Instant::now() + within;
    loop {
        let now = threads(pid);
        if now <= most || Instant::now() > deadline {
            return now;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn eight_sleeping_calls_get_eight_threads_which_retire_when_idle() {
    let path = door_path("grow");
    let program = compile(&source("server.c"), path.parent().unwrap(), Build::C99);
    let server =
        Server::start_with(Command::new(&program).arg(&path).env("DOOR_IDLE_TIMEOUT_MS", "300"));
    let client = Client::open(&path).unwrap();
    let idle = threads(server.pid());
    let peak = std::thread::scope(|scope| {
        let calls = scope.spawn(|| concurrently(&client, 8, b"sleep"));
        // Sampled while the 200 ms calls are in flight.
        let mut peak = 0;
        while !calls.is_finished() {
            peak = peak.max(threads(server.pid()));
            std::thread::sleep(Duration::from_millis(5));
        }
        assert!(calls.join().unwrap().iter().all(|answer| answer == "slept"));
        peak
    });
    assert!(peak >= 9, "8 calls in flight, and a thread waiting for the next: {peak} threads");
    let after = threads_fall_to(server.pid(), idle.max(3), Duration::from_secs(10));
    println!("threads: {idle} idle, {peak} with 8 calls in flight, {after} once idle again");
    assert!(after <= idle.max(3), "idle threads retired: {after} left, {idle} before the calls");
}

#[test]
fn a_private_doors_calls_run_only_on_the_threads_bound_to_it() {
    let shared = door_path("shared");
    let private = door_path("private");
    let program = compile(&source("private.c"), shared.parent().unwrap(), Build::C99);
    let _server = Server::start_with(Command::new(&program).arg(&shared).arg(&private));
    let shared = Client::open(&shared).unwrap();
    let private = Client::open(&private).unwrap();
    assert_eq!(call(&private, b"who"), "private bound");
    assert_eq!(call(&shared, b"who"), "shared unbound");

    let answers = concurrently(&private, 4, b"sleep");
    assert!(answers.iter().all(|answer| answer == "private bound"), "{answers:?}");
    let answers = concurrently(&shared, 4, b"sleep");
    assert!(answers.iter().all(|answer| answer == "shared unbound"), "{answers:?}");
    let stats = call(&shared, b"stats");
    let count = |name: &str| -> usize {
        let field = stats.split(' ').find_map(|field| field.strip_prefix(name)).unwrap();
        field.parse().unwrap()
    };
    // The private door: one thread at door_create, then one at each new peak of 4 calls
    // (the last for the call that was to come). The shared pool: the first at door_create,
    // then new peaks, the main thread (parked in door_return) taking one of them.
    println!("creation function calls: {stats}");
    assert!(count("private=") >= 4, "{stats}");
    assert!(count("shared=") >= 3, "{stats}");
}
