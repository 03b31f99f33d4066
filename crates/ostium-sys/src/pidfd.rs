//! `ProcessFd`: a process as a descriptor, readable once the process has exited, so a
//! poller can watch for a client's death without a `SIGCHLD` or a pid that could be reused.

use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use rustix::process::{Pid, PidfdFlags, pidfd_open};

use crate::error::Named;

/// A pidfd (close-on-exec, as the kernel always makes them).
#[derive(Debug)]
pub struct ProcessFd {
    fd: OwnedFd,
}

impl ProcessFd {
    /// `pidfd_open(pid, 0)`: a descriptor for process `pid`, which must be alive (or a
    /// zombie) now. Linux 5.3 or later.
    pub fn open(pid: u32) -> io::Result<ProcessFd> {
        let raw = i32::try_from(pid).ok().and_then(Pid::from_raw).ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, format!("pidfd_open: {pid} is not a pid"))
        })?;
        let fd = pidfd_open(raw, PidfdFlags::empty()).named(|| format!("pidfd_open({pid})"))?;
        Ok(ProcessFd { fd })
    }
}

impl AsFd for ProcessFd {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Events, Interest, Poller, Token};
    use std::time::Duration;

    #[test]
    fn readable_once_the_process_exits() {
        let mut child = std::process::Command::new("sleep").arg("0.05").spawn().unwrap();
        let pidfd = ProcessFd::open(child.id()).unwrap();
        let poller = Poller::new().unwrap();
        poller.add(&pidfd, Token(7), Interest::READABLE).unwrap();
        let mut events = Events::with_capacity(1);
        assert_eq!(poller.wait(&mut events, Some(Duration::ZERO)).unwrap(), 0, "alive");
        assert_eq!(poller.wait(&mut events, Some(Duration::from_secs(5))).unwrap(), 1);
        child.wait().unwrap();
    }
}
