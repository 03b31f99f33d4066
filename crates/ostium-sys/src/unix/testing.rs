//! Helpers shared by the tests of this module's files.

use std::os::fd::AsFd;
use std::path::PathBuf;

use rustix::io::FdFlags;

use super::Credentials;

/// Whether `fd` is close-on-exec.
pub(super) fn is_cloexec(fd: &impl AsFd) -> bool {
    rustix::io::fcntl_getfd(fd).unwrap().contains(FdFlags::CLOEXEC)
}

/// This process's credentials, as a peer sees them.
pub(super) fn ours() -> Credentials {
    Credentials {
        pid: Some(std::process::id()),
        uid: rustix::process::getuid().as_raw(),
        gid: rustix::process::getgid().as_raw(),
    }
}

/// A fresh socket path in the temporary directory, unique to this process and call.
pub(super) fn unique_path(tag: &str) -> PathBuf {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir().join(format!("ostium-sys-{tag}-{}-{n}.sock", std::process::id()))
}
