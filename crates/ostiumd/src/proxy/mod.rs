//! The PROXY protocol (HAProxy's `proxy-protocol.txt`, versions 1 and 2) as a sans-I/O
//! decoder: a load balancer in front of ostiumd opens each connection with a header that
//! names the client it relays, and [`decode`] reads that header from the connection's first
//! bytes, so that limits, logs and the application see the client and not the balancer.
//!
//! The engine keeps the bytes a connection has sent so far and calls [`decode`] on all of
//! them after each read, until it returns [`Decoded::Done`] (the bytes after `consumed`
//! belong to the application protocol) or an error (close the connection: the spec wants
//! any header that does not match exactly to abort it). The decision never needs more
//! than [`MAX_HEADER_LEN`] bytes, and never changes as bytes are added: a prefix of a
//! stream decodes to [`Decoded::Incomplete`] or to the stream's own result.
//!
//! Where the spec leaves a choice:
//! - a malformed header is refused as soon as the bytes so far prove it malformed, before
//!   the line end or the announced length (the spec recommends aborting early);
//! - v1 `UNKNOWN` and v2 `PROXY` with an unspecified family or transport report no
//!   addresses (use the socket's), and v2 skips their block without reading TLVs;
//! - v2 `LOCAL` ignores its family byte and block entirely, as the spec says to;
//! - v2 `AF_UNIX` is accepted and reports no address (ostiumd has no use for paths);
//! - v2 TLVs are checked to tile the rest of the block exactly, kept raw, and a CRC32C
//!   TLV, when present, is verified;
//! - a v2 block longer than [`MAX_V2_BLOCK`] is refused rather than buffered.

mod crc32c;
mod error;
mod header;
mod v1;
mod v2;

#[cfg(test)]
mod tests;

pub use error::{ProxyError, ProxyErrorKind};
pub use header::{Command, ProxyHeader, Tlv, Version};
pub use v2::MAX_V2_BLOCK;

/// The most bytes [`decode`] needs to decide: a v2 header with the largest block it
/// accepts (a v1 line is at most 107 bytes).
pub const MAX_HEADER_LEN: usize = v2::FIXED_LEN + MAX_V2_BLOCK;

/// What the first bytes of a connection amount to so far.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decoded {
    /// A valid beginning of a header: read more and call [`decode`] again with them.
    Incomplete,
    /// A whole, valid header.
    Done {
        /// What the header says.
        header: ProxyHeader,
        /// The header's length: the application protocol starts at this offset.
        consumed: usize,
    },
}

/// Decodes the PROXY header at the start of `input`, the bytes a connection has sent so
/// far. Version 1 or 2, whichever the first byte announces; anything else is refused at
/// byte 0. Never reads past the header.
pub fn decode(input: &[u8]) -> Result<Decoded, ProxyError> {
    match input.first() {
        None => Ok(Decoded::Incomplete),
        Some(&first) if first == v1::SIGNATURE[0] => v1::decode(input),
        Some(&first) if first == v2::SIGNATURE[0] => v2::decode(input),
        Some(_) => Err(ProxyError { offset: 0, kind: ProxyErrorKind::Signature }),
    }
}

/// The offset of the first byte where `input` departs from `signature`, if it does within
/// the bytes it has.
fn signature_mismatch(input: &[u8], signature: &[u8]) -> Option<usize> {
    input.iter().zip(signature).position(|(got, want)| got != want)
}
