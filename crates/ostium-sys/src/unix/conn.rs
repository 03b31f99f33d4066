//! [`SeqpacketConn`]: a connected SEQPACKET socket; making one, its options, and sending.
//!
//! Receiving is in `recv`, the peer's credentials in `credentials`.

use std::io::{self, IoSlice};
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::Path;
use std::time::Duration;

use rustix::net::{
    AddressFamily, MMsgHdr, SendAncillaryBuffer, SendAncillaryMessage, SendFlags, Shutdown,
    SocketAddrUnix, SocketFlags, SocketType, UCred, sockopt,
};

use super::MAX_FDS;
use super::cmsg::SEND_CONTROL_SPACE;
use crate::error::{Named, retry_on_intr};

/// A connected SEQPACKET socket: one end of a door connection.
///
/// All operations take `&self`; concurrent sends (or receives) from several threads each
/// move whole messages, never interleaved parts of them.
#[derive(Debug)]
pub struct SeqpacketConn {
    pub(super) fd: OwnedFd,
}

/// What [`SeqpacketConn::max_send`] keeps below the send buffer: the kernel's own overhead
/// per message is 32 bytes and more with ancillary data; a kilobyte covers it.
pub const SEND_MARGIN: usize = 1024;

impl SeqpacketConn {
    /// Adopts `fd` after checking that it is a Unix `SOCK_SEQPACKET` socket (connected or
    /// not: the first send or receive tells); anything else is `InvalidInput`.
    pub fn from_fd(fd: OwnedFd) -> io::Result<SeqpacketConn> {
        let kind = sockopt::socket_type(&fd).named(|| "getsockopt(SO_TYPE)")?;
        let domain = sockopt::socket_domain(&fd).named(|| "getsockopt(SO_DOMAIN)")?;
        if kind != rustix::net::SocketType::SEQPACKET || domain != rustix::net::AddressFamily::UNIX
        {
            let what = "not a Unix SOCK_SEQPACKET socket";
            return Err(io::Error::new(io::ErrorKind::InvalidInput, what));
        }
        Ok(SeqpacketConn { fd })
    }

    /// The path of the socket this one is connected to: the door's path for a connection
    /// to a door; `None` for one end of a socket pair (or an abstract address).
    pub fn peer_path(&self) -> io::Result<Option<std::path::PathBuf>> {
        use std::os::unix::ffi::OsStrExt;
        let Some(addr) = rustix::net::getpeername(&self.fd).named(|| "getpeername")? else {
            return Ok(None);
        };
        let Ok(unix) = SocketAddrUnix::try_from(addr) else { return Ok(None) };
        let path = unix
            .path()
            .map(|path| std::path::PathBuf::from(std::ffi::OsStr::from_bytes(path.to_bytes())));
        Ok(path.filter(|path| !path.as_os_str().is_empty()))
    }

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

    /// `socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK)` then `connect(path)`: like
    /// [`connect`](Self::connect) for an event loop, which must never wait. The socket is
    /// non-blocking from the start. Where `connect` would wait (the server's backlog is
    /// full) this fails with `WouldBlock` and nothing is left pending: unlike TCP, an
    /// `AF_UNIX` connect does not go on in the background, so the caller tries again later.
    pub fn connect_nonblocking(path: impl AsRef<Path>) -> io::Result<SeqpacketConn> {
        let path = path.as_ref();
        let fd = rustix::net::socket_with(
            AddressFamily::UNIX,
            SocketType::SEQPACKET,
            SocketFlags::CLOEXEC | SocketFlags::NONBLOCK,
            None,
        )
        .named(|| "socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK)")?;
        let addr = SocketAddrUnix::new(path).named(|| format!("connect {}", path.display()))?;
        retry_on_intr(|| rustix::net::connect(&fd, &addr))
            .named(|| format!("connect {}", path.display()))?;
        Ok(SeqpacketConn { fd })
    }

    /// `sendmmsg(MSG_NOSIGNAL)`: sends `messages` (no descriptors), each one message, in one
    /// system call; returns how many were sent (fewer than all when the socket ran out of
    /// room: send the rest later). The peer is woken once for the batch, and runs only
    /// after the call returns, so it finds all of them waiting.
    pub fn send_batch(&self, messages: &[&[u8]]) -> io::Result<usize> {
        if messages.iter().any(|m| m.is_empty()) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "sendmmsg: an empty SEQPACKET message cannot be told apart from end of stream",
            ));
        }
        let slices: Vec<[IoSlice<'_>; 1]> = messages.iter().map(|m| [IoSlice::new(m)]).collect();
        let mut controls: Vec<SendAncillaryBuffer<'_, '_, '_>> =
            (0..messages.len()).map(|_| SendAncillaryBuffer::default()).collect();
        let mut headers: Vec<MMsgHdr<'_>> = slices
            .iter()
            .zip(controls.iter_mut())
            .map(|(slice, control)| MMsgHdr::new(slice, control))
            .collect();
        retry_on_intr(|| rustix::net::sendmmsg(&self.fd, &mut headers, SendFlags::NOSIGNAL))
            .named(|| format!("sendmmsg({} messages)", messages.len()))
    }

    /// `ioctl(FIONREAD)`: the bytes waiting to be received, in all messages (on a
    /// `SOCK_SEQPACKET` socket Linux counts them all, not only the next): 0 if none.
    pub fn pending_bytes(&self) -> io::Result<usize> {
        let len = rustix::io::ioctl_fionread(&self.fd).named(|| "ioctl(FIONREAD)")?;
        Ok(usize::try_from(len).unwrap_or(usize::MAX))
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

    /// The largest message this socket can send, from `getsockopt(SO_SNDBUF)`: Linux
    /// refuses (`EMSGSIZE`) a `SOCK_SEQPACKET` message longer than the sender's send
    /// buffer less a few dozen bytes of overhead, whatever the receiver would take; this
    /// keeps [`SEND_MARGIN`] below the buffer. A protocol that negotiates a maximum message
    /// with its peer sends nothing longer than the smaller of the two.
    pub fn max_send(&self) -> io::Result<usize> {
        let buffer =
            sockopt::socket_send_buffer_size(&self.fd).named(|| "getsockopt(SO_SNDBUF)")?;
        Ok(buffer.saturating_sub(SEND_MARGIN))
    }

    /// `setsockopt(SO_PASSCRED)`: attach the sender's credentials to every message this
    /// socket receives from now on ([`Received::credentials`](super::Received::credentials)).
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

    /// `shutdown(SHUT_RD)`: stop receiving; a thread blocked receiving wakes up to end of
    /// stream, while sending still works (a reply in progress can still go out).
    pub fn shutdown_read(&self) -> io::Result<()> {
        rustix::net::shutdown(&self.fd, Shutdown::Read).named(|| "shutdown(SHUT_RD)")
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

/// `socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC)`: an unbound, unconnected socket.
pub(super) fn seqpacket_socket() -> io::Result<OwnedFd> {
    rustix::net::socket_with(AddressFamily::UNIX, SocketType::SEQPACKET, SocketFlags::CLOEXEC, None)
        .named(|| "socket(AF_UNIX, SOCK_SEQPACKET)")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::unix::testing::{is_cloexec, unique_path};
    use rustix::pipe::{PipeFlags, pipe_with};

    #[test]
    fn only_a_unix_seqpacket_socket_is_adopted() {
        let (a, _b) = SeqpacketConn::pair().unwrap();
        assert!(SeqpacketConn::from_fd(a.into()).is_ok());
        let (read, _write) = pipe_with(PipeFlags::CLOEXEC).unwrap();
        let err = SeqpacketConn::from_fd(read).unwrap_err();
        assert!(err.to_string().contains("SO_TYPE"), "{err}");
        let stream = rustix::net::socket(
            rustix::net::AddressFamily::UNIX,
            rustix::net::SocketType::STREAM,
            None,
        )
        .unwrap();
        let err = SeqpacketConn::from_fd(stream).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    }

    #[test]
    fn a_message_of_max_send_bytes_goes_and_one_far_past_it_does_not() {
        let (a, b) = SeqpacketConn::pair().unwrap();
        let max = a.max_send().unwrap();
        let mut buf = vec![0u8; max + 64 * 1024];
        assert_eq!(a.send(&vec![7u8; max], &[]).unwrap(), max);
        assert_eq!(b.recv(&mut buf, &mut Vec::new()).unwrap().len, max);
        let err = a.send(&vec![7u8; max + SEND_MARGIN + 64], &[]).unwrap_err();
        assert_eq!(err.raw_os_error(), Some(rustix::io::Errno::MSGSIZE.raw_os_error()));
    }

    #[test]
    fn a_batch_arrives_as_separate_messages_and_fionread_counts_them() {
        let (a, b) = SeqpacketConn::pair().unwrap();
        assert_eq!(b.pending_bytes().unwrap(), 0);
        assert_eq!(a.send_batch(&[b"one", b"three", b"a"]).unwrap(), 3);
        let mut buf = [0u8; 16];
        let mut left = 9;
        for expected in [&b"one"[..], b"three", b"a"] {
            assert_eq!(b.pending_bytes().unwrap(), left);
            let received = b.recv(&mut buf, &mut Vec::new()).unwrap();
            assert_eq!(&buf[..received.len], expected);
            left -= expected.len();
        }
        assert_eq!(b.pending_bytes().unwrap(), 0);
        assert!(a.send_batch(&[b"x", b""]).is_err(), "an empty message is refused");
    }

    #[test]
    fn a_nonblocking_connect_to_a_full_backlog_would_block() {
        let path = unique_path("full-backlog");
        let listener = crate::unix::SeqpacketListener::bind(&path, 0).unwrap();
        // A backlog of 0 still admits a connection or so; fill it, then one more must not
        // wait.
        let mut admitted = Vec::new();
        let refused = loop {
            match SeqpacketConn::connect_nonblocking(&path) {
                Ok(conn) => admitted.push(conn),
                Err(err) => break err,
            }
            assert!(admitted.len() < 64, "the backlog never filled");
        };
        assert_eq!(refused.kind(), io::ErrorKind::WouldBlock, "{refused}");
        // Room again once the server accepts.
        drop(listener.accept().unwrap());
        let conn = SeqpacketConn::connect_nonblocking(&path).unwrap();
        let mut buf = [0u8; 1];
        let err = conn.recv(&mut buf, &mut Vec::new()).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::WouldBlock, "non-blocking from the start");
        let _ = std::fs::remove_file(&path);
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
