//! `hello`: the hello web application of Ostium. It serves its pages on a door with
//! [`ostium_http::serve`], and ostiumd puts it on the network:
//!
//! ```text
//! cargo run --release -p ostiumd -- --config examples/hello/ostiumd.conf
//! curl http://127.0.0.1:8080/
//! ```
//!
//! The door's path comes from `--door PATH` or the environment variable `OSTIUM_DOOR`
//! (ostiumd's `exec` can pass either). It prints `serving at PATH` on standard output once
//! the door takes calls, and stops cleanly on SIGINT or SIGTERM: the door is revoked
//! (its file removed) and the requests in flight finish.

mod pages;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use anyhow::Context as _;
use clap::Parser;
use ostium::DoorOptions;
use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

/// Serve the hello pages on a door.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// The door's path.
    #[arg(long, env = "OSTIUM_DOOR")]
    door: PathBuf,
    /// The most threads serving requests at once.
    #[arg(long, default_value_t = 64)]
    max_threads: usize,
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
    // Installed before the door exists, so that a signal in between is not lost.
    let mut signals = Signals::new([SIGINT, SIGTERM]).context("installing signal handlers")?;
    let options = DoorOptions { max_threads: args.max_threads.max(1), ..DoorOptions::default() };
    let door = ostium_http::serve(&args.door, options, pages::handle)
        .with_context(|| format!("cannot serve at {}", args.door.display()))?;

    tracing::info!(door = %args.door.display(), "serving");
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "serving at {}", args.door.display())?;
    stdout.flush()?;
    drop(stdout);

    if let Some(signal) = signals.forever().next() {
        tracing::info!(signal, "stopping");
    }
    // Dropping the door revokes it and waits for the requests in flight.
    drop(door);
    Ok(())
}
