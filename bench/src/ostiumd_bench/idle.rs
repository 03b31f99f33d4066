//! A server at rest: its resident memory idle, its memory per idle keep-alive connection,
//! and how often its threads wake when nothing happens.
//!
//! On a freshly started server (checked with one request, whose connection is then closed),
//! after a second to settle:
//!
//! 1. the idle RSS of its front (ostiumd; nginx's master and workers) and of its back (the
//!    application);
//! 2. idle wakeups: the context switches of all their threads over `--idle-seconds`, from
//!    `/proc/PID/task/*/status` (a sleeping thread that is woken makes one; expected: none);
//! 3. `--idle-connections` connections opened by this process, each making one request,
//!    reading its `200`, and left open and idle (keep-alive), then a second to settle: the
//!    front's RSS again, and the difference divided by the connections. RSS counts the
//!    process's pages only; the kernel's socket memory, the same for every server, is not
//!    in it;
//! 4. wakeups again, over as long, with those connections open (a server that keeps a
//!    timer per connection must not wake for it before it expires).

use std::thread::sleep;
use std::time::Duration;

use anyhow::{Context, Result};

use super::client;
use super::peers::{Peer, Running};
use super::procfs;

/// How long a server is left to settle before its memory is read.
const SETTLE: Duration = Duration::from_secs(1);

/// What a server at rest showed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rest {
    /// Which server.
    pub peer: Peer,
    /// The front's RSS, idle, KiB.
    pub front_kib: u64,
    /// The back's RSS, idle, KiB.
    pub back_kib: u64,
    /// Context switches over the window, idle: front, back.
    pub idle_switches: (u64, u64),
    /// The idle connections opened (0: not measured).
    pub connections: usize,
    /// The front's RSS with them, KiB.
    pub front_with_kib: u64,
    /// Context switches over the window with them: front, back.
    pub with_switches: (u64, u64),
}

impl Rest {
    /// The front's memory per idle connection, bytes (its RSS may also shrink: signed).
    pub fn bytes_per_connection(&self) -> Option<f64> {
        (self.connections > 0).then(|| {
            (self.front_with_kib as f64 - self.front_kib as f64) * 1024.0 / self.connections as f64
        })
    }

    /// The report's line.
    pub fn line(&self, seconds: u64) -> String {
        let mib = |kib: u64| kib as f64 / 1024.0;
        let back = if self.peer == Peer::Ostiumd { "hello" } else { "backend" };
        let back_rss = if self.peer == Peer::NginxStatic {
            String::new()
        } else {
            format!(" ({back} {:.1} MiB)", mib(self.back_kib))
        };
        let mut line = format!(
            "  {:<12} idle RSS {:.1} MiB{back_rss}; wakeups in {seconds} s idle: {}",
            self.peer.name(),
            mib(self.front_kib),
            switches(self.peer, self.idle_switches)
        );
        if let Some(per) = self.bytes_per_connection() {
            line += &format!(
                "\n  {:<12} with {} idle keep-alive connections: RSS {:.1} MiB, {per:.0} B per \
                 connection; wakeups in {seconds} s: {}",
                "",
                self.connections,
                mib(self.front_with_kib),
                switches(self.peer, self.with_switches)
            );
        }
        line
    }
}

/// `N` for the front, and `(hello N)` for the back if there is one.
fn switches(peer: Peer, (front, back): (u64, u64)) -> String {
    match peer {
        Peer::Ostiumd => format!("ostiumd {front} (hello {back})"),
        Peer::NginxProxy => format!("nginx {front} (backend {back})"),
        Peer::NginxStatic => format!("nginx {front}"),
    }
}

/// Measures `server` at rest, with `connections` idle connections, wakeups over `window`.
pub fn measure(server: &Running, body: &str, connections: usize, window: Duration) -> Result<Rest> {
    sleep(SETTLE);
    let front_kib = rss(&server.front)?;
    let back_kib = rss(&server.back)?;
    let idle_switches = count_switches(server, window)?;
    let mut rest = Rest {
        peer: server.peer,
        front_kib,
        back_kib,
        idle_switches,
        connections: 0,
        front_with_kib: front_kib,
        with_switches: (0, 0),
    };
    if connections == 0 {
        return Ok(rest);
    }
    let target = format!("/echo?{body}");
    let streams = client::keep_alive_connections(server.addr, &target, connections)
        .with_context(|| format!("opening idle connections to {}", server.peer.name()))?;
    sleep(SETTLE);
    rest.connections = streams.len();
    rest.front_with_kib = rss(&server.front)?;
    rest.with_switches = count_switches(server, window)?;
    drop(streams);
    Ok(rest)
}

/// The RSS of `pids`, together, KiB.
fn rss(pids: &[u32]) -> Result<u64> {
    pids.iter().map(|&pid| procfs::rss_kib(pid)).sum()
}

/// The context switches of the front's and the back's threads over `window`.
fn count_switches(server: &Running, window: Duration) -> Result<(u64, u64)> {
    let before = (procfs::switches(&server.front)?, procfs::switches(&server.back)?);
    sleep(window);
    let after = (procfs::switches(&server.front)?, procfs::switches(&server.back)?);
    Ok((after.0.saturating_sub(before.0), after.1.saturating_sub(before.1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_per_connection_is_the_rss_delta_over_the_connections() {
        let rest = Rest {
            peer: Peer::Ostiumd,
            front_kib: 4000,
            back_kib: 2048,
            idle_switches: (0, 0),
            connections: 10_000,
            front_with_kib: 14_000,
            with_switches: (0, 1),
        };
        assert_eq!(rest.bytes_per_connection(), Some(1024.0));
        let line = rest.line(3);
        assert!(line.contains("idle RSS 3.9 MiB (hello 2.0 MiB)"), "{line}");
        assert!(line.contains("1024 B per connection"), "{line}");
        assert!(line.contains("wakeups in 3 s: ostiumd 0 (hello 1)"), "{line}");
        let none = Rest { connections: 0, ..rest };
        assert_eq!(none.bytes_per_connection(), None);
        assert!(!none.line(3).contains("per connection"));
    }
}
