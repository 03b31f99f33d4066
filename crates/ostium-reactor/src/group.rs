//! Binding one address once per loop: a group of `SO_REUSEPORT` TCP listeners or UDP
//! sockets, among which the kernel spreads connections or datagrams.
//!
//! [`Runner`](crate::Runner) binds its TCP group with [`tcp_listener_group`]. A program
//! that runs its own loops (one per core, serving several addresses, or UDP) binds a group
//! per address and gives member `i` to loop `i`: with UDP, the service of each loop
//! [watches](crate::Context::watch) its socket and answers datagrams from
//! [`on_ready`](crate::Service::on_ready).
//!
//! Both check first that nobody uses the address: `SO_REUSEPORT` would otherwise let a
//! second server of the same user silently join the group of a running one and take a
//! share of its traffic, where the user expects "address in use". A plain bind (without
//! `SO_REUSEPORT`) fails against any socket on the address; if it succeeds, the probe is
//! closed and the group bound at once.

use std::io;
use std::net::SocketAddr;

use ostium_sys::{
    Socket, UdpSocket, tcp_listen, tcp_listen_reuseport, udp_bind, udp_bind_reuseport,
};

/// `count` TCP listeners on `addr` (a plain listener when `count` is 1), each with its own
/// accept queue of `backlog`. Port 0: the system chooses one port for the whole group.
pub fn tcp_listener_group(addr: SocketAddr, count: usize, backlog: u32) -> io::Result<Vec<Socket>> {
    if count <= 1 {
        return Ok(vec![tcp_listen(addr, backlog)?]);
    }
    if addr.port() != 0 {
        drop(tcp_listen(addr, 1)?);
    }
    bind_members(addr, count, |addr| tcp_listen_reuseport(addr, backlog), Socket::local_addr)
}

/// `count` UDP sockets on `addr` (a plain socket when `count` is 1), non-blocking. Port 0:
/// the system chooses one port for the whole group.
pub fn udp_socket_group(addr: SocketAddr, count: usize) -> io::Result<Vec<UdpSocket>> {
    if count <= 1 {
        return Ok(vec![udp_bind(addr)?]);
    }
    if addr.port() != 0 {
        drop(udp_bind(addr)?);
    }
    bind_members(addr, count, udp_bind_reuseport, UdpSocket::local_addr)
}

/// Binds `count` members; after the first, at the address it got (its port, for port 0).
fn bind_members<T>(
    mut addr: SocketAddr,
    count: usize,
    bind: impl Fn(SocketAddr) -> io::Result<T>,
    local_addr: impl Fn(&T) -> io::Result<SocketAddr>,
) -> io::Result<Vec<T>> {
    let mut members = Vec::with_capacity(count);
    for _ in 0..count {
        let member = bind(addr)?;
        addr = local_addr(&member)?;
        members.push(member);
    }
    Ok(members)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_udp_group_shares_one_port_and_refuses_a_used_one() {
        let group = udp_socket_group("127.0.0.1:0".parse().unwrap(), 3).unwrap();
        let addr = group[0].local_addr().unwrap();
        assert!(group.iter().all(|s| s.local_addr().unwrap() == addr));
        let err = udp_socket_group(addr, 2).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AddrInUse);
        assert!(err.to_string().contains(&addr.to_string()), "{err}");
    }

    #[test]
    fn a_tcp_group_shares_one_port() {
        let group = tcp_listener_group("127.0.0.1:0".parse().unwrap(), 2, 16).unwrap();
        let addr = group[0].local_addr().unwrap();
        assert_eq!(group[1].local_addr().unwrap(), addr);
        assert_eq!(tcp_listener_group(addr, 2, 16).unwrap_err().kind(), io::ErrorKind::AddrInUse);
    }
}
