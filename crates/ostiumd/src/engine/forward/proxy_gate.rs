//! [`ProxyGate`]: on a forward with `proxy-protocol on`, the PROXY header a load balancer
//! sends first is read (and taken off the stream) before the forward's own protocol sees a
//! byte, and the client it names replaces the balancer's address.
//!
//! The header must come whole within the header timeout (http) or body timeout (bytes),
//! like any first bytes; one that does not match the spec exactly closes the connection,
//! as the spec asks.

use std::net::SocketAddr;

use crate::proxy::{self, Decoded, ProxyError};

/// Where a connection is in reading its PROXY header.
#[derive(Debug)]
pub enum ProxyGate {
    /// The header has not all come: the bytes so far.
    Reading(Vec<u8>),
    /// The header was read (or the forward expects none).
    Open,
}

/// What feeding bytes to a gate came to.
#[derive(Debug, PartialEq, Eq)]
pub enum Passage {
    /// More bytes are needed.
    Wait,
    /// The header was read: the client's address (if it names one) and the bytes after it,
    /// which belong to the forward's protocol.
    Through {
        /// The client the header names (none for `LOCAL` or `UNKNOWN`: use the socket's).
        client: Option<SocketAddr>,
        /// The bytes after the header.
        rest: Vec<u8>,
    },
}

impl ProxyGate {
    /// A gate for a forward with (`true`) or without a PROXY header.
    pub fn new(expects_header: bool) -> ProxyGate {
        if expects_header { ProxyGate::Reading(Vec::new()) } else { ProxyGate::Open }
    }

    /// Whether the header is still being read.
    pub fn is_reading(&self) -> bool {
        matches!(self, ProxyGate::Reading(_))
    }

    /// Takes bytes the connection sent while the header is being read.
    pub fn feed(&mut self, bytes: &[u8]) -> Result<Passage, ProxyError> {
        let ProxyGate::Reading(seen) = self else {
            return Ok(Passage::Through { client: None, rest: bytes.to_vec() });
        };
        seen.extend_from_slice(bytes);
        match proxy::decode(seen)? {
            Decoded::Incomplete => Ok(Passage::Wait),
            Decoded::Done { header, consumed } => {
                let rest = seen.split_off(consumed);
                *self = ProxyGate::Open;
                Ok(Passage::Through { client: header.source, rest })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_header_in_pieces_then_the_protocol() {
        let mut gate = ProxyGate::new(true);
        assert_eq!(gate.feed(b"PROXY TCP4 203.0.113.7 ").unwrap(), Passage::Wait);
        let passage = gate.feed(b"192.0.2.1 56324 443\r\nGET / HTTP/1.1\r\n").unwrap();
        assert_eq!(
            passage,
            Passage::Through {
                client: Some("203.0.113.7:56324".parse().unwrap()),
                rest: b"GET / HTTP/1.1\r\n".to_vec()
            }
        );
        assert!(!gate.is_reading());
    }

    #[test]
    fn no_header_expected_lets_everything_through_and_garbage_is_refused() {
        let mut open = ProxyGate::new(false);
        assert!(!open.is_reading());
        assert_eq!(
            open.feed(b"GET").unwrap(),
            Passage::Through { client: None, rest: b"GET".to_vec() }
        );
        assert!(ProxyGate::new(true).feed(b"GET / HTTP/1.1\r\n").is_err());
    }
}
