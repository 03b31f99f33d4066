//! The printed results: a table row per load ([`Row`]), and the ratios of the door to its
//! peers, with the targets they are held to.
//!
//! Targets: a door call's median round trip at most 1.1 × the raw SEQPACKET ping-pong's
//! (the door adds a header and a pool, not a hop), and at least 3 × faster than gRPC's.

use super::measure::{Load, Outcome, Threads};
use super::peer::Peer;

/// The most a door call's p50 may be, as a multiple of the raw ping-pong's.
pub const DOOR_OVER_RAW_TARGET: f64 = 1.1;
/// How many times faster than tonic's a door call's p50 must be.
pub const TONIC_OVER_DOOR_TARGET: f64 = 3.0;
/// The doors target: a one-caller round trip's p50, unpinned, in µs (issue #3).
pub const DOORS_TARGET_US: f64 = 10.0;

/// One load, in the units it is printed in.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// Which peer.
    pub peer: Peer,
    /// Bytes of arguments (and of reply) per call.
    pub size: usize,
    /// Concurrent callers.
    pub callers: usize,
    /// Calls per second, all callers together.
    pub calls_per_sec: f64,
    /// Median round trip, µs.
    pub p50_us: f64,
    /// 99th percentile round trip, µs.
    pub p99_us: f64,
    /// The server process's CPU time (user and system) per call, µs.
    pub server_us_per_call: f64,
    /// The calling process's CPU time per call, µs.
    pub client_us_per_call: f64,
    /// The server's threads as the window closed.
    pub threads: Threads,
}

impl Row {
    /// The row for `peer` under `load`, from what was seen.
    pub fn new(peer: Peer, load: &Load, outcome: &Outcome) -> Row {
        let calls = outcome.calls as f64;
        let us = |q| outcome.latency.quantile(q).map_or(f64::NAN, |ns| ns as f64 / 1000.0);
        Row {
            peer,
            size: load.size,
            callers: load.callers,
            calls_per_sec: calls / outcome.window.as_secs_f64(),
            p50_us: us(0.50),
            p99_us: us(0.99),
            server_us_per_call: outcome.server_cpu.total().as_secs_f64() * 1e6 / calls,
            client_us_per_call: outcome.client_cpu.total().as_secs_f64() * 1e6 / calls,
            threads: outcome.server_threads,
        }
    }

    /// The column titles, aligned with [`line`](Row::line).
    pub fn header() -> String {
        format!(
            "{:<14} {:>6} {:>7} {:>10} {:>8} {:>8} {:>12} {:>12} {:>12}",
            "peer",
            "size",
            "callers",
            "calls/s",
            "p50 µs",
            "p99 µs",
            "srv µs/call",
            "cli µs/call",
            "srv threads"
        )
    }

    /// The row as a line of the table.
    pub fn line(&self) -> String {
        let threads = match self.peer {
            peer if peer.is_door() => {
                format!("{} (pool {})", self.threads.total, self.threads.door_pool)
            }
            _ => self.threads.total.to_string(),
        };
        format!(
            "{:<14} {:>6} {:>7} {:>10.0} {:>8.1} {:>8.1} {:>12.1} {:>12.1} {:>12}",
            self.peer.name(),
            self.size,
            self.callers,
            self.calls_per_sec,
            self.p50_us,
            self.p99_us,
            self.server_us_per_call,
            self.client_us_per_call,
            threads
        )
    }
}

/// The ratio lines for the loads of `size` bytes: door/raw p50, raw/door calls/s per number
/// of callers, tonic/door p50. A line whose rows are missing (a peer not run) is left out.
pub fn ratios(rows: &[Row], size: usize) -> Vec<String> {
    let find = |peer, callers| {
        rows.iter().find(|r| r.peer == peer && r.size == size && r.callers == callers)
    };
    let mut lines = Vec::new();
    let single = |peer| find(peer, 1);
    if let (Some(door), Some(raw)) = (single(Peer::Door), single(Peer::Raw)) {
        let ratio = door.p50_us / raw.p50_us;
        lines.push(format!(
            "{size} B: door/raw p50 {ratio:.2}× ({:.1} / {:.1} µs; target ≤ {DOOR_OVER_RAW_TARGET:.2}×: {})",
            door.p50_us,
            raw.p50_us,
            verdict(ratio <= DOOR_OVER_RAW_TARGET)
        ));
    }
    if let (Some(door), Some(raw)) = (single(Peer::Door), single(Peer::RawLanes)) {
        lines.push(format!(
            "{size} B: door/raw-lanes p50 {:.2}× ({:.1} / {:.1} µs: the door against the same \
             handoff on one CPU without the framework)",
            door.p50_us / raw.p50_us,
            door.p50_us,
            raw.p50_us,
        ));
    }
    if let Some(door) = single(Peer::Door) {
        lines.push(format!(
            "{size} B: door p50 {:.1} µs unpinned (doors target ≤ {DOORS_TARGET_US:.0} µs: {})",
            door.p50_us,
            verdict(door.p50_us <= DOORS_TARGET_US)
        ));
    }
    let mut throughput = Vec::new();
    let mut callers: Vec<usize> =
        rows.iter().filter(|r| r.size == size).map(|r| r.callers).collect();
    callers.sort_unstable();
    callers.dedup();
    for n in callers {
        if let (Some(door), Some(raw)) = (find(Peer::Door, n), find(Peer::Raw, n)) {
            let noun = if n == 1 { "caller" } else { "callers" };
            throughput.push(format!("{n} {noun} {:.2}×", raw.calls_per_sec / door.calls_per_sec));
        }
    }
    if !throughput.is_empty() {
        lines.push(format!(
            "{size} B: raw/door calls/s: {} (1.00× = the door as fast as raw)",
            throughput.join(", ")
        ));
    }
    if let (Some(door), Some(tonic)) = (single(Peer::Door), single(Peer::Tonic)) {
        let ratio = tonic.p50_us / door.p50_us;
        lines.push(format!(
            "{size} B: tonic/door p50 {ratio:.2}× ({:.1} / {:.1} µs; target: the door ≥ \
             {TONIC_OVER_DOOR_TARGET:.0}× faster: {})",
            tonic.p50_us,
            door.p50_us,
            verdict(ratio >= TONIC_OVER_DOOR_TARGET)
        ));
    }
    lines
}

/// The door server's pool threads as each load's window closed, by size and callers; `None`
/// when the door was not run.
pub fn door_threads(rows: &[Row]) -> Option<String> {
    let mut sizes: Vec<usize> = rows.iter().map(|r| r.size).collect();
    sizes.sort_unstable();
    sizes.dedup();
    let parts: Vec<String> = sizes
        .iter()
        .filter_map(|&size| {
            let loads: Vec<String> = rows
                .iter()
                .filter(|r| r.peer.is_door() && r.size == size)
                .map(|r| {
                    let noun = if r.callers == 1 { "caller" } else { "callers" };
                    format!("{} {} {noun} → {}", r.peer, r.callers, r.threads.door_pool)
                })
                .collect();
            (!loads.is_empty()).then(|| format!("{size} B: {}", loads.join(", ")))
        })
        .collect();
    (!parts.is_empty()).then(|| {
        format!(
            "door server pool threads reached (from /proc/PID/task, named {}; the process also \
             has its main thread): {}",
            super::measure::DOOR_THREAD,
            parts.join("; ")
        )
    })
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "NOT met" }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cputime::CpuTime;
    use crate::histogram::Histogram;
    use std::time::Duration;

    fn row(peer: Peer, size: usize, callers: usize, calls: u64, latency_ns: u64) -> Row {
        let load = Load {
            callers,
            size,
            warmup: Duration::ZERO,
            measure: Duration::from_secs(2),
            grace: Duration::ZERO,
        };
        let mut latency = Histogram::new();
        latency.record(latency_ns);
        let outcome = Outcome {
            calls,
            window: Duration::from_secs(2),
            latency,
            server_cpu: CpuTime {
                user: Duration::from_millis(100),
                system: Duration::from_millis(300),
            },
            client_cpu: CpuTime { user: Duration::ZERO, system: Duration::from_millis(1000) },
            server_threads: Threads { total: callers + 1, door_pool: callers },
        };
        Row::new(peer, &load, &outcome)
    }

    #[test]
    fn rows_are_in_per_second_and_microsecond_units() {
        let r = row(Peer::Door, 8, 2, 40_000, 50_000);
        assert_eq!(r.calls_per_sec, 20_000.0);
        assert_eq!(r.p50_us, 50.0);
        assert_eq!(r.p99_us, 50.0);
        assert_eq!(r.server_us_per_call, 10.0);
        assert_eq!(r.client_us_per_call, 25.0);
        assert_eq!(Row::header().chars().count(), r.line().chars().count());
        assert!(r.line().ends_with("3 (pool 2)"), "{}", r.line());
        let raw = row(Peer::Raw, 4096, 8, 1, 1);
        assert_eq!(Row::header().chars().count(), raw.line().chars().count());
        assert!(raw.line().ends_with(" 9"), "{}", raw.line());
    }

    #[test]
    fn ratios_compare_the_door_with_each_peer() {
        let rows = [
            row(Peer::Door, 8, 1, 40_000, 50_000),
            row(Peer::Door, 8, 8, 80_000, 200_000),
            row(Peer::Raw, 8, 1, 50_000, 40_000),
            row(Peer::Raw, 8, 8, 80_000, 200_000),
            row(Peer::Tonic, 8, 1, 10_000, 200_000),
            row(Peer::RawLanes, 8, 1, 50_000, 25_000),
            row(Peer::Door, 4096, 1, 40_000, 9_000),
            row(Peer::Raw, 4096, 1, 40_000, 50_000),
        ];
        let lines = ratios(&rows, 8);
        assert_eq!(lines.len(), 5, "{lines:#?}");
        assert!(lines[0].starts_with("8 B: door/raw p50 1.25×"), "{}", lines[0]);
        assert!(lines[0].ends_with("NOT met)"), "{}", lines[0]);
        assert!(lines[1].starts_with("8 B: door/raw-lanes p50 2.00×"), "{}", lines[1]);
        assert!(lines[2].starts_with("8 B: door p50 50.0 µs"), "{}", lines[2]);
        assert!(lines[2].ends_with("NOT met)"), "{}", lines[2]);
        assert_eq!(
            lines[3],
            "8 B: raw/door calls/s: 1 caller 1.25×, 8 callers 1.00× (1.00× = the door as fast as raw)"
        );
        assert!(lines[4].starts_with("8 B: tonic/door p50 4.00×"), "{}", lines[4]);
        assert!(lines[4].ends_with(": met)"), "{}", lines[4]);
        let lines = ratios(&rows, 4096);
        assert_eq!(lines.len(), 3, "no tonic or raw-lanes row at 4096 B: {lines:#?}");
        assert!(lines[0].contains("0.18×") && lines[0].ends_with(": met)"), "{}", lines[0]);
        assert!(lines[1].starts_with("4096 B: door p50 9.0 µs"), "{}", lines[1]);
        assert!(lines[1].ends_with(": met)"), "{}", lines[1]);
        assert!(ratios(&rows, 1).is_empty());
    }

    #[test]
    fn the_door_threads_are_listed_by_size_and_callers() {
        let rows = [
            row(Peer::Door, 8, 1, 1, 1),
            row(Peer::Door, 8, 8, 1, 1),
            row(Peer::Raw, 8, 8, 1, 1),
            row(Peer::Door, 4096, 2, 1, 1),
        ];
        let text = door_threads(&rows).unwrap();
        assert!(
            text.ends_with(
                "8 B: door 1 caller → 1, door 8 callers → 8; 4096 B: door 2 callers → 2"
            ),
            "{text}"
        );
        assert_eq!(door_threads(&rows[2..3]), None);
    }
}
