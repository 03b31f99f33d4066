//! [`SeqpacketListener`]: a SEQPACKET socket bound at a path, accepting door connections.

use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};

use rustix::net::{SocketAddrUnix, SocketFlags};

use super::SeqpacketConn;
use super::conn::seqpacket_socket;
use crate::error::{Named, retry_on_intr};

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::unix::testing::{is_cloexec, ours, unique_path};

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
}
