//! Helpers shared by the tests that run a loop on a thread of the test process.

#![allow(dead_code)] // each test binary uses part of it

use std::io;
use std::path::PathBuf;
use std::sync::mpsc::Receiver;
use std::thread::JoinHandle;
use std::time::Duration;

use ostium_reactor::{Config, EventLoop, LoopHandle, Service};

/// How long any single wait in these tests may take before the test fails.
pub(crate) const PATIENCE: Duration = Duration::from_secs(20);

/// Starts a loop serving `service` on a thread of its own.
pub(crate) fn spawn_loop<S: Service + Send + 'static>(
    service: S,
) -> (LoopHandle<S>, JoinHandle<io::Result<()>>) {
    let mut event_loop = EventLoop::new(Config::default(), service).unwrap();
    let handle = event_loop.handle();
    (handle, std::thread::spawn(move || event_loop.run()))
}

/// The next report from a loop, failing the test if none comes in time.
pub(crate) fn next<T>(rx: &Receiver<T>) -> T {
    rx.recv_timeout(PATIENCE).expect("the loop reported in time")
}

/// A fresh socket path in the temporary directory, unique to this process and call.
pub(crate) fn unique_path(tag: &str) -> PathBuf {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir().join(format!("ostium-reactor-{tag}-{}-{n}.sock", std::process::id()))
}
