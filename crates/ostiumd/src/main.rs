//! `ostiumd`: for now, `ostiumd --check CONFIG` only — it reads a configuration, prints
//! every error (file, line, column, the text) and exits 1, or prints `ok` and the forwards
//! and exits 0. The daemon itself comes with the engine.

#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

/// Ports to doors: forwards network ports to the doors of the applications serving them.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// Check the configuration file CONFIG, print what it forwards, and exit.
    #[arg(long, value_name = "CONFIG")]
    check: PathBuf,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let name = args.check.display().to_string();
    let bytes = match std::fs::read(&args.check) {
        Ok(bytes) => bytes,
        Err(e) => {
            eprintln!("error: cannot read {name}: {e}");
            return ExitCode::FAILURE;
        }
    };
    match ostiumd::config::parse_bytes(&name, &bytes) {
        Ok(config) => {
            let n = config.forwards.len();
            println!("ok: {name}: {n} forward{}", if n == 1 { "" } else { "s" });
            for forward in &config.forwards {
                println!("  {forward}");
            }
            ExitCode::SUCCESS
        }
        Err(errors) => {
            eprintln!("{errors}");
            let n = errors.0.len();
            eprintln!("\n{name}: {n} error{}", if n == 1 { "" } else { "s" });
            ExitCode::FAILURE
        }
    }
}
