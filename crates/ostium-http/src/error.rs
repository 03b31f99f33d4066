//! What can be wrong with an HTTP message, and whose fault it is.
//!
//! A [`DecodeError`] is the **sender's** fault: the bytes are not a message of
//! `docs/http-over-doors.md`, and [`offset`](DecodeError::offset) points at the byte where
//! decoding stopped. An [`EncodeError`] is the **caller's**: it asked for a message the
//! format cannot carry (a framing header, a target too long…), and says which part. Both
//! name what is wrong with one [`ErrorKind`].

use core::fmt;

use super::{MAX_HEADER_BYTES, MAX_HEADERS, MAX_METHOD, MAX_NAME, MAX_TARGET, MAX_VALUE};

/// What is wrong with a message, or with what was asked to be encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The message (or its header block, whose length it declares) ends inside `field`,
    /// which needs `needed` bytes where `available` remain.
    Truncated {
        /// The field or part that does not fit.
        field: &'static str,
        /// Bytes it needs, as the message alleges.
        needed: u64,
        /// Bytes there are.
        available: usize,
    },
    /// The message goes on for `extra` bytes after its body.
    TrailingBytes {
        /// How many bytes are left over.
        extra: usize,
    },
    /// The magic is not `OHRQ` (a request) or `OHRS` (a response).
    BadMagic([u8; 4]),
    /// A format version other than 1.
    UnsupportedVersion(u16),
    /// Flag bits that version 1 does not define are set.
    UnknownFlags(u16),
    /// The flag `BODY_FD` is set but the call carries no descriptor for the body (§3.3).
    MissingBodyFd,
    /// The body's descriptor could not be read to `body_len` bytes (this kind of I/O
    /// error, or `UnexpectedEof` for a file shorter than `body_len`).
    BodyFdRead(std::io::ErrorKind),
    /// Asked to encode a request whose body is in a descriptor and in the message both.
    BodyTwice,
    /// A reserved field is not zero.
    ReservedNotZero {
        /// The field's name, as in the format's tables.
        field: &'static str,
    },
    /// An HTTP version other than 0.9, 1.0, 1.1, 2 and 3.
    HttpVersion {
        /// The major version.
        major: u8,
        /// The minor version.
        minor: u8,
    },
    /// An address family other than 4 (IPv4) and 6 (IPv6).
    AddressFamily(u8),
    /// An address not in its one canonical form: IPv4 with non-zero bytes after its four
    /// or with a scope id, or IPv6 that is an IPv4-mapped address (sent as IPv4 instead).
    NonCanonicalAddress,
    /// The method is empty or longer than [`MAX_METHOD`](super::MAX_METHOD).
    MethodLength(u64),
    /// The method holds this byte, which is not a token character.
    MethodByte(u8),
    /// The target is empty or longer than [`MAX_TARGET`](super::MAX_TARGET).
    TargetLength(u64),
    /// The target holds this byte, which a request-target may not.
    TargetByte(u8),
    /// The target is none of the four request-target forms.
    Target,
    /// More header fields than [`MAX_HEADERS`](super::MAX_HEADERS).
    HeaderCount(u64),
    /// A header block longer than [`MAX_HEADER_BYTES`](super::MAX_HEADER_BYTES).
    HeaderBytes(u64),
    /// The header fields do not fill the header block exactly.
    HeaderBlockMismatch {
        /// `headers_len` as declared.
        declared: u64,
        /// Bytes the fields took.
        used: u64,
    },
    /// A field name that is empty or longer than [`MAX_NAME`](super::MAX_NAME).
    NameLength(u64),
    /// A field name holds this byte: not a token character, or (decoding) an upper-case
    /// letter.
    NameByte(u8),
    /// A field value longer than [`MAX_VALUE`](super::MAX_VALUE).
    ValueLength(u64),
    /// A field value holds this control byte.
    ValueByte(u8),
    /// A field that is ostiumd's business, not the application's (framing, hop-by-hop).
    HopByHop(&'static str),
    /// A response status outside `200..=599`.
    Status(u16),
    /// A body in a response whose status has none (204, 304).
    BodyNotAllowed(u16),
    /// A request to encode has no [`Peer`](super::Peer) extension.
    NoPeer,
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ErrorKind::Truncated { field, needed, available } => {
                write!(f, "{field} needs {needed} bytes, {available} remain")
            }
            ErrorKind::TrailingBytes { extra } => write!(f, "{extra} bytes after the body"),
            ErrorKind::BadMagic(m) => write!(f, "magic is \"{}\"", m.escape_ascii()),
            ErrorKind::UnsupportedVersion(v) => write!(f, "format version {v}, not 1"),
            ErrorKind::UnknownFlags(bits) => write!(f, "unknown flags {bits:#06x}"),
            ErrorKind::MissingBodyFd => f.write_str("flag BODY_FD, but no descriptor"),
            ErrorKind::BodyFdRead(kind) => write!(f, "the body's descriptor: {kind}"),
            ErrorKind::BodyTwice => f.write_str("a body both in a descriptor and in the message"),
            ErrorKind::ReservedNotZero { field } => write!(f, "reserved `{field}` is not 0"),
            ErrorKind::HttpVersion { major, minor } => write!(f, "HTTP version {major}.{minor}"),
            ErrorKind::AddressFamily(family) => write!(f, "address family {family}, not 4 or 6"),
            ErrorKind::NonCanonicalAddress => f.write_str("address not in canonical form"),
            ErrorKind::MethodLength(n) => write!(f, "method of {n} bytes (1..={MAX_METHOD})"),
            ErrorKind::MethodByte(b) => write!(f, "method byte {b:#04x} is not a token character"),
            ErrorKind::TargetLength(n) => write!(f, "target of {n} bytes (1..={MAX_TARGET})"),
            ErrorKind::TargetByte(b) => write!(f, "target byte {b:#04x} is not allowed"),
            ErrorKind::Target => f.write_str("target is not a request-target"),
            ErrorKind::HeaderCount(n) => write!(f, "{n} header fields (at most {MAX_HEADERS})"),
            ErrorKind::HeaderBytes(n) => {
                write!(f, "header block of {n} bytes (at most {MAX_HEADER_BYTES})")
            }
            ErrorKind::HeaderBlockMismatch { declared, used } => {
                write!(f, "header block declared {declared} bytes, its fields take {used}")
            }
            ErrorKind::NameLength(n) => write!(f, "field name of {n} bytes (1..={MAX_NAME})"),
            ErrorKind::NameByte(b) => write!(f, "field name byte {b:#04x} is not allowed"),
            ErrorKind::ValueLength(n) => {
                write!(f, "field value of {n} bytes (at most {MAX_VALUE})")
            }
            ErrorKind::ValueByte(b) => write!(f, "field value byte {b:#04x} is a control"),
            ErrorKind::HopByHop(name) => write!(f, "field `{name}` is ostiumd's, not the app's"),
            ErrorKind::Status(s) => write!(f, "status {s} is outside 200..=599"),
            ErrorKind::BodyNotAllowed(s) => write!(f, "a {s} response has no body"),
            ErrorKind::NoPeer => f.write_str("the request has no Peer extension"),
        }
    }
}

/// Bytes that are not a message of the format: the sender's fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeError {
    offset: usize,
    kind: ErrorKind,
}

impl DecodeError {
    /// An error of `kind` found at byte `offset`.
    pub const fn new(offset: usize, kind: ErrorKind) -> DecodeError {
        DecodeError { offset, kind }
    }

    /// The offset, from the start of the message, of the field or byte that is wrong.
    pub const fn offset(&self) -> usize {
        self.offset
    }

    /// What is wrong there.
    pub const fn kind(&self) -> ErrorKind {
        self.kind
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "byte {}: {}", self.offset, self.kind)
    }
}

impl std::error::Error for DecodeError {}

/// A message the format cannot carry was asked for: the caller's fault. Nothing useful
/// was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EncodeError {
    header: Option<usize>,
    kind: ErrorKind,
}

impl EncodeError {
    /// An error of `kind`, in the header field of index `header` if it is about one.
    pub const fn new(header: Option<usize>, kind: ErrorKind) -> EncodeError {
        EncodeError { header, kind }
    }

    /// The index (in the order given) of the header field at fault, if the error is about
    /// one.
    pub const fn header(&self) -> Option<usize> {
        self.header
    }

    /// What is wrong.
    pub const fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The status a proxy answers a client whose request cannot be encoded: `414` for a
    /// target too long, `431` for header fields beyond the format's limits, `400` for the
    /// rest (the request itself is malformed).
    pub const fn status(&self) -> u16 {
        match self.kind {
            ErrorKind::TargetLength(_) => 414,
            ErrorKind::HeaderCount(_)
            | ErrorKind::HeaderBytes(_)
            | ErrorKind::NameLength(_)
            | ErrorKind::ValueLength(_) => 431,
            _ => 400,
        }
    }
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.header {
            Some(index) => write!(f, "header field {index}: {}", self.kind),
            None => fmt::Display::fmt(&self.kind, f),
        }
    }
}

impl std::error::Error for EncodeError {}
