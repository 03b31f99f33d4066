//! `echo-bench`: Ostium's `echo-server` against `tokio-echo`, an echo server on tokio's
//! `current_thread` runtime, in the same run and under the same load. For each message size
//! and connection count, each server is started afresh with one thread and pinned to one CPU;
//! the load generator, one thread pinned to another CPU, keeps one message in flight per
//! connection (it sends, waits for the whole echo, checks it, sends the next), warms up, and
//! then measures. The table gives messages/s, p50 and p99 round-trip latency and the server's
//! CPU time per message, whole (`srv µs/msg`) and in user space alone (`usr µs/msg`); the last
//! lines give the ratios ostium/tokio, whose target is msgs/s ≥ 1.0×. The harness finds both
//! servers next to its own executable (or where `--echo-server` and `--tokio-echo` say) and,
//! when one is missing, says how to build it. `cargo run -p ostium-bench` builds this package
//! only, so build the servers with it:
//!
//! ```text
//! cargo build --release -p echo-server -p ostium-bench && target/release/echo-bench
//! target/release/echo-bench --connections 1,50 --sizes 64,4096 --seconds 10 --rounds 3
//! target/release/echo-bench --callgrind --sizes 64,4096 --seconds 3
//! ```
//!
//! Both servers make the same system calls per message, and most of their CPU time is the
//! kernel's TCP code, which the load generator runs too: msgs/s then measures the load
//! generator as much as the servers, and what differs between the servers, the cost of their
//! own code, is the small user part of their CPU time. `usr µs/msg` shows it, to within one
//! clock tick (10 ms) of the window's user time, which is only a few ticks per second.
//!
//! `--callgrind` measures that part exactly: it runs each server under
//! `valgrind --tool=callgrind` (install it with `apt-get install valgrind`), zeroes the
//! server's counters at the window's opening (`callgrind_control --zero`) and dumps them at
//! its closing (`callgrind_control --dump`), and reports the instructions the server executed
//! in user space, all its threads, per message (`Ir/msg`) and their ratio ostium/tokio. It is
//! a count, not a time, so it repeats from run to run on a busy, shared machine (within the
//! few messages in flight at the window's edges). Valgrind runs the servers' own code tens of
//! times slower (the kernel's at full speed), so the timings in the table are valgrind's:
//! their ratios are not printed. `--seconds` defaults to 3 in this mode, a server gets a
//! minute to start, and the dumps are kept (their directory is printed) for
//! `callgrind_annotate`. Valgrind fails the system calls it does not implement with `ENOSYS`
//! (the harness reports its warnings if a server stops): valgrind 3.19 (Debian 12's) lacks
//! `epoll_pwait2`, and Ostium's poller then falls back to `epoll_wait` for the rest of the
//! run, as it would on a kernel before 5.11.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, anyhow, ensure};
use clap::Parser;
use ostium_bench::callgrind::{Callgrind, Dump};
use ostium_bench::cputime::{CpuClock, TickRate};
use ostium_bench::loadgen::{self, Edge, Load};
use ostium_bench::report::{self, Row};
use ostium_bench::server::Server;

/// The command that builds everything this harness runs.
const BUILD: &str = "cargo build --release -p echo-server -p ostium-bench";
/// Seconds measured per run, by default.
const SECONDS: f64 = 10.0;
/// Seconds measured per run under `--callgrind`, by default.
const CALLGRIND_SECONDS: f64 = 3.0;
/// How long a server under valgrind may take to print its address.
const CALLGRIND_START: Duration = Duration::from_secs(60);

/// Explains the columns and `--callgrind`, after the options in `--help`.
const AFTER_HELP: &str = "\
Columns: msgs/s; p50 and p99 round trip; srv CPU: the server's CPU time (user + system) over \
the window; srv µs/msg: that per message; usr µs/msg: its user-space part per message (the \
servers' own code; the kernel's TCP work is the rest), to within one clock tick of the \
window's user time; gen CPU: the load generator's CPU time over the window.

--callgrind runs each server under `valgrind --tool=callgrind` (apt-get install valgrind), \
zeroes its counters as the window opens and dumps them as it closes (callgrind_control \
--zero, --dump), and adds Ir/msg: the instructions the server executed in user space, all \
threads, per message, and their ratio ostium/tokio. A count, not a time: it repeats from \
run to run on a busy machine. Valgrind runs the servers' own code tens of times slower, so \
the timings are valgrind's and their ratios are not printed. --seconds defaults to 3 in this \
mode; the dumps are kept for callgrind_annotate. Valgrind fails system calls it does not \
implement with ENOSYS (3.19 lacks epoll_pwait2; echo-server then falls back to epoll_wait).";

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
#[command(version, after_help = AFTER_HELP)]
struct Args {
    /// Connections, each with one message in flight (a comma-separated list runs each).
    #[arg(long, value_delimiter = ',', default_value = "50")]
    connections: Vec<usize>,
    /// Message sizes in bytes (a comma-separated list runs each).
    #[arg(long, value_delimiter = ',', default_value = "64,4096")]
    sizes: Vec<usize>,
    /// Seconds measured per run [default: 10, or 3 with --callgrind].
    #[arg(long)]
    seconds: Option<f64>,
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
    /// Run the servers under valgrind's callgrind and count their user-space instructions
    /// per message (see below).
    #[arg(long)]
    callgrind: bool,
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
    let seconds = args.seconds.unwrap_or(if args.callgrind { CALLGRIND_SECONDS } else { SECONDS });
    let measure = Duration::try_from_secs_f64(seconds).context("--seconds")?;
    let warmup = Duration::try_from_secs_f64(args.warmup).context("--warmup")?;
    ensure!(!measure.is_zero(), "--seconds: more than 0");
    let programs =
        [locate(&CONTENDERS[0], &args.echo_server)?, locate(&CONTENDERS[1], &args.tokio_echo)?];
    let callgrind = if args.callgrind {
        let dir = std::env::temp_dir().join(format!("echo-bench-callgrind.{}", std::process::id()));
        Some(Callgrind::find(dir).context("--callgrind")?)
    } else {
        None
    };
    ostium_sys::raise_fd_limit().context("raising the descriptor limit")?;
    let pinning = plan_pinning(args.no_pin)?;
    let rate = TickRate::detect();
    let plan = Plan { warmup, measure, pinning, rate, callgrind: callgrind.as_ref() };
    let result = bench(&args, &programs, &plan);
    if let Some(callgrind) = &callgrind {
        callgrind.tidy();
    }
    result
}

/// How every run is made.
struct Plan<'a> {
    warmup: Duration,
    measure: Duration,
    pinning: Pinning,
    rate: TickRate,
    /// Under `--callgrind`, how the servers are run under it.
    callgrind: Option<&'a Callgrind>,
}

/// Runs every load on both servers and prints the table and the ratios.
fn bench(args: &Args, programs: &[PathBuf; 2], plan: &Plan) -> Result<()> {
    print_plan(args, programs, plan);
    let (medians, dumps) = run_all(args, programs, plan)?;
    println!();
    if args.rounds > 1 {
        println!("medians of {} rounds:", args.rounds);
    }
    match plan.callgrind {
        Some(_) => print_instructions(&medians, &dumps),
        None => print_comparisons(&medians),
    }
    Ok(())
}

/// Prints what is about to run, and how.
fn print_plan(args: &Args, programs: &[PathBuf; 2], plan: &Plan) {
    let (warmup, measure) = (plan.warmup, plan.measure);
    if cfg!(debug_assertions) {
        println!("warning: a debug build of the harness; numbers mean little (use --release)");
    }
    let runs = args.connections.len() * args.sizes.len() * CONTENDERS.len() * args.rounds;
    let per_run = warmup + measure;
    let mode = if plan.callgrind.is_some() { " --callgrind" } else { "" };
    println!(
        "echo-bench{mode}: {runs} runs of {per_run:.1?} ({warmup:.1?} warm-up, {measure:.1?} measured)"
    );
    for (contender, program) in CONTENDERS.iter().zip(programs) {
        let under = if plan.callgrind.is_some() { "valgrind --tool=callgrind … " } else { "" };
        println!(
            "  {:<7} {under}{} {}",
            contender.name,
            program.display(),
            contender.args.join(" ")
        );
    }
    match plan.pinning {
        Pinning::Cpus { server, generator } => {
            println!(
                "  pinning: each server on CPU {server}, the load generator on CPU {generator}"
            )
        }
        Pinning::Off(why) => println!("  pinning: off ({why})"),
    }
    let rate = plan.rate;
    let source = if rate.assumed { "assumed, getconf failed" } else { "from getconf" };
    println!(
        "  CPU time: utime and stime from /proc, CLK_TCK {} Hz ({source}); usr µs/msg is utime \
         alone, to within one tick ({:.0?}) per window",
        rate.hz,
        Duration::from_secs(1) / rate.hz as u32
    );
    if let Some(callgrind) = plan.callgrind {
        println!(
            "  callgrind: {}; counters zeroed as the window opens (callgrind_control --zero) and \
             dumped as it closes (--dump), into {}",
            callgrind.version(),
            callgrind.dir().display()
        );
    }
    println!();
    println!("{}", Row::header(plan.callgrind.is_some()));
}

/// Runs every load on both servers, in alternating order round after round, printing each
/// run's row: the medians of each load's rounds, and the callgrind dumps.
fn run_all(
    args: &Args,
    programs: &[PathBuf; 2],
    plan: &Plan,
) -> Result<(Vec<[Row; 2]>, Vec<Dump>)> {
    let (warmup, measure) = (plan.warmup, plan.measure);
    let mut medians = Vec::new();
    let mut dumps = Vec::new();
    for &connections in &args.connections {
        for &size in &args.sizes {
            let mut rows: [Vec<Row>; 2] = Default::default();
            for round in 0..args.rounds {
                let order = if round % 2 == 0 { [0, 1] } else { [1, 0] };
                for i in order {
                    let (contender, program) = (&CONTENDERS[i], &programs[i]);
                    let load = |addr| Load { addr, connections, size, warmup, measure };
                    let (row, dump) = run(contender, program, load, plan).with_context(|| {
                        format!("{} with {size} B × {connections} connections", contender.name)
                    })?;
                    println!("{}", row.line());
                    rows[i].push(row);
                    dumps.extend(dump);
                }
            }
            medians.push([report::median(&rows[0]), report::median(&rows[1])]);
        }
    }
    Ok((medians, dumps))
}

/// Under callgrind: instructions per message, and where the dumps are.
fn print_instructions(medians: &[[Row; 2]], dumps: &[Dump]) {
    println!(
        "user-space instructions per message (callgrind's Ir: the server's code and its \
         libraries, all threads; not the kernel's):"
    );
    for [ostium, tokio] in medians {
        println!("{}", report::instructions_comparison(ostium, tokio));
    }
    println!(
        "note: valgrind runs the servers' own code tens of times slower (the kernel's at full \
         speed), so msgs/s, latencies and CPU times above are valgrind's, not the servers': \
         their ratios mean nothing and are not given; Ir/msg is a count, not a time, and \
         repeats from run to run"
    );
    let files: Vec<String> =
        dumps.iter().flat_map(|d| &d.files).map(|f| f.display().to_string()).collect();
    println!("dumps (callgrind_annotate FILE shows where the instructions go):");
    for file in files {
        println!("  {file}");
    }
}

/// The ratios of each load's medians.
fn print_comparisons(medians: &[[Row; 2]]) {
    for [ostium, tokio] in medians {
        println!("{}", report::comparison(ostium, tokio));
    }
    if medians.iter().flatten().any(|row| row.generator_cpu_pct >= 90.0) {
        println!(
            "note: the load generator used ≥ 90% of its CPU in some runs, so msgs/s may be its limit \
             rather than the server's; srv µs/msg and usr µs/msg compare the servers regardless"
        );
    }
}

/// Starts the server (under callgrind if the plan says so), pins it, applies the load from a
/// pinned thread, and stops the server; under callgrind, also returns the window's dump.
fn run(
    contender: &Contender,
    program: &Path,
    load: impl FnOnce(std::net::SocketAddr) -> Load,
    plan: &Plan,
) -> Result<(Row, Option<Dump>)> {
    let server = match plan.callgrind {
        None => Server::start(contender.name, program, contender.args)?,
        Some(callgrind) => {
            let (valgrind, args) = callgrind.wrap(contender.name, program, contender.args);
            Server::start_within(contender.name, &valgrind, &args, CALLGRIND_START)?
        }
    };
    let generator_cpu = match plan.pinning {
        Pinning::Cpus { server: cpu, generator } => {
            server.pin(cpu)?;
            Some(generator)
        }
        Pinning::Off(_) => None,
    };
    let load = load(server.addr());
    let pid = server.pid();
    let server_clock = CpuClock::process(pid, plan.rate);
    let mut dump = None;
    let mut at_edge = |edge| -> Result<()> {
        let Some(callgrind) = plan.callgrind else { return Ok(()) };
        match edge {
            Edge::Opening => callgrind.zero(pid),
            Edge::Closed => {
                dump = Some(callgrind.dump(contender.name, pid)?);
                Ok(())
            }
        }
    };
    let outcome = std::thread::scope(|scope| {
        let generator = scope.spawn(|| {
            if let Some(cpu) = generator_cpu {
                ostium_sys::pin_current_thread(cpu).context("pinning the load generator")?;
            }
            let generator_clock = CpuClock::current_thread(plan.rate);
            loadgen::run(&load, &server_clock, &generator_clock, &mut at_edge)
        });
        generator.join().map_err(|_| anyhow!("the load generator panicked"))?
    });
    let outcome = match outcome {
        Ok(outcome) => outcome,
        Err(err) => return Err(explain_unhandled_syscalls(err, &server)),
    };
    drop(server);
    let instructions = dump.as_ref().map(|d| d.instructions);
    Ok((Row::new(contender.name, &load, &outcome, instructions), dump))
}

/// `err`, with what valgrind said about system calls it does not implement, if it said
/// anything: valgrind fails them with `ENOSYS`, and a server that does not expect that stops.
fn explain_unhandled_syscalls(err: anyhow::Error, server: &Server) -> anyhow::Error {
    // Valgrind warns before it fails the call; give the warning time to be read.
    std::thread::sleep(Duration::from_millis(100));
    let unhandled = server.unhandled_syscalls();
    if unhandled.is_empty() {
        return err;
    }
    err.context(format!(
        "valgrind does not implement a system call the server made, and fails it with ENOSYS: \
         {}",
        unhandled.join("; ")
    ))
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
