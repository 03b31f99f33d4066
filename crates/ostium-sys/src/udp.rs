//! `UdpSocket`: a bound, non-blocking UDP socket, IPv4 or IPv6, one datagram per call.
//!
//! Made for an event loop: every socket is non-blocking, so `recv_from` on an empty socket
//! and `send_to` on a full one fail with `WouldBlock` instead of waiting. A datagram longer
//! than the receiver's buffer is refused with an error saying so, never cut short silently.

use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};

use rustix::net::{self as rnet, AddressFamily, RecvFlags, SendFlags, SocketFlags, SocketType};

use crate::error::{Named, retry_on_intr};
use crate::socket::inet_addr;

/// A bound UDP socket, closed on drop; non-blocking and close-on-exec.
#[derive(Debug)]
pub struct UdpSocket {
    fd: OwnedFd,
}

/// `socket(SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC)` + `bind(addr)`: a UDP socket
/// receiving on `addr`, IPv4 or IPv6 as `addr` is. Port 0 lets the system choose;
/// [`UdpSocket::local_addr`] tells which. Errors name the address.
pub fn udp_bind(addr: SocketAddr) -> io::Result<UdpSocket> {
    bind(addr, false)
}

/// Like [`udp_bind`], adding `SO_REUSEPORT`: several sockets, each with the option set (and
/// of the same user), may bind the same address, and the kernel spreads incoming datagrams
/// among them by source address and port. One socket per reactor shard.
///
/// As with [`tcp_listen_reuseport`](crate::tcp_listen_reuseport), a second server of the
/// same user would silently join the group; a caller that wants "address in use" binds
/// once without the option first, as the reactor's group binding does.
pub fn udp_bind_reuseport(addr: SocketAddr) -> io::Result<UdpSocket> {
    bind(addr, true)
}

fn bind(addr: SocketAddr, reuseport: bool) -> io::Result<UdpSocket> {
    let family = match addr {
        SocketAddr::V4(_) => AddressFamily::INET,
        SocketAddr::V6(_) => AddressFamily::INET6,
    };
    let flags = SocketFlags::CLOEXEC | SocketFlags::NONBLOCK;
    let fd = rnet::socket_with(family, SocketType::DGRAM, flags, None).named(|| "socket(UDP)")?;
    if reuseport {
        rnet::sockopt::set_socket_reuseport(&fd, true).named(|| "setsockopt(SO_REUSEPORT)")?;
    }
    rnet::bind(&fd, &addr).named(|| format!("bind udp {addr}"))?;
    Ok(UdpSocket { fd })
}

impl UdpSocket {
    /// `recvfrom(fd, buf, MSG_TRUNC)`: receives one datagram into `buf`; returns its length
    /// and the sender's address.
    ///
    /// Fails with `WouldBlock` when no datagram is waiting. A datagram longer than `buf` is
    /// consumed and refused with an `InvalidData` error giving both lengths (64 KiB holds
    /// any UDP datagram). An empty datagram is valid and returns length zero.
    pub fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        let capacity = buf.len();
        let (_, len, from) =
            retry_on_intr(|| rnet::recvfrom(&self.fd, &mut *buf, RecvFlags::TRUNC))?;
        if len > capacity {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("recvfrom: a {len}-byte datagram did not fit in {capacity} bytes; dropped"),
            ));
        }
        let from = from.ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidData, "recvfrom: datagram without a sender")
        })?;
        Ok((len, inet_addr(from)?))
    }

    /// `sendto(fd, buf, 0, addr)`: sends `buf` as one datagram to `addr`.
    ///
    /// Fails with `WouldBlock` when the socket's send buffer is full: the datagram was not
    /// sent (keep it and ask for writable readiness, or drop it as UDP allows).
    pub fn send_to(&self, buf: &[u8], addr: SocketAddr) -> io::Result<usize> {
        Ok(retry_on_intr(|| rnet::sendto(&self.fd, buf, SendFlags::empty(), &addr))?)
    }

    /// `getsockname`: the bound address (after binding port 0, the port the system chose).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        inet_addr(rnet::getsockname(&self.fd).named(|| "getsockname")?)
    }
}

impl AsFd for UdpSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl AsRawFd for UdpSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

impl UdpSocket {
    /// Adopts a bound UDP socket (one a service manager passed, say), made non-blocking.
    pub fn from_fd(fd: OwnedFd) -> io::Result<UdpSocket> {
        rustix::io::ioctl_fionbio(&fd, true).named(|| "ioctl(FIONBIO)")?;
        Ok(UdpSocket { fd })
    }
}

impl From<UdpSocket> for OwnedFd {
    fn from(socket: UdpSocket) -> OwnedFd {
        socket.fd
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv6Addr;

    fn round_trip(any: SocketAddr) {
        let server = udp_bind(any).unwrap();
        let client = udp_bind(SocketAddr::new(any.ip(), 0)).unwrap();
        let server_addr = server.local_addr().unwrap();
        assert_ne!(server_addr.port(), 0);
        let mut buf = [0u8; 64];
        assert_eq!(server.recv_from(&mut buf).unwrap_err().kind(), io::ErrorKind::WouldBlock);

        assert_eq!(client.send_to(b"ping", server_addr).unwrap(), 4);
        let (len, from) = wait_recv(&server, &mut buf);
        assert_eq!((&buf[..len], from), (&b"ping"[..], client.local_addr().unwrap()));
        server.send_to(b"pong", from).unwrap();
        let (len, _) = wait_recv(&client, &mut buf);
        assert_eq!(&buf[..len], b"pong");
    }

    /// Receives one datagram, waiting for it with a poller (the sockets never block).
    fn wait_recv(socket: &UdpSocket, buf: &mut [u8]) -> (usize, SocketAddr) {
        wait_readable(socket);
        socket.recv_from(buf).unwrap()
    }

    fn wait_readable(socket: &UdpSocket) {
        let poller = crate::Poller::new().unwrap();
        poller.add(socket, crate::Token(0), crate::Interest::READABLE).unwrap();
        let mut events = crate::Events::with_capacity(1);
        poller.wait(&mut events, Some(std::time::Duration::from_secs(5))).unwrap();
    }

    #[test]
    fn ipv4_datagrams_go_both_ways() {
        round_trip("127.0.0.1:0".parse().unwrap());
    }

    #[test]
    fn ipv6_datagrams_go_both_ways() {
        let any = SocketAddr::new(Ipv6Addr::LOCALHOST.into(), 0);
        match udp_bind(any) {
            Err(err) if err.kind() == io::ErrorKind::AddrNotAvailable => {
                eprintln!("skipped: this machine has no IPv6 loopback ({err})");
            }
            _ => round_trip(any),
        }
    }

    #[test]
    fn a_datagram_too_long_for_the_buffer_is_an_error_not_a_silent_cut() {
        let server = udp_bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let client = udp_bind("127.0.0.1:0".parse().unwrap()).unwrap();
        client.send_to(&[1u8; 100], server.local_addr().unwrap()).unwrap();
        client.send_to(b"next", server.local_addr().unwrap()).unwrap();
        let mut buf = [0u8; 10];
        wait_readable(&server);
        let err = server.recv_from(&mut buf).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert!(err.to_string().contains("100-byte datagram"), "{err}");
        // The next datagram is intact.
        let (len, _) = server.recv_from(&mut buf).unwrap();
        assert_eq!(&buf[..len], b"next");
    }

    #[test]
    fn reuseport_sockets_share_a_port_and_a_plain_bind_is_refused() {
        let first = udp_bind_reuseport("127.0.0.1:0".parse().unwrap()).unwrap();
        let addr = first.local_addr().unwrap();
        let second = udp_bind_reuseport(addr).unwrap();
        assert_eq!(second.local_addr().unwrap(), addr);
        let err = udp_bind(addr).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AddrInUse);
        assert!(err.to_string().contains(&format!("bind udp {addr}")), "{err}");
    }

    #[test]
    fn created_sockets_are_non_blocking_and_close_on_exec() {
        let socket = udp_bind("127.0.0.1:0".parse().unwrap()).unwrap();
        assert!(rustix::io::fcntl_getfd(&socket).unwrap().contains(rustix::io::FdFlags::CLOEXEC));
        let status = rustix::fs::fcntl_getfl(&socket).unwrap();
        assert!(status.contains(rustix::fs::OFlags::NONBLOCK));
    }
}
