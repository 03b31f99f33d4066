//! A thousand (or two) clients each uploading a body slowly. Bodies used to be held whole in
//! ostiumd's heap (1 GB for 1 MB bodies), and the memory stayed after the clients left.
//! Now a body past `body-buffer` is written to an unlinked file as it arrives and the
//! application receives the file; what stays in memory is bounded by `request-memory`
//! (past it, bodies being read go to disk and connections between requests wait); and the
//! memory goes back to the system when the clients leave.

use std::io::{BufReader, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::common::{TempDir, read_response};
use crate::probe::{rss, start_app};

/// Each body goes out in this many pieces, every client's piece in turn, with a pause
/// between rounds: slow uploads, all in progress at once.
const PIECES: usize = 10;
const MIB: u64 = 1024 * 1024;

/// The sockets `pid` holds: after the uploads, its listeners and the door connections it
/// keeps (each connection twice: the socket and the loop's duplicate for its watch).
fn sockets(pid: u32) -> u64 {
    let Ok(entries) = std::fs::read_dir(format!("/proc/{pid}/fd")) else { return 0 };
    let is_socket = |entry: &std::fs::DirEntry| {
        std::fs::read_link(entry.path())
            .is_ok_and(|target| target.to_string_lossy().starts_with("socket:"))
    };
    entries.filter_map(Result::ok).filter(is_socket).count() as u64
}

/// How far above its idle size ostiumd's memory may stay once the uploads are over, at
/// least: what glibc keeps of a burst varies with how the threads interleaved (12 to 16 MiB
/// after the 2,000 bodies of 15 kB, 51 MiB at the peak), while without the trimming it stayed
/// 27 MiB above idle (see `engine/forward/trim.rs`).
const SETTLED_ABOVE_IDLE: u64 = 8 * MIB;

/// What each socket ostiumd keeps after a burst may hold: ostiumd keeps the door connections
/// a burst opened (about 1,000 after 1,000 uploads, each counted twice: the socket and its
/// watch's duplicate), with their loop state and the reply slot's pages, and glibc keeps
/// more of the burst on a busy machine than on an idle one (after 1,000 uploads of 1 MB:
/// 11 MiB alone, 19 MiB in a full parallel run).
const PER_KEPT_SOCKET: u64 = 4 * 1024;

impl Figures {
    /// The most that may stay once the uploads are over: `SETTLED_ABOVE_IDLE` (or a third
    /// of what the burst took, if more: given back, not held, as held was two thirds),
    /// plus what the sockets ostiumd keeps may hold.
    fn settled_bound(&self) -> u64 {
        let given_back = SETTLED_ABOVE_IDLE.max(self.peak.saturating_sub(self.idle) / 3);
        self.idle + given_back + self.door_connections * PER_KEPT_SOCKET
    }
}

/// ostiumd's resident memory: idle, at its most during the uploads, and after them.
struct Figures {
    idle: u64,
    peak: u64,
    after: u64,
    /// ostiumd's sockets once the uploads are over: mostly the door connections it keeps.
    door_connections: u64,
}

/// Runs `count` slow uploads of `body` bytes each (every one answered 200 with its
/// length), with `settings` before the forward, and reads ostiumd's memory.
fn uploads(name: &str, count: usize, body: usize, settings: &str) -> Figures {
    let dir = TempDir::new(name);
    let options = "  max-connections 5000\n  body-timeout 60s\n";
    let ostiumd = start_app(&dir, settings, options, None);
    let pid = ostiumd.child.id();
    let idle = rss(pid);
    let mut clients: Vec<TcpStream> = (0..count)
        .map(|_| {
            let stream = TcpStream::connect(ostiumd.addr).unwrap();
            stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
            let head =
                format!("POST /length HTTP/1.1\r\nHost: t\r\nContent-Length: {body}\r\n\r\n");
            (&stream).write_all(head.as_bytes()).unwrap();
            stream
        })
        .collect();
    let piece = vec![b'b'; body / PIECES];
    let mut peak = 0;
    for _ in 0..PIECES - 1 {
        for client in &mut clients {
            client.write_all(&piece).unwrap();
        }
        std::thread::sleep(Duration::from_millis(100));
        peak = peak.max(rss(pid));
    }
    // Every upload is 90 % through: the most ostiumd holds at once.
    std::thread::sleep(Duration::from_millis(300));
    peak = peak.max(rss(pid));
    for client in &mut clients {
        client.write_all(&piece).unwrap();
    }
    for client in clients {
        let answer = read_response(&mut BufReader::new(client), false);
        assert_eq!((answer.status, answer.body), (200, body.to_string().into_bytes()));
    }
    // The clients are gone; ostiumd gives the memory back once it has seen their
    // connections close (a moment, or longer on a machine busy with other tests).
    let door_connections = sockets(pid);
    let settled = Figures { idle, peak, after: 0, door_connections }.settled_bound();
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut after = rss(pid);
    while after >= settled && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
        after = rss(pid);
    }
    let figures = Figures { idle, peak, after, door_connections };
    println!(
        "{name}: ostiumd RSS idle {} MiB, {count} uploads of {body} B in progress {} MiB, after {} MiB ({} sockets kept)",
        figures.idle / MIB,
        figures.peak / MIB,
        figures.after / MIB,
        figures.door_connections
    );
    figures
}

#[test]
fn a_thousand_slow_1mb_uploads_are_spooled_not_held() {
    let f = uploads("uploads-1mb", 1000, 1_000_000, "");
    assert!(f.peak < f.idle + 64 * MIB, "{} MiB during (idle {} MiB)", f.peak / MIB, f.idle / MIB);
    assert!(f.after < f.settled_bound(), "{} MiB after (idle {} MiB)", f.after / MIB, f.idle / MIB);
}

#[test]
fn the_memory_of_two_thousand_bodies_in_memory_is_given_back() {
    // 15 kB: below body-buffer, so each body is in memory until answered. Two thousand at
    // once also overflow the application door's backlog (1,024): the calls wait for a
    // door connection to be free (they were answered 503).
    let f = uploads("uploads-15kb", 2000, 15_000, "");
    assert!(f.after < f.settled_bound(), "{} MiB after (idle {} MiB)", f.after / MIB, f.idle / MIB);
}

#[test]
fn past_request_memory_bodies_go_to_disk_and_every_upload_completes() {
    let free = uploads("uploads-unbounded", 1000, 15_000, "");
    let bounded = uploads("uploads-bounded", 1000, 15_000, "set request-memory 2M\n");
    let grown = |f: &Figures| f.peak.saturating_sub(f.idle);
    assert!(
        grown(&bounded) * 2 < grown(&free),
        "with a 2 MiB budget ostiumd grew {} MiB, without {} MiB",
        grown(&bounded) / MIB,
        grown(&free) / MIB
    );
}
