//! `echo-server`: the final program of "async without async", on ostium-reactor.
//!
//! Echoes every byte each client sends, and every `--status-interval` tells every client
//! how many connections are active. One loop by default (the single-threaded design);
//! `--threads N` runs N loops sharing the port through `SO_REUSEPORT`.
//!
//! ```text
//! cargo run --release -p echo-server -- --listen 127.0.0.1:9000
//! ```
//!
//! It prints `listening on ADDR` on standard output once it accepts connections, and stops
//! cleanly on SIGINT or SIGTERM.

mod echo;

use std::io::{IsTerminal, Write};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;
use std::time::Duration;

use anyhow::Context as _;
use clap::Parser;
use ostium_reactor::{Config, Runner};
use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

use crate::echo::Echo;

/// Echo every byte back, and broadcast a status line to every client now and then.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// The address to listen on (IPv4 or IPv6; port 0 lets the system choose).
    #[arg(long, default_value = "127.0.0.1:9000")]
    listen: SocketAddr,
    /// Time between status broadcasts (`500ms`, `2m`, or seconds: `1.5`); 0 turns them off.
    #[arg(long, default_value = "5s", value_parser = ostium_sys::parse_duration)]
    status_interval: Duration,
    /// The most connections open at once; further ones are closed as soon as accepted.
    #[arg(long, default_value_t = 10_000)]
    max_connections: usize,
    /// Event loops (threads), each with its own SO_REUSEPORT listener.
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Pin loop i to the i-th CPU.
    #[arg(long)]
    pin: bool,
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let args = Args::parse();
    let status_interval = status_interval(args.status_interval);
    let max_connections = args.max_connections.max(1);

    // Each connection costs a descriptor; the usual soft limit of 1,024 would cap us early.
    let fd_limit = ostium_sys::raise_fd_limit().context("raising the descriptor limit")?;
    if (fd_limit as usize) < max_connections + 64 {
        tracing::warn!(
            fd_limit,
            max_connections,
            "the descriptor limit is below --max-connections"
        );
    }

    let config = Config {
        max_connections: max_connections.div_ceil(args.threads.max(1)),
        ..Config::default()
    };
    let active = Arc::new(AtomicUsize::new(0));
    let mut signals = Signals::new([SIGINT, SIGTERM]).context("installing signal handlers")?;
    let server = Runner::new()
        .threads(args.threads)
        .pin_to_cores(args.pin)
        .config(config)
        .serve(args.listen, move |_shard| Echo::new(Arc::clone(&active), status_interval))
        .with_context(|| format!("cannot serve on {}", args.listen))?;

    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "listening on {}", server.local_addr())?;
    stdout.flush()?;
    drop(stdout);

    if let Some(signal) = signals.forever().next() {
        tracing::info!(signal, "stopping");
    }
    server.stop();
    server.join().context("an event loop failed")?;
    Ok(())
}

/// The status broadcasts' period, if any.
fn status_interval(every: Duration) -> Option<Duration> {
    (!every.is_zero()).then_some(every)
}
