//! Why a PROXY header was refused ([`ProxyErrorKind`]) and where ([`ProxyError`]). Every
//! error ends the connection: the spec forbids guessing what a malformed header meant.

use std::fmt;

/// What is wrong with a PROXY header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProxyErrorKind {
    /// The bytes are neither v1's `PROXY` nor v2's 12-byte signature.
    Signature,
    /// v1: no CRLF within the first 107 bytes.
    LineTooLong,
    /// v1: a CR not followed by LF, or an LF not preceded by CR.
    LineEnd,
    /// v1: a protocol other than `TCP4`, `TCP6` and `UNKNOWN`.
    Protocol,
    /// v1: a field missing, fields not separated by exactly one space, or text after the
    /// destination port.
    Syntax,
    /// v1: an address not in the canonical form of the protocol's family.
    Address,
    /// v1: a port that is not decimal in 0..=65535 without leading zeros.
    Port,
    /// v2: a version other than 2.
    Version,
    /// v2: a command other than `LOCAL` and `PROXY`.
    Command,
    /// v2: an unassigned address family or transport protocol.
    Family,
    /// v2: the announced length exceeds [`MAX_V2_BLOCK`](super::MAX_V2_BLOCK).
    TooLong,
    /// v2: the announced length is shorter than the family's address block.
    AddressTruncated,
    /// v2: a TLV that runs past the end of the header.
    Tlv,
    /// v2: a CRC32C TLV that is not 4 bytes long or does not match the header.
    Checksum,
}

impl ProxyErrorKind {
    fn describe(self) -> &'static str {
        match self {
            ProxyErrorKind::Signature => "not a PROXY protocol signature",
            ProxyErrorKind::LineTooLong => "no CRLF within 107 bytes",
            ProxyErrorKind::LineEnd => "CR or LF alone where CRLF is required",
            ProxyErrorKind::Protocol => "unknown protocol (TCP4, TCP6 or UNKNOWN)",
            ProxyErrorKind::Syntax => "malformed field separation",
            ProxyErrorKind::Address => "malformed address",
            ProxyErrorKind::Port => "malformed port",
            ProxyErrorKind::Version => "unsupported version",
            ProxyErrorKind::Command => "unassigned command",
            ProxyErrorKind::Family => "unassigned address family or transport",
            ProxyErrorKind::TooLong => "header longer than accepted",
            ProxyErrorKind::AddressTruncated => "address block shorter than its family's",
            ProxyErrorKind::Tlv => "TLV runs past the end of the header",
            ProxyErrorKind::Checksum => "CRC32C mismatch",
        }
    }
}

/// A refused PROXY header: what is wrong, and the offset (from the connection's first
/// byte) of the byte where it was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ProxyError {
    /// Where, in bytes from the start of the connection.
    pub offset: usize,
    /// What is wrong.
    pub kind: ProxyErrorKind,
}

impl fmt::Display for ProxyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PROXY header: {} at byte {}", self.kind.describe(), self.offset)
    }
}

impl std::error::Error for ProxyError {}

/// The error `kind` at `offset`.
pub(super) fn error(offset: usize, kind: ProxyErrorKind) -> ProxyError {
    ProxyError { offset, kind }
}
