//! What can go wrong on each side of the codec, and whose fault it is.
//!
//! A [`DecodeError`] is the **peer's** fault: the bytes it sent are malformed in one of the
//! ways §7 of the protocol lists. It carries the byte offset where decoding stopped, so a log
//! line points at the culprit. An [`EncodeError`] is the **caller's** fault: it asked for a
//! message the protocol cannot express (too many leases, a payload longer than a `u32`…),
//! and nothing was written.

use core::fmt;

use super::Kind;

/// A received message is malformed (protocol §7): the peer broke the protocol.
///
/// [`offset`](Self::offset) is the byte at which decoding failed: the start of the field
/// whose value is wrong, or of the part that does not fit. For a wrong number of descriptors
/// it is the offset of the message's `fd_count` field (0 in a `HELLO`, which has none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeError {
    offset: usize,
    kind: DecodeErrorKind,
}

/// Why a message is malformed; see [`DecodeError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// The message ends inside `what`, which needs `needed` bytes where only `got` remain.
    TooShort {
        /// The part or field that does not fit.
        what: &'static str,
        /// Bytes the part needs, from the error's offset on.
        needed: usize,
        /// Bytes the message has from the error's offset on.
        got: usize,
    },
    /// The message goes on for `extra` bytes after the last part it declares.
    TrailingBytes {
        /// How many bytes are left over.
        extra: usize,
    },
    /// The `kind` byte names no message of protocol version 1.
    UnknownKind(u8),
    /// A batch's `count` is 0 or more than [`MAX_BATCH`](super::MAX_BATCH).
    BatchCount(u32),
    /// A `RING_SETUP`'s slot length is outside what §3.3 allows.
    RingSlot(u32),
    /// A known kind of message where another one must come (wrong direction or state).
    UnexpectedKind {
        /// The kind the receiver can accept here.
        expected: Kind,
        /// The kind the message has.
        found: Kind,
    },
    /// A reserved field, or reserved bits of a field, are not zero.
    ReservedNotZero {
        /// The field's name, as in the protocol's tables.
        field: &'static str,
        /// The offending value (of the reserved bits only, for a flags field).
        value: u64,
    },
    /// A field that a client's `HELLO` must send as zero (`instance`, `status`) is not.
    ClientHelloNotZero {
        /// The field's name.
        field: &'static str,
    },
    /// A `HELLO`'s magic is not `DOOR`.
    BadMagic([u8; 4]),
    /// A `HELLO`'s `max_message` is below [`MIN_MAX_MESSAGE`](super::MIN_MAX_MESSAGE).
    MaxMessageTooSmall(u32),
    /// A server's `HELLO` has an application error code as its status.
    BadHelloStatus(u32),
    /// A server's `HELLO` accepts the connection without choosing one version.
    NoVersionChosen {
        /// Its `min_version`.
        min: u16,
        /// Its `max_version`, which should equal `min`.
        max: u16,
    },
    /// `lease_count` exceeds [`MAX_LEASES`](super::MAX_LEASES).
    TooManyLeases(u16),
    /// A lease's `access` has no bit set, or an unknown one.
    BadLeaseAccess(u8),
    /// A lease's `transport` is neither `INLINE` nor `MEMFD`.
    BadLeaseTransport(u8),
    /// A reply returns another number of lease contents than its call has writable
    /// `INLINE` leases (or than 0, for a fault).
    LeaseCountMismatch {
        /// The count the call (or the fault) implies.
        expected: usize,
        /// The reply's `lease_count`.
        found: u16,
    },
    /// A fault reply carries data, descriptors or lease contents (it must carry none).
    FaultWithPayload {
        /// The field that is not zero.
        field: &'static str,
    },
    /// The message needs more descriptors than one message can carry ([`MAX_FDS`]).
    ///
    /// [`MAX_FDS`]: super::MAX_FDS
    TooManyDescriptors(usize),
    /// The descriptors received are not exactly those the message needs.
    DescriptorCount {
        /// How many the message needs.
        expected: usize,
        /// How many came with it.
        received: usize,
    },
}

impl DecodeError {
    /// An error of `kind` found at byte `offset`.
    pub const fn new(offset: usize, kind: DecodeErrorKind) -> Self {
        Self { offset, kind }
    }

    /// The byte offset, from the start of the message, where decoding failed.
    pub const fn offset(&self) -> usize {
        self.offset
    }

    /// What is wrong there.
    pub const fn kind(&self) -> DecodeErrorKind {
        self.kind
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "byte {}: ", self.offset)?;
        match self.kind {
            DecodeErrorKind::TooShort { what, needed, got } => {
                write!(f, "message too short: {what} needs {needed} bytes, {got} remain")
            }
            DecodeErrorKind::TrailingBytes { extra } => {
                write!(f, "{extra} trailing bytes after the end of the message")
            }
            DecodeErrorKind::UnknownKind(k) => write!(f, "unknown message kind {k}"),
            DecodeErrorKind::BatchCount(n) => {
                write!(f, "a batch of {n} messages (1 to {} allowed)", super::MAX_BATCH)
            }
            DecodeErrorKind::RingSlot(n) => write!(
                f,
                "a ring slot of {n} bytes ({} to {} allowed)",
                super::MIN_MAX_MESSAGE,
                super::ring::MAX_SLOT
            ),
            DecodeErrorKind::UnexpectedKind { expected, found } => {
                write!(f, "expected a {expected} message, got a {found}")
            }
            DecodeErrorKind::ReservedNotZero { field, value } => {
                write!(f, "reserved field `{field}` is {value:#04x}, must be 0")
            }
            DecodeErrorKind::ClientHelloNotZero { field } => {
                write!(f, "`{field}` of a client's HELLO is not 0")
            }
            DecodeErrorKind::BadMagic(m) => {
                write!(f, "magic is {}, must be \"DOOR\"", m.escape_ascii())
            }
            DecodeErrorKind::MaxMessageTooSmall(n) => {
                write!(f, "`max_message` is {n}, must be at least {}", super::MIN_MAX_MESSAGE)
            }
            DecodeErrorKind::BadHelloStatus(s) => {
                write!(f, "HELLO status {s:#x} is neither 0 nor a fault code")
            }
            DecodeErrorKind::NoVersionChosen { min, max } => {
                write!(f, "accepting HELLO offers versions {min}..={max} instead of choosing one")
            }
            DecodeErrorKind::TooManyLeases(n) => {
                write!(f, "`lease_count` is {n}, at most {} allowed", super::MAX_LEASES)
            }
            DecodeErrorKind::BadLeaseAccess(a) => {
                write!(f, "lease `access` is {a:#04x}, must be 1 (READ), 2 (WRITE) or 3")
            }
            DecodeErrorKind::BadLeaseTransport(t) => {
                write!(f, "lease `transport` is {t}, must be 0 (INLINE) or 1 (MEMFD)")
            }
            DecodeErrorKind::LeaseCountMismatch { expected, found } => {
                write!(f, "reply returns {found} leases, {expected} expected")
            }
            DecodeErrorKind::FaultWithPayload { field } => {
                write!(f, "fault reply has a non-zero `{field}`")
            }
            DecodeErrorKind::TooManyDescriptors(n) => {
                write!(f, "message needs {n} descriptors, more than {} allowed", super::MAX_FDS)
            }
            DecodeErrorKind::DescriptorCount { expected, received } => {
                write!(f, "message needs {expected} descriptors, {received} received")
            }
        }
    }
}

impl std::error::Error for DecodeError {}

/// The caller asked for a message the protocol cannot express; nothing was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EncodeError {
    /// More leases than [`MAX_LEASES`](super::MAX_LEASES) in a call or a reply.
    TooManyLeases(usize),
    /// A payload whose length does not fit the protocol's `u32` length fields.
    TooLong {
        /// Which payload.
        what: &'static str,
        /// Its length in bytes.
        len: usize,
    },
    /// More descriptors than one message can carry ([`MAX_FDS`](super::MAX_FDS)).
    TooManyDescriptors(usize),
    /// A fault reply with data, lease contents or descriptors.
    FaultWithPayload,
    /// A `HELLO` whose `max_message` is below [`MIN_MAX_MESSAGE`](super::MIN_MAX_MESSAGE).
    MaxMessageTooSmall(u32),
    /// A `HELLO` naming a lane (CPU) that cannot be encoded (`u32::MAX`).
    LaneOutOfRange(u32),
    /// A batch of no message, or of more than [`MAX_BATCH`](super::MAX_BATCH).
    BatchCount(usize),
    /// A batch asked for with a kind that is not a batch's.
    NotABatch,
    /// A `RING_SETUP` whose slot length is outside what §3.3 allows.
    RingSlot(u32),
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::TooManyLeases(n) => {
                write!(f, "{n} leases, at most {} allowed", super::MAX_LEASES)
            }
            Self::TooLong { what, len } => {
                write!(f, "{what} is {len} bytes long, more than a u32 length can say")
            }
            Self::TooManyDescriptors(n) => {
                write!(f, "{n} descriptors, at most {} per message", super::MAX_FDS)
            }
            Self::FaultWithPayload => {
                f.write_str("a fault reply carries no data, leases or descriptors")
            }
            Self::MaxMessageTooSmall(n) => {
                write!(f, "`max_message` {n} is below {}", super::MIN_MAX_MESSAGE)
            }
            Self::LaneOutOfRange(cpu) => write!(f, "lane {cpu} cannot be encoded"),
            Self::BatchCount(n) => {
                write!(f, "a batch of {n} messages (1 to {} allowed)", super::MAX_BATCH)
            }
            Self::NotABatch => f.write_str("a batch must be CALL_BATCH or REPLY_BATCH"),
            Self::RingSlot(n) => write!(
                f,
                "a ring slot of {n} bytes ({} to {} allowed)",
                super::MIN_MAX_MESSAGE,
                super::ring::MAX_SLOT
            ),
        }
    }
}

impl std::error::Error for EncodeError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_the_byte_and_the_field() {
        let err = DecodeError::new(
            20,
            DecodeErrorKind::ReservedNotZero { field: "reserved@20", value: 3 },
        );
        assert_eq!(err.to_string(), "byte 20: reserved field `reserved@20` is 0x03, must be 0");
        let err = DecodeError::new(4, DecodeErrorKind::BadMagic(*b"DOO\0"));
        assert_eq!(err.to_string(), "byte 4: magic is DOO\\x00, must be \"DOOR\"");
    }

    #[test]
    fn too_short_says_what_and_how_much() {
        let err = DecodeError::new(
            0,
            DecodeErrorKind::TooShort { what: "CALL header", needed: 32, got: 20 },
        );
        assert_eq!(
            err.to_string(),
            "byte 0: message too short: CALL header needs 32 bytes, 20 remain"
        );
    }
}
