//! `AF_UNIX` `SOCK_SEQPACKET` sockets: the transport of doors.
//!
//! A SEQPACKET socket is connected like a stream and keeps message boundaries like a
//! datagram: one send is one receive, whole or not at all. Messages carry descriptors
//! (`SCM_RIGHTS`, at most [`MAX_FDS`] per message) and the sender's credentials
//! (`SCM_CREDENTIALS`); [`SeqpacketConn::peer_cred`] and [`SeqpacketConn::peer_pidfd`] say
//! who is at the other end.
//!
//! Nothing is lost silently: a message or control data that does not fit the receiver's
//! room is an error ([`Truncated`]), and the descriptors that did arrive with it are
//! closed. Every descriptor, received ones included, is close-on-exec.
//!
//! # Why receiving does not go through rustix
//!
//! Sending uses rustix's `sendmsg`. Receiving calls `recvmsg` itself and reads the control
//! data as plain bytes, because rustix's `UCred` holds the pid as a non-zero integer while
//! the kernel reports pid 0 for a sender outside our pid namespace (a door served from a
//! container, a caller on the host): rustix would create an invalid value there, which is
//! undefined behaviour. For the same reason `SO_PEERCRED` is read into `libc::ucred`.
//!
//! # Safety
//!
//! The `unsafe` blocks here are system calls given pointers to memory borrowed for the
//! duration of the call (`recvmsg`, `getsockopt`), and `OwnedFd::from_raw_fd` on numbers the
//! kernel has just installed for us (`SCM_RIGHTS`, `SO_PEERPIDFD`): each such number is taken
//! exactly once, so no descriptor gets two owners. Control messages are parsed with bounds
//! checks on a byte slice, never through pointers.

use std::io::{self, IoSlice, IoSliceMut};
use std::mem::{MaybeUninit, size_of};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::time::Duration;

use rustix::io::Errno;
use rustix::net::{
    AddressFamily, SendAncillaryBuffer, SendAncillaryMessage, SendFlags, Shutdown, SocketAddrUnix,
    SocketFlags, SocketType, UCred, sockopt,
};

use crate::error::{Named, named, retry_on_intr};

/// The most descriptors one message can carry (Linux's `SCM_MAX_FD`).
pub const MAX_FDS: usize = 253;

/// A listening SEQPACKET socket bound at a filesystem path.
///
/// Dropping it closes the socket but leaves the socket file in place: who owns the path
/// (the door) decides when to remove it.
#[derive(Debug)]
pub struct SeqpacketListener {
    fd: OwnedFd,
    path: PathBuf,
}

impl SeqpacketListener {
    /// `socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC)`, `bind(path)`, `listen(backlog)`.
    ///
    /// A file already at `path`, even a stale socket, fails with `AddrInUse`; the error
    /// names the path.
    pub fn bind(path: impl AsRef<Path>, backlog: i32) -> io::Result<SeqpacketListener> {
        let path = path.as_ref();
        let fd = seqpacket_socket()?;
        let addr = SocketAddrUnix::new(path).named(|| format!("bind {}", path.display()))?;
        rustix::net::bind(&fd, &addr).named(|| format!("bind {}", path.display()))?;
        rustix::net::listen(&fd, backlog).named(|| format!("listen {}", path.display()))?;
        Ok(SeqpacketListener { fd, path: path.to_path_buf() })
    }

    /// `accept4(SOCK_CLOEXEC)`: the next connection, as a blocking socket.
    ///
    /// On a non-blocking listener with no pending connection this fails with `WouldBlock`.
    pub fn accept(&self) -> io::Result<SeqpacketConn> {
        self.accept_with(SocketFlags::CLOEXEC)
    }

    /// `accept4(SOCK_CLOEXEC | SOCK_NONBLOCK)`: the next connection, as a non-blocking socket.
    pub fn accept_nonblocking(&self) -> io::Result<SeqpacketConn> {
        self.accept_with(SocketFlags::CLOEXEC | SocketFlags::NONBLOCK)
    }

    fn accept_with(&self, flags: SocketFlags) -> io::Result<SeqpacketConn> {
        let fd = retry_on_intr(|| rustix::net::accept_with(&self.fd, flags))?;
        Ok(SeqpacketConn { fd })
    }

    /// `ioctl(FIONBIO)`: make [`accept`](Self::accept) fail with `WouldBlock` instead of
    /// waiting.
    pub fn set_nonblocking(&self, nonblocking: bool) -> io::Result<()> {
        rustix::io::ioctl_fionbio(&self.fd, nonblocking).named(|| "ioctl(FIONBIO)")
    }

    /// The path the listener was bound at.
    pub fn local_path(&self) -> &Path {
        &self.path
    }
}

impl AsFd for SeqpacketListener {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

/// A connected SEQPACKET socket: one end of a door connection.
///
/// All operations take `&self`; concurrent sends (or receives) from several threads each
/// move whole messages, never interleaved parts of them.
#[derive(Debug)]
pub struct SeqpacketConn {
    fd: OwnedFd,
}

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
    fn from_raw(pid: i32, uid: u32, gid: u32) -> Credentials {
        Credentials { pid: u32::try_from(pid).ok().filter(|&pid| pid != 0), uid, gid }
    }
}

/// What one [`SeqpacketConn::recv`] received besides the bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Received {
    /// The length of the message. Zero means the peer closed the connection: an empty
    /// message cannot be sent with this module, so it is never one.
    pub len: usize,
    /// How many descriptors were appended to the caller's list.
    pub fds: usize,
    /// The sender's credentials, present when this socket has
    /// [`set_passcred(true)`](SeqpacketConn::set_passcred).
    pub credentials: Option<Credentials>,
}

/// A message that did not fit where the receiver put it. The whole message is discarded
/// and the descriptors it carried are closed.
///
/// Carried inside an `io::Error` of kind `InvalidData`; get it back with
/// `err.get_ref().and_then(|e| e.downcast_ref::<Truncated>())`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Truncated {
    /// The message was `len` bytes long and the buffers held `capacity` (`MSG_TRUNC`).
    Data {
        /// The length of the message as sent.
        len: usize,
        /// The total length of the receive buffers.
        capacity: usize,
    },
    /// The control data did not fit (`MSG_CTRUNC`): more than `max_fds` descriptors, or
    /// control messages this module does not ask for.
    Control {
        /// How many descriptors the receiver made room for.
        max_fds: usize,
    },
}

impl std::fmt::Display for Truncated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Truncated::Data { len, capacity } => write!(
                f,
                "recvmsg: message truncated: {len} bytes did not fit in {capacity}; \
                 its descriptors were closed"
            ),
            Truncated::Control { max_fds } => write!(
                f,
                "recvmsg: control data truncated (room for {max_fds} descriptors): \
                 message discarded, the descriptors that arrived were closed"
            ),
        }
    }
}

impl std::error::Error for Truncated {}

impl SeqpacketConn {
    /// `socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC)`, `connect(path)`.
    ///
    /// Waits while the listener's backlog is full. A path with no listener behind it fails
    /// with `ConnectionRefused` (a stale socket file) or `NotFound`.
    pub fn connect(path: impl AsRef<Path>) -> io::Result<SeqpacketConn> {
        let path = path.as_ref();
        let fd = seqpacket_socket()?;
        let addr = SocketAddrUnix::new(path).named(|| format!("connect {}", path.display()))?;
        // An AF_UNIX connect interrupted by a signal has not queued anything, so calling it
        // again starts afresh (unlike TCP, where the attempt goes on in the background).
        retry_on_intr(|| rustix::net::connect(&fd, &addr))
            .named(|| format!("connect {}", path.display()))?;
        Ok(SeqpacketConn { fd })
    }

    /// `socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC)`: two sockets connected to each
    /// other.
    pub fn pair() -> io::Result<(SeqpacketConn, SeqpacketConn)> {
        let (a, b) = rustix::net::socketpair(
            AddressFamily::UNIX,
            SocketType::SEQPACKET,
            SocketFlags::CLOEXEC,
            None,
        )
        .named(|| "socketpair(AF_UNIX, SOCK_SEQPACKET)")?;
        Ok((SeqpacketConn { fd: a }, SeqpacketConn { fd: b }))
    }

    /// `ioctl(FIONBIO)`: make sends and receives that would wait fail with `WouldBlock`.
    pub fn set_nonblocking(&self, nonblocking: bool) -> io::Result<()> {
        rustix::io::ioctl_fionbio(&self.fd, nonblocking).named(|| "ioctl(FIONBIO)")
    }

    /// `setsockopt(SO_PASSCRED)`: attach the sender's credentials to every message this
    /// socket receives from now on ([`Received::credentials`]).
    ///
    /// The kernel fills them in whether or not the sender attached any, so they cannot be
    /// forged. Messages already queued when this is set may arrive without them.
    pub fn set_passcred(&self, passcred: bool) -> io::Result<()> {
        sockopt::set_socket_passcred(&self.fd, passcred).named(|| "setsockopt(SO_PASSCRED)")
    }

    /// `setsockopt(SO_RCVTIMEO)`: a blocking receive that waits longer than `timeout` fails
    /// with `WouldBlock`. `None` waits forever.
    pub fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        sockopt::set_socket_timeout(&self.fd, sockopt::Timeout::Recv, timeout)
            .named(|| "setsockopt(SO_RCVTIMEO)")
    }

    /// `setsockopt(SO_SNDTIMEO)`: a blocking send that waits longer than `timeout` fails
    /// with `WouldBlock`. `None` waits forever.
    pub fn set_write_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        sockopt::set_socket_timeout(&self.fd, sockopt::Timeout::Send, timeout)
            .named(|| "setsockopt(SO_SNDTIMEO)")
    }

    /// `shutdown(SHUT_RDWR)`: end the connection for both sides while the descriptor stays
    /// open; a thread blocked receiving on either end wakes up to end of stream.
    pub fn shutdown(&self) -> io::Result<()> {
        rustix::net::shutdown(&self.fd, Shutdown::Both).named(|| "shutdown")
    }

    /// `sendmsg(MSG_NOSIGNAL)`: sends `data` as one message, with `fds` as `SCM_RIGHTS`.
    ///
    /// See [`send_vectored`](Self::send_vectored).
    pub fn send(&self, data: &[u8], fds: &[BorrowedFd<'_>]) -> io::Result<usize> {
        self.send_vectored(&[IoSlice::new(data)], fds)
    }

    /// `sendmsg(MSG_NOSIGNAL)`: sends the concatenation of `parts` (a header and a body, say)
    /// as one message, with `fds` as `SCM_RIGHTS`.
    ///
    /// The receiver gets its own descriptions of the same open files; the caller's `fds`
    /// stay open. Returns the length of the message: a SEQPACKET message is sent whole or
    /// not at all. Fails with `InvalidInput` for an empty message (a receiver could not tell
    /// it from end of stream) or more than [`MAX_FDS`] descriptors, `BrokenPipe` when the
    /// peer has gone (no `SIGPIPE`), and `WouldBlock` on a full non-blocking socket.
    pub fn send_vectored(
        &self,
        parts: &[IoSlice<'_>],
        fds: &[BorrowedFd<'_>],
    ) -> io::Result<usize> {
        self.send_message(parts, fds, None)
    }

    /// Like [`send_vectored`](Self::send_vectored), with our pid, uid and gid attached as
    /// `SCM_CREDENTIALS`.
    ///
    /// A receiver that has set [`set_passcred`](Self::set_passcred) gets the sender's
    /// credentials anyway; this is for a peer that wants them stated explicitly. The kernel
    /// checks them, so they are true.
    pub fn send_with_credentials(
        &self,
        parts: &[IoSlice<'_>],
        fds: &[BorrowedFd<'_>],
    ) -> io::Result<usize> {
        let ours = UCred {
            pid: rustix::process::getpid(),
            uid: rustix::process::getuid(),
            gid: rustix::process::getgid(),
        };
        self.send_message(parts, fds, Some(ours))
    }

    fn send_message(
        &self,
        parts: &[IoSlice<'_>],
        fds: &[BorrowedFd<'_>],
        creds: Option<UCred>,
    ) -> io::Result<usize> {
        if fds.len() > MAX_FDS {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "sendmsg: {} descriptors, more than the {MAX_FDS} one message can carry",
                    fds.len()
                ),
            ));
        }
        if parts.iter().all(|part| part.is_empty()) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "sendmsg: an empty SEQPACKET message cannot be told apart from end of stream",
            ));
        }
        let mut space = [MaybeUninit::uninit(); SEND_CONTROL_SPACE];
        let mut control = SendAncillaryBuffer::new(&mut space);
        // The space is computed for MAX_FDS descriptors plus credentials, so both pushes fit.
        if let Some(creds) = creds {
            let pushed = control.push(SendAncillaryMessage::ScmCredentials(creds));
            debug_assert!(pushed);
        }
        if !fds.is_empty() {
            let pushed = control.push(SendAncillaryMessage::ScmRights(fds));
            debug_assert!(pushed);
        }
        // NOSIGNAL: a peer that has gone is an EPIPE error here, not a SIGPIPE that kills the
        // process. An interrupted send has queued nothing (SEQPACKET sends are atomic).
        let sent = retry_on_intr(|| {
            rustix::net::sendmsg(&self.fd, parts, &mut control, SendFlags::NOSIGNAL)
        })?;
        Ok(sent)
    }

    /// `recvmsg(MSG_CMSG_CLOEXEC | MSG_TRUNC)`: receives one message into `buf`, appending
    /// its descriptors (up to [`MAX_FDS`]) to `fds`.
    ///
    /// See [`recv_vectored`](Self::recv_vectored).
    pub fn recv(&self, buf: &mut [u8], fds: &mut Vec<OwnedFd>) -> io::Result<Received> {
        self.recv_vectored(&mut [IoSliceMut::new(buf)], fds, MAX_FDS)
    }

    /// `recvmsg(MSG_CMSG_CLOEXEC | MSG_TRUNC)`: receives one message, scattered over `bufs`
    /// in order, appending the descriptors it carried to `fds` (close-on-exec).
    ///
    /// A message longer than `bufs`, or carrying more than `max_fds` descriptors (at most
    /// [`MAX_FDS`]), is an `InvalidData` error holding a [`Truncated`]: the message is gone,
    /// the descriptors that arrived with it are closed and `fds` is left as it was. Other
    /// errors are the plain errno (`WouldBlock` on an empty non-blocking socket or after the
    /// read timeout). Nothing is allocated unless `fds` must grow.
    pub fn recv_vectored(
        &self,
        bufs: &mut [IoSliceMut<'_>],
        fds: &mut Vec<OwnedFd>,
        max_fds: usize,
    ) -> io::Result<Received> {
        let max_fds = max_fds.min(MAX_FDS);
        let capacity: usize = bufs.iter().map(|buf| buf.len()).sum();
        // Zeroed, not uninitialized: the kernel leaves the alignment padding between control
        // messages unwritten, and the parser reads this as a byte slice.
        let mut control = [0u8; RECV_CONTROL_SPACE];
        let control = &mut control[..cmsg_space(max_fds * FD_SIZE) + cmsg_space(UCRED_SIZE)];

        // SAFETY: all-zero is a valid `msghdr`: null pointers with zero lengths, no flags.
        let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
        msg.msg_iov = bufs.as_mut_ptr().cast::<libc::iovec>();
        msg.msg_iovlen = bufs.len() as _;
        msg.msg_control = control.as_mut_ptr().cast::<libc::c_void>();
        msg.msg_controllen = control.len() as _;
        // CMSG_CLOEXEC: descriptors arrive close-on-exec, with no window before an fcntl.
        // TRUNC: report the real length of a message longer than `bufs`.
        let flags = libc::MSG_CMSG_CLOEXEC | libc::MSG_TRUNC;
        let len = loop {
            // SAFETY: `msg` points at `bufs`, whose `IoSliceMut`s have the ABI of `iovec`
            // (std guarantees it on Unix) and describe memory writable for this call, and at
            // `control`, writable for `msg_controllen` bytes. The kernel writes only there.
            let n = unsafe { libc::recvmsg(self.fd.as_raw_fd(), &mut msg, flags) };
            match usize::try_from(n) {
                Ok(n) => break n,
                Err(_) => match Errno::from_io_error(&io::Error::last_os_error()) {
                    Some(Errno::INTR) => continue,
                    Some(errno) => return Err(errno.into()),
                    None => return Err(io::Error::last_os_error()),
                },
            }
        };

        let start = fds.len();
        let used = (msg.msg_controllen as usize).min(control.len());
        let credentials = take_control_messages(&control[..used], fds);
        // The room left for credentials can hold a few descriptors more than `max_fds`
        // when no credentials come: the limit is enforced here, exactly.
        let truncated = if msg.msg_flags & libc::MSG_CTRUNC != 0 || fds.len() - start > max_fds {
            Some(Truncated::Control { max_fds })
        } else if msg.msg_flags & libc::MSG_TRUNC != 0 || len > capacity {
            Some(Truncated::Data { len, capacity })
        } else {
            None
        };
        if let Some(truncated) = truncated {
            // Closes every descriptor that came with the discarded message.
            fds.truncate(start);
            return Err(io::Error::new(io::ErrorKind::InvalidData, truncated));
        }
        Ok(Received { len, fds: fds.len() - start, credentials })
    }

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

impl AsFd for SeqpacketConn {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl From<SeqpacketConn> for OwnedFd {
    fn from(conn: SeqpacketConn) -> OwnedFd {
        conn.fd
    }
}

/// `SO_PEERPIDFD`, which libc 0.2 does not export yet (Linux 6.5; `asm-generic/socket.h`,
/// shared by x86, arm, riscv, powerpc and mips; sparc numbers it apart).
#[cfg(not(any(target_arch = "sparc", target_arch = "sparc64")))]
const SO_PEERPIDFD: libc::c_int = 77;
#[cfg(any(target_arch = "sparc", target_arch = "sparc64"))]
const SO_PEERPIDFD: libc::c_int = 0x56;

fn seqpacket_socket() -> io::Result<OwnedFd> {
    rustix::net::socket_with(AddressFamily::UNIX, SocketType::SEQPACKET, SocketFlags::CLOEXEC, None)
        .named(|| "socket(AF_UNIX, SOCK_SEQPACKET)")
}

fn last_errno() -> Errno {
    Errno::from_io_error(&io::Error::last_os_error()).unwrap_or(Errno::IO)
}

// The kernel's control message layout (`struct cmsghdr` in include/linux/socket.h):
// `size_t cmsg_len` (header included), `int cmsg_level`, `int cmsg_type`, then the data;
// each header starts at a multiple of `sizeof(long)` from the start of the buffer.
const WORD: usize = size_of::<usize>();
const CMSG_HEADER: usize = cmsg_align(WORD + 8);
const FD_SIZE: usize = size_of::<libc::c_int>();
const UCRED_SIZE: usize = size_of::<libc::ucred>();
const RECV_CONTROL_SPACE: usize = cmsg_space(MAX_FDS * FD_SIZE) + cmsg_space(UCRED_SIZE);
const SEND_CONTROL_SPACE: usize = rustix::cmsg_space!(ScmRights(MAX_FDS), ScmCredentials(1));

const fn cmsg_align(len: usize) -> usize {
    len.next_multiple_of(WORD)
}

/// Room for one control message with `len` bytes of data (`CMSG_SPACE`).
const fn cmsg_space(len: usize) -> usize {
    CMSG_HEADER + cmsg_align(len)
}

/// Takes ownership of every descriptor in `control` (appending them to `fds`) and returns
/// the credentials, if any. Other control messages are ignored; a malformed one ends the walk.
fn take_control_messages(mut control: &[u8], fds: &mut Vec<OwnedFd>) -> Option<Credentials> {
    let mut credentials = None;
    while let Some(header) = control.get(..CMSG_HEADER) {
        let len = usize::from_ne_bytes(word(header, 0));
        let level = i32::from_ne_bytes(word(header, WORD));
        let kind = i32::from_ne_bytes(word(header, WORD + 4));
        // A control message cut short (MSG_CTRUNC) claims at most what the buffer holds.
        let Some(data) = control.get(CMSG_HEADER..len.min(control.len())) else { break };
        match (level, kind) {
            (libc::SOL_SOCKET, libc::SCM_RIGHTS) => {
                for raw in
                    data.chunks_exact(FD_SIZE).map(|bytes| i32::from_ne_bytes(word(bytes, 0)))
                {
                    if raw >= 0 {
                        // SAFETY: with SCM_RIGHTS the kernel has just installed this
                        // descriptor in our table for this message; no one else knows its
                        // number, and each number appears once, so it gets exactly one owner.
                        fds.push(unsafe { OwnedFd::from_raw_fd(raw) });
                    }
                }
            }
            (libc::SOL_SOCKET, libc::SCM_CREDENTIALS) if data.len() >= UCRED_SIZE => {
                let pid = i32::from_ne_bytes(word(data, 0));
                let uid = u32::from_ne_bytes(word(data, 4));
                let gid = u32::from_ne_bytes(word(data, 8));
                credentials = Some(Credentials::from_raw(pid, uid, gid));
            }
            _ => {}
        }
        control = control.get(cmsg_align(len)..).unwrap_or_default();
    }
    credentials
}

/// The `N` bytes of `bytes` at `at`; the callers have checked the length.
fn word<const N: usize>(bytes: &[u8], at: usize) -> [u8; N] {
    let mut out = [0; N];
    out.copy_from_slice(&bytes[at..at + N]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustix::io::FdFlags;
    use rustix::pipe::{PipeFlags, pipe_with};

    fn is_cloexec(fd: &impl AsFd) -> bool {
        rustix::io::fcntl_getfd(fd).unwrap().contains(FdFlags::CLOEXEC)
    }

    fn ours() -> Credentials {
        Credentials {
            pid: Some(std::process::id()),
            uid: rustix::process::getuid().as_raw(),
            gid: rustix::process::getgid().as_raw(),
        }
    }

    fn truncation(err: &io::Error) -> Option<Truncated> {
        err.get_ref().and_then(|inner| inner.downcast_ref::<Truncated>()).copied()
    }

    /// Whether every write end of the pipe whose read end is `read` is closed (read says
    /// end of file rather than "would block").
    fn all_writers_closed(read: &OwnedFd) -> bool {
        match rustix::io::read(read, &mut [0u8; 1]) {
            Ok(0) => true,
            Err(Errno::AGAIN) => false,
            other => panic!("unexpected read result {other:?}"),
        }
    }

    fn unique_path(tag: &str) -> PathBuf {
        use std::sync::atomic::{AtomicU32, Ordering};
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        std::env::temp_dir().join(format!("ostium-sys-{tag}-{}-{n}.sock", std::process::id()))
    }

    #[test]
    fn control_layout_matches_libc() {
        // SAFETY: CMSG_LEN only computes a size.
        let header = unsafe { libc::CMSG_LEN(0) };
        // SAFETY: CMSG_SPACE only computes a size.
        let space = unsafe { libc::CMSG_SPACE(5) };
        assert_eq!(CMSG_HEADER, header as usize);
        assert_eq!(cmsg_space(5), space as usize);
    }

    #[test]
    fn a_passed_descriptor_reaches_the_same_pipe_and_is_cloexec() {
        let (a, b) = SeqpacketConn::pair().unwrap();
        let (read, write) = pipe_with(PipeFlags::CLOEXEC).unwrap();
        assert_eq!(a.send(b"pipe", &[write.as_fd()]).unwrap(), 4);
        drop(write);

        let mut buf = [0u8; 16];
        let mut fds = Vec::new();
        let got = b.recv(&mut buf, &mut fds).unwrap();
        assert_eq!((got.len, got.fds, got.credentials), (4, 1, None));
        assert_eq!(&buf[..4], b"pipe");
        assert!(is_cloexec(&fds[0]));

        rustix::io::write(&fds[0], b"through").unwrap();
        let mut out = [0u8; 7];
        rustix::io::read(&read, &mut out).unwrap();
        assert_eq!(&out, b"through");
    }

    #[test]
    fn header_and_body_arrive_as_one_message() {
        let (a, b) = SeqpacketConn::pair().unwrap();
        a.send_vectored(&[IoSlice::new(b"head:"), IoSlice::new(b"body")], &[]).unwrap();
        a.send(b"next", &[]).unwrap();
        let (mut head, mut body) = ([0u8; 5], [0u8; 16]);
        let got = b
            .recv_vectored(
                &mut [IoSliceMut::new(&mut head), IoSliceMut::new(&mut body)],
                &mut Vec::new(),
                0,
            )
            .unwrap();
        assert_eq!(got.len, 9);
        assert_eq!((&head, &body[..4]), (b"head:", &b"body"[..]));
        let got = b.recv(&mut body, &mut Vec::new()).unwrap();
        assert_eq!(&body[..got.len], b"next");
    }

    #[test]
    fn one_message_carries_max_fds_descriptors() {
        let (a, b) = SeqpacketConn::pair().unwrap();
        let (_read, write) = pipe_with(PipeFlags::CLOEXEC).unwrap();
        let many = vec![write.as_fd(); MAX_FDS];
        a.send(b"x", &many).unwrap();
        let mut fds = Vec::new();
        let got = b.recv(&mut [0u8; 4], &mut fds).unwrap();
        assert_eq!(got.fds, MAX_FDS);
        assert_eq!(fds.len(), MAX_FDS);
        assert!(fds.iter().all(is_cloexec));

        let too_many = vec![write.as_fd(); MAX_FDS + 1];
        let err = a.send(b"x", &too_many).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    }

    #[test]
    fn too_many_descriptors_is_an_error_and_closes_those_that_arrived() {
        // Three just over the limit (caught by counting), 253 far over it (the kernel cuts
        // the control data: MSG_CTRUNC).
        for count in [3, MAX_FDS] {
            let (a, b) = SeqpacketConn::pair().unwrap();
            let (read, write) = pipe_with(PipeFlags::CLOEXEC | PipeFlags::NONBLOCK).unwrap();
            a.send(b"many", &vec![write.as_fd(); count]).unwrap();
            a.send(b"after", &[]).unwrap();
            drop(write);
            // The copies in flight keep the pipe open.
            assert!(!all_writers_closed(&read));

            let mut fds = Vec::new();
            let err =
                b.recv_vectored(&mut [IoSliceMut::new(&mut [0u8; 8])], &mut fds, 2).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidData);
            assert_eq!(truncation(&err), Some(Truncated::Control { max_fds: 2 }));
            assert!(err.to_string().contains("control data truncated"), "{err}");
            assert!(fds.is_empty());
            // Those that arrived were closed by us, the others by the kernel.
            assert!(all_writers_closed(&read), "{count} descriptors sent");

            // The connection goes on with the next message.
            let mut buf = [0u8; 8];
            let got = b.recv(&mut buf, &mut fds).unwrap();
            assert_eq!(&buf[..got.len], b"after");
        }
    }

    #[test]
    fn a_message_longer_than_the_buffer_is_an_error_that_says_so() {
        let (a, b) = SeqpacketConn::pair().unwrap();
        let (read, write) = pipe_with(PipeFlags::CLOEXEC | PipeFlags::NONBLOCK).unwrap();
        a.send(&[7u8; 100], &[write.as_fd()]).unwrap();
        drop(write);
        let mut fds = Vec::new();
        let err = b.recv(&mut [0u8; 10], &mut fds).unwrap_err();
        assert_eq!(truncation(&err), Some(Truncated::Data { len: 100, capacity: 10 }));
        assert!(err.to_string().contains("100 bytes did not fit in 10"), "{err}");
        assert!(fds.is_empty());
        assert!(all_writers_closed(&read));
    }

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

    #[test]
    fn a_listener_at_a_path_accepts_a_connection() {
        let path = unique_path("listen");
        let listener = SeqpacketListener::bind(&path, 8).unwrap();
        assert_eq!(listener.local_path(), path);
        assert!(is_cloexec(&listener));

        let client = SeqpacketConn::connect(&path).unwrap();
        let server = listener.accept().unwrap();
        assert!(is_cloexec(&client) && is_cloexec(&server));
        client.send(b"hello", &[]).unwrap();
        let mut buf = [0u8; 8];
        let got = server.recv(&mut buf, &mut Vec::new()).unwrap();
        assert_eq!(&buf[..got.len], b"hello");
        assert_eq!(server.peer_cred().unwrap(), ours());

        // A second bind at the same path reports the address in use and names the path.
        let err = SeqpacketListener::bind(&path, 8).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AddrInUse);
        assert!(err.to_string().contains(&*path.to_string_lossy()), "{err}");

        listener.set_nonblocking(true).unwrap();
        assert_eq!(listener.accept_nonblocking().unwrap_err().kind(), io::ErrorKind::WouldBlock);
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn connecting_to_nothing_names_the_path() {
        let path = unique_path("absent");
        let err = SeqpacketConn::connect(&path).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
        assert!(err.to_string().starts_with(&format!("connect {}", path.display())), "{err}");
    }

    #[test]
    fn empty_socket_would_block_and_closed_peer_is_end_of_stream() {
        let (a, b) = SeqpacketConn::pair().unwrap();
        b.set_nonblocking(true).unwrap();
        let err = b.recv(&mut [0u8; 4], &mut Vec::new()).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::WouldBlock);

        assert_eq!(a.send(b"", &[]).unwrap_err().kind(), io::ErrorKind::InvalidInput);
        drop(a);
        assert_eq!(b.recv(&mut [0u8; 4], &mut Vec::new()).unwrap().len, 0);
        assert_eq!(b.send(b"x", &[]).unwrap_err().kind(), io::ErrorKind::BrokenPipe);
    }

    #[test]
    fn a_read_timeout_ends_a_blocking_receive() {
        let (_a, b) = SeqpacketConn::pair().unwrap();
        b.set_read_timeout(Some(Duration::from_millis(20))).unwrap();
        let started = std::time::Instant::now();
        let err = b.recv(&mut [0u8; 4], &mut Vec::new()).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
        assert!(started.elapsed() >= Duration::from_millis(15));
    }
}
