//! Doors end to end within one process, over real sockets: calls, faults, descriptors,
//! credentials, large payloads, revoke and unref, stale and live socket files.

use std::io::{Read, Write};
use std::os::fd::AsFd;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use ostium::wire::{Fault, Status};
use ostium::{Answer, CallError, Client, Door, DoorError, DoorOptions, Request};

/// A fresh door path in the temporary directory.
fn door_path(name: &str) -> PathBuf {
    ostium_test_support::door_path("ostium-test", name)
}

const ECHO: u32 = 1;
const FAIL: u32 = 2;
const PANIC: u32 = 3;
const WHO: u32 = 4;
const WRITE_TO_FD: u32 = 5;
const GIVE_FD: u32 = 6;
const BIG: u32 = 7;

fn handler(request: Request<'_>) -> Answer {
    match request.op {
        ECHO => Answer::ok(request.args),
        FAIL => Answer::error(42, b"no luck".to_vec()),
        PANIC => panic!("the handler fails on purpose"),
        WHO => {
            let c = request.caller;
            Answer::ok(format!("{} {} {}", c.pid.unwrap_or(0), c.uid, c.gid))
        }
        WRITE_TO_FD => {
            let mut file =
                std::fs::File::from(request.fds.into_iter().next().expect("a descriptor"));
            file.write_all(request.args).unwrap();
            Answer::ok(Vec::new())
        }
        GIVE_FD => {
            let (reader, mut writer) = std::io::pipe().unwrap();
            writer.write_all(b"from the server").unwrap();
            Answer::ok(Vec::new()).with_fds([reader.into()])
        }
        BIG => Answer::ok(vec![7u8; request.args.len() * 2]),
        _ => Answer::fault(Fault::UnknownOperation),
    }
}

fn serve(name: &str) -> (Door, Client) {
    let path = door_path(name);
    let door = Door::builder(&path).serve(handler).unwrap();
    let client = Client::open(&path).unwrap();
    (door, client)
}

#[test]
fn calls_return_data_errors_and_faults() {
    let (_door, client) = serve("basics");
    let reply = client.call(ECHO, b"hello").unwrap();
    assert_eq!((reply.status, reply.data.as_slice()), (Status::Ok, &b"hello"[..]));
    let reply = client.call(FAIL, b"").unwrap();
    assert_eq!(reply.status.to_u32(), 42);
    assert_eq!(reply.data, b"no luck");
    assert!(matches!(client.call(99, b""), Err(CallError::Fault(Fault::UnknownOperation))));
    client.ping().unwrap();
}

#[test]
fn a_panicking_handler_is_a_fault_and_the_door_goes_on() {
    let (_door, client) = serve("panics");
    assert!(matches!(client.call(PANIC, b""), Err(CallError::Fault(Fault::HandlerPanicked))));
    assert_eq!(client.call(ECHO, b"still").unwrap().data, b"still");
}

#[test]
fn the_caller_is_identified_by_the_kernel() {
    let (_door, client) = serve("who");
    let reply = client.call(WHO, b"").unwrap();
    let expected = format!("{} {} {}", std::process::id(), rustix_ids().0, rustix_ids().1);
    assert_eq!(String::from_utf8(reply.data).unwrap(), expected);
}

/// Our uid and gid, read from /proc (this crate has no direct system calls).
fn rustix_ids() -> (u32, u32) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let field = |name: &str| -> u32 {
        let line = status.lines().find(|l| l.starts_with(name)).unwrap();
        line.split_whitespace().nth(2).unwrap().parse().unwrap() // effective id
    };
    (field("Uid:"), field("Gid:"))
}

#[test]
fn descriptors_travel_both_ways() {
    let (_door, client) = serve("fds");
    let (mut reader, writer) = std::io::pipe().unwrap();
    client
        .call_with(
            WRITE_TO_FD,
            b"through the door",
            ostium::CallOptions { fds: &[writer.as_fd()], ..Default::default() },
        )
        .unwrap();
    drop(writer);
    let mut got = String::new();
    reader.read_to_string(&mut got).unwrap();
    assert_eq!(got, "through the door");

    let reply = client.call(GIVE_FD, b"").unwrap();
    assert_eq!(reply.fds.len(), 1);
    let mut file = std::fs::File::from(reply.fds.into_iter().next().unwrap());
    let mut got = String::new();
    file.read_to_string(&mut got).unwrap();
    assert_eq!(got, "from the server");
}

#[test]
fn payloads_larger_than_a_message_travel_in_memfds() {
    let (_door, client) = serve("big");
    let args = vec![1u8; 1024 * 1024];
    let reply = client.call(BIG, &args).unwrap();
    assert_eq!(reply.data.len(), 2 * 1024 * 1024);
    assert!(reply.data.iter().all(|&b| b == 7));
    let echoed = client.call(ECHO, &args).unwrap();
    assert!(echoed.data == args);
}

#[test]
fn many_threads_share_one_client() {
    let (door, client) = serve("threads");
    let client = Arc::new(client);
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let client = Arc::clone(&client);
            std::thread::spawn(move || {
                for i in 0..200u32 {
                    let args = format!("{t}-{i}");
                    assert_eq!(client.call(ECHO, args.as_bytes()).unwrap().data, args.as_bytes());
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    // One connection per concurrent caller and lane (the CPU it called from) at most.
    let lanes = ostium_sys::allowed_cpus().unwrap().len();
    assert!(door.connections() <= 8 * lanes, "{} connections", door.connections());
}

#[test]
fn revoke_refuses_new_calls_and_unref_tells_when_the_last_client_leaves() {
    let path = door_path("revoke");
    let unrefs = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&unrefs);
    let unref: Box<dyn Fn() + Send + Sync> = Box::new(move || {
        counted.fetch_add(1, Ordering::SeqCst);
    });
    let door = Door::builder(&path).on_unref(unref).serve(handler).unwrap();
    let client = Client::open(&path).unwrap();
    client.call(ECHO, b"x").unwrap();
    drop(client);
    let until = Instant::now() + Duration::from_secs(10);
    while unrefs.load(Ordering::SeqCst) == 0 && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(unrefs.load(Ordering::SeqCst), 1, "unref after the last client left");

    // On one CPU, so that the call after the revocation takes the connection made before
    // it (a call from another CPU connects again, and finds no door: `NoDoor`).
    let cpu = ostium_sys::allowed_cpus().unwrap()[0];
    ostium_sys::pin_current_thread(cpu).unwrap();
    let client = Client::open(&path).unwrap();
    door.revoke();
    let outcome = client.call(ECHO, b"x");
    assert!(matches!(outcome, Err(CallError::Fault(Fault::Revoked))), "{outcome:?}");
    assert!(!path.exists(), "a revoked door's file is removed");
    assert!(matches!(Client::open(&path), Err(CallError::NoDoor { .. })));
}

#[test]
fn a_stale_socket_file_is_replaced_and_a_live_door_is_not() {
    let path = door_path("stale");
    {
        // A listener bound and dropped leaves its file behind with nobody serving it.
        let _ = std::os::unix::net::UnixListener::bind(&path).unwrap();
    }
    let door = Door::builder(&path).serve(handler).unwrap();
    let err = Door::builder(&path).serve(handler).unwrap_err();
    assert!(matches!(err, DoorError::InUse(_)), "{err}");
    assert!(err.to_string().contains(&path.display().to_string()));
    Client::open(&path).unwrap().ping().unwrap();

    let file = door_path("not-a-socket");
    std::fs::write(&file, b"precious").unwrap();
    assert!(matches!(Door::builder(&file).serve(handler), Err(DoorError::NotASocket(_))));
    assert_eq!(std::fs::read(&file).unwrap(), b"precious");
    drop(door);
    assert!(!path.exists(), "the file goes with the door");
}

#[test]
fn the_door_file_has_the_asked_mode() {
    use std::os::unix::fs::PermissionsExt;
    let path = door_path("mode");
    let options = DoorOptions { mode: 0o660, ..DoorOptions::default() };
    let _door = Door::builder(&path).options(options).serve(handler).unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o660);
}

#[test]
fn no_door_is_reported_with_its_path() {
    let path = door_path("absent");
    let err = Client::open(&path).unwrap_err();
    assert!(matches!(err, CallError::NoDoor { .. }));
    assert!(err.to_string().contains(&path.display().to_string()), "{err}");
}

const COUNT_FDS: u32 = 8;
const WRITE_SOCKET: u32 = 9;
const GIVE_MANY: u32 = 10;

fn fd_handler(request: Request<'_>) -> Answer {
    match request.op {
        COUNT_FDS => Answer::ok((request.fds.len() as u32).to_le_bytes().to_vec()),
        WRITE_SOCKET => {
            let mut socket = std::net::TcpStream::from(request.fds.into_iter().next().unwrap());
            socket.write_all(b"written by the door's server").unwrap();
            Answer::ok(Vec::new())
        }
        GIVE_MANY => {
            let count = u32::from_le_bytes(request.args.try_into().unwrap());
            let fds = (0..count).map(|_| std::fs::File::open("/dev/null").unwrap().into());
            Answer::ok(Vec::new()).with_fds(fds)
        }
        _ => Answer::fault(Fault::UnknownOperation),
    }
}

#[test]
fn a_tcp_socket_passed_through_a_door_is_written_by_the_server() {
    let path = door_path("tcp");
    let _door = Door::builder(&path).serve(fd_handler).unwrap();
    let client = Client::open(&path).unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mut ours = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (theirs, _) = listener.accept().unwrap();
    client
        .call_with(
            WRITE_SOCKET,
            b"",
            ostium::CallOptions { fds: &[theirs.as_fd()], ..Default::default() },
        )
        .unwrap();
    drop(theirs);
    ours.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut got = String::new();
    ours.read_to_string(&mut got).unwrap();
    assert_eq!(got, "written by the door's server");
}

#[test]
fn the_most_descriptors_a_message_carries_travel_both_ways() {
    let path = door_path("many-fds");
    let _door = Door::builder(&path).serve(fd_handler).unwrap();
    let client = Client::open(&path).unwrap();
    let files: Vec<std::fs::File> =
        (0..253).map(|_| std::fs::File::open("/dev/null").unwrap()).collect();
    let fds: Vec<_> = files.iter().map(|f| f.as_fd()).collect();
    let reply = client
        .call_with(COUNT_FDS, b"", ostium::CallOptions { fds: &fds, ..Default::default() })
        .unwrap();
    assert_eq!(reply.data, 253u32.to_le_bytes());
    assert!(matches!(
        client.call_with(
            COUNT_FDS,
            b"",
            ostium::CallOptions {
                fds: &[fds.as_slice(), &fds[..1]].concat(),
                ..Default::default()
            }
        ),
        Err(CallError::Invalid(_))
    ));
    let reply = client.call(GIVE_MANY, &253u32.to_le_bytes()).unwrap();
    assert_eq!(reply.fds.len(), 253);
}

#[test]
fn a_lingering_worker_serves_a_callers_next_calls_itself() {
    let path = door_path("linger");
    let options = DoorOptions { linger: Duration::from_secs(5), ..DoorOptions::default() };
    let door = Door::builder(&path)
        .options(options)
        .serve(|_request| Answer::ok(format!("{:?}", std::thread::current().id())))
        .unwrap();
    let client = Client::open(&path).unwrap();
    // From one CPU, so that every call takes the same lane, hence the same connection.
    let cpu = ostium_sys::allowed_cpus().unwrap()[0];
    let threads: std::collections::HashSet<Vec<u8>> = std::thread::scope(|scope| {
        scope
            .spawn(|| {
                ostium_sys::pin_current_thread(cpu).unwrap();
                (0..100).map(|_| client.call(1, b"").unwrap().data).collect()
            })
            .join()
            .unwrap()
    });
    assert_eq!(threads.len(), 1, "sequential calls were served by {} threads", threads.len());
    // A second caller is served meanwhile, by another thread, though the first lingers.
    let other = Client::open(&path).unwrap();
    let reply = other.call(1, b"").unwrap();
    assert!(!threads.contains(&reply.data));
    drop(door);
}

/// The CPU a handler runs on, as a reply.
fn where_am_i(_request: ostium::Request<'_>) -> Answer {
    Answer::ok((ostium_sys::current_cpu() as u32).to_le_bytes().to_vec())
}

/// Calls `client` from a thread kept on `cpu`, and returns the CPU the handler ran on.
fn served_on(client: &Client, cpu: usize) -> usize {
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                ostium_sys::pin_current_thread(cpu).unwrap();
                let reply = client.call(1, b"").unwrap().data;
                u32::from_le_bytes(reply.try_into().unwrap()) as usize
            })
            .join()
            .unwrap()
    })
}

#[test]
fn calls_are_served_on_the_callers_cpu() {
    let cpus = ostium_sys::allowed_cpus().unwrap();
    if cpus.len() < 2 {
        eprintln!("skipped: lanes need two CPUs, this test may run on {cpus:?} only");
        return;
    }
    let path = door_path("lanes");
    let door = Door::builder(&path).serve(where_am_i).unwrap();
    let client = Client::open(&path).unwrap();
    // Back and forth, so that a worker kept to one lane must move, or another serve.
    for round in 0..3 {
        for &cpu in &cpus {
            assert_eq!(served_on(&client, cpu), cpu, "round {round}: a call from CPU {cpu}");
        }
    }
    drop(door);
}

#[test]
fn without_lanes_a_worker_may_run_anywhere() {
    let cpus = ostium_sys::allowed_cpus().unwrap();
    let path = door_path("no-lanes");
    let options = DoorOptions { cpu_lanes: false, ..DoorOptions::default() };
    let door = Door::builder(&path)
        .options(options)
        .serve(|_request| {
            let allowed = ostium_sys::allowed_cpus().unwrap();
            Answer::ok(allowed.iter().map(|&cpu| cpu as u8).collect::<Vec<u8>>())
        })
        .unwrap();
    let client = Client::open(&path).unwrap();
    let expected: Vec<u8> = cpus.iter().map(|&cpu| cpu as u8).collect();
    for _ in 0..10 {
        assert_eq!(client.call(1, b"").unwrap().data, expected, "the worker was pinned");
    }
    drop(door);
}

#[test]
fn describe_reaches_the_handler_and_ping_never_does() {
    let path = door_path("describe");
    let door = Door::builder(&path)
        .serve(|request| {
            if request.op == ostium::wire::Op::DESCRIBE.0 {
                Answer::ok(b"an interface".to_vec())
            } else {
                Answer::fault(ostium::wire::Fault::UnknownOperation)
            }
        })
        .unwrap();
    let client = Client::open(&path).unwrap();
    assert_eq!(client.call(ostium::wire::Op::DESCRIBE.0, b"").unwrap().data, b"an interface");
    client.ping().unwrap();
    // Other reserved operations are the runtime's, and unknown.
    assert!(matches!(
        client.call(0xFFFF_FF7F, b""),
        Err(CallError::Fault(ostium::wire::Fault::UnknownOperation))
    ));
    drop(door);
}

#[test]
fn an_application_error_becomes_an_err_with_into_result_and_errors_clone() {
    let door = Door::builder(door_path("into-result"))
        .serve(|request| match request.op {
            ECHO => Answer::ok(request.args),
            _ => Answer::error(7, "seven"),
        })
        .unwrap();
    let client = Client::open(door.path()).unwrap();
    assert_eq!(client.call(ECHO, b"fine").unwrap().into_result().unwrap().data, b"fine");
    let err = client.call(FAIL, b"").unwrap().into_result().unwrap_err();
    assert_eq!((err.code.get(), err.data.as_slice()), (7, &b"seven"[..]));
    // A call error is a value that can be copied to every call it ends.
    let missing = Client::open(door.path().with_file_name("missing.door")).unwrap_err();
    let copy = missing.clone();
    assert!(matches!(copy, ostium::CallError::NoDoor { .. }), "{copy}");
}

#[test]
fn a_door_whose_file_is_gone_stays_callable_through_the_connections_made() {
    let cpus = ostium_sys::allowed_cpus().unwrap();
    if cpus.len() < 2 {
        eprintln!("skipped: lanes need two CPUs, this test may run on {cpus:?} only");
        return;
    }
    let path = door_path("unnamed");
    let _door = Door::builder(&path).serve(handler).unwrap();
    ostium_sys::pin_current_thread(cpus[0]).unwrap();
    let client = Client::open(&path).unwrap();
    assert_eq!(client.call(ECHO, b"named").unwrap().data, b"named");
    std::fs::remove_file(&path).unwrap();
    // From another CPU the client would connect a connection of that lane: there is no
    // file to connect to, so the one it has serves.
    ostium_sys::pin_current_thread(cpus[1]).unwrap();
    assert_eq!(client.call(ECHO, b"unnamed").unwrap().data, b"unnamed");
}
