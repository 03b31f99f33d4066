//! A door that hands each caller an open file: the caller names a file in the arguments and
//! gets back a descriptor for it, opened read-only by the server (which may be able to open
//! files the caller cannot: the door decides, knowing who calls).
//!
//! `cargo run -p ostium --example door-fd-server -- PATH`, then
//! `cargo run -p ostium --example door-fd-client -- PATH /etc/hostname`. SIGINT or
//! SIGTERM revoke the door (its file is removed) and stop it.
//!
//! Operations: `1` (OPEN): the arguments are a file name; the reply carries one descriptor,
//! or the application error `2` with the reason as its data. Arguments that are not UTF-8
//! get the fault `BAD_MESSAGE`.

use clap::Parser;
use ostium::wire::Fault;
use ostium::{Answer, Door};
use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

/// The operation that opens a file.
const OPEN: u32 = 1;
/// The application error for a file that could not be opened.
const NOT_OPENED: u32 = 2;

/// Serves a door that opens files for its callers (operation 1, OPEN: the arguments name
/// the file; the reply carries its descriptor, or error 2 with the reason).
#[derive(Parser)]
struct Args {
    /// Where to serve the door.
    #[arg(default_value = "/tmp/files.door")]
    path: std::path::PathBuf,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let mut signals = Signals::new([SIGINT, SIGTERM])?;
    let door = Door::builder(&args.path).serve(|request| {
        if request.op != OPEN {
            return Answer::fault(Fault::UnknownOperation);
        }
        let Ok(name) = std::str::from_utf8(request.args) else {
            return Answer::fault(Fault::BadMessage);
        };
        match std::fs::File::open(name) {
            Ok(file) => Answer::ok(Vec::new()).with_fds([file.into()]),
            Err(err) => Answer::error(NOT_OPENED, err.to_string()),
        }
    })?;
    println!("serving {}", door.path().display());
    signals.forever().next();
    drop(door);
    Ok(())
}
