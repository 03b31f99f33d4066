//! `door-bench`: a door call's round trip, measured against its peers in one run, with the
//! client and each server in separate processes and nothing pinned.
//!
//! ```text
//! cargo build --release -p ostium-bench && target/release/door-bench
//! target/release/door-bench --seconds 1 --sizes 8 --callers 1,8 --peers door,raw
//! ```
//!
//! The peers (every server echoes: a call's reply is its argument bytes, so a 4 KiB call
//! returns 4 KiB):
//!
//! - `door`: an `ostium::Door` with default options, called through one shared
//!   `ostium::Client` (which keeps a connection per concurrent caller);
//! - `raw`: a plain `SOCK_SEQPACKET` ping-pong, a server thread per connection doing recv
//!   then send, a connection per caller: what a door call over the same socket costs at
//!   least;
//! - `tonic`: gRPC, a unary call with a `bytes` field over a Unix socket, the server on
//!   tokio's default multi-thread runtime, each caller on its own channel and its own
//!   current-thread runtime.
//!
//! For each size (8 B and 4 KiB by default) and each peer, a fresh server is started (this
//! program again, as `door-bench serve PEER PATH`) and loaded with 1, 2 and 8 callers,
//! threads of this process making one call at a time: 0.5 s of warm-up, then 3 s measured
//! (`--warmup`, `--seconds`). The 18 loads take about 65 s, the leases about 5 s more. A
//! row gives calls/s, the p50 and p99 round trip, the CPU time per call of the server and of
//! this process, and the server's threads as the window closed (for the door, those of its
//! pool). The ratio lines
//! compare the door with raw (p50, target ≤ 1.1×; calls/s per number of callers) and with
//! tonic (p50, the door ≥ 3× faster).
//!
//! Then the lease throughput (`--leases on`, the default; `off` leaves it out, `only` runs
//! it alone): one caller lends the door server (a fresh `serve door`) a read lease, which
//! the handler reads whole into a buffer, or a write lease, which it writes whole, of 4 KiB,
//! 16 KiB, 64 KiB and 1 MiB (`--lease-sizes`), each for 0.1 s of warm-up and 0.3 s measured
//! (`--lease-seconds`), and this process copies as many bytes with `copy_from_slice` for as
//! long. A row gives calls/s, µs per call, GB/s leased, the memcpy's GB/s and their ratio,
//! and the transport the server saw (the client sends leases of at most 16 KiB inline in
//! the message, larger ones in a memfd); the lines under it compare the largest lease with
//! the memcpy, and fit each transport's cost per call to judge the 16 KiB threshold. About
//! 5 s.
//!
//! The servers die with the harness: each is killed when its loads end (and on any error),
//! and exits by itself if the harness vanishes (its stdin closes). A load whose callers
//! are still waiting 10 s after its window has its server killed and fails the run.

use std::path::Path;

use anyhow::{Context, Result};
use clap::Parser;
use ostium::Client;
use ostium_bench::cputime::TickRate;
use ostium_bench::door_bench::SocketDir;
use ostium_bench::door_bench::child::ServerProcess;
use ostium_bench::door_bench::cli::{Args, LeaseRun, Serve};
use ostium_bench::door_bench::lease::{self, Direction};
use ostium_bench::door_bench::lease_table::{self, LeaseRow, size_name};
use ostium_bench::door_bench::measure::{self, GRACE, Load};
use ostium_bench::door_bench::peer::{self, Peer};
use ostium_bench::door_bench::table::{self, Row};

fn main() -> Result<()> {
    let args = Args::parse();
    if let Some(Serve::Serve { peer, path }) = &args.serve {
        return peer::serve_until_stdin_closes(*peer, path);
    }
    bench(&args)
}

/// Runs every load and prints the tables and the ratios.
fn bench(args: &Args) -> Result<()> {
    let program = std::env::current_exe().context("finding this program's path")?;
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    if cfg!(debug_assertions) {
        println!("warning: a debug build; numbers mean little (use --release)");
    }
    if args.leases == LeaseRun::Only {
        println!(
            "door-bench: lease throughput only, {} loads and {} memcpys of {:.1?} ({:.1?} \
             warm-up, {:.1?} measured), about {:.0?} in all",
            args.lease_loads(),
            args.lease_sizes.len(),
            args.lease_load(),
            lease::WARMUP,
            args.lease_seconds,
            args.estimate()
        );
    } else {
        println!(
            "door-bench: {} loads of {:.1?} ({:.1?} warm-up, {:.1?} measured), about {:.0?} in \
             all",
            args.loads(),
            args.warmup + args.seconds,
            args.warmup,
            args.seconds,
            args.estimate()
        );
    }
    println!(
        "  {cpus} CPUs, Linux {}; client and servers in separate processes, nothing pinned",
        kernel.trim()
    );
    let dir = SocketDir::create()?;
    if args.leases != LeaseRun::Only {
        round_trips(args, &program, &dir)?;
    }
    match args.leases {
        LeaseRun::Off => println!("leases: not measured (--leases off)"),
        LeaseRun::On | LeaseRun::Only => {
            println!();
            leases(args, &program, &dir)?;
        }
    }
    Ok(())
}

/// The round trips: every size, peer and number of callers, then the ratios.
fn round_trips(args: &Args, program: &Path, dir: &SocketDir) -> Result<()> {
    let rate = TickRate::detect();
    println!(
        "  every server echoes: the reply is the call's argument bytes (a 4096 B call returns \
         4096 B)"
    );
    for peer in &args.peers {
        println!("  {:<6} {}", peer.name(), peer.describe());
    }
    println!(
        "  srv/cli µs/call: CPU time (user + system) of the server process / of this process \
         per call, from /proc at CLK_TCK {} Hz; srv threads: the server's threads as the \
         window closed",
        rate.hz
    );
    println!();
    println!("{}", Row::header());

    let mut rows = Vec::new();
    for &size in &args.sizes {
        for &peer in &args.peers {
            let path = dir.path().join(format!("{peer}-{size}.sock"));
            let mut server = ServerProcess::start(program, peer, &path)?;
            for &callers in &args.callers {
                let load = Load {
                    callers: usize::from(callers),
                    size: size as usize,
                    warmup: args.warmup,
                    measure: args.seconds,
                    grace: GRACE,
                };
                let outcome = run(peer, &load, &path, &mut server)
                    .with_context(|| format!("{peer} with {size} B × {callers} callers"))?;
                let row = Row::new(peer, &load, &outcome);
                println!("{}", row.line());
                rows.push(row);
            }
        }
    }

    println!();
    for &size in &args.sizes {
        for line in table::ratios(&rows, size as usize) {
            println!("{line}");
        }
    }
    if let Some(line) = table::door_threads(&rows) {
        println!("{line}");
    }
    Ok(())
}

/// The lease throughput: for each size, the memcpy, then a read and a write lease load on a
/// door server of its own; then the lease/memcpy and threshold lines.
fn leases(args: &Args, program: &Path, dir: &SocketDir) -> Result<()> {
    println!(
        "lease throughput: one caller lends a door (`serve door`, a child process, default \
         options) one lease per call, {:.1?} warm-up and {:.1?} measured per load; the handler \
         reads the whole read lease into a buffer of its own, or writes the whole write lease \
         from one",
        lease::WARMUP,
        args.lease_seconds
    );
    println!(
        "  GB/s: 10^9 bytes leased (copied) per second; µs/call: mean round trip; memcpy: \
         copy_from_slice of as many bytes between two buffers of this process, for as long"
    );
    println!(
        "  via: how the lease reached the server (as its handler saw it): inline in the call \
         message (a write lease comes back in the reply) or in a memfd the client's connection \
         keeps and the server keeps mapped (a write lease is copied back by the client after \
         the reply); each size is measured by each of --lease-transports (by default the \
         client sends ≤ {} inline)",
        size_name(lease::CLIENT_INLINE_MAX)
    );
    println!();
    println!("{}", LeaseRow::header());
    let path = dir.path().join("leases.sock");
    let mut server = ServerProcess::start(program, Peer::Door, &path)?;
    let client = Client::open(&path)
        .with_context(|| format!("opening the lease door at {}", path.display()))?;
    let mut rows = Vec::new();
    for &size in &args.lease_sizes {
        let size = size as usize;
        let memcpy = lease::memcpy(size, lease::WARMUP, args.lease_seconds);
        for (direction, choice) in Direction::BOTH
            .into_iter()
            .flat_map(|d| args.lease_transports.iter().map(move |&c| (d, c)))
        {
            let what = || format!("a {} lease of {}", direction.name(), size_name(size));
            client.set_inline_lease_max(choice.inline_max());
            let transport = lease::probe(&client, direction, size, GRACE).with_context(what)?;
            if choice.forced().is_some_and(|forced| forced != transport) {
                // Too large for a message: the client sent it in a memfd all the same.
                continue;
            }
            let load = lease::Load {
                direction,
                size,
                warmup: lease::WARMUP,
                measure: args.lease_seconds,
                grace: GRACE,
            };
            let outcome = lease::run(&load, &client, &mut || server.kill()).with_context(what)?;
            let row = LeaseRow::new(direction, size, transport, &outcome, &memcpy);
            println!("{}", row.line());
            rows.push(row);
        }
    }
    drop(client);
    drop(server);
    println!();
    if let Some(line) = lease_table::against_memcpy(&rows) {
        println!("{line}");
    }
    for line in lease_table::threshold(&rows) {
        println!("{line}");
    }
    for line in lease_table::cheaper_by_size(&rows) {
        println!("{line}");
    }
    Ok(())
}

/// One load on `server`.
fn run(
    peer: Peer,
    load: &Load,
    path: &std::path::Path,
    server: &mut ServerProcess,
) -> Result<measure::Outcome> {
    let callers = peer.callers(path, load.callers)?;
    let pid = server.pid();
    let rate = TickRate::detect();
    measure::run(load, callers, pid, rate, &mut || server.kill())
}
