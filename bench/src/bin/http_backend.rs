//! `http-backend`: a minimal synchronous HTTP/1.1 server on a Unix socket, a thread per
//! connection, answering every request with the same body; the application nginx proxies
//! to in `ostiumd-bench` (see `ostium_bench::ostiumd_bench::backend`).
//!
//! ```text
//! http-backend --socket /tmp/backend.sock --body hello-ostium
//! curl --unix-socket /tmp/backend.sock http://localhost/
//! ```
//!
//! It prints `listening on PATH` once it accepts connections and runs until killed.

use std::path::PathBuf;

use clap::Parser;

/// Serves a fixed body over HTTP/1.1 on a Unix socket, a thread per connection.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// The socket's path (a stale file there is replaced).
    #[arg(long)]
    socket: PathBuf,
    /// The body of every response.
    #[arg(long)]
    body: String,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    // Leaked once: every connection's thread answers with it until the process ends.
    let body: &'static [u8] = args.body.into_bytes().leak();
    ostium_bench::ostiumd_bench::backend::serve(&args.socket, body)
}
