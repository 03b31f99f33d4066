//! Lease memfds: what a server accepts from a hand-written client (protocol §4.3), and
//! the reference client's reuse of its lease arenas, which the caller must never notice.

use std::os::fd::{AsFd, BorrowedFd};
use std::path::PathBuf;

use ostium::wire::{self, Access, Capabilities, Fault, Hello, Lease, Op, Payload, Side, Status};
use ostium::{Answer, Client, Door, Lend, Request};
use ostium_sys::Memfd;
use ostium_sys::memfd::Seals;
use ostium_sys::unix::SeqpacketConn;

const SUM: u32 = 1; // reads lease 0, replies with the sum of its bytes
const FILL: u32 = 2; // writes byte `args[0]` over bytes `args[1]..args[2]` (u32 LE) of lease 0

fn door_path(name: &str) -> PathBuf {
    ostium_test_support::door_path("ostium-lease-memfds", name)
}

fn handler(mut request: Request<'_>) -> Answer {
    match request.op {
        SUM => match request.leases.read(0) {
            Ok(lease) => {
                let mut bytes = vec![0; lease.len()];
                lease.read(&mut bytes).unwrap();
                let sum: u64 = bytes.iter().map(|&b| u64::from(b)).sum();
                Answer::ok(sum.to_le_bytes().to_vec())
            }
            Err(_) => Answer::fault(Fault::BadLease),
        },
        FILL => {
            let value = request.args[0];
            let start = u32::from_le_bytes(request.args[1..5].try_into().unwrap()) as usize;
            let end = u32::from_le_bytes(request.args[5..9].try_into().unwrap()) as usize;
            let mut lease = request.leases.write(0).unwrap();
            lease.write_range(start..end, &vec![value; end - start]).unwrap();
            Answer::ok(Vec::new())
        }
        _ => Answer::fault(Fault::UnknownOperation),
    }
}

/// Connects by hand and exchanges `HELLO`s.
fn raw_connection(path: &PathBuf) -> SeqpacketConn {
    let conn = SeqpacketConn::connect(path).unwrap();
    let mut out = Vec::new();
    Hello::client(4096, Capabilities::MEMFD).encode(&mut out).unwrap();
    conn.send(&out, &[]).unwrap();
    let (mut buf, mut fds) = (vec![0u8; 4096], Vec::new());
    let received = conn.recv(&mut buf, &mut fds).unwrap();
    Hello::decode(&buf[..received.len], fds.len(), Side::Server).unwrap();
    conn
}

/// Sends a `SUM` call whose lease 0 is `len` bytes in `memfd` (whatever descriptor it is),
/// and returns the status.
fn sum_by_hand(conn: &SeqpacketConn, memfd: BorrowedFd<'_>, len: u32) -> Status {
    let leases = [Lease { access: Access::Read, contents: Payload::InMemfd { len } }];
    let call = wire::Call {
        id: 7,
        op: Op(SUM),
        deadline_ms: None,
        args: Payload::Inline(&[]),
        leases: &leases,
        fd_count: 0,
    };
    let mut out = Vec::new();
    call.encode(&mut out).unwrap();
    conn.send(&out, &[memfd]).unwrap();
    let (mut buf, mut fds) = (vec![0u8; 65536], Vec::new());
    let received = conn.recv(&mut buf, &mut fds).unwrap();
    wire::decode_reply(&buf[..received.len], fds.len(), None).unwrap().status()
}

fn memfd_of(bytes: &[u8], seals: Seals) -> Memfd {
    let memfd = Memfd::create("test-lease", bytes.len() as u64).unwrap();
    memfd.write_all_at(bytes, 0).unwrap();
    if !seals.is_empty() {
        memfd.seal(seals).unwrap();
    }
    memfd
}

#[test]
fn a_lease_memfd_must_be_sealed_against_shrinking_and_long_enough() {
    let path = door_path("checks");
    let _door = Door::builder(&path).serve(handler).unwrap();
    let conn = raw_connection(&path);
    let bytes = [3u8; 100];
    // Could be truncated under the server's mapping: refused.
    let unsealed = memfd_of(&bytes, Seals::empty());
    assert_eq!(sum_by_hand(&conn, unsealed.as_fd(), 100), Status::Fault(Fault::BadLease));
    // Sealed, but shorter than the lease claims: refused.
    let short = memfd_of(&bytes, Seals::SHRINK);
    assert_eq!(sum_by_hand(&conn, short.as_fd(), 101), Status::Fault(Fault::BadLease));
    // Sealed against shrinking only (an arena), or against every change: accepted.
    assert_eq!(sum_by_hand(&conn, short.as_fd(), 100), Status::Ok);
    let frozen = memfd_of(&bytes, Seals::SHRINK | Seals::GROW | Seals::WRITE);
    assert_eq!(sum_by_hand(&conn, frozen.as_fd(), 100), Status::Ok);
    // Not a memfd at all.
    let file = std::fs::File::open("/dev/null").unwrap();
    assert_eq!(sum_by_hand(&conn, file.as_fd(), 1), Status::Fault(Fault::BadLease));
}

/// How many mappings of Ostium lease memfds this process has.
fn lease_mappings() -> usize {
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
    maps.lines().filter(|line| line.contains("/memfd:ostium-lease")).count()
}

/// Runs `f` on a thread kept to the first CPU, so that every call takes one connection.
fn on_one_cpu<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    let cpu = ostium_sys::allowed_cpus().unwrap()[0];
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                ostium_sys::pin_current_thread(cpu).unwrap();
                f()
            })
            .join()
            .unwrap()
    })
}

#[test]
fn an_arena_is_mapped_once_on_each_side_and_reused_unseen() {
    let path = door_path("arena");
    let door = Door::builder(&path).serve(handler).unwrap();
    let client = Client::open(&path).unwrap();
    client.set_inline_lease_max(0);
    on_one_cpu(|| {
        let sum = |bytes: &[u8]| {
            let reply = client
                .call_with(
                    SUM,
                    b"",
                    ostium::CallOptions { leases: &mut [Lend::Read(bytes)], ..Default::default() },
                )
                .unwrap();
            u64::from_le_bytes(reply.data.try_into().unwrap())
        };
        // A large lease, then smaller ones: the rest of the arena is never seen.
        assert_eq!(sum(&vec![1u8; 3 << 20]), 3 << 20);
        assert_eq!(lease_mappings(), 2, "the client's arena and the server's kept mapping");
        for len in [100usize, 5, 0, 70_000] {
            assert_eq!(sum(&vec![2u8; len]), 2 * len as u64, "a {len}-byte lease");
        }
        // A write lease after the arena held other bytes: what the server did not write is
        // the caller's.
        let mut buffer = vec![1u8; 200_000];
        let mut args = vec![9u8];
        args.extend(10u32.to_le_bytes());
        args.extend(20u32.to_le_bytes());
        client
            .call_with(
                FILL,
                &args,
                ostium::CallOptions {
                    leases: &mut [Lend::Write(&mut buffer)],
                    ..Default::default()
                },
            )
            .unwrap();
        let mut expected = vec![1u8; 200_000];
        expected[10..20].fill(9);
        assert!(buffer == expected);
        for _ in 0..100 {
            assert_eq!(sum(&[4u8; 1000]), 4000);
        }
        assert_eq!(lease_mappings(), 2, "no mapping per call");
    });
    drop(door);
    drop(client);
    assert_eq!(lease_mappings(), 0, "every mapping went with its connection");
}
