//! Duplicating a descriptor: a second, independently owned number for the same open file.
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
}
