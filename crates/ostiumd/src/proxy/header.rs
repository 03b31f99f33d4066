//! What a PROXY header says: [`ProxyHeader`], with its [`Command`], addresses and raw
//! TLVs ([`Tlv`]).

use std::net::SocketAddr;

/// Which version of the protocol the header was in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Version {
    /// The text line, `PROXY TCP4 …\r\n`.
    V1,
    /// The binary header after the 12-byte signature.
    V2,
}

/// Whether the connection is relayed for a client or the balancer's own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Command {
    /// The balancer opened the connection for itself (a health check): the socket's own
    /// addresses are the true ones. Only v2 says this.
    Local,
    /// The balancer relays a client's connection. v1 headers are all `Proxy`.
    Proxy,
}

/// A decoded PROXY header.
///
/// The client's address is `source`; when it is `None` (v2 `LOCAL`, v1 `UNKNOWN`, an
/// unspecified or `AF_UNIX` family) the caller uses the socket's peer address, as the spec
/// says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProxyHeader {
    /// The header's version.
    pub version: Version,
    /// Relayed or local.
    pub command: Command,
    /// The client's address and port, when the header gives an IP one.
    pub source: Option<SocketAddr>,
    /// The address and port the client connected to, when the header gives an IP one.
    pub destination: Option<SocketAddr>,
    /// The v2 TLVs, as received (their framing checked): read them with
    /// [`ProxyHeader::tlvs`]. Empty for v1. At most
    /// [`MAX_V2_BLOCK`](super::MAX_V2_BLOCK) bytes.
    pub raw_tlvs: Box<[u8]>,
}

/// One v2 type-length-value item.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tlv<'a> {
    /// The type (`0x01` ALPN, `0x02` authority, `0x05` unique id, `0x20` SSL, …).
    pub kind: u8,
    /// The value, uninterpreted.
    pub value: &'a [u8],
}

impl ProxyHeader {
    /// The TLVs, in the order received.
    pub fn tlvs(&self) -> impl Iterator<Item = Tlv<'_>> {
        TlvIter { rest: &self.raw_tlvs }
    }

    /// The value of the first TLV of type `kind`.
    pub fn tlv(&self, kind: u8) -> Option<&[u8]> {
        self.tlvs().find(|tlv| tlv.kind == kind).map(|tlv| tlv.value)
    }
}

/// Walks TLVs whose framing [`split_tlv`] has already accepted.
struct TlvIter<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for TlvIter<'a> {
    type Item = Tlv<'a>;

    fn next(&mut self) -> Option<Tlv<'a>> {
        let (tlv, rest) = split_tlv(self.rest)?;
        self.rest = rest;
        Some(tlv)
    }
}

/// The TLV at the start of `bytes` and what follows it, or `None` if `bytes` does not
/// hold a whole one (3 bytes of type and big-endian length, then the value).
pub(super) fn split_tlv(bytes: &[u8]) -> Option<(Tlv<'_>, &[u8])> {
    let (&[kind, hi, lo], rest) = bytes.split_first_chunk::<3>()?;
    let len = usize::from(u16::from_be_bytes([hi, lo]));
    let (value, rest) = rest.split_at_checked(len)?;
    Some((Tlv { kind, value }, rest))
}
