//! Door paths for tests: unique per process and call, under the system's temporary folder.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

/// A fresh door path.
pub(crate) fn door_path(name: &str) -> PathBuf {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir().join(format!("idl-kv-{}-{name}-{n}.door", std::process::id()))
}
