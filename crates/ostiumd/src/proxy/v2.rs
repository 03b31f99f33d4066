//! Version 2: a 16-byte fixed part — the 12-byte signature, a version and command byte,
//! a family and transport byte, a big-endian length — then that many bytes: the address
//! block of the family, then TLVs.
//!
//! Each fixed byte is checked as soon as it has arrived, so a wrong version is refused at
//! byte 13 without waiting for the rest.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use super::crc32c::crc32c_zeroing;
use super::error::error;
use super::header::{Command, ProxyHeader, Version, split_tlv};
use super::{Decoded, ProxyError, ProxyErrorKind, signature_mismatch};

/// What a v2 header starts with; its NUL byte and `QUIT` make it invalid in every
/// common text protocol.
pub(super) const SIGNATURE: [u8; 12] = *b"\r\n\r\n\0\r\nQUIT\n";

/// The fixed part: signature, version and command, family and transport, length.
pub(super) const FIXED_LEN: usize = 16;

/// The longest block (addresses and TLVs) accepted: `AF_UNIX` addresses (216 bytes) and
/// what balancers send as TLVs (SSL details, a unique id of at most 128 bytes, an
/// authority) with room to spare, while bounding what one connection may make ostiumd
/// buffer before it is known to be a client.
pub const MAX_V2_BLOCK: usize = 2048;

/// The offsets of the fixed fields.
const VERSION_COMMAND: usize = 12;
const FAMILY: usize = 13;
const LENGTH: usize = 14;

/// The TLV type of a CRC32C of the whole header.
const TLV_CRC32C: u8 = 0x03;

/// Decodes a v2 header from `input`, which starts with CR.
pub(super) fn decode(input: &[u8]) -> Result<Decoded, ProxyError> {
    if let Some(offset) = signature_mismatch(input, &SIGNATURE) {
        return Err(error(offset, ProxyErrorKind::Signature));
    }
    let Some(&version_command) = input.get(VERSION_COMMAND) else {
        return Ok(Decoded::Incomplete);
    };
    if version_command >> 4 != 2 {
        return Err(error(VERSION_COMMAND, ProxyErrorKind::Version));
    }
    let command = match version_command & 0x0f {
        0 => Command::Local,
        1 => Command::Proxy,
        _ => return Err(error(VERSION_COMMAND, ProxyErrorKind::Command)),
    };
    let Some(&family_byte) = input.get(FAMILY) else { return Ok(Decoded::Incomplete) };
    // LOCAL discards the block "including the family", so its byte is not judged.
    let family = match command {
        Command::Local => Family::Ignored,
        Command::Proxy => Family::from_byte(family_byte)?,
    };
    let Some(&[hi, lo]) = input.get(LENGTH..FIXED_LEN) else { return Ok(Decoded::Incomplete) };
    let len = usize::from(u16::from_be_bytes([hi, lo]));
    if len > MAX_V2_BLOCK {
        return Err(error(LENGTH, ProxyErrorKind::TooLong));
    }
    if len < family.address_len() {
        return Err(error(LENGTH, ProxyErrorKind::AddressTruncated));
    }
    let Some(whole) = input.get(..FIXED_LEN + len) else { return Ok(Decoded::Incomplete) };
    let header = read_block(whole, command, family)?;
    Ok(Decoded::Done { header, consumed: whole.len() })
}

/// Reads the block of a whole header `whole`, whose fixed part is valid.
fn read_block(whole: &[u8], command: Command, family: Family) -> Result<ProxyHeader, ProxyError> {
    let block = &whole[FIXED_LEN..];
    let (source, destination) = family.addresses(block);
    let tlvs = match family {
        Family::Ignored | Family::Unspecified => &[][..],
        _ => {
            let tlvs_at = FIXED_LEN + family.address_len();
            check_tlvs(whole, tlvs_at)?;
            &whole[tlvs_at..]
        }
    };
    Ok(ProxyHeader { version: Version::V2, command, source, destination, raw_tlvs: tlvs.into() })
}

/// Checks that the TLVs from offset `at` tile the rest of `whole` exactly, and verifies
/// any CRC32C among them.
fn check_tlvs(whole: &[u8], mut at: usize) -> Result<(), ProxyError> {
    while at < whole.len() {
        let Some((tlv, rest)) = split_tlv(&whole[at..]) else {
            return Err(error(at, ProxyErrorKind::Tlv));
        };
        if tlv.kind == TLV_CRC32C {
            let value_at = at + 3;
            let stated = <[u8; 4]>::try_from(tlv.value).ok().map(u32::from_be_bytes);
            if stated != Some(crc32c_zeroing(whole, value_at..value_at + 4)) {
                return Err(error(at, ProxyErrorKind::Checksum));
            }
        }
        at = whole.len() - rest.len();
    }
    Ok(())
}

/// The family and transport of a `PROXY` header, as far as addresses are concerned.
#[derive(Clone, Copy)]
enum Family {
    /// `LOCAL`: the block is skipped whatever it holds.
    Ignored,
    /// `AF_UNSPEC` or an unspecified transport: no addresses, the block is skipped.
    Unspecified,
    /// TCP or UDP over IPv4: 4-byte addresses, then ports.
    Inet,
    /// TCP or UDP over IPv6: 16-byte addresses, then ports.
    Inet6,
    /// `AF_UNIX` stream or datagram: two 108-byte paths, which ostiumd does not report.
    Unix,
}

impl Family {
    /// Judges the family byte: the high nibble the address family (0 to 3), the low one
    /// the transport (0 unspecified, 1 stream, 2 datagram); other values are refused.
    fn from_byte(byte: u8) -> Result<Family, ProxyError> {
        let (family, transport) = (byte >> 4, byte & 0x0f);
        if transport > 2 {
            return Err(error(FAMILY, ProxyErrorKind::Family));
        }
        match (family, transport) {
            (0..=3, 0) | (0, _) => Ok(Family::Unspecified),
            (1, _) => Ok(Family::Inet),
            (2, _) => Ok(Family::Inet6),
            (3, _) => Ok(Family::Unix),
            _ => Err(error(FAMILY, ProxyErrorKind::Family)),
        }
    }

    /// The length of the family's address block: the least the length field may say.
    fn address_len(self) -> usize {
        match self {
            Family::Ignored | Family::Unspecified => 0,
            Family::Inet => 2 * 4 + 2 * 2,
            Family::Inet6 => 2 * 16 + 2 * 2,
            Family::Unix => 2 * 108,
        }
    }

    /// The source and destination in `block`, which is at least
    /// [`address_len`](Self::address_len) long.
    fn addresses(self, block: &[u8]) -> (Option<SocketAddr>, Option<SocketAddr>) {
        let (source, destination, ports): (IpAddr, IpAddr, &[u8]) = match self {
            Family::Ignored | Family::Unspecified | Family::Unix => return (None, None),
            Family::Inet => {
                let (a, b) = (octets::<4>(&block[0..4]), octets::<4>(&block[4..8]));
                (Ipv4Addr::from(a).into(), Ipv4Addr::from(b).into(), &block[8..12])
            }
            Family::Inet6 => {
                let (a, b) = (octets::<16>(&block[0..16]), octets::<16>(&block[16..32]));
                (Ipv6Addr::from(a).into(), Ipv6Addr::from(b).into(), &block[32..36])
            }
        };
        let source_port = u16::from_be_bytes([ports[0], ports[1]]);
        let destination_port = u16::from_be_bytes([ports[2], ports[3]]);
        (
            Some(SocketAddr::new(source, source_port)),
            Some(SocketAddr::new(destination, destination_port)),
        )
    }
}

/// The `N` bytes of `slice`, which has exactly `N`.
fn octets<const N: usize>(slice: &[u8]) -> [u8; N] {
    let mut out = [0; N];
    out.copy_from_slice(slice);
    out
}
