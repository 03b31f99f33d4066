//! `Socket`: an owned stream socket and the operations the reactor performs on it.

use std::io::{self, IoSlice};
use std::net::{Shutdown, SocketAddr};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};

use rustix::net::{
    self as rnet, SendAncillaryBuffer, SendFlags, SocketAddrAny, SocketFlags, sockopt,
};

use crate::error::{Named, retry_on_intr};

/// An owned socket descriptor, closed on drop.
///
/// The listeners and connections Ostium creates are non-blocking and close-on-exec; sockets
/// made elsewhere can be adopted with [`Socket::from_fd`]. Writes never raise `SIGPIPE`: a
/// write to a connection the peer has closed fails with `BrokenPipe` instead of killing the
/// process.
#[derive(Debug)]
pub struct Socket {
    fd: OwnedFd,
}

impl Socket {
    /// Adopts an open socket descriptor.
    pub fn from_fd(fd: OwnedFd) -> Socket {
        Socket { fd }
    }

    /// Gives up ownership of the descriptor (to pass it to another process, say).
    pub fn into_fd(self) -> OwnedFd {
        self.fd
    }

    /// `accept4(fd, &addr, SOCK_CLOEXEC | SOCK_NONBLOCK)`: the next pending connection and
    /// its peer's address.
    ///
    /// On a non-blocking listener with nothing pending this fails with `WouldBlock`.
    pub fn accept(&self) -> io::Result<(Socket, SocketAddr)> {
        let flags = SocketFlags::CLOEXEC | SocketFlags::NONBLOCK;
        let (fd, addr) = retry_on_intr(|| rnet::acceptfrom_with(&self.fd, flags))?;
        let addr = addr.map(inet_addr).transpose()?.ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidData, "accept4: peer without an address")
        })?;
        Ok((Socket { fd }, addr))
    }

    /// `read(fd, buf)`: reads into `buf`; zero means the peer has finished sending.
    pub fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        Ok(retry_on_intr(|| rustix::io::read(&self.fd, &mut *buf))?)
    }

    /// `send(fd, buf, MSG_NOSIGNAL)`: writes as much of `buf` as the socket takes.
    pub fn write(&self, buf: &[u8]) -> io::Result<usize> {
        Ok(retry_on_intr(|| rnet::send(&self.fd, buf, SendFlags::NOSIGNAL))?)
    }

    /// `sendmsg(fd, bufs, MSG_NOSIGNAL)`: writes from several buffers in one call, in order.
    pub fn write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        let send = || {
            let mut no_control = SendAncillaryBuffer::default();
            rnet::sendmsg(&self.fd, bufs, &mut no_control, SendFlags::NOSIGNAL)
        };
        Ok(retry_on_intr(send)?)
    }

    /// `setsockopt(TCP_NODELAY)`: with `true`, small writes leave at once instead of waiting
    /// for the previous segment's acknowledgement (Nagle's algorithm).
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        sockopt::set_tcp_nodelay(&self.fd, nodelay).named(|| "setsockopt(TCP_NODELAY)")
    }

    /// `ioctl(FIONBIO)`: switches the socket between non-blocking and blocking.
    pub fn set_nonblocking(&self, nonblocking: bool) -> io::Result<()> {
        rustix::io::ioctl_fionbio(&self.fd, nonblocking).named(|| "ioctl(FIONBIO)")
    }

    /// `getsockname`: the local address, IPv4 or IPv6 (after binding to port 0, the port the
    /// system chose).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        inet_addr(rnet::getsockname(&self.fd).named(|| "getsockname")?)
    }

    /// `getpeername`: the address of the connected peer.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        let addr = rnet::getpeername(&self.fd).named(|| "getpeername")?;
        inet_addr(addr.ok_or_else(|| {
            io::Error::new(io::ErrorKind::NotConnected, "getpeername: no address")
        })?)
    }

    /// `shutdown(fd, how)`: ends reading, writing, or both, while the descriptor stays open.
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        let how = match how {
            Shutdown::Read => rnet::Shutdown::Read,
            Shutdown::Write => rnet::Shutdown::Write,
            Shutdown::Both => rnet::Shutdown::Both,
        };
        Ok(rnet::shutdown(&self.fd, how)?)
    }

    /// `getsockopt(SO_ERROR)`: the pending error of the socket, clearing it. After a
    /// non-blocking connect turns writable, `None` means the connection was established.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        let pending = sockopt::socket_error(&self.fd).named(|| "getsockopt(SO_ERROR)")?;
        Ok(pending.err().map(io::Error::from))
    }
}

/// Converts a socket address from the kernel to an IPv4 or IPv6 `SocketAddr`.
pub(crate) fn inet_addr(addr: SocketAddrAny) -> io::Result<SocketAddr> {
    let family = addr.address_family();
    SocketAddr::try_from(addr).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("not an IP socket address (family {family:?})"),
        )
    })
}

impl AsFd for Socket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl AsRawFd for Socket {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

impl From<OwnedFd> for Socket {
    fn from(fd: OwnedFd) -> Socket {
        Socket { fd }
    }
}

impl From<Socket> for OwnedFd {
    fn from(socket: Socket) -> OwnedFd {
        socket.fd
    }
}
