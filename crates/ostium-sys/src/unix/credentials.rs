//! Who is at the other end: [`Credentials`], and the peer's credentials and pidfd
//! ([`peer_cred`](SeqpacketConn::peer_cred), [`peer_pidfd`](SeqpacketConn::peer_pidfd)).
//!
//! # Safety
//!
//! Both are `getsockopt` calls given a pointer to a local that lives across the call and
//! its size; `SO_PEERPIDFD` then hands us a descriptor the kernel has just installed, which
//! `OwnedFd::from_raw_fd` takes exactly once.

use std::io;
use std::mem::size_of;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use rustix::io::Errno;

use super::SeqpacketConn;
use crate::error::named;

/// Who sent a message or holds the other end of a connection, as this process sees them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Credentials {
    /// The process id; `None` when that process is not visible in our pid namespace.
    pub pid: Option<u32>,
    /// The user id; the overflow uid (65534) when it has no mapping in our user namespace.
    pub uid: u32,
    /// The group id; the overflow gid (65534) when it has no mapping in our user namespace.
    pub gid: u32,
}

impl Credentials {
    pub(super) fn from_raw(pid: i32, uid: u32, gid: u32) -> Credentials {
        Credentials { pid: u32::try_from(pid).ok().filter(|&pid| pid != 0), uid, gid }
    }
}

impl SeqpacketConn {
    /// `getsockopt(SO_PEERCRED)`: the credentials of the process that made the other end
    /// (that called `connect`, or `socketpair`), as they were at that time.
    pub fn peer_cred(&self) -> io::Result<Credentials> {
        let mut cred = libc::ucred { pid: 0, uid: 0, gid: 0 };
        let mut len = size_of::<libc::ucred>() as libc::socklen_t;
        // SAFETY: the kernel writes at most `len` bytes, the size of `cred`, which lives
        // across the call; `len` is a valid `socklen_t` it may update.
        let rc = unsafe {
            libc::getsockopt(
                self.fd.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_PEERCRED,
                (&raw mut cred).cast::<libc::c_void>(),
                &mut len,
            )
        };
        if rc != 0 {
            return Err(named("getsockopt(SO_PEERCRED)", last_errno()));
        }
        Ok(Credentials::from_raw(cred.pid, cred.uid, cred.gid))
    }

    /// `getsockopt(SO_PEERPIDFD)`: a pidfd for the process at the other end, which, unlike
    /// its pid, cannot come to name another process once that one exits.
    ///
    /// `Ok(None)` when the kernel does not have `SO_PEERPIDFD` (before Linux 6.5). The pidfd
    /// is close-on-exec.
    pub fn peer_pidfd(&self) -> io::Result<Option<OwnedFd>> {
        let mut raw: libc::c_int = -1;
        let mut len = size_of::<libc::c_int>() as libc::socklen_t;
        // SAFETY: the kernel writes at most `len` bytes, the size of `raw`, which lives
        // across the call; `len` is a valid `socklen_t` it may update.
        let rc = unsafe {
            libc::getsockopt(
                self.fd.as_raw_fd(),
                libc::SOL_SOCKET,
                SO_PEERPIDFD,
                (&raw mut raw).cast::<libc::c_void>(),
                &mut len,
            )
        };
        if rc != 0 {
            return match last_errno() {
                Errno::NOPROTOOPT | Errno::INVAL => Ok(None),
                errno => Err(named("getsockopt(SO_PEERPIDFD)", errno)),
            };
        }
        if raw < 0 {
            return Err(io::Error::other(
                "getsockopt(SO_PEERPIDFD) succeeded without a descriptor",
            ));
        }
        // SAFETY: the kernel has just installed this pidfd in our table for this call; no
        // one else knows its number, so it gets exactly one owner.
        Ok(Some(unsafe { OwnedFd::from_raw_fd(raw) }))
    }
}

/// `SO_PEERPIDFD`, which libc 0.2 does not export yet (Linux 6.5; `asm-generic/socket.h`,
/// shared by x86, arm, riscv, powerpc and mips; sparc numbers it apart).
#[cfg(not(any(target_arch = "sparc", target_arch = "sparc64")))]
const SO_PEERPIDFD: libc::c_int = 77;
#[cfg(any(target_arch = "sparc", target_arch = "sparc64"))]
const SO_PEERPIDFD: libc::c_int = 0x56;

fn last_errno() -> Errno {
    Errno::from_io_error(&io::Error::last_os_error()).unwrap_or(Errno::IO)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::unix::testing::{is_cloexec, ours};
    use rustix::pipe::{PipeFlags, pipe_with};
    use std::io::IoSlice;
    use std::os::fd::AsFd;

    #[test]
    fn credentials_are_ours_by_scm_credentials_and_so_peercred() {
        let (a, b) = SeqpacketConn::pair().unwrap();
        b.set_passcred(true).unwrap();
        a.send_with_credentials(&[IoSlice::new(b"who")], &[]).unwrap();
        a.send(b"implicit", &[]).unwrap();
        let mut buf = [0u8; 16];
        assert_eq!(b.recv(&mut buf, &mut Vec::new()).unwrap().credentials, Some(ours()));
        // With SO_PASSCRED the kernel attaches them even when the sender did not.
        assert_eq!(b.recv(&mut buf, &mut Vec::new()).unwrap().credentials, Some(ours()));
        assert_eq!(a.peer_cred().unwrap(), ours());
        assert_eq!(b.peer_cred().unwrap(), ours());
    }

    #[test]
    fn credentials_and_descriptors_travel_together() {
        let (a, b) = SeqpacketConn::pair().unwrap();
        b.set_passcred(true).unwrap();
        let (_read, write) = pipe_with(PipeFlags::CLOEXEC).unwrap();
        a.send_with_credentials(&[IoSlice::new(b"both")], &[write.as_fd(), write.as_fd()]).unwrap();
        let mut fds = Vec::new();
        let got = b.recv(&mut [0u8; 8], &mut fds).unwrap();
        assert_eq!((got.fds, got.credentials), (2, Some(ours())));
    }

    #[test]
    fn the_peer_pidfd_names_our_process() {
        let (a, _b) = SeqpacketConn::pair().unwrap();
        let pidfd = a.peer_pidfd().unwrap().expect("this kernel has SO_PEERPIDFD");
        assert!(is_cloexec(&pidfd));
        let info =
            std::fs::read_to_string(format!("/proc/self/fdinfo/{}", pidfd.as_raw_fd())).unwrap();
        let pid = info
            .lines()
            .find_map(|line| line.strip_prefix("Pid:"))
            .expect("a pidfd's fdinfo has Pid");
        assert_eq!(pid.trim(), std::process::id().to_string());
    }
}
