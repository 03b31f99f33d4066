//! Socket activation (`sd_listen_fds(3)`): taking the listening sockets a service manager
//! (systemd, or anything speaking its protocol) opened for the daemon and passed across
//! `exec`, so that ports below 1024 need no privilege and connections queue while the
//! daemon restarts.
//!
//! The protocol: the manager passes `$LISTEN_FDS` descriptors, numbered from 3 up, and
//! sets `$LISTEN_PID` to the pid of the process they are for (so that a child that
//! inherits the environment does not take them too) and, optionally, `$LISTEN_FDNAMES` to
//! colon-separated names (`FileDescriptorName=`). [`take_listen_fds`] checks the pid,
//! takes the descriptors as [`OwnedFd`]s, marks them close-on-exec, unsets the variables,
//! and describes each socket — type, bound address, listening or not — so that the daemon
//! can match them to its forwards.
//!
//! # Safety
//!
//! Owning a descriptor by number ([`OwnedFd::from_raw_fd`]) is sound only if nothing
//! else in the process owns that number. Here that rests on:
//! - `$LISTEN_PID` being this process's pid: the manager passed the descriptors to this
//!   very process, which got them open at `exec`, before any code of its own ran;
//! - this function claiming them at most once per process (a static flag), even if the
//!   variables could not be unset;
//! - each number being checked to be an open socket (`/proc/self/fd`) before it is
//!   claimed, so that a stale or forged variable cannot make it take a file the daemon
//!   opened itself;
//! - the caller calling it early, before handing descriptor numbers to other code — as
//!   every user of `sd_listen_fds` must.
//!
//! Unsetting the variables ([`std::env::remove_var`]) is sound only when no other thread
//! reads or writes the environment; it is done only when the process has one thread
//! (`/proc/self/task`), and reported otherwise, so that the caller can leave them out of
//! its children's environment instead.

use std::ffi::OsStr;
use std::io;
use std::net::SocketAddr;
use std::os::fd::{FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

use rustix::io::{FdFlags, fcntl_getfd, fcntl_setfd};
use rustix::net::{AddressFamily, SocketAddrAny, SocketAddrUnix, SocketType, getsockname, sockopt};

use crate::error::Named;

/// The first passed descriptor: after standard input, output and error.
const FIRST_FD: RawFd = 3;
const LISTEN_PID: &str = "LISTEN_PID";
const LISTEN_FDS: &str = "LISTEN_FDS";
const LISTEN_FDNAMES: &str = "LISTEN_FDNAMES";

/// Whether [`take_listen_fds`] has claimed the descriptors already.
static TAKEN: AtomicBool = AtomicBool::new(false);

/// What the manager passed.
#[derive(Debug)]
pub struct Activation {
    /// The descriptors, in order (fd 3 first).
    pub fds: Vec<ListenFd>,
    /// Whether the `LISTEN_*` variables were removed from the environment. `false` when
    /// the process already had several threads: the caller should then remove them from
    /// the environment of the children it starts.
    pub env_unset: bool,
}

/// One passed descriptor and what it is.
#[derive(Debug)]
pub struct ListenFd {
    /// The descriptor, now owned and close-on-exec.
    pub fd: OwnedFd,
    /// Its name in `$LISTEN_FDNAMES`, if given.
    pub name: Option<String>,
    /// The socket's type.
    pub kind: SocketKind,
    /// The address it is bound to.
    pub local: LocalAddr,
    /// Whether it is listening (`SO_ACCEPTCONN`): a stream socket ready to accept.
    pub listening: bool,
}

/// A socket's type (`SO_TYPE`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SocketKind {
    /// `SOCK_STREAM`: TCP, or a Unix stream socket.
    Stream,
    /// `SOCK_DGRAM`: UDP, or a Unix datagram socket.
    Datagram,
    /// `SOCK_SEQPACKET`: a Unix door-style socket.
    SeqPacket,
    /// Another type, by number.
    Other(u32),
}

/// A socket's bound address (`getsockname`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LocalAddr {
    /// IPv4 or IPv6, with the port.
    Inet(SocketAddr),
    /// A Unix socket at a path.
    Unix(PathBuf),
    /// A Unix socket in the abstract namespace (the name without its leading NUL).
    Abstract(Vec<u8>),
    /// An unbound Unix socket, or an address family ostiumd does not use.
    Other,
}

/// Takes the descriptors the service manager passed to this process, if any.
///
/// Returns no descriptors when `$LISTEN_PID` is unset or names another process (the
/// variables were inherited, not meant for us), and on every call after the first. Fails
/// if the variables are malformed, or a passed number is not an open socket.
pub fn take_listen_fds() -> io::Result<Activation> {
    let var = |name| std::env::var(name).ok();
    let our_pid = rustix::process::getpid().as_raw_nonzero().get().unsigned_abs();
    let passed = parse(var(LISTEN_PID), var(LISTEN_FDS), var(LISTEN_FDNAMES), our_pid);
    let env_unset = unset_env_if_alone();
    let names = match passed? {
        Some(names) if !TAKEN.swap(true, Ordering::AcqRel) => names,
        _ => return Ok(Activation { fds: Vec::new(), env_unset }),
    };
    let mut fds = Vec::with_capacity(names.len());
    for (raw, name) in (FIRST_FD..).zip(names) {
        fds.push(describe(claim(raw)?, name)?);
    }
    Ok(Activation { fds, env_unset })
}

/// The names of the passed descriptors (one entry per descriptor, `None` where unnamed),
/// or `None` if the variables are not for process `our_pid`.
fn parse(
    pid: Option<String>,
    count: Option<String>,
    names: Option<String>,
    our_pid: u32,
) -> io::Result<Option<Vec<Option<String>>>> {
    let invalid = |what: &str, value: &str| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{what}={value:?}: not a valid count or pid"),
        )
    };
    let Some(pid) = pid else { return Ok(None) };
    if pid.parse::<u32>().map_err(|_| invalid(LISTEN_PID, &pid))? != our_pid {
        return Ok(None);
    }
    let Some(count) = count else { return Ok(None) };
    let n: RawFd = count.parse().map_err(|_| invalid(LISTEN_FDS, &count))?;
    if n < 0 || FIRST_FD.checked_add(n).is_none() {
        return Err(invalid(LISTEN_FDS, &count));
    }
    // Names are positional; missing ones (or an absent variable) leave descriptors
    // unnamed, and extra ones are ignored, rather than refusing the sockets.
    let mut names =
        names.as_deref().unwrap_or("").split(':').map(|s| (!s.is_empty()).then(|| s.to_owned()));
    Ok(Some((0..n).map(|_| names.next().flatten()).collect()))
}

/// Claims descriptor `raw`, after checking it is an open socket, and marks it
/// close-on-exec.
fn claim(raw: RawFd) -> io::Result<OwnedFd> {
    let link = std::fs::read_link(format!("/proc/self/fd/{raw}")).map_err(|e| {
        io::Error::new(e.kind(), format!("{LISTEN_FDS}: descriptor {raw} is not open: {e}"))
    })?;
    if !link.as_os_str().as_bytes().starts_with(b"socket:") {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{LISTEN_FDS}: descriptor {raw} is {}, not a socket", link.display()),
        ));
    }
    // SAFETY: `raw` is open (checked just above) and was passed to this process by its
    // manager ($LISTEN_PID is our pid); TAKEN guarantees this happens once per process,
    // so no other `OwnedFd` in this process was made for it. See the module's `# Safety`.
    let fd = unsafe { OwnedFd::from_raw_fd(raw) };
    let flags = fcntl_getfd(&fd).named(|| format!("fcntl(F_GETFD) on descriptor {raw}"))?;
    fcntl_setfd(&fd, flags | FdFlags::CLOEXEC)
        .named(|| format!("fcntl(F_SETFD) on descriptor {raw}"))?;
    Ok(fd)
}

/// Reads a claimed socket's type, address and state.
fn describe(fd: OwnedFd, name: Option<String>) -> io::Result<ListenFd> {
    let kind = match sockopt::socket_type(&fd).named(|| "getsockopt(SO_TYPE)")? {
        SocketType::STREAM => SocketKind::Stream,
        SocketType::DGRAM => SocketKind::Datagram,
        SocketType::SEQPACKET => SocketKind::SeqPacket,
        other => SocketKind::Other(other.as_raw()),
    };
    let local = local_addr(getsockname(&fd).named(|| "getsockname")?);
    // Only stream-like sockets listen; others report an error or false, both "no".
    let listening = sockopt::socket_acceptconn(&fd).unwrap_or(false);
    Ok(ListenFd { fd, name, kind, local, listening })
}

fn local_addr(addr: SocketAddrAny) -> LocalAddr {
    match addr.address_family() {
        AddressFamily::INET | AddressFamily::INET6 => {
            SocketAddr::try_from(addr).map_or(LocalAddr::Other, LocalAddr::Inet)
        }
        AddressFamily::UNIX => match SocketAddrUnix::try_from(addr) {
            Ok(unix) => {
                if let Some(path) = unix.path_bytes() {
                    LocalAddr::Unix(PathBuf::from(OsStr::from_bytes(path)))
                } else if let Some(name) = unix.abstract_name() {
                    LocalAddr::Abstract(name.to_vec())
                } else {
                    LocalAddr::Other
                }
            }
            Err(_) => LocalAddr::Other,
        },
        _ => LocalAddr::Other,
    }
}

/// Removes the `LISTEN_*` variables if this thread is the process's only one; returns
/// whether it did.
fn unset_env_if_alone() -> bool {
    let threads = std::fs::read_dir("/proc/self/task").map(Iterator::count);
    if threads.ok() != Some(1) {
        return false;
    }
    for name in [LISTEN_PID, LISTEN_FDS, LISTEN_FDNAMES] {
        // SAFETY: the process has one thread, this one (counted just above; only this
        // thread could start another, and it does not before returning), so nothing can
        // read or write the environment concurrently.
        unsafe { std::env::remove_var(name) };
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> Option<String> {
        Some(text.to_owned())
    }

    #[test]
    fn variables_for_another_process_or_absent_mean_nothing_passed() {
        assert_eq!(parse(None, s("2"), None, 42).unwrap(), None);
        assert_eq!(parse(s("41"), s("2"), None, 42).unwrap(), None);
        assert_eq!(parse(s("42"), None, None, 42).unwrap(), None);
    }

    #[test]
    fn names_are_positional_and_optional() {
        let names = parse(s("42"), s("3"), s("web:dns"), 42).unwrap().unwrap();
        assert_eq!(names, [s("web"), s("dns"), None]);
        let names = parse(s("42"), s("2"), None, 42).unwrap().unwrap();
        assert_eq!(names, [None, None]);
        let names = parse(s("42"), s("1"), s(":x:y"), 42).unwrap().unwrap();
        assert_eq!(names, [None]);
        assert_eq!(parse(s("42"), s("0"), None, 42).unwrap(), Some(Vec::new()));
    }

    #[test]
    fn malformed_variables_are_errors() {
        for (pid, count) in [("x", "1"), ("42", "-1"), ("42", "two"), ("42", "2147483647")] {
            let err = parse(s(pid), s(count), None, 42).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidData, "{pid} {count}");
        }
    }
}
