//! `ostiumd-bench`: ostiumd + the hello application against nginx as a reverse proxy to a
//! minimal backend and nginx answering by itself, in one run, under the same wrk load; then
//! hello's door threads under load, and ostiumd and nginx at rest (RSS, memory per idle
//! keep-alive connection, idle wakeups). See `ostium_bench::ostiumd_bench` for what is
//! measured and how.
//!
//! ```text
//! apt-get install -y nginx-light wrk
//! cargo build --release -p ostiumd -p hello -p ostium-bench && target/release/ostiumd-bench
//! target/release/ostiumd-bench --connections 50 --seconds 5 --rounds 3 --idle-connections 0
//! ```

use std::time::Duration;

use anyhow::{Context, Result};
use clap::Parser;
use ostium_bench::cputime::TickRate;
use ostium_bench::door_bench::SocketDir;
use ostium_bench::ostiumd_bench::cli::Args;
use ostium_bench::ostiumd_bench::measure::{self, DOOR_THREAD, Plan};
use ostium_bench::ostiumd_bench::peers::{Peer, Running, Setup};
use ostium_bench::ostiumd_bench::pinning::Pinning;
use ostium_bench::ostiumd_bench::table::{self, Row};
use ostium_bench::ostiumd_bench::tools::Tools;
use ostium_bench::ostiumd_bench::{idle, nginx};

fn main() -> Result<()> {
    let args = Args::parse();
    // 10,000 idle connections need as many descriptors here, and in the servers, which
    // inherit this limit.
    let fd_limit = ostium_sys::raise_fd_limit().context("raising the descriptor limit")?;
    let pinning = Pinning::plan(args.no_pin)?;
    let loops = args.loops.map_or(pinning.server_cpus(), usize::from);
    let tools = Tools::find([
        args.ostiumd.as_deref(),
        args.hello.as_deref(),
        args.backend.as_deref(),
        args.nginx.as_deref(),
        args.wrk.as_deref(),
    ]);
    let nginx_version = match tools.nginx.path() {
        Some(path) => nginx::version(path)?,
        None => String::new(),
    };
    let dir = SocketDir::create_for("ostiumd-bench")?;
    let setup = Setup {
        tools: &tools,
        dir: dir.path(),
        pinning: &pinning,
        loops,
        body: &args.body,
        nginx_version: &nginx_version,
    };
    introduce(&args, &setup, fd_limit);
    let mut starts = Starts::default();
    let peers: Vec<Peer> =
        args.peers.iter().copied().filter(|peer| peer.runnable(&tools).is_ok()).collect();
    show_responses(&setup, &peers, &mut starts)?;
    match tools.wrk.path() {
        Some(wrk) => {
            let plan = Plan {
                wrk,
                pinning: &pinning,
                warmup: Duration::from_secs(args.warmup),
                measure: Duration::from_secs(args.seconds),
                rate: TickRate::detect(),
                body: &args.body,
            };
            loads(&args, &setup, &plan, &peers, &mut starts)?;
            door_threads(&args, &setup, &plan, &peers, &mut starts)?;
        }
        None => println!("loads and door threads: not measured, wrk is missing (above)"),
    }
    rest(&args, &setup, &peers, &mut starts)
}

/// The servers started so far: each start's files get a directory of their own.
#[derive(Default)]
struct Starts {
    count: usize,
}

impl Starts {
    fn start(&mut self, setup: &Setup, peer: Peer) -> Result<Running> {
        self.count += 1;
        setup.start(peer, self.count)
    }
}

/// Starts each server once and shows what it answers, so that the responses can be compared.
fn show_responses(setup: &Setup, peers: &[Peer], starts: &mut Starts) -> Result<()> {
    println!();
    println!("responses to the check (one GET on a connection of this harness):");
    for &peer in peers {
        let running = starts.start(setup, peer)?;
        let head = running.response.head.trim_end().replace("\r\n", " | ");
        println!(
            "  {:<12} {} B head + {} B body: {head}",
            peer.name(),
            running.response.head.len(),
            running.response.body.len()
        );
    }
    Ok(())
}

/// What runs, where, and how it is measured.
fn introduce(args: &Args, setup: &Setup, fd_limit: u64) {
    if cfg!(debug_assertions) {
        println!("warning: a debug build of the harness; use --release");
    }
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    println!(
        "ostiumd-bench: {} loads of {}s ({}s warm-up, {}s measured), then hello's door threads \
         and the servers at rest; about {:.0?} in all",
        args.loads(),
        args.warmup + args.seconds,
        args.warmup,
        args.seconds,
        args.estimate()
    );
    println!(
        "  {cpus} CPUs, Linux {}; pinning: {}; descriptor limit {fd_limit}",
        kernel.trim(),
        setup.pinning.describe()
    );
    let first = setup.nginx_version.lines().next().unwrap_or("nginx");
    let version = first.trim().trim_start_matches("nginx version: ");
    let loops = setup.loops;
    let describe = |peer: Peer| match peer {
        Peer::Ostiumd => format!(
            "ostiumd (`set threads {loops}`, forward http, max-connections {}) → door → hello \
             (started by exec), GET /echo?{} (hello answers the query)",
            ostium_bench::ostiumd_bench::peers::MAX_CONNECTIONS,
            setup.body
        ),
        Peer::NginxProxy => format!(
            "{version}, {loops} worker(s), access_log off, keepalive_requests 1000000 → upstream \
             unix socket with keepalive 64 (as a tuned production nginx; HTTP/1.1, Connection \
             \"\") → http-backend (a thread per connection)"
        ),
        Peer::NginxStatic => {
            format!("{version}, {loops} worker(s), access_log off, return 200 \"{}\"", setup.body)
        }
    };
    for &peer in &args.peers {
        println!("  {:<12} {}", peer.name(), describe(peer));
    }
    println!(
        "  load: wrk -t1 -cN -d{}s --latency, N in {:?}; every server answers 200 with the \
         {}-byte body {:?}",
        args.seconds,
        args.connections,
        args.body.len(),
        args.body
    );
    println!(
        "  CPU: utime + stime from /proc/PID/stat around each wrk run (wrk's: cutime + cstime \
         of this process), divided by wrk's completed requests"
    );
    for line in setup.tools.missing() {
        println!("  missing: {line}");
    }
    for &peer in &args.peers {
        if let Err(why) = peer.runnable(setup.tools) {
            println!("  {why}");
        }
    }
}

/// Every load on every server, the medians and the ratios.
fn loads(
    args: &Args,
    setup: &Setup,
    plan: &Plan,
    peers: &[Peer],
    starts: &mut Starts,
) -> Result<()> {
    if peers.is_empty() {
        println!("loads: no server can run");
        return Ok(());
    }
    println!();
    println!("{}", Row::header());
    let mut medians = Vec::new();
    for &connections in &args.connections {
        let connections = usize::from(connections);
        let mut rows: Vec<Vec<Row>> = vec![Vec::new(); peers.len()];
        for round in 0..args.rounds {
            let mut order: Vec<usize> = (0..peers.len()).collect();
            if round % 2 == 1 {
                order.reverse();
            }
            for i in order {
                let peer = peers[i];
                let running = starts.start(setup, peer)?;
                let sample = measure::run(plan, &running, connections)
                    .with_context(|| format!("{} with {connections} connections", peer.name()))?;
                drop(running);
                let row = Row::new(&sample);
                println!("{}", row.line());
                rows[i].push(row);
            }
        }
        medians
            .push((connections, rows.iter().map(|runs| table::median(runs)).collect::<Vec<_>>()));
    }
    println!();
    if args.rounds > 1 {
        println!("medians of {} rounds:", args.rounds);
        for (_, rows) in &medians {
            for row in rows {
                println!("{}", row.line());
            }
        }
        println!();
    }
    for (connections, rows) in &medians {
        for line in table::ratios(*connections, rows) {
            println!("{line}");
        }
    }
    Ok(())
}

/// hello's door threads at the peak of each load, a fresh ostiumd + hello for each.
fn door_threads(
    args: &Args,
    setup: &Setup,
    plan: &Plan,
    peers: &[Peer],
    starts: &mut Starts,
) -> Result<()> {
    let loads: Vec<usize> =
        args.thread_connections.iter().filter(|&&c| c > 0).map(|&c| usize::from(c)).collect();
    if loads.is_empty() || !peers.contains(&Peer::Ostiumd) {
        return Ok(());
    }
    println!();
    println!(
        "hello's door threads ({DOOR_THREAD}, from /proc/PID/task every 50 ms; a fresh ostiumd + \
         hello per load, wrk for {}s, no warm-up):",
        args.thread_seconds
    );
    let plan =
        Plan { warmup: Duration::ZERO, measure: Duration::from_secs(args.thread_seconds), ..*plan };
    for connections in loads {
        let running = starts.start(setup, Peer::Ostiumd)?;
        let (_, idle_doors) = measure::count_threads(&running.back);
        let sample = measure::run(&plan, &running, connections)
            .with_context(|| format!("door threads with {connections} connections"))?;
        println!(
            "  -c{connections:<3} {:>3} door threads at the peak (idle: {idle_doors}), {} threads \
             in all; {:.0} req/s",
            sample.door_threads, sample.back_threads, sample.report.requests_per_sec
        );
    }
    Ok(())
}

/// ostiumd and nginx at rest: idle RSS, memory per idle keep-alive connection, wakeups.
fn rest(args: &Args, setup: &Setup, peers: &[Peer], starts: &mut Starts) -> Result<()> {
    let measured: Vec<Peer> = [Peer::Ostiumd, Peer::NginxStatic]
        .into_iter()
        .filter(|peer| peers.contains(peer))
        .collect();
    if measured.is_empty() {
        return Ok(());
    }
    println!();
    println!(
        "at rest (a fresh server; RSS is VmRSS, the process's pages, not the kernel's socket \
         memory; wakeups are its threads' context switches; {} keep-alive connections opened by \
         this process, one request each, then idle):",
        args.idle_connections
    );
    let window = Duration::from_secs(args.idle_seconds);
    let mut rests = Vec::new();
    for peer in measured {
        let running = starts.start(setup, peer)?;
        let rest = idle::measure(&running, &args.body, args.idle_connections as usize, window)
            .with_context(|| format!("{} at rest", peer.name()))?;
        println!("{}", rest.line(args.idle_seconds));
        rests.push(rest);
    }
    if let [ostiumd, nginx] = &rests[..]
        && let (Some(a), Some(b)) = (ostiumd.bytes_per_connection(), nginx.bytes_per_connection())
    {
        println!("  memory per idle connection ostiumd / nginx: {:.2}×", a / b);
    }
    Ok(())
}
