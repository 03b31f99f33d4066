//! [`Peer`]: who is at each end of the client's connection, and how addresses are laid
//! out in a request (`docs/http-over-doors.md` §3.1).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV6};

use super::error::{DecodeError, ErrorKind};

/// The client's connection to ostiumd, as the application sees it: an extension of every
/// request [`serve`](super::serve) hands the application (`request.extensions().get::<Peer>()`).
///
/// The addresses are those of the TCP connection ostiumd accepted (or those the PROXY
/// protocol reported, behind a load balancer). An IPv4 client on an IPv6 socket appears as
/// IPv4, never as an IPv4-mapped IPv6 address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Peer {
    /// The client's address and port.
    pub remote: SocketAddr,
    /// The server's address and port: where the client connected.
    pub local: SocketAddr,
    /// Whether the client's connection is TLS (the request's scheme is `https`).
    pub tls: bool,
}

impl Peer {
    /// A plain (not TLS) connection from `remote` to `local`.
    pub fn new(remote: SocketAddr, local: SocketAddr) -> Peer {
        Peer { remote: canonical(remote), local: canonical(local), tls: false }
    }

    /// The same connection, TLS or not.
    pub fn with_tls(self, tls: bool) -> Peer {
        Peer { tls, ..self }
    }
}

/// An address as the format carries it: IPv4-mapped IPv6 addresses as IPv4, and no
/// flow label (it describes a packet flow, not the connection's endpoint).
fn canonical(addr: SocketAddr) -> SocketAddr {
    match addr {
        SocketAddr::V6(v6) => match v6.ip().to_ipv4_mapped() {
            Some(v4) => SocketAddr::new(IpAddr::V4(v4), v6.port()),
            None => SocketAddr::V6(SocketAddrV6::new(*v6.ip(), v6.port(), 0, v6.scope_id())),
        },
        v4 => v4,
    }
}

/// One address's fields: family, port, the 16 address bytes, scope id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct AddrFields {
    pub(crate) family: u8,
    pub(crate) port: u16,
    pub(crate) addr: [u8; 16],
    pub(crate) scope: u32,
}

impl AddrFields {
    /// The fields of `addr`, in canonical form.
    pub(crate) fn of(addr: SocketAddr) -> AddrFields {
        let mut bytes = [0; 16];
        match canonical(addr) {
            SocketAddr::V4(v4) => {
                bytes[..4].copy_from_slice(&v4.ip().octets());
                AddrFields { family: 4, port: v4.port(), addr: bytes, scope: 0 }
            }
            SocketAddr::V6(v6) => AddrFields {
                family: 6,
                port: v6.port(),
                addr: v6.ip().octets(),
                scope: v6.scope_id(),
            },
        }
    }

    /// The address these fields hold; `at` is the offset of the family byte, for errors
    /// (`addr_at` that of the address bytes).
    pub(crate) fn to_addr(self, at: usize, addr_at: usize) -> Result<SocketAddr, DecodeError> {
        let non_canonical = DecodeError::new(addr_at, ErrorKind::NonCanonicalAddress);
        match self.family {
            4 => {
                let (ip, padding) = self.addr.split_at(4);
                if padding.iter().any(|&b| b != 0) || self.scope != 0 {
                    return Err(non_canonical);
                }
                let mut octets = [0; 4];
                octets.copy_from_slice(ip);
                Ok(SocketAddr::new(IpAddr::V4(Ipv4Addr::from(octets)), self.port))
            }
            6 => {
                let ip = Ipv6Addr::from(self.addr);
                if ip.to_ipv4_mapped().is_some() {
                    return Err(non_canonical);
                }
                Ok(SocketAddr::V6(SocketAddrV6::new(ip, self.port, 0, self.scope)))
            }
            other => Err(DecodeError::new(at, ErrorKind::AddressFamily(other))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapped_addresses_become_ipv4() {
        let mapped: SocketAddr = "[::ffff:192.0.2.1]:80".parse().unwrap();
        let peer = Peer::new(mapped, "[2001:db8::1]:443".parse().unwrap());
        assert_eq!(peer.remote, "192.0.2.1:80".parse::<SocketAddr>().unwrap());
        let fields = AddrFields::of(mapped);
        assert_eq!((fields.family, fields.port), (4, 80));
        assert_eq!(fields.addr[..5], [192, 0, 2, 1, 0]);
    }

    #[test]
    fn non_canonical_fields_are_refused() {
        let mut v4 = AddrFields::of("10.0.0.1:1".parse().unwrap());
        v4.addr[15] = 1;
        assert_eq!(v4.to_addr(0, 8).unwrap_err().kind(), ErrorKind::NonCanonicalAddress);
        let mut mapped = AddrFields::of("[::1]:1".parse().unwrap());
        mapped.addr = "::ffff:10.0.0.1".parse::<Ipv6Addr>().unwrap().octets();
        assert_eq!(mapped.to_addr(0, 8).unwrap_err().offset(), 8);
        let odd = AddrFields { family: 5, ..mapped };
        assert_eq!(
            odd.to_addr(3, 8).unwrap_err(),
            DecodeError::new(3, ErrorKind::AddressFamily(5))
        );
    }
}
