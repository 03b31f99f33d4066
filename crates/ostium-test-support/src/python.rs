//! The Python package of `python/` as a peer: [`PythonDoor`] serves
//! `python/tests/peers/echo_door.py` (operation 1 echoes; see the script for the others)
//! for the Rust and C suites that call a Python door.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The package's directory, `python/` in the workspace.
pub fn package_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../python")
}

/// A Python door serving at a path until dropped (then killed and reaped, even when a test
/// panics, so that it never keeps the test's output open).
#[derive(Debug)]
pub struct PythonDoor(Child);

impl PythonDoor {
    /// Starts `echo_door.py` at `path` and waits until it says it serves.
    pub fn start(path: &Path) -> PythonDoor {
        let child = Command::new("python3")
            .arg(package_dir().join("tests/peers/echo_door.py"))
            .arg(path)
            .stdout(Stdio::piped())
            .spawn()
            .expect("start python3");
        let mut door = PythonDoor(child);
        let mut ready = String::new();
        let stdout = door.0.stdout.take().expect("its stdout");
        BufReader::new(stdout).read_line(&mut ready).expect("read its first line");
        assert_eq!(ready, "ready\n", "the Python door started");
        door
    }
}

impl Drop for PythonDoor {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
