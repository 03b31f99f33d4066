//! A door that echoes its arguments: `cargo run -p ostium --example door-echo-server --
//! PATH` serves at PATH (default `/tmp/echo.door`) until SIGINT or SIGTERM, which revoke
//! the door (its file is removed) and wait for the calls in flight; call it with the
//! `door-echo-client` example.
//!
//! Operations: `1` (ECHO) replies with its arguments; any other is answered with the fault
//! `UNKNOWN_OPERATION`. `PING` is answered by the runtime.

use clap::Parser;
use ostium::{Answer, Door};
use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

/// The operation that echoes.
const ECHO: u32 = 1;

/// Serves a door that echoes its callers' arguments (operation 1, ECHO).
#[derive(Parser)]
struct Args {
    /// Where to serve the door.
    #[arg(default_value = "/tmp/echo.door")]
    path: std::path::PathBuf,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    // Before the door exists, so that a signal in between is not lost.
    let mut signals = Signals::new([SIGINT, SIGTERM])?;
    let door = Door::builder(&args.path).serve(|request| match request.op {
        ECHO => Answer::ok(request.args),
        _ => Answer::fault(ostium::wire::Fault::UnknownOperation),
    })?;
    println!("serving {} (instance {})", door.path().display(), door.instance());
    signals.forever().next();
    // Dropping the door revokes it (removing its file) and waits for the calls in flight.
    drop(door);
    Ok(())
}
