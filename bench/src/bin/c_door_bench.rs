//! `c-door-bench`: a C `door_call` round trip (a C client calling a C door, both built
//! against libdoor) against the Rust client calling a Rust door, and against a C
//! `SOCK_SEQPACKET` ping-pong, of the same sizes, in one run; prints the medians of
//! alternating rounds and the ratio C/Rust (target: the C path within 1.1× of the Rust one).
//!
//! `cargo build --release -p ostium-bench && target/release/c-door-bench` (the machine's
//! `cc` builds the C programs; libdoor is this package's dependency, built beside it).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use clap::Parser;
use ostium::{Answer, Client, Door};

/// Times C door calls against Rust door calls and a C socket ping-pong.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// Seconds measured per run (after 0.3 s of warm-up).
    #[arg(long, default_value_t = 2.0)]
    seconds: f64,
    /// Rounds of every run, in alternating order; the table gives their medians.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// Bytes of arguments per call, echoed back.
    #[arg(long, value_delimiter = ',', default_value = "8,4096")]
    sizes: Vec<usize>,
    /// Internal: serve a Rust echo door at this path (the Rust arm's server process).
    #[arg(long, hide = true)]
    serve_rust: Option<PathBuf>,
}

/// One measured run: calls, p50 and p99 in nanoseconds.
#[derive(Clone, Copy, Debug)]
struct Run {
    calls: u64,
    p50: u64,
    p99: u64,
}

/// What is measured.
const ARMS: [&str; 5] = ["c-door", "rust-door", "c-to-rust", "rust-to-c", "c-socket"];

fn main() -> Result<()> {
    let args = Args::parse();
    if let Some(path) = &args.serve_rust {
        return serve_rust(path);
    }
    let dir = std::env::temp_dir().join(format!("c-door-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let programs = Programs::build(&dir)?;
    let c_door = dir.join("c.door");
    let rust_door = dir.join("rust.door");
    let _c_server = Server::start(Command::new(&programs.server).arg(&c_door), &c_door)?;
    let exe = std::env::current_exe()?;
    let _rust_server =
        Server::start(Command::new(exe).arg("--serve-rust").arg(&rust_door), &rust_door)?;
    println!(
        "c-door-bench: {} rounds of {:.1} s per arm and size, unpinned, client and server in separate processes",
        args.rounds, args.seconds
    );
    println!("{:<10} {:>6} {:>10} {:>9} {:>9}", "arm", "size", "calls/s", "p50 µs", "p99 µs");
    for &size in &args.sizes {
        let mut runs: Vec<Vec<Run>> = vec![Vec::new(); ARMS.len()];
        for round in 0..args.rounds {
            let mut order: Vec<usize> = (0..ARMS.len()).collect();
            if round % 2 == 1 {
                order.reverse();
            }
            for arm in order {
                let run = match ARMS[arm] {
                    "c-door" => programs.c_client(&c_door, size, args.seconds)?,
                    "rust-door" => rust_client(&rust_door, size, args.seconds)?,
                    "c-to-rust" => programs.c_client(&rust_door, size, args.seconds)?,
                    "rust-to-c" => rust_client(&c_door, size, args.seconds)?,
                    _ => programs.socket(size, args.seconds)?,
                };
                runs[arm].push(run);
            }
        }
        let medians: Vec<Run> = runs.iter().map(|r| median(r)).collect();
        for (arm, run) in ARMS.iter().zip(&medians) {
            let rate = run.calls as f64 / args.seconds;
            println!("{arm:<10} {size:>6} {rate:>10.0} {:>9.1} {:>9.1}", us(run.p50), us(run.p99));
        }
        let (c, rust) = (medians[0], medians[1]);
        let ratio = c.p50 as f64 / rust.p50 as f64;
        let verdict = if ratio <= 1.1 { "met" } else { "NOT met" };
        println!(
            "{size} B: C/Rust p50 {ratio:.2}× ({:.1} / {:.1} µs; target ≤ 1.10×: {verdict}); calls/s C/Rust {:.2}×; door/socket p50 C {:.2}×",
            us(c.p50),
            us(rust.p50),
            c.calls as f64 / rust.calls as f64,
            c.p50 as f64 / medians[4].p50 as f64
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

fn us(ns: u64) -> f64 {
    ns as f64 / 1000.0
}

/// The run of median p50 among `runs`.
fn median(runs: &[Run]) -> Run {
    let mut sorted = runs.to_vec();
    sorted.sort_by_key(|run| run.p50);
    sorted[sorted.len() / 2]
}

/// The Rust arm's server: an echo door, served until killed.
fn serve_rust(path: &Path) -> Result<()> {
    let _door = Door::builder(path).serve(|request| Answer::ok(request.args.to_vec()))?;
    loop {
        std::thread::park();
    }
}

/// The Rust arm's caller, timed as `bench/c/door_client.c` times its calls.
fn rust_client(path: &Path, size: usize, seconds: f64) -> Result<Run> {
    let client = Client::open(path)?;
    let args = vec![0u8; size];
    let warm_end = Instant::now() + Duration::from_millis(300);
    let end = warm_end + Duration::from_secs_f64(seconds);
    let mut samples = Vec::with_capacity(1 << 20);
    loop {
        let start = Instant::now();
        if start >= end {
            break;
        }
        let reply = client.call(1, &args)?;
        ensure!(reply.data.len() == size, "the echo came back short");
        if start >= warm_end {
            samples.push(start.elapsed().as_nanos() as u64);
        }
    }
    samples.sort_unstable();
    let n = samples.len();
    Ok(Run { calls: n as u64, p50: samples[n / 2], p99: samples[n * 99 / 100] })
}

/// The C programs, built with `-O2` against the libdoor cargo built beside this program.
struct Programs {
    server: PathBuf,
    client: PathBuf,
    socket: PathBuf,
}

impl Programs {
    fn build(dir: &Path) -> Result<Programs> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        Ok(Programs {
            server: cc(&root.join("examples/c/echo-server.c"), dir)?,
            client: cc(&root.join("bench/c/door_client.c"), dir)?,
            socket: cc(&root.join("bench/c/socket_pingpong.c"), dir)?,
        })
    }

    fn c_client(&self, door: &Path, size: usize, seconds: f64) -> Result<Run> {
        let mut command = Command::new(&self.client);
        command.arg(door).arg(size.to_string()).arg(seconds.to_string());
        measured(command)
    }

    fn socket(&self, size: usize, seconds: f64) -> Result<Run> {
        let mut command = Command::new(&self.socket);
        command.arg(size.to_string()).arg(seconds.to_string());
        measured(command)
    }
}

/// Compiles `source` into `dir` against libdoor.
fn cc(source: &Path, dir: &Path) -> Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let lib = exe.parent().context("this program's directory")?.join("deps");
    ensure!(lib.join("libdoor.so").exists(), "libdoor.so not built in {}", lib.display());
    let include = Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/ostium-c/include");
    let out = dir.join(source.file_stem().context("a file name")?);
    let output = Command::new("cc")
        .args(["-O2", "-std=c99", "-I"])
        .arg(include)
        .arg(source)
        .arg("-o")
        .arg(&out)
        .arg("-L")
        .arg(&lib)
        .arg("-ldoor")
        .arg(format!("-Wl,-rpath,{}", lib.display()))
        .arg("-Wl,--disable-new-dtags")
        .output()
        .context("running cc (apt-get install gcc)")?;
    if !output.status.success() {
        bail!("cc {}: {}", source.display(), String::from_utf8_lossy(&output.stderr));
    }
    Ok(out)
}

/// Runs a C measuring program and reads its "CALLS P50 P99" line.
fn measured(mut command: Command) -> Result<Run> {
    let output = command.output().context("running a C program")?;
    ensure!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let text = String::from_utf8(output.stdout)?;
    let numbers: Vec<u64> = text.split_whitespace().map(str::parse).collect::<Result<_, _>>()?;
    let [calls, p50, p99] = numbers[..] else { bail!("unexpected output {text:?}") };
    Ok(Run { calls, p50, p99 })
}

/// A server process serving its door until dropped.
struct Server(Child);

impl Server {
    /// Starts `command` and waits for its door to answer.
    fn start(command: &mut Command, door: &Path) -> Result<Server> {
        let child = command.stdout(Stdio::null()).spawn().context("starting a server")?;
        let server = Server(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Client::open(door).and_then(|c| c.ping()).is_err() {
            ensure!(Instant::now() < deadline, "{} never answered", door.display());
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(server)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
