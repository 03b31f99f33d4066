//! TCP listeners and outgoing connections.

use std::io;
use std::net::SocketAddr;

use rustix::io::Errno;
use rustix::net::{self as rnet, AddressFamily, SocketFlags, SocketType, sockopt};

use crate::Socket;
use crate::error::{Named, retry_on_intr};

/// A non-blocking, close-on-exec TCP socket for `addr`'s family.
fn tcp_socket(addr: SocketAddr) -> io::Result<Socket> {
    let family = match addr {
        SocketAddr::V4(_) => AddressFamily::INET,
        SocketAddr::V6(_) => AddressFamily::INET6,
    };
    let flags = SocketFlags::CLOEXEC | SocketFlags::NONBLOCK;
    let fd = rnet::socket_with(family, SocketType::STREAM, flags, None).named(|| "socket(TCP)")?;
    Ok(Socket::from_fd(fd))
}

/// `socket` + `setsockopt(SO_REUSEADDR)` + `bind(addr)` + `listen(backlog)`: a non-blocking
/// TCP listener, IPv4 or IPv6 as `addr` is.
///
/// `SO_REUSEADDR` lets a restarted server bind while connections of its previous instance
/// are in `TIME_WAIT`; it does not let two servers listen on one port. Port 0 lets the system
/// choose; [`Socket::local_addr`] tells which. Errors name the address: "bind
/// 127.0.0.1:9000: Address in use (os error 98)".
pub fn tcp_listen(addr: SocketAddr, backlog: u32) -> io::Result<Socket> {
    listen(addr, backlog, false)
}

/// Like [`tcp_listen`], adding `SO_REUSEPORT`: several listeners, each with the option set
/// (and of the same user), may bind the same address, and the kernel spreads incoming
/// connections among them. One listener per reactor shard.
pub fn tcp_listen_reuseport(addr: SocketAddr, backlog: u32) -> io::Result<Socket> {
    listen(addr, backlog, true)
}

fn listen(addr: SocketAddr, backlog: u32, reuseport: bool) -> io::Result<Socket> {
    let socket = tcp_socket(addr)?;
    sockopt::set_socket_reuseaddr(&socket, true).named(|| "setsockopt(SO_REUSEADDR)")?;
    if reuseport {
        sockopt::set_socket_reuseport(&socket, true).named(|| "setsockopt(SO_REUSEPORT)")?;
    }
    rnet::bind(&socket, &addr).named(|| format!("bind {addr}"))?;
    let backlog = i32::try_from(backlog).unwrap_or(i32::MAX);
    rnet::listen(&socket, backlog).named(|| format!("listen {addr}"))?;
    Ok(socket)
}

/// A non-blocking `connect(addr)`: returns at once with the connection under way.
///
/// The socket turns writable when the attempt ends; then [`Socket::take_error`] says
/// whether it succeeded (`None`) or why it failed. An immediate failure (no route, say) is
/// returned here, naming the address.
pub fn tcp_connect(addr: SocketAddr) -> io::Result<Socket> {
    let socket = tcp_socket(addr)?;
    match retry_on_intr(|| rnet::connect(&socket, &addr)) {
        Ok(()) | Err(Errno::INPROGRESS) => Ok(socket),
        Err(errno) => Err(crate::error::named(format!("connect {addr}"), errno)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Events, Interest, Poller, Token};
    use std::io::{IoSlice, Read, Write};
    use std::net::{Ipv6Addr, Shutdown, TcpStream};
    use std::os::fd::AsFd;
    use std::time::Duration;

    fn wait_for(socket: &impl AsFd, interest: Interest) {
        let poller = Poller::new().unwrap();
        poller.add(socket, Token(0), interest).unwrap();
        let mut events = Events::with_capacity(1);
        assert_eq!(poller.wait(&mut events, Some(Duration::from_secs(5))).unwrap(), 1);
    }

    fn accept_blocking(listener: &Socket) -> (Socket, SocketAddr) {
        wait_for(listener, Interest::READABLE);
        listener.accept().unwrap()
    }

    fn round_trip(any: SocketAddr) {
        let listener = tcp_listen(any, 128).unwrap();
        let bound = listener.local_addr().unwrap();
        assert_eq!(bound.ip(), any.ip());
        assert_ne!(bound.port(), 0, "port 0 is replaced by the chosen port");

        let mut client = TcpStream::connect(bound).unwrap();
        let (server, peer) = accept_blocking(&listener);
        assert_eq!(peer, client.local_addr().unwrap());
        assert_eq!(server.peer_addr().unwrap(), peer);
        assert_eq!(server.local_addr().unwrap(), bound);
        server.set_nodelay(true).unwrap();

        client.write_all(b"ping").unwrap();
        wait_for(&server, Interest::READABLE);
        let mut buf = [0u8; 16];
        assert_eq!(server.read(&mut buf).unwrap(), 4);
        assert_eq!(&buf[..4], b"ping");
        // Nothing more to read on a non-blocking socket.
        assert_eq!(server.read(&mut buf).unwrap_err().kind(), io::ErrorKind::WouldBlock);

        let written = server.write_vectored(&[IoSlice::new(b"po"), IoSlice::new(b"ng")]).unwrap();
        assert_eq!(written, 4);
        server.shutdown(Shutdown::Write).unwrap();
        let mut reply = Vec::new();
        client.read_to_end(&mut reply).unwrap();
        assert_eq!(reply, b"pong");
    }

    #[test]
    fn ipv4_listen_accept_read_write() {
        round_trip("127.0.0.1:0".parse().unwrap());
    }

    #[test]
    fn ipv6_listen_accept_read_write() {
        let any = SocketAddr::new(Ipv6Addr::LOCALHOST.into(), 0);
        match tcp_listen(any, 1) {
            Err(err) if err.kind() == io::ErrorKind::AddrNotAvailable => {
                eprintln!("skipped: this machine has no IPv6 loopback ({err})");
            }
            _ => round_trip(any),
        }
    }

    #[test]
    fn a_second_plain_listener_on_a_used_port_names_the_address() {
        let first = tcp_listen("127.0.0.1:0".parse().unwrap(), 1).unwrap();
        let addr = first.local_addr().unwrap();
        let err = tcp_listen(addr, 1).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AddrInUse);
        assert!(err.to_string().contains(&format!("bind {addr}")), "{err}");
    }

    #[test]
    fn a_reuseport_group_shares_one_port_and_both_accept() {
        let first = tcp_listen_reuseport("127.0.0.1:0".parse().unwrap(), 128).unwrap();
        let addr = first.local_addr().unwrap();
        let second = tcp_listen_reuseport(addr, 128).unwrap();
        assert_eq!(second.local_addr().unwrap(), addr);

        // The kernel hashes each connection's 4-tuple to one member: with enough
        // connections, both members receive some.
        let poller = Poller::new().unwrap();
        poller.add(&first, Token(1), Interest::READABLE).unwrap();
        poller.add(&second, Token(2), Interest::READABLE).unwrap();
        let clients: Vec<TcpStream> = (0..64).map(|_| TcpStream::connect(addr).unwrap()).collect();
        let mut accepted = [0usize; 2];
        let mut events = Events::with_capacity(4);
        while accepted.iter().sum::<usize>() < clients.len() {
            assert!(poller.wait(&mut events, Some(Duration::from_secs(5))).unwrap() > 0);
            for event in events.iter() {
                let listener = if event.token() == Token(1) { &first } else { &second };
                while listener.accept().is_ok() {
                    accepted[event.token().0 as usize - 1] += 1;
                }
            }
        }
        assert!(accepted[0] > 0 && accepted[1] > 0, "accepted per member: {accepted:?}");
    }

    #[test]
    fn a_non_blocking_connect_completes_and_reports_success() {
        let listener = tcp_listen("127.0.0.1:0".parse().unwrap(), 1).unwrap();
        let client = tcp_connect(listener.local_addr().unwrap()).unwrap();
        wait_for(&client, Interest::WRITABLE);
        assert!(client.take_error().unwrap().is_none());
        let _ = accept_blocking(&listener);
    }

    #[test]
    fn a_refused_connect_reports_the_error() {
        // Bind a port, then close it: nobody listens there any more.
        let addr = tcp_listen("127.0.0.1:0".parse().unwrap(), 1).unwrap().local_addr().unwrap();
        let result = tcp_connect(addr).and_then(|client| {
            wait_for(&client, Interest::WRITABLE);
            client.take_error()?.map_or(Ok(()), Err)
        });
        assert_eq!(result.unwrap_err().kind(), io::ErrorKind::ConnectionRefused);
    }

    #[test]
    fn writing_to_a_closed_peer_is_an_error_not_a_signal() {
        let listener = tcp_listen("127.0.0.1:0".parse().unwrap(), 1).unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = accept_blocking(&listener);
        drop(client);
        // The first write may still be accepted; the peer answers with a reset and a later
        // write fails (without SIGPIPE, which would end this test process).
        let failed = (0..100).find_map(|_| {
            std::thread::sleep(Duration::from_millis(5));
            server.write(b"x").err()
        });
        let kind = failed.expect("writes to a closed peer fail").kind();
        assert!(
            matches!(kind, io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset),
            "{kind:?}"
        );
    }

    #[test]
    fn created_sockets_are_close_on_exec() {
        let listener = tcp_listen("127.0.0.1:0".parse().unwrap(), 1).unwrap();
        let client = tcp_connect(listener.local_addr().unwrap()).unwrap();
        let (accepted, _) = accept_blocking(&listener);
        for socket in [&listener, &client, &accepted] {
            let flags = rustix::io::fcntl_getfd(socket).unwrap();
            assert!(flags.contains(rustix::io::FdFlags::CLOEXEC));
        }
    }
}
