//! Calls the `door-echo-server` example's operation 1 (ECHO) with the words given and
//! prints the reply: `cargo run -p ostium --example door-echo-client -- PATH WORDS…`.

use clap::Parser;
use ostium::Client;

/// Calls a door's operation 1 (ECHO) with the words given, and prints the reply.
#[derive(Parser)]
struct Args {
    /// The door to call.
    #[arg(default_value = "/tmp/echo.door")]
    path: std::path::PathBuf,
    /// The words to send.
    words: Vec<String>,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let client = Client::open(&args.path)?;
    let reply = client.call(1, args.words.join(" ").as_bytes())?;
    println!("{}", String::from_utf8_lossy(&reply.data));
    Ok(())
}
