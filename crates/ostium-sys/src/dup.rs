//! Duplicating a descriptor: a second, independently owned number for the same open file;
//! and the status flag all such numbers share, `O_NONBLOCK`.
//!
//! The reactor keeps its own duplicate of each descriptor it watches for a service, so that
//! it can always remove its epoll registration exactly, whatever the service does with its
//! own number (see `ostium-reactor`'s crate doc).

use std::io;
use std::os::fd::{AsFd, OwnedFd};

use crate::error::Named;

/// `fcntl(fd, F_DUPFD_CLOEXEC, 3)`: a new descriptor, close-on-exec, for the same open file
/// description as `fd` (same offset, same status flags such as `O_NONBLOCK`). Closing
/// either leaves the other open; the file itself closes with the last of them.
///
/// Numbers below 3 are never returned, so a duplicate cannot take the place of a closed
/// standard stream.
pub fn duplicate_fd(fd: &impl AsFd) -> io::Result<OwnedFd> {
    rustix::io::fcntl_dupfd_cloexec(fd, 3).named(|| "fcntl(F_DUPFD_CLOEXEC)")
}

/// `fcntl(fd, F_GETFL)`: whether the open file is in non-blocking mode (`O_NONBLOCK`), as
/// every descriptor of it sees (the flag belongs to the open file, not the number).
pub fn is_nonblocking(fd: &impl AsFd) -> io::Result<bool> {
    let flags = rustix::fs::fcntl_getfl(fd).named(|| "fcntl(F_GETFL)")?;
    Ok(flags.contains(rustix::fs::OFlags::NONBLOCK))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustix::pipe::{PipeFlags, pipe_with};

    #[test]
    fn a_duplicate_reaches_the_same_pipe_and_outlives_the_original() {
        let (read, write) = pipe_with(PipeFlags::CLOEXEC).unwrap();
        let copy = duplicate_fd(&write).unwrap();
        drop(write);
        rustix::io::write(&copy, b"hi").unwrap();
        let mut buf = [0u8; 2];
        rustix::io::read(&read, &mut buf).unwrap();
        assert_eq!(&buf, b"hi");
        let flags = rustix::io::fcntl_getfd(&copy).unwrap();
        assert!(flags.contains(rustix::io::FdFlags::CLOEXEC));
    }

    #[test]
    fn non_blocking_mode_is_the_open_files_and_every_copy_sees_it() {
        let (read, _write) = pipe_with(PipeFlags::CLOEXEC).unwrap();
        let copy = duplicate_fd(&read).unwrap();
        assert!(!is_nonblocking(&copy).unwrap());
        rustix::io::ioctl_fionbio(&read, true).unwrap();
        assert!(is_nonblocking(&copy).unwrap());
    }
}
