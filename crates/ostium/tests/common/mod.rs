//! What the door test suites share.

use std::path::PathBuf;

/// A path for a door called `name`, in this test process's own directory for `suite` under
/// the temporary directory, with nothing at it.
pub(crate) fn door_path(suite: &str, name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("{suite}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    path
}
