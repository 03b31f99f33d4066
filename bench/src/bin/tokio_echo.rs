//! `tokio-echo`: a TCP echo server on tokio's `current_thread` runtime, the peer that
//! `echo-bench` measures Ostium's `echo-server` against.
//!
//! Written the way a tokio user would write it: an accept loop that spawns one task per
//! connection, each reading into its own buffer and writing back with `write_all`, with
//! TCP_NODELAY set. Once bound it prints `listening on ADDR` on stdout; it exits when its
//! stdin closes (so it dies with the harness that started it) or on SIGTERM/SIGINT.
//!
//! ```text
//! tokio-echo [--listen 127.0.0.1:0]
//! ```
//!
//! It also accepts `echo-server`'s `--threads 1`, `--status-interval` and `--max-connections`
//! (the last two ignored), so that it can stand in for `echo-server` when testing the harness.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{Context, Result, ensure};
use clap::Parser;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Bytes read at a time: a 4 KiB message fits with room to spare.
const BUFFER: usize = 16 * 1024;

/// A TCP echo server on a tokio current_thread runtime.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// Threads: only 1 (current_thread runtime); accepted for echo-server compatibility.
    #[arg(long, default_value_t = 1, hide = true)]
    threads: usize,
    /// Ignored; accepted for echo-server compatibility.
    #[arg(long, hide = true)]
    status_interval: Option<u64>,
    /// Ignored; accepted for echo-server compatibility.
    #[arg(long, hide = true)]
    max_connections: Option<usize>,
}

fn main() -> Result<()> {
    let args = Args::parse();
    ensure!(args.threads == 1, "tokio-echo runs on one thread (current_thread runtime)");
    exit_when_stdin_closes();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(serve(args.listen))
}

async fn serve(addr: SocketAddr) -> Result<()> {
    let listener = TcpListener::bind(addr).await.with_context(|| format!("binding {addr}"))?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "listening on {}", listener.local_addr()?)?;
    stdout.flush()?;
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                tokio::spawn(async move {
                    // A peer that resets its connection is not the server's problem.
                    let _ = echo(stream).await;
                });
            }
            Err(e) => {
                // Out of descriptors, most likely: say so, and give connections time to close.
                eprintln!("tokio-echo: accept: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

async fn echo(mut stream: TcpStream) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let mut buf = vec![0; BUFFER];
    loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        stream.write_all(&buf[..n]).await?;
    }
}

/// Exits the process when stdin reaches its end, from a thread that blocks reading it.
fn exit_when_stdin_closes() {
    std::thread::spawn(|| {
        let mut sink = [0; 256];
        let mut stdin = std::io::stdin().lock();
        while let Ok(1..) = stdin.read(&mut sink) {}
        std::process::exit(0);
    });
}
