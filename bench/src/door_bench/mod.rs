//! `door-bench`: a door call's round trip against its peers, a raw SEQPACKET ping-pong and
//! gRPC (tonic), with client and server in separate processes, nothing pinned; and a door's
//! lease throughput against a memcpy.
//!
//! - [`cli`]: the command line, the measuring run and the hidden `serve` subcommand.
//! - [`peer`]: the peers, each one's server and its callers.
//! - [`grpc`]: the hand-written tonic service and client.
//! - [`child`]: a peer's server as a child process, killed on drop.
//! - [`measure`]: one load, its callers and what it saw.
//! - [`table`]: the rows and the ratios.
//! - [`lease`]: lease throughput, the door server's lease operations and their caller,
//!   and the memcpy they are held against; [`lease_table`]: its rows and ratios.

pub mod child;
pub mod cli;
pub mod grpc;
pub mod lease;
pub mod lease_table;
pub mod measure;
pub mod peer;
pub mod raw_lanes;
pub mod table;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use anyhow::{Context, Result};

/// A directory of its own for the servers' sockets, removed (with what is in it) on drop.
#[derive(Debug)]
pub struct SocketDir {
    path: PathBuf,
}

impl SocketDir {
    /// Creates `door-bench.PID.N` in the temporary directory (N counts the directories this
    /// process made).
    pub fn create() -> Result<SocketDir> {
        SocketDir::create_for("door-bench")
    }

    /// Creates `PROGRAM.PID.N` in the temporary directory.
    pub fn create_for(program: &str) -> Result<SocketDir> {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("{program}.{}.{n}", std::process::id()));
        std::fs::create_dir(&path).with_context(|| format!("creating {}", path.display()))?;
        Ok(SocketDir { path })
    }

    /// Where it is.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for SocketDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn socket_dirs_are_distinct_and_removed() {
        let (a, b) = (SocketDir::create().unwrap(), SocketDir::create().unwrap());
        assert_ne!(a.path(), b.path());
        std::fs::write(a.path().join("x"), b"").unwrap();
        let path = a.path().to_path_buf();
        drop(a);
        assert!(!path.exists());
        // A socket path must fit in `sun_path` (108 bytes with its terminating zero).
        assert!(b.path().join("tonic.sock").as_os_str().len() < 100);
    }
}
