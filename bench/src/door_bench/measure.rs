//! One load ([`Load`]): some callers, each a thread of this process making one call at a
//! time for a warm-up and then a measured window, and what was seen ([`Outcome`]).
//!
//! A caller times each call from just before it sends to just after the reply is back, and
//! then checks the reply (outside the timing): it must be the bytes sent. The bytes differ
//! from caller to caller, and their first eight carry a sequence number that changes with
//! every call, so that a stale or misrouted reply does not compare equal. A call counts if
//! it started after the warm-up and ended inside the window; calls/s is their number over
//! the window's length.
//!
//! While the load runs, the main thread only sleeps: it wakes as the window opens and as
//! it closes, to read the CPU time of the server and of this process, and, at the close,
//! the server's threads (`/proc/PID/task`). The callers keep their connections open until
//! that count is taken (a raw server has a thread per connection), and a door's pool grows
//! to meet a new peak and shrinks only after seconds idle, so the count is the number the
//! server reached. If the callers have not all finished the load's `grace` (by default
//! [`GRACE`]) after the window closed, the server is killed (its callers' calls then fail) and the load is an error.

use std::sync::{PoisonError, RwLock, mpsc};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail, ensure};

use super::peer::Caller;
use crate::cputime::{CpuClock, CpuTime, TickRate};
use crate::histogram::Histogram;

/// How long after the window closes the callers may take to finish their last call.
pub const GRACE: Duration = Duration::from_secs(10);
/// The name of a door's pool threads (`DoorOptions` gives them this name).
pub const DOOR_THREAD: &str = "ostium-door";

/// How one load is made.
#[derive(Clone, Copy, Debug)]
pub struct Load {
    /// Concurrent callers, each on its own thread.
    pub callers: usize,
    /// Bytes of arguments per call (echoed back).
    pub size: usize,
    /// Calls made before the window opens, not counted.
    pub warmup: Duration,
    /// The measured window.
    pub measure: Duration,
    /// How long after the window the callers may take to finish (normally [`GRACE`]).
    pub grace: Duration,
}

/// What a load saw.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// Calls that started and ended inside the window, all callers together.
    pub calls: u64,
    /// The window's length.
    pub window: Duration,
    /// Their round trips, in nanoseconds.
    pub latency: Histogram,
    /// The server process's CPU time over the window.
    pub server_cpu: CpuTime,
    /// This process's CPU time over the window (the callers, mostly).
    pub client_cpu: CpuTime,
    /// The server's threads as the window closed.
    pub server_threads: Threads,
}

/// The threads of a process.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Threads {
    /// All of them.
    pub total: usize,
    /// Those named [`DOOR_THREAD`]: a door's pool.
    pub door_pool: usize,
}

/// The threads of process `pid` now, from `/proc/PID/task` (a thread that exits while they
/// are counted may be missed).
pub fn threads_of(pid: u32) -> Result<Threads> {
    let tasks = format!("/proc/{pid}/task");
    let mut threads = Threads::default();
    for entry in std::fs::read_dir(&tasks).with_context(|| format!("listing {tasks}"))? {
        let Ok(entry) = entry else { continue };
        threads.total += 1;
        let comm = std::fs::read_to_string(entry.path().join("comm")).unwrap_or_default();
        if comm.trim_end() == DOOR_THREAD {
            threads.door_pool += 1;
        }
    }
    Ok(threads)
}

/// Runs `load` with `callers` (one thread each) against the server process `server_pid`;
/// `kill_server` is called if the callers are stuck `load.grace` past the window.
pub fn run(
    load: &Load,
    callers: Vec<Box<dyn Caller>>,
    server_pid: u32,
    rate: TickRate,
    kill_server: &mut dyn FnMut(),
) -> Result<Outcome> {
    ensure!(
        callers.len() == load.callers,
        "{} callers for a load of {}",
        callers.len(),
        load.callers
    );
    let server_clock = CpuClock::process(server_pid, rate);
    let client_clock = CpuClock::process(std::process::id(), rate);
    let start = Instant::now();
    let (warm_end, end) = (start + load.warmup, start + load.warmup + load.measure);
    let (tx, rx) = mpsc::channel();
    // Held by the main thread until it has counted the server's threads: callers that are
    // done wait for it before they drop their connections.
    let gate = RwLock::new(());
    let held = gate.write().unwrap_or_else(PoisonError::into_inner);
    let (readings, tallies, stuck) = std::thread::scope(|scope| {
        for (index, mut caller) in callers.into_iter().enumerate() {
            let tx = tx.clone();
            let size = load.size;
            let gate = &gate;
            std::thread::Builder::new()
                .name(format!("caller-{index}"))
                .spawn_scoped(scope, move || {
                    let _ = tx.send(drive(index, caller.as_mut(), size, warm_end, end));
                    drop(gate.read().unwrap_or_else(PoisonError::into_inner));
                    drop(caller);
                })
                .expect("starting a caller thread");
        }
        drop(tx);
        sleep_until(warm_end);
        let opened = (server_clock.read(), client_clock.read());
        sleep_until(end);
        let closed = (server_clock.read(), client_clock.read(), threads_of(server_pid));
        let (tallies, stuck) = collect(&rx, load.callers, end + load.grace, kill_server);
        drop(held);
        ((opened, closed), tallies, stuck)
    });
    if stuck {
        bail!(
            "the callers were still waiting for replies {:?} after the window closed, and the \
             server was killed",
            load.grace
        );
    }
    let (calls, latency) = sum(tallies)?;
    let ((server_open, client_open), (server_close, client_close, threads)) = readings;
    Ok(Outcome {
        calls,
        window: load.measure,
        latency,
        server_cpu: server_close?.since(&server_open?),
        client_cpu: client_close?.since(&client_open?),
        server_threads: threads.context("counting the server's threads")?,
    })
}

/// The callers' tallies, as they come: all `count` of them, or those that came before a
/// caller panicked. Past `deadline`, `kill_server` is called (and `true` returned) so that
/// callers stuck on a server that stopped answering are freed.
fn collect(
    rx: &mpsc::Receiver<Result<Tally>>,
    count: usize,
    deadline: Instant,
    kill_server: &mut dyn FnMut(),
) -> (Vec<Result<Tally>>, bool) {
    let mut tallies = Vec::with_capacity(count);
    let mut stuck = false;
    while tallies.len() < count {
        let received = if stuck {
            rx.recv().map_err(|_| mpsc::RecvTimeoutError::Disconnected)
        } else {
            rx.recv_timeout(deadline.saturating_duration_since(Instant::now()))
        };
        match received {
            Ok(tally) => tallies.push(tally),
            Err(mpsc::RecvTimeoutError::Timeout) => {
                stuck = true;
                kill_server();
            }
            // A caller panicked: the scope passes the panic on.
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    (tallies, stuck)
}

/// The calls and the latency of all callers together.
fn sum(tallies: Vec<Result<Tally>>) -> Result<(u64, Histogram)> {
    let mut calls = 0;
    let mut latency = Histogram::new();
    for tally in tallies {
        let tally = tally?;
        calls += tally.calls;
        latency.merge(&tally.latency);
    }
    Ok((calls, latency))
}

/// What one caller counted.
struct Tally {
    calls: u64,
    latency: Histogram,
}

/// One caller's loop: calls until `end`, counting those inside the window.
fn drive(
    index: usize,
    caller: &mut dyn Caller,
    size: usize,
    warm_end: Instant,
    end: Instant,
) -> Result<Tally> {
    let mut args = message(index, size);
    let mut tally = Tally { calls: 0, latency: Histogram::new() };
    for sequence in 1u64.. {
        stamp(&mut args, sequence);
        let sent = Instant::now();
        if sent >= end {
            break;
        }
        let reply =
            caller.call(&args).with_context(|| format!("caller {index}, call {sequence}"))?;
        let back = Instant::now();
        if reply != args.as_slice() {
            return Err(anyhow!(
                "caller {index}, call {sequence}: the reply ({} bytes) is not the {} bytes sent",
                reply.len(),
                args.len()
            ));
        }
        if sent >= warm_end && back <= end {
            tally.calls += 1;
            tally.latency.record(u64::try_from((back - sent).as_nanos()).unwrap_or(u64::MAX));
        }
    }
    Ok(tally)
}

/// `size` pseudo-random bytes, different for each caller `index`.
fn message(index: usize, size: usize) -> Vec<u8> {
    // xorshift64*, seeded by the caller's index.
    let mut state =
        0x9E37_79B9_7F4A_7C15u64 ^ (index as u64 + 1).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    (0..size)
        .map(|_| {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            (state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 56) as u8
        })
        .collect()
}

/// Writes `sequence` over the first eight bytes of `message` (fewer if it is shorter).
fn stamp(message: &mut [u8], sequence: u64) {
    let bytes = sequence.to_le_bytes();
    let n = bytes.len().min(message.len());
    message[..n].copy_from_slice(&bytes[..n]);
}

fn sleep_until(when: Instant) {
    let left = when.saturating_duration_since(Instant::now());
    if !left.is_zero() {
        std::thread::sleep(left);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::door_bench::SocketDir;
    use crate::door_bench::peer::Peer;

    #[test]
    fn messages_differ_by_caller_and_by_call() {
        assert_ne!(message(0, 64), message(1, 64));
        assert_eq!(message(3, 64), message(3, 64));
        assert_eq!(message(0, 4096).len(), 4096);
        let mut a = message(0, 64);
        let mut b = a.clone();
        stamp(&mut a, 1);
        stamp(&mut b, 2);
        assert_ne!(a, b);
        assert_eq!(a[8..], b[8..]);
        let mut short = vec![0xFF; 3];
        stamp(&mut short, 0x0102_0304);
        assert_eq!(short, [4, 3, 2]);
    }

    #[test]
    fn threads_are_counted_and_a_door_pool_recognised() {
        let (tx, rx) = mpsc::channel::<()>();
        let (started_tx, started) = mpsc::channel::<()>();
        let named = std::thread::Builder::new()
            .name(DOOR_THREAD.into())
            .spawn(move || {
                // The name is set as the thread starts: count it only after that.
                let _ = started_tx.send(());
                let _ = rx.recv();
            })
            .unwrap();
        started.recv().unwrap();
        let threads = threads_of(std::process::id()).unwrap();
        assert!(threads.total >= 2, "{threads:?}");
        assert!(threads.door_pool >= 1, "{threads:?}");
        drop(tx);
        named.join().unwrap();
        assert!(threads_of(u32::MAX).is_err());
    }

    #[test]
    fn a_short_load_counts_its_calls() {
        let dir = SocketDir::create().unwrap();
        let path = dir.path().join("raw.sock");
        let _serving = Peer::Raw.serve(&path).unwrap();
        let load = Load {
            callers: 2,
            size: 100,
            warmup: Duration::from_millis(20),
            measure: Duration::from_millis(200),
            grace: GRACE,
        };
        let callers = Peer::Raw.callers(&path, 2).unwrap();
        let rate = TickRate::detect();
        let mut killed = false;
        let outcome = run(&load, callers, std::process::id(), rate, &mut || killed = true).unwrap();
        assert!(!killed);
        assert!(outcome.calls > 10, "{outcome:?}");
        assert_eq!(outcome.latency.count(), outcome.calls);
        assert_eq!(outcome.window, load.measure);
        // The server runs in this process here: its accept thread and an echo thread per
        // connection, still open when they are counted; and the test threads.
        assert!(outcome.server_threads.total >= 4, "{outcome:?}");
    }

    /// A caller that answers wrongly.
    struct Liar;

    impl Caller for Liar {
        fn call(&mut self, _args: &[u8]) -> Result<&[u8]> {
            Ok(b"nope")
        }
    }

    #[test]
    fn a_wrong_reply_fails_the_load() {
        let load = Load {
            callers: 1,
            size: 8,
            warmup: Duration::ZERO,
            measure: Duration::from_millis(10),
            grace: GRACE,
        };
        let err =
            run(&load, vec![Box::new(Liar)], std::process::id(), TickRate::detect(), &mut || {})
                .unwrap_err();
        assert!(format!("{err:#}").contains("is not the 8 bytes sent"), "{err:#}");
    }

    /// A caller whose server never answers until it is killed.
    struct Hung(std::sync::Arc<std::sync::atomic::AtomicBool>);

    impl Caller for Hung {
        fn call(&mut self, _args: &[u8]) -> Result<&[u8]> {
            while !self.0.load(std::sync::atomic::Ordering::Acquire) {
                std::thread::sleep(Duration::from_millis(1));
            }
            bail!("the server died")
        }
    }

    #[test]
    fn a_server_that_stops_answering_is_killed_after_the_grace() {
        let killed = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let load = Load {
            callers: 2,
            size: 8,
            warmup: Duration::ZERO,
            measure: Duration::from_millis(10),
            grace: Duration::from_millis(50),
        };
        let callers: Vec<Box<dyn Caller>> =
            vec![Box::new(Hung(killed.clone())), Box::new(Hung(killed.clone()))];
        let started = Instant::now();
        let err = run(&load, callers, std::process::id(), TickRate::detect(), &mut || {
            killed.store(true, std::sync::atomic::Ordering::Release)
        })
        .unwrap_err();
        assert!(format!("{err:#}").contains("server was killed"), "{err:#}");
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}
