//! Doors across processes: the server runs in a child process (this test binary started
//! again, running only the ignored `door_server_child`), and is counted, killed and
//! restarted from the outside.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ostium::wire::Fault;
use ostium::{Answer, CallError, Client, Door, DoorOptions};
use ostium_sys::unix::SeqpacketConn;
use ostium_test_support::proc;

const ECHO: u32 = 1;
const SLOW: u32 = 2;
const WHO: u32 = 3;

const SERVER_ENV: &str = "OSTIUM_TEST_DOOR_SERVER";
const CLIENT_ENV: &str = "OSTIUM_TEST_DOOR_CLIENT";

/// Not a test: the door server the other tests start in a child process.
#[test]
#[ignore = "a helper: the door server that the other tests run in a child process"]
fn door_server_child() {
    let Ok(path) = std::env::var(SERVER_ENV) else { return };
    let options =
        DoorOptions { idle_timeout: Duration::from_millis(300), ..DoorOptions::default() };
    let _door = Door::builder(&path)
        .options(options)
        .serve(|request| match request.op {
            ECHO => Answer::ok(request.args),
            SLOW => {
                let millis = u64::from(request.args.first().copied().unwrap_or(0)) * 10;
                std::thread::sleep(Duration::from_millis(millis));
                Answer::ok(Vec::new())
            }
            WHO => Answer::ok(request.caller.pid.unwrap_or(0).to_string()),
            _ => Answer::fault(Fault::UnknownOperation),
        })
        .unwrap();
    println!("serving");
    // Until the test kills it; bounded all the same, so it cannot outlive a failed test.
    std::thread::sleep(Duration::from_secs(120));
}

/// Not a test: a client that calls `SLOW` and is killed mid-call.
#[test]
#[ignore = "a helper: a client the other tests kill in the middle of a call"]
fn door_client_child() {
    let Ok(path) = std::env::var(CLIENT_ENV) else { return };
    let client = Client::open(&path).unwrap();
    println!("calling");
    let _ = client.call(SLOW, &[250]);
}

struct ChildProcess {
    child: Child,
}

impl Drop for ChildProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts this test binary again running only `helper`, with `env` set, and waits for its
/// first line.
fn start_child(helper: &str, env: &str, path: &Path) -> ChildProcess {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", helper, "--nocapture", "--test-threads", "1"])
        .env(env, path)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { return };
            if line.ends_with("serving") || line.ends_with("calling") {
                let _ = tx.send(());
            }
        }
    });
    rx.recv_timeout(Duration::from_secs(30)).expect("the child started");
    ChildProcess { child }
}

fn door_path(name: &str) -> PathBuf {
    ostium_test_support::door_path("ostium-proc", name)
}

#[test]
fn ten_thousand_calls_leak_no_descriptor_on_either_side() {
    let path = door_path("leaks");
    let server = start_child("door_server_child", SERVER_ENV, &path);
    let pid = server.child.id();
    let client = Client::open(&path).unwrap();
    // The client keeps a connection per CPU lane: make each before counting, from a thread
    // kept on each CPU in turn.
    std::thread::scope(|scope| {
        for cpu in ostium_sys::allowed_cpus().unwrap() {
            let client = &client;
            scope.spawn(move || {
                ostium_sys::pin_current_thread(cpu).unwrap();
                client.call(ECHO, b"warm").unwrap();
            });
        }
    });
    let (ours, theirs) = (proc::fds(std::process::id()), proc::fds(pid));
    for i in 0..10_000u32 {
        let args = i.to_le_bytes();
        assert_eq!(client.call(ECHO, &args).unwrap().data, args);
    }
    assert_eq!(proc::fds(std::process::id()), ours, "the client leaked descriptors");
    assert_eq!(proc::fds(pid), theirs, "the server leaked descriptors");
}

#[test]
fn the_pool_grows_to_the_concurrency_and_no_further_then_shrinks() {
    let path = door_path("pool");
    let server = start_child("door_server_child", SERVER_ENV, &path);
    let pid = server.child.id();
    let client = Arc::new(Client::open(&path).unwrap());
    client.call(ECHO, b"").unwrap();
    // Past the idle timeout (300 ms), the door is back to one thread: the leader.
    std::thread::sleep(Duration::from_millis(800));
    // The child's other threads (the test harness's) and the door's one leader.
    let idle_threads = proc::threads(pid);
    for k in [1usize, 2, 8, 32] {
        let callers: Vec<_> = (0..k)
            .map(|_| {
                let client = Arc::clone(&client);
                std::thread::spawn(move || client.call(SLOW, &[40]).unwrap())
            })
            .collect();
        let mut peak = 0;
        while !callers.iter().all(|c| c.is_finished()) {
            peak = peak.max(proc::threads(pid));
            std::thread::sleep(Duration::from_millis(5));
        }
        for caller in callers {
            caller.join().unwrap();
        }
        // K threads serving, plus at most one waiting (the leader) or starting.
        let door_threads = peak - (idle_threads - 1);
        assert!(
            door_threads >= k,
            "K = {k}: only {door_threads} door threads served {k} concurrent calls"
        );
        assert!(
            door_threads <= k + 1,
            "K = {k}: {door_threads} door threads for {k} concurrent calls"
        );
        // Back to the minimum once idle for the idle timeout (300 ms).
        let until = Instant::now() + Duration::from_secs(20);
        while proc::threads(pid) > idle_threads && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(proc::threads(pid), idle_threads, "K = {k}: the pool did not shrink");
    }
}

#[test]
fn a_server_killed_mid_call_is_reported_promptly_and_a_restart_is_reached() {
    let path = door_path("death");
    let mut server = start_child("door_server_child", SERVER_ENV, &path);
    let client = Arc::new(Client::open(&path).unwrap());
    // Killed while the caller still sleeps on the reply slot's futex (5 ms in), and once it
    // waits on the socket (200 ms in): both are reported as the server's death.
    for kill_after in [Duration::from_millis(5), Duration::from_millis(200)] {
        let before = client.instance();
        let caller = {
            let client = Arc::clone(&client);
            std::thread::spawn(move || {
                let deadline = Some(Instant::now() + Duration::from_secs(10));
                let outcome = client.call_with(
                    SLOW,
                    &[250],
                    ostium::CallOptions { deadline, ..Default::default() },
                );
                (outcome, Instant::now())
            })
        };
        std::thread::sleep(kill_after);
        server.child.kill().unwrap();
        let killed = Instant::now();
        let (outcome, failed) = caller.join().unwrap();
        assert!(matches!(outcome, Err(CallError::ServerDeath { .. })), "{outcome:?}");
        eprintln!(
            "killed {kill_after:?} into a call: ServerDeath reported {:?} after the kill",
            failed.saturating_duration_since(killed)
        );
        let _ = server.child.wait();

        // A new server at the same path: a new instance, reached again by an idempotent call.
        server = start_child("door_server_child", SERVER_ENV, &path);
        let reply = client
            .call_with(
                ECHO,
                b"again",
                ostium::CallOptions {
                    deadline: Some(Instant::now() + Duration::from_secs(10)),
                    retry: true,
                    ..Default::default()
                },
            )
            .unwrap();
        assert_eq!(reply.data, b"again");
        assert_ne!(client.instance(), before, "a restarted server has a new instance id");
    }
}

#[test]
fn a_client_killed_mid_call_costs_the_server_nothing() {
    let path = door_path("client-death");
    let _server = start_child("door_server_child", SERVER_ENV, &path);
    let mut doomed = start_child("door_client_child", CLIENT_ENV, &path);
    std::thread::sleep(Duration::from_millis(100));
    doomed.child.kill().unwrap();
    let _ = doomed.child.wait();
    let client = Client::open(&path).unwrap();
    for _ in 0..100 {
        assert_eq!(client.call(ECHO, b"fine").unwrap().data, b"fine");
    }
}

#[test]
fn the_server_sees_the_callers_real_pid() {
    let path = door_path("who");
    let _server = start_child("door_server_child", SERVER_ENV, &path);
    let client = Client::open(&path).unwrap();
    let reply = client.call(WHO, b"").unwrap();
    assert_eq!(String::from_utf8(reply.data).unwrap(), std::process::id().to_string());
}

#[test]
fn malformed_messages_never_disturb_the_server() {
    let path = door_path("garbage");
    let _server = start_child("door_server_child", SERVER_ENV, &path);
    let client = Client::open(&path).unwrap();
    let garbage: [&[u8]; 6] = [
        b"\x00",
        b"not a door message at all",
        &[1; 48],
        &[2; 32],
        &[
            2, 0, 0, 0, 7, 0, 0, 0, 1, 0, 0, 0, 255, 255, 255, 255, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 0, 0, 0, 0,
        ],
        &[0xFF; 4096],
    ];
    // And the fuzzer's seeds: valid messages of every kind, which a server must take in its
    // stride wherever they come (a server's hello or a reply sent to a server, say).
    let seeds = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/wire_decode");
    let seed_bytes: Vec<Vec<u8>> = std::fs::read_dir(&seeds)
        .map(|dir| dir.filter_map(|e| std::fs::read(e.ok()?.path()).ok()).collect())
        .unwrap_or_default();
    assert!(!seed_bytes.is_empty(), "no fuzz seeds in {}", seeds.display());
    // A seed's first byte is the fuzzer's descriptor count; the message follows.
    let seed_messages = seed_bytes.iter().filter_map(|s| s.get(1..)).filter(|m| !m.is_empty());
    for bytes in garbage.into_iter().chain(seed_messages) {
        // Before a hello, and after a valid one.
        let raw = SeqpacketConn::connect(&path).unwrap();
        let _ = raw.send(bytes, &[]);
        let raw = SeqpacketConn::connect(&path).unwrap();
        let mut hello = Vec::new();
        ostium::wire::Hello::client(4096, ostium::wire::Capabilities::NONE)
            .encode(&mut hello)
            .unwrap();
        raw.send(&hello, &[]).unwrap();
        let _ = raw.send(bytes, &[]);
        assert_eq!(client.call(ECHO, b"ok").unwrap().data, b"ok");
    }
}

#[test]
fn an_idle_door_costs_one_blocked_thread_and_no_wakeups() {
    let path = door_path("idle");
    let server = start_child("door_server_child", SERVER_ENV, &path);
    let pid = server.child.id();
    // A client that called once and stays connected, idle.
    let client = Client::open(&path).unwrap();
    client.call(ECHO, b"once").unwrap();
    // Past the idle timeout (300 ms) the pool is back to its leader alone.
    std::thread::sleep(Duration::from_millis(800));
    let (switches, ticks) = (proc::wakeups(pid), proc::cpu_ticks(pid));
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(proc::wakeups(pid) - switches, 0, "an idle door's threads woke up");
    assert!(proc::cpu_ticks(pid) - ticks <= 1, "an idle door used CPU");
    drop(client);
}
