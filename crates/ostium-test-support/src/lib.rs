//! What Ostium's test suites share, so that each is written once: [`door_path`], a fresh
//! path for a door, [`proc`], readings of a running process from `/proc`: how often its
//! threads woke, the CPU time and memory it used, its descriptors and threads, and
//! [`python`], a door of the Python package to call.
//!
//! A dev-dependency of the crates whose tests use it; nothing here is for production.
//!
//! ```
//! let path = ostium_test_support::door_path("doc", "example.door");
//! assert!(!path.exists());
//! let me = std::process::id();
//! assert!(ostium_test_support::proc::threads(me) >= 1);
//! assert!(ostium_test_support::proc::rss(me) > 0);
//! ```

pub mod proc;
pub mod python;

use std::path::PathBuf;

/// A path for a door called `name`, in this test process's own directory for `suite`
/// under the temporary directory, with nothing at it.
pub fn door_path(suite: &str, name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("{suite}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|err| panic!("{}: {err}", dir.display()));
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    path
}
