//! Lease throughput: how fast a door call moves the memory its caller lends, a read lease
//! to the server or a write lease back, against a plain memcpy of the same bytes.
//!
//! The `door` peer's server answers, besides its echo, three operations on lease 0 ([`serve`]):
//!
//! - [`READ_OP`]: reads the whole read lease into a buffer of the serving thread (the
//!   server's work), and replies with the buffer's first and last eight bytes ([`ends`]);
//! - [`WRITE_OP`]: writes the whole write lease from a buffer of the serving thread holding
//!   [`pattern`], its first and last eight bytes the call's sequence number (its eight
//!   argument bytes; [`stamp_ends`]);
//! - [`PROBE_OP`]: does one or the other, as the lease's access says, and tells what it saw:
//!   whether the lease came in a memfd or inline in the message
//!   ([`Leased::in_memfd`](ostium::Leased::in_memfd)), and for a read lease a hash of all its
//!   bytes.
//!
//! A [`Load`] is one caller on its own thread calling one of the first two, one call at a
//! time, for a warm-up and then a measured window; as in the round trips
//! ([`measure`](super::measure)), a call counts if it started after the warm-up and ended
//! inside the window. Every call is checked, outside its timing: the caller stamps each read
//! lease's ends with the call's sequence number and the server must reply with them; each
//! write lease must come back with the server's stamp at both ends, and whole (every byte
//! compared) on the first call. [`probe`] checks every byte both ways, and says which
//! transport a size takes. [`memcpy`] times `copy_from_slice` between two buffers of the
//! same size in this process, for the same window.

use std::cell::RefCell;
use std::hint::black_box;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use ostium::wire::Fault;
use ostium::{Answer, Client, LeaseError, Lend, Request};

/// Reads the whole of lease 0 (read access); replies with its [`ends`].
pub const READ_OP: u32 = 2;
/// Writes the whole of lease 0 (write access): [`pattern`] stamped with the 8 argument bytes.
pub const WRITE_OP: u32 = 3;
/// [`READ_OP`] or [`WRITE_OP`] as lease 0's access says, replying with 1 if the lease came
/// in a memfd, 0 if inline (`u32`, little-endian), then, for a read lease, the [`fnv1a`]
/// hash of its bytes (`u64`).
pub const PROBE_OP: u32 = 4;

/// The client's default threshold: leases up to this many bytes travel inline in the call
/// message, larger ones in a memfd.
pub const CLIENT_INLINE_MAX: usize = ostium::DEFAULT_INLINE_LEASE_MAX;
/// Calls (or copies) made before each window opens, not counted.
pub const WARMUP: Duration = Duration::from_millis(100);

/// Probe calls per size and direction, each checked byte for byte; the transport must be the
/// same in all.
const PROBES: u64 = 3;
/// Bytes stamped at each end of a lease.
const STAMP: usize = 8;
/// About how many bytes [`memcpy`] copies between two readings of the clock.
const MEMCPY_BATCH_BYTES: usize = 1024 * 1024;

/// How the client is told to send leases (`--lease-transports`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Choice {
    /// As the client chooses by default (inline up to [`CLIENT_INLINE_MAX`]).
    Auto,
    /// Inline whenever the message can hold it.
    Inline,
    /// Always in a memfd.
    Memfd,
}

impl Choice {
    /// The client's inline threshold for this choice.
    pub fn inline_max(self) -> usize {
        match self {
            Choice::Auto => CLIENT_INLINE_MAX,
            Choice::Inline => usize::MAX,
            Choice::Memfd => 0,
        }
    }

    /// The transport this choice forces, if it forces one.
    pub fn forced(self) -> Option<Transport> {
        match self {
            Choice::Auto => None,
            Choice::Inline => Some(Transport::Inline),
            Choice::Memfd => Some(Transport::Memfd),
        }
    }
}

/// Which way a lease's bytes go.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// A read lease: the client's bytes to the server.
    Read,
    /// A write lease: the server's bytes to the client.
    Write,
}

impl Direction {
    /// Both, in the order they are measured.
    pub const BOTH: [Direction; 2] = [Direction::Read, Direction::Write];

    /// As printed.
    pub fn name(self) -> &'static str {
        match self {
            Direction::Read => "read",
            Direction::Write => "write",
        }
    }
}

/// How a lease travelled, as the server saw it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Transport {
    /// In the call message (a write lease's bytes come back in the reply).
    Inline,
    /// In a memfd the client made and the server mapped.
    Memfd,
}

impl Transport {
    /// As printed.
    pub fn name(self) -> &'static str {
        match self {
            Transport::Inline => "inline",
            Transport::Memfd => "memfd",
        }
    }
}

// ----- The server's side.

thread_local! {
    /// Where [`READ_OP`] reads a lease to.
    static READ_BUFFER: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    /// What [`WRITE_OP`] writes a lease from: [`pattern`] of the last length written.
    static WRITE_BUFFER: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// The door server's answer to the lease operations (any but the echo's).
pub fn serve(mut request: Request<'_>) -> Answer {
    let data = match request.op {
        READ_OP => read_lease(&mut request, ends),
        WRITE_OP => write_lease(&mut request).map(|()| Vec::new()),
        PROBE_OP => probe_lease(&mut request),
        _ => Err(Fault::UnknownOperation),
    };
    match data {
        Ok(data) => Answer::ok(data),
        Err(fault) => Answer::fault(fault),
    }
}

/// Reads lease 0 whole into this thread's buffer, and returns `then` of it.
fn read_lease<T>(request: &mut Request<'_>, then: impl FnOnce(&[u8]) -> T) -> Result<T, Fault> {
    let lease = request.leases.read(0).map_err(bad_lease)?;
    READ_BUFFER.with_borrow_mut(|buffer| {
        buffer.resize(lease.len(), 0);
        lease.read(buffer).map_err(bad_lease)?;
        Ok(then(buffer))
    })
}

/// Writes lease 0 whole from this thread's buffer, stamped with the call's sequence number.
fn write_lease(request: &mut Request<'_>) -> Result<(), Fault> {
    let sequence = u64::from_le_bytes(request.args.try_into().map_err(|_| Fault::BadMessage)?);
    let mut lease = request.leases.write(0).map_err(bad_lease)?;
    WRITE_BUFFER.with_borrow_mut(|buffer| {
        if buffer.len() != lease.len() {
            *buffer = pattern(lease.len());
        }
        stamp_ends(buffer, sequence);
        lease.write(buffer).map_err(bad_lease)
    })
}

/// [`PROBE_OP`]: the work, then what the server saw.
fn probe_lease(request: &mut Request<'_>) -> Result<Vec<u8>, Fault> {
    let hash = match request.leases.access(0) {
        Some(access) if access.can_write() => {
            write_lease(request)?;
            None
        }
        Some(_) => Some(read_lease(request, fnv1a)?),
        None => return Err(Fault::BadLease),
    };
    let in_memfd = match request.leases.access(0) {
        Some(access) if access.can_write() => {
            request.leases.write(0).map_err(bad_lease)?.in_memfd()
        }
        _ => request.leases.read(0).map_err(bad_lease)?.in_memfd(),
    };
    let mut reply = u32::from(in_memfd).to_le_bytes().to_vec();
    reply.extend(hash.map(u64::to_le_bytes).into_iter().flatten());
    Ok(reply)
}

fn bad_lease(err: LeaseError) -> Fault {
    eprintln!("door-bench: door server: {err}");
    Fault::BadLease
}

// ----- The bytes.

/// `len` bytes that are not all alike (and not a repeat of a power-of-two period).
pub fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i.wrapping_mul(131) % 251) as u8).collect()
}

/// Writes `sequence` (little-endian) over the first eight bytes of `bytes` and over its last
/// eight (fewer if it is shorter; where they overlap, the last win).
pub fn stamp_ends(bytes: &mut [u8], sequence: u64) {
    let stamp = sequence.to_le_bytes();
    let n = STAMP.min(bytes.len());
    bytes[..n].copy_from_slice(&stamp[..n]);
    let len = bytes.len();
    bytes[len - n..].copy_from_slice(&stamp[..n]);
}

/// The first eight bytes of `bytes` and its last eight (fewer if it is shorter).
pub fn ends(bytes: &[u8]) -> Vec<u8> {
    let n = STAMP.min(bytes.len());
    [&bytes[..n], &bytes[bytes.len() - n..]].concat()
}

/// The 64-bit FNV-1a hash of `bytes`.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

// ----- The client's side.

/// Calls [`PROBE_OP`] with a lease of `size` bytes going `direction`, checking that every
/// byte arrived (a read lease) or came back (a write lease), and says which transport the
/// lease took, as the server saw it.
/// Each call may take up to `timeout`.
pub fn probe(
    client: &Client,
    direction: Direction,
    size: usize,
    timeout: Duration,
) -> Result<Transport> {
    let mut seen = None;
    for sequence in 1..=PROBES {
        let deadline = Some(Instant::now() + timeout);
        let mapped = match direction {
            Direction::Read => {
                let mut lent = pattern(size);
                stamp_ends(&mut lent, sequence);
                let reply = client
                    .call_with(
                        PROBE_OP,
                        &[],
                        ostium::CallOptions {
                            leases: &mut [Lend::Read(&lent)],
                            deadline,
                            ..Default::default()
                        },
                    )
                    .context("probing a read lease")?;
                let (mapped, hash) = parse_probe(&reply.data, true)?;
                ensure!(
                    hash == Some(fnv1a(&lent)),
                    "the server read other bytes than the {size} lent"
                );
                mapped
            }
            Direction::Write => {
                let mut lent = vec![0; size];
                let reply = client
                    .call_with(
                        PROBE_OP,
                        &sequence.to_le_bytes(),
                        ostium::CallOptions {
                            leases: &mut [Lend::Write(&mut lent)],
                            deadline,
                            ..Default::default()
                        },
                    )
                    .context("probing a write lease")?;
                let (mapped, _) = parse_probe(&reply.data, false)?;
                let mut expected = pattern(size);
                stamp_ends(&mut expected, sequence);
                ensure!(lent == expected, "a {size}-byte write lease came back with other bytes");
                mapped
            }
        };
        let transport = if mapped == 0 { Transport::Inline } else { Transport::Memfd };
        ensure!(
            seen.is_none_or(|t| t == transport),
            "a {size}-byte lease went one way, then the other"
        );
        seen = Some(transport);
    }
    seen.context("no probe call made")
}

/// A [`PROBE_OP`] reply: whether in a memfd (0 or 1), and the hash if `hashed`.
fn parse_probe(data: &[u8], hashed: bool) -> Result<(u32, Option<u64>)> {
    let expected = if hashed { 12 } else { 4 };
    ensure!(data.len() == expected, "a probe reply of {} bytes, not {expected}", data.len());
    let mapped = u32::from_le_bytes(data[..4].try_into()?);
    let hash = if hashed { Some(u64::from_le_bytes(data[4..].try_into()?)) } else { None };
    Ok((mapped, hash))
}

/// How one lease load is made.
#[derive(Clone, Copy, Debug)]
pub struct Load {
    /// Which way the lease goes.
    pub direction: Direction,
    /// Its length in bytes.
    pub size: usize,
    /// Calls made before the window opens, not counted.
    pub warmup: Duration,
    /// The measured window.
    pub measure: Duration,
    /// How long after the window the caller may take to finish its last call.
    pub grace: Duration,
}

/// What a lease load (or a memcpy) saw.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Outcome {
    /// Calls (copies) that started and ended inside the window.
    pub calls: u64,
    /// The window's length.
    pub window: Duration,
    /// Those calls' round trips (copies' times), added up.
    pub busy: Duration,
}

/// Runs `load`, one caller on a thread of its own calling the server through `client`;
/// `kill_server` is called if the caller is stuck `load.grace` past the window, and the
/// load is then an error.
pub fn run(load: &Load, client: &Client, kill_server: &mut dyn FnMut()) -> Result<Outcome> {
    let start = Instant::now();
    let (warm_end, end) = (start + load.warmup, start + load.warmup + load.measure);
    let (tx, rx) = mpsc::channel();
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("lease-caller".into())
            .spawn_scoped(scope, move || {
                let _ = tx.send(drive(load, client, warm_end, end));
            })
            .context("starting the lease caller")?;
        match rx.recv_timeout((end + load.grace).saturating_duration_since(Instant::now())) {
            Ok(outcome) => outcome,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                kill_server();
                let _ = rx.recv();
                bail!(
                    "the caller was still waiting for a reply {:?} after the window closed, and \
                     the server was killed",
                    load.grace
                )
            }
            // The caller panicked: the scope passes the panic on.
            Err(mpsc::RecvTimeoutError::Disconnected) => bail!("the lease caller failed"),
        }
    })
}

/// The caller's loop: calls until `end`, counting those inside the window.
fn drive(load: &Load, client: &Client, warm_end: Instant, end: Instant) -> Result<Outcome> {
    let size = load.size;
    let mut lent = match load.direction {
        Direction::Read => pattern(size),
        Direction::Write => vec![0; size],
    };
    // What a write lease should hold after each call.
    let mut expected = pattern(size);
    let mut outcome = Outcome { calls: 0, window: load.measure, busy: Duration::ZERO };
    for sequence in 1u64.. {
        let (sent, back) = match load.direction {
            Direction::Read => {
                stamp_ends(&mut lent, sequence);
                let sent = Instant::now();
                if sent >= end {
                    break;
                }
                let reply = client
                    .call_with(
                        READ_OP,
                        &[],
                        ostium::CallOptions {
                            leases: &mut [Lend::Read(&lent)],
                            ..Default::default()
                        },
                    )
                    .with_context(|| format!("read lease call {sequence}"))?;
                let back = Instant::now();
                ensure!(
                    reply.data == ends(&lent),
                    "read lease call {sequence}: the server read other bytes than those lent"
                );
                (sent, back)
            }
            Direction::Write => {
                let sent = Instant::now();
                if sent >= end {
                    break;
                }
                let args = sequence.to_le_bytes();
                client
                    .call_with(
                        WRITE_OP,
                        &args,
                        ostium::CallOptions {
                            leases: &mut [Lend::Write(&mut lent)],
                            ..Default::default()
                        },
                    )
                    .with_context(|| format!("write lease call {sequence}"))?;
                let back = Instant::now();
                stamp_ends(&mut expected, sequence);
                let same =
                    if sequence == 1 { lent == expected } else { ends(&lent) == ends(&expected) };
                ensure!(same, "write lease call {sequence}: the lease came back with other bytes");
                (sent, back)
            }
        };
        if sent >= warm_end && back <= end {
            outcome.calls += 1;
            outcome.busy += back - sent;
        }
    }
    Ok(outcome)
}

/// Copies `size` bytes from one buffer to another of this process (`copy_from_slice`) over
/// and over, for `warmup` and then for `measure`, reading the clock every MiB or so. The
/// window is the time the copies counted took.
pub fn memcpy(size: usize, warmup: Duration, measure: Duration) -> Outcome {
    let source = pattern(size);
    let mut dest = vec![0u8; size];
    let batch = (MEMCPY_BATCH_BYTES / size.max(1)).max(1);
    let mut copies = |n: usize| {
        for _ in 0..n {
            dest.copy_from_slice(black_box(source.as_slice()));
            black_box(dest.as_mut_slice());
        }
    };
    let warm_end = Instant::now() + warmup;
    while Instant::now() < warm_end {
        copies(batch);
    }
    let opened = Instant::now();
    let mut calls = 0;
    loop {
        copies(batch);
        calls += batch as u64;
        let elapsed = opened.elapsed();
        if elapsed >= measure {
            return Outcome { calls, window: elapsed, busy: elapsed };
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicBool, Ordering};

    use super::*;
    use crate::door_bench::SocketDir;
    use crate::door_bench::measure::GRACE;
    use crate::door_bench::peer::{ECHO_OP, Peer, Serving};
    use ostium::{CallError, Door};

    /// The tests that serve leases in this process run one at a time, so that their
    /// throughput windows do not share the CPUs.
    static DOORS: Mutex<()> = Mutex::new(());

    /// The `door` peer's server, in this process, and a client of it.
    fn door(dir: &SocketDir, name: &str) -> (Serving, Client) {
        let path = dir.path().join(name);
        let serving = Peer::Door.serve(&path).unwrap();
        (serving, Client::open(&path).unwrap())
    }

    #[test]
    fn stamps_and_ends() {
        let mut bytes = pattern(20);
        stamp_ends(&mut bytes, 0x0807_0605_0403_0201);
        assert_eq!(&bytes[..8], [1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(&bytes[12..], [1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(&bytes[8..12], &pattern(20)[8..12]);
        assert_eq!(ends(&bytes), [&bytes[..8], &bytes[12..]].concat());
        let mut short = vec![0xFF; 3];
        stamp_ends(&mut short, 0x0102_0304);
        assert_eq!(short, [4, 3, 2]);
        assert_eq!(ends(&short), [4, 3, 2, 4, 3, 2]);
        let mut empty: [u8; 0] = [];
        stamp_ends(&mut empty, 1);
        assert!(ends(&empty).is_empty());
    }

    #[test]
    fn patterns_and_hashes() {
        let bytes = pattern(4096);
        assert_eq!(bytes.len(), 4096);
        assert_ne!(bytes[..256], bytes[256..512], "no power-of-two period");
        assert_eq!(pattern(100), bytes[..100]);
        // FNV-1a's published values.
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_ne!(fnv1a(&bytes), fnv1a(&pattern(4095)));
    }

    #[test]
    fn probes_see_each_transport_and_check_every_byte() {
        let _one = DOORS.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let dir = SocketDir::create().unwrap();
        let (_serving, client) = door(&dir, "door.sock");
        for (size, transport) in [
            (1, Transport::Inline),
            (4096, Transport::Inline),
            (CLIENT_INLINE_MAX, Transport::Inline),
            (CLIENT_INLINE_MAX + 1, Transport::Memfd),
            (64 * 1024, Transport::Memfd),
            (1024 * 1024, Transport::Memfd),
        ] {
            for direction in Direction::BOTH {
                let seen = probe(&client, direction, size, GRACE).unwrap();
                assert_eq!(seen, transport, "{direction:?}, {size} bytes");
            }
        }
        // The echo still answers on the same door.
        assert_eq!(client.call(ECHO_OP, b"hi").unwrap().data, b"hi");
    }

    #[test]
    fn short_loads_count_their_calls_both_ways() {
        let _one = DOORS.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let dir = SocketDir::create().unwrap();
        let (_serving, client) = door(&dir, "door.sock");
        for size in [4096, 64 * 1024] {
            for direction in Direction::BOTH {
                let load = Load {
                    direction,
                    size,
                    warmup: Duration::from_millis(10),
                    measure: Duration::from_millis(100),
                    grace: GRACE,
                };
                let mut killed = false;
                let outcome = run(&load, &client, &mut || killed = true).unwrap();
                assert!(!killed);
                assert!(outcome.calls > 5, "{direction:?}, {size} bytes: {outcome:?}");
                assert_eq!(outcome.window, load.measure);
                assert!(outcome.busy <= load.measure, "{outcome:?}");
                assert!(outcome.busy > Duration::ZERO, "{outcome:?}");
            }
        }
    }

    #[test]
    fn the_server_refuses_what_the_caller_did_not_grant() {
        let _one = DOORS.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let dir = SocketDir::create().unwrap();
        let (_serving, client) = door(&dir, "door.sock");
        let fault = |result: Result<ostium::Reply, CallError>| match result {
            Err(CallError::Fault(fault)) => fault,
            other => panic!("not a fault: {other:?}"),
        };
        let mut buffer = vec![0u8; 64];
        // Reading a write lease, writing a read lease, no lease, a sequence number that is
        // not eight bytes, an operation nobody serves.
        let read_of_write = client.call_with(
            READ_OP,
            &[],
            ostium::CallOptions { leases: &mut [Lend::Write(&mut buffer)], ..Default::default() },
        );
        assert_eq!(fault(read_of_write), Fault::BadLease);
        let write_of_read = client.call_with(
            WRITE_OP,
            &1u64.to_le_bytes(),
            ostium::CallOptions { leases: &mut [Lend::Read(&pattern(64))], ..Default::default() },
        );
        assert_eq!(fault(write_of_read), Fault::BadLease);
        assert_eq!(fault(client.call(PROBE_OP, &[])), Fault::BadLease);
        let short_args = client.call_with(
            WRITE_OP,
            &[1],
            ostium::CallOptions { leases: &mut [Lend::Write(&mut buffer)], ..Default::default() },
        );
        assert_eq!(fault(short_args), Fault::BadMessage);
        assert_eq!(fault(client.call(99, &[])), Fault::UnknownOperation);
        assert_eq!(buffer, [0; 64], "nothing was written");
    }

    #[test]
    fn a_server_that_stops_answering_is_killed_after_the_grace() {
        let dir = SocketDir::create().unwrap();
        let path = dir.path().join("stuck.sock");
        let killed = std::sync::Arc::new(AtomicBool::new(false));
        let seen = killed.clone();
        let _door = Door::builder(&path)
            .serve(move |_request| {
                while !seen.load(Ordering::Acquire) {
                    std::thread::sleep(Duration::from_millis(1));
                }
                Answer::ok(Vec::new())
            })
            .unwrap();
        let client = Client::open(&path).unwrap();
        let load = Load {
            direction: Direction::Write,
            size: 4096,
            warmup: Duration::ZERO,
            measure: Duration::from_millis(10),
            grace: Duration::from_millis(50),
        };
        let started = Instant::now();
        let err = run(&load, &client, &mut || killed.store(true, Ordering::Release)).unwrap_err();
        assert!(format!("{err:#}").contains("server was killed"), "{err:#}");
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn memcpy_counts_its_copies() {
        for size in [1, 4096, 1024 * 1024] {
            let outcome = memcpy(size, Duration::ZERO, Duration::from_millis(20));
            assert!(outcome.calls >= 1, "{outcome:?}");
            assert!(outcome.window >= Duration::from_millis(20), "{outcome:?}");
            assert_eq!(outcome.busy, outcome.window);
        }
    }
}
