//! `ostium`: the command line of Ostium's doors and Idol interfaces.
//!
//! - `ostium idl check FILE…`: parses and validates `.idol` files, printing errors as rustc
//!   does (`file:line:column`, the line, a caret); exits 1 if any file has an error.
//! - `ostium idl gen FILE [--client] [--server] [-o OUT]`: prints (or writes) the generated
//!   Rust code; both halves when neither flag is given.
//! - `ostium ping DOOR`: calls the reserved `PING` and prints the round trip.
//! - `ostium describe DOOR`: the door's interface (`DESCRIBE`): name, hash, per-operation
//!   counters and the `.idol` text.
//! - `ostium call DOOR OP [ARG…]`: calls one operation. With an interface — the door's own
//!   (from `DESCRIBE`) or `--idl FILE` — `OP` is a name or number and each `ARG` is a value
//!   (`NAME=VALUE`, or positional in order) of a primitive type, encoded as the operation's
//!   encoding carries it, and the reply is decoded. Without one, or with `--hex`, `OP` is a
//!   number, the arguments are hex bytes, and the reply is printed as hex.
//!
//! Exit status: 0 on success; 1 when the tool or the call failed; 3 when the operation
//! answered with its declared error.

#![forbid(unsafe_code)]

mod call;
mod control;
mod description;
mod door;
mod hex;
mod idl;
mod man;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

/// Check and generate Idol interfaces; ping, describe and call doors.
#[derive(Parser, Debug)]
#[command(name = "ostium", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Idol interface files.
    #[command(subcommand)]
    Idl(IdlCommand),
    /// Calls a door's reserved PING operation.
    Ping {
        /// The door's path.
        door: PathBuf,
    },
    /// Prints a door's interface, its hash and its operations' counters.
    Describe {
        /// The door's path.
        door: PathBuf,
    },
    /// Calls one operation of a door.
    Call(call::CallArgs),
    /// Prints a running ostiumd's status, through its control door.
    Status {
        /// The control door (`set control` in ostiumd's configuration).
        #[arg(long, default_value = ostiumd_control::DEFAULT_PATH)]
        door: PathBuf,
    },
    /// Asks a running ostiumd to reload its configuration.
    Reload {
        /// The control door.
        #[arg(long, default_value = ostiumd_control::DEFAULT_PATH)]
        door: PathBuf,
    },
    /// Asks a running ostiumd to stop.
    Stop {
        /// The control door.
        #[arg(long, default_value = ostiumd_control::DEFAULT_PATH)]
        door: PathBuf,
    },
    /// Writes the manual pages ostium(1), ostiumd(8) and ostiumd.conf(5) into DIR.
    Man {
        /// Where to write them.
        dir: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
enum IdlCommand {
    /// Parses and validates .idol files; exits 1 if any has an error.
    Check {
        /// The files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Prints the Rust code generated from a .idol file.
    Gen {
        /// The file.
        file: PathBuf,
        /// Generate the client.
        #[arg(long)]
        client: bool,
        /// Generate the server traits and glue.
        #[arg(long)]
        server: bool,
        /// Write the code here instead of to stdout.
        #[arg(short, long)]
        out: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Idl(IdlCommand::Check { files }) => idl::check(&files),
        Command::Idl(IdlCommand::Gen { file, client, server, out }) => {
            idl::generate(&file, client, server, out.as_deref())
        }
        Command::Ping { door } => door::ping(&door),
        Command::Describe { door } => door::describe(&door),
        Command::Call(args) => call::run(&args),
        Command::Status { door } => control::status(&door),
        Command::Reload { door } => control::reload(&door),
        Command::Stop { door } => control::stop(&door),
        Command::Man { dir } => man::write_pages(&dir, Cli::command()),
    };
    match outcome {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
