//! Asks the `door-fd-server` example (operation 1, OPEN) for a file and prints it, read
//! through the descriptor the server returned:
//! `cargo run -p ostium --example door-fd-client -- PATH FILE`.

use std::io::Read;

use clap::Parser;
use ostium::Client;
use ostium::wire::Status;

/// Asks a door (operation 1, OPEN) to open FILE and prints what the returned descriptor
/// reads.
#[derive(Parser)]
struct Args {
    /// The door to call.
    path: std::path::PathBuf,
    /// The file to ask for.
    file: String,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let client = Client::open(&args.path)?;
    let reply = client.call(1, args.file.as_bytes())?;
    if reply.status != Status::Ok {
        let reason = String::from_utf8_lossy(&reply.data);
        return Err(format!("the server could not open {}: {reason}", args.file).into());
    }
    let fd = reply.fds.into_iter().next().ok_or("the server returned no descriptor")?;
    let mut contents = String::new();
    std::fs::File::from(fd).read_to_string(&mut contents)?;
    print!("{contents}");
    Ok(())
}
