//! `echo-bench`: Ostium's `echo-server` against `tokio-echo`, an echo server on tokio's
//! `current_thread` runtime, in the same run and under the same load. For each message size
//! and connection count, each server is started afresh with one thread and pinned to one CPU;
//! the load generator, one thread pinned to another CPU, keeps one message in flight per
//! connection (it sends, waits for the whole echo, checks it, sends the next), warms up, and
//! then measures. The table gives messages/s, p50 and p99 round-trip latency and the server's
//! CPU time per message; the last lines give the ratios ostium/tokio, whose target is msgs/s
//! ≥ 1.0×. The harness finds both servers next to its own executable (or where
//! `--echo-server` and `--tokio-echo` say) and, when one is missing, says how to build it.
//! `cargo run -p ostium-bench` builds this package only, so build the servers with it:
//!
//! ```text
//! cargo build --release -p echo-server -p ostium-bench && target/release/echo-bench
//! target/release/echo-bench --connections 1,50 --sizes 64,4096 --seconds 10 --rounds 3
//! ```

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, anyhow, ensure};
use clap::Parser;
use ostium_bench::cputime::{CpuClock, TickRate};
use ostium_bench::loadgen::{self, Load};
use ostium_bench::report::{self, Row};
use ostium_bench::server::Server;

/// The command that builds everything this harness runs.
const BUILD: &str = "cargo build --release -p echo-server -p ostium-bench";

/// The servers, in the order they run for each load.
const CONTENDERS: [Contender; 2] = [
    Contender {
        name: "ostium",
        binary: "echo-server",
        flag: "--echo-server",
        args: &[
            "--listen",
            "127.0.0.1:0",
            "--threads",
            "1",
            "--status-interval",
            "3600",
            "--max-connections",
            "10000",
        ],
    },
    Contender {
        name: "tokio",
        binary: "tokio-echo",
        flag: "--tokio-echo",
        args: &["--listen", "127.0.0.1:0"],
    },
];

/// Compares Ostium's echo-server with a tokio current_thread echo server under the same load.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// Connections, each with one message in flight (a comma-separated list runs each).
    #[arg(long, value_delimiter = ',', default_value = "50")]
    connections: Vec<usize>,
    /// Message sizes in bytes (a comma-separated list runs each).
    #[arg(long, value_delimiter = ',', default_value = "64,4096")]
    sizes: Vec<usize>,
    /// Seconds measured per run.
    #[arg(long, default_value_t = 10.0)]
    seconds: f64,
    /// Seconds of load before measuring, not counted.
    #[arg(long, default_value_t = 1.0)]
    warmup: f64,
    /// Runs of each server per load; the ratios compare the median runs. Successive rounds
    /// alternate which server goes first.
    #[arg(long, default_value_t = 1)]
    rounds: usize,
    /// The Ostium echo server [default: `echo-server` next to this program].
    #[arg(long, value_name = "PATH")]
    echo_server: Option<PathBuf>,
    /// The tokio echo server [default: `tokio-echo` next to this program].
    #[arg(long, value_name = "PATH")]
    tokio_echo: Option<PathBuf>,
    /// Do not pin the servers and the load generator to CPUs.
    #[arg(long)]
    no_pin: bool,
}

/// A server under test and how to start it.
struct Contender {
    name: &'static str,
    binary: &'static str,
    flag: &'static str,
    args: &'static [&'static str],
}

/// Where the servers and the load generator run.
#[derive(Clone, Copy)]
enum Pinning {
    Cpus { server: usize, generator: usize },
    Off(&'static str),
}

fn main() -> Result<()> {
    let args = Args::parse();
    ensure!(args.connections.iter().all(|&c| c > 0), "--connections: at least 1");
    ensure!(args.sizes.iter().all(|&s| s > 0), "--sizes: at least 1 byte");
    ensure!(args.rounds > 0, "--rounds: at least 1");
    let measure = Duration::try_from_secs_f64(args.seconds).context("--seconds")?;
    let warmup = Duration::try_from_secs_f64(args.warmup).context("--warmup")?;
    ensure!(!measure.is_zero(), "--seconds: more than 0");
    let programs =
        [locate(&CONTENDERS[0], &args.echo_server)?, locate(&CONTENDERS[1], &args.tokio_echo)?];
    ostium_sys::raise_fd_limit().context("raising the descriptor limit")?;
    let pinning = plan_pinning(args.no_pin)?;
    let rate = TickRate::detect();

    if cfg!(debug_assertions) {
        println!("warning: a debug build of the harness; numbers mean little (use --release)");
    }
    let runs = args.connections.len() * args.sizes.len() * CONTENDERS.len() * args.rounds;
    let per_run = warmup + measure;
    println!(
        "echo-bench: {runs} runs of {per_run:.1?} ({warmup:.1?} warm-up, {measure:.1?} measured)"
    );
    for (contender, program) in CONTENDERS.iter().zip(&programs) {
        println!("  {:<7} {} {}", contender.name, program.display(), contender.args.join(" "));
    }
    match pinning {
        Pinning::Cpus { server, generator } => {
            println!(
                "  pinning: each server on CPU {server}, the load generator on CPU {generator}"
            )
        }
        Pinning::Off(why) => println!("  pinning: off ({why})"),
    }
    let source = if rate.assumed { "assumed, getconf failed" } else { "from getconf" };
    println!("  CPU time: utime+stime from /proc, CLK_TCK {} Hz ({source})", rate.hz);
    println!();
    println!("{}", Row::header());

    let mut medians = Vec::new();
    for &connections in &args.connections {
        for &size in &args.sizes {
            let mut rows: [Vec<Row>; 2] = Default::default();
            for round in 0..args.rounds {
                let order = if round % 2 == 0 { [0, 1] } else { [1, 0] };
                for i in order {
                    let (contender, program) = (&CONTENDERS[i], &programs[i]);
                    let load = |addr| Load { addr, connections, size, warmup, measure };
                    let row = run(contender, program, load, pinning, rate).with_context(|| {
                        format!("{} with {size} B × {connections} connections", contender.name)
                    })?;
                    println!("{}", row.line());
                    rows[i].push(row);
                }
            }
            medians.push([report::median(&rows[0]), report::median(&rows[1])]);
        }
    }

    println!();
    if args.rounds > 1 {
        println!("medians of {} rounds:", args.rounds);
    }
    for [ostium, tokio] in &medians {
        println!("{}", report::comparison(ostium, tokio));
    }
    if medians.iter().flatten().any(|row| row.generator_cpu_pct >= 90.0) {
        println!(
            "note: the load generator used ≥ 90% of its CPU in some runs, so msgs/s may be its limit \
             rather than the server's; srv µs/msg compares the servers regardless"
        );
    }
    Ok(())
}

/// Starts the server, pins it, applies the load from a pinned thread, and stops the server.
fn run(
    contender: &Contender,
    program: &Path,
    load: impl FnOnce(std::net::SocketAddr) -> Load,
    pinning: Pinning,
    rate: TickRate,
) -> Result<Row> {
    let server = Server::start(contender.name, program, contender.args)?;
    let generator_cpu = match pinning {
        Pinning::Cpus { server: cpu, generator } => {
            server.pin(cpu)?;
            Some(generator)
        }
        Pinning::Off(_) => None,
    };
    let load = load(server.addr());
    let server_clock = CpuClock::process(server.pid(), rate);
    let outcome = std::thread::scope(|scope| {
        let generator = scope.spawn(|| {
            if let Some(cpu) = generator_cpu {
                ostium_sys::pin_current_thread(cpu).context("pinning the load generator")?;
            }
            loadgen::run(&load, &server_clock, &CpuClock::current_thread(rate))
        });
        generator.join().map_err(|_| anyhow!("the load generator panicked"))?
    })?;
    drop(server);
    Ok(Row::new(contender.name, &load, &outcome))
}

/// The server binary: as given, or next to this program.
fn locate(contender: &Contender, given: &Option<PathBuf>) -> Result<PathBuf> {
    let path = match given {
        Some(path) => path.clone(),
        None => {
            let exe = std::env::current_exe().context("finding this program's path")?;
            exe.parent().context("this program's directory")?.join(contender.binary)
        }
    };
    ensure!(
        path.is_file(),
        "{} not found at {}: build it with `{BUILD}`, or give its path with {}",
        contender.binary,
        path.display(),
        contender.flag
    );
    Ok(path)
}

/// Servers on the first allowed CPU and the load generator on the second, when there are two.
fn plan_pinning(off: bool) -> Result<Pinning> {
    if off {
        return Ok(Pinning::Off("--no-pin"));
    }
    match ostium_sys::allowed_cpus().context("reading the allowed CPUs")?[..] {
        [server, generator, ..] => Ok(Pinning::Cpus { server, generator }),
        _ => Ok(Pinning::Off("only one CPU is available; server and load generator share it")),
    }
}
