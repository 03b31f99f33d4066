//! `idl-bench`: what a generated Idol stub adds to a door call.
//!
//! One server, idl-kv's generated `Events` served `InOrder` on a door of this process, is
//! called in the same run through two clients, each on its own connection:
//!
//! - `stub`: the generated client (`idl_kv::events::Events`), which encodes the arguments
//!   (a zerocopy struct), calls through `ostium_rpc::Stub` (retrying idempotent operations
//!   across server deaths), and decodes the reply;
//! - `raw`: `ostium::Client::call` with the same operation number and argument bytes, and
//!   the reply's bytes read by hand: the door call alone.
//!
//! Two operations: `handled` (no arguments, a `u32` reply, idempotent) and `set_mask` (a
//! `u32` argument, a `()` reply, not idempotent). For each, the arms alternate in rounds
//! (`--rounds`, each `--calls` calls after a warm-up), so that drift of the machine hits
//! both alike; a row gives each arm's median time per call over the rounds and the stub's
//! overhead, `stub / raw − 1` (target ≤ 5 %). The server runs in this process, on the
//! door's own threads: both arms pay the same socket round trip and thread handoff.
//!
//! Measured on the 2-CPU development machine (15 rounds of 20 000 calls, under the CPU
//! lock): about 10 µs a call for either arm, the stub's overhead −0.3 % to 1.2 % over two
//! runs. The stub's own work (a 4-byte struct, a deadline check, a match on the status) is
//! nanoseconds against a round trip through the kernel and two thread wakeups.
//!
//! ```text
//! cargo build --release -p ostium-bench
//! flock /tmp/ostium-cpu.lock target/release/idl-bench --rounds 15 --calls 20000
//! ```

mod arms;
mod measure;

use std::time::Duration;

use idl_kv::events::{Events, EventsServer};
use idl_kv::{Log, Watcher};
use ostium::{Client, DoorOptions};

use arms::Arm;

/// What to run.
#[derive(clap::Parser, Debug)]
#[command(name = "idl-bench", about = "A generated Idol stub's call against a raw door call")]
pub(crate) struct Config {
    /// Rounds per operation; each round times both arms.
    #[arg(long, default_value_t = 11)]
    pub(crate) rounds: usize,
    /// Calls per arm and round.
    #[arg(long, default_value_t = 20_000)]
    pub(crate) calls: u32,
}

/// One operation's figures.
#[derive(Debug)]
pub(crate) struct Row {
    op: &'static str,
    raw: Duration,
    stub: Duration,
}

impl Row {
    /// `stub / raw − 1`, in percent.
    fn overhead(&self) -> f64 {
        (self.stub.as_secs_f64() / self.raw.as_secs_f64() - 1.0) * 100.0
    }
}

/// Serves `Events`, then measures each operation's two arms.
pub(crate) fn run(config: &Config) -> anyhow::Result<Vec<Row>> {
    let path = std::env::temp_dir().join(format!("idl-bench-{}.door", std::process::id()));
    let _served =
        EventsServer::serve_in_order(&path, DoorOptions::default(), Watcher::new(Log::default()))?;
    let stub = Events::open(&path)?;
    let raw = Client::open(&path)?;
    let mut rows = Vec::new();
    for op in arms::OPS {
        let arms = [Arm::Raw, Arm::Stub];
        let [raw_median, stub_median] =
            measure::alternate(config, &arms, |arm| arm.call(op, &stub, &raw))?;
        rows.push(Row { op: op.name(), raw: raw_median, stub: stub_median });
    }
    Ok(rows)
}

/// Prints the table.
pub(crate) fn print(config: &Config, rows: &[Row]) {
    println!(
        "idl-bench: {} rounds of {} calls per arm; medians per call",
        config.rounds, config.calls
    );
    println!("{:<10} {:>12} {:>12} {:>10}", "op", "raw", "stub", "overhead");
    for row in rows {
        println!(
            "{:<10} {:>10.0}ns {:>10.0}ns {:>9.1}%",
            row.op,
            row.raw.as_secs_f64() * 1e9,
            row.stub.as_secs_f64() * 1e9,
            row.overhead()
        );
    }
    let worst = rows.iter().map(Row::overhead).fold(f64::MIN, f64::max);
    let verdict = if worst <= 5.0 { "met" } else { "MISSED" };
    println!("target: stub overhead <= 5%: {verdict} (worst {worst:.1}%)");
}
