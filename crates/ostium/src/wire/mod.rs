//! The door wire protocol, version 1, as a sans-I/O codec: pure functions from values to
//! bytes and from bytes to checked views. No sockets, no clock, and no allocation on decode.
//!
//! The protocol is specified in `docs/door-protocol.md`; this module implements it exactly,
//! and the section numbers in its docs (§3, §4.3…) refer to that document. In short: a door
//! is a `SOCK_SEQPACKET` socket; every message is one packet whose first byte is its
//! [`Kind`], all integers are little-endian, and reserved fields are zero.
//!
//! | message | sent by | layout |
//! |---|---|---|
//! | [`Hello`] | both, once | 48 bytes: versions, limits, [`Capabilities`], instance, status |
//! | [`Call`] | client | 32-byte header, 16-byte lease descriptors, arguments, inline leases |
//! | [`Reply`] | server | 24-byte header, data, returned writable inline leases |
//! | [`ring::RingSetup`] | client, once | 8 bytes and a memfd: the shared reply slot (§3.3) |
//! | [`ring::Doorbell`] | server | 8 bytes: the reply is in the slot (§3.3) |
//!
//! CALLs decode with [`decode_call`] and REPLYs with [`decode_reply`].
//!
//! Payloads ([`Payload`]) travel inline or in sealed memfds passed as `SCM_RIGHTS`; the
//! views say which received descriptor is which ([`CallFds`], [`ReplyFds`]).
//!
//! # Checked views
//!
//! Decoding checks everything §7 lists before it returns: the kind, every reserved field,
//! the exact length (a trailing byte is an error), the lease count, access and transport
//! values, and that the number of descriptors received is exactly the number the message
//! needs. A length read from the message is an allegation until compared with the bytes
//! that came; no input makes a decoder panic (see `fuzz/` and the property tests). What
//! comes back borrows the message: [`CallView`] and [`ReplyView`].
//!
//! What the codec cannot see is left to its caller: the seals and sizes of received memfds
//! (§4.3), the connection's state (a CALL before the HELLO exchange), the peer's
//! `max_message` when choosing between inline and memfd payloads.
//!
//! # Example
//!
//! The call and reply of the protocol's appendix, each side with its own buffer:
//!
//! ```
//! use ostium::wire::{Call, Op, Payload, Reply, Status, decode_call, decode_reply};
//!
//! // Client: encode a call of operation 3 (no leases, no descriptors).
//! let call = Call {
//!     id: 7,
//!     op: Op(3),
//!     deadline_ms: None,
//!     args: Payload::Inline(&[1, 0, 0, 0]),
//!     leases: &[],
//!     fd_count: 0,
//! };
//! let mut to_server = Vec::new();
//! call.encode(&mut to_server)?;
//! assert_eq!(call.fds().total(), 0);
//!
//! // Server: check the message and the descriptors that came with it, then answer.
//! let view = decode_call(&to_server, 0)?;
//! assert_eq!(view.args(), Payload::Inline(&[1, 0, 0, 0]));
//! let reply = Reply {
//!     id: view.header().id,
//!     status: Status::Ok,
//!     data: Payload::Inline(&[0x2a, 0]),
//!     leases: &[],
//!     fd_count: 0,
//! };
//! let mut to_client = Vec::new();
//! reply.encode(&mut to_client)?;
//!
//! // Client: check the reply against the call it answers.
//! let reply = decode_reply(&to_client, 0, Some(call.writable_leases()))?;
//! assert_eq!((reply.id(), reply.status()), (7, Status::Ok));
//! assert_eq!(reply.data(), Payload::Inline(&[0x2a, 0]));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod batch;
mod call;
mod call_view;
mod error;
mod fds;
mod hello;
mod lease;
mod op;
mod payload;
mod reader;
mod reply;
mod reply_view;
pub mod ring;
mod status;

pub use batch::{BATCH_HEADER, ENTRY_HEADER, MAX_BATCH, batch_len, decode_batch, encode_batch};
pub use call::{Call, CallHeader, call_id};
pub use call_view::{CallView, LeaseDescs, Leases, decode_call};
pub use error::{DecodeError, DecodeErrorKind, EncodeError};
pub use fds::{CallFds, ReplyFds};
pub use hello::{Capabilities, Hello, HelloStatus, InstanceId};
pub use lease::{Access, Lease, LeaseDesc, Transport, WritableLeases};
pub use op::Op;
pub use payload::Payload;
pub use reply::{Reply, ReplyHeader};
pub use reply_view::{ReplyView, decode_reply};
pub use status::{ErrorCode, Fault, Status, UnknownFault};

use core::fmt;

use error::DecodeErrorKind as K;

/// The protocol version this module speaks.
pub const VERSION: u16 = 1;

/// The most leases one call may carry (§4.1).
pub const MAX_LEASES: usize = 64;

/// The smallest `max_message` a peer may announce in its [`Hello`] (§3): every peer can
/// receive a message of this size inline.
pub const MIN_MAX_MESSAGE: u32 = 4096;

/// The most descriptors one message can carry (Linux's `SCM_MAX_FD`, §1).
pub const MAX_FDS: usize = 253;

/// The kind of a message: its first byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Kind {
    /// `HELLO` (§3), sent once by each side.
    Hello = 1,
    /// `CALL` (§4), client to server.
    Call = 2,
    /// `REPLY` (§5), server to client.
    Reply = 3,
    /// `CALL_BATCH` (§4.6): several calls in one message, client to server.
    CallBatch = 4,
    /// `REPLY_BATCH` (§4.6): several replies in one message, server to client.
    ReplyBatch = 5,
    /// `RING_SETUP` (§3.3): the client's reply slot, a memfd, client to server.
    RingSetup = 6,
    /// `DOORBELL` (§3.3): a reply is in the slot, server to client.
    Doorbell = 7,
}

impl Kind {
    /// The kind whose code is `byte`, if version 1 has one.
    pub const fn from_u8(byte: u8) -> Option<Kind> {
        match byte {
            1 => Some(Kind::Hello),
            2 => Some(Kind::Call),
            3 => Some(Kind::Reply),
            4 => Some(Kind::CallBatch),
            5 => Some(Kind::ReplyBatch),
            6 => Some(Kind::RingSetup),
            7 => Some(Kind::Doorbell),
            _ => None,
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Hello => "HELLO",
            Kind::Call => "CALL",
            Kind::Reply => "REPLY",
            Kind::CallBatch => "CALL_BATCH",
            Kind::ReplyBatch => "REPLY_BATCH",
            Kind::RingSetup => "RING_SETUP",
            Kind::Doorbell => "DOORBELL",
        })
    }
}

/// Which side sent a message; some fields mean different things on each (§3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    /// The side that connected and sends calls.
    Client,
    /// The side that accepted and sends replies.
    Server,
}

/// The kind of `msg`, read from its first byte without decoding the rest.
///
/// Fails if the message is empty (§1: a message must not be empty) or of unknown kind.
pub fn peek_kind(msg: &[u8]) -> Result<Kind, DecodeError> {
    let &first =
        msg.first().ok_or(DecodeError::new(0, K::TooShort { what: "kind", needed: 1, got: 0 }))?;
    Kind::from_u8(first).ok_or(DecodeError::new(0, K::UnknownKind(first)))
}

/// A reader past the `kind` byte of a message that must be of kind `expected` and at least
/// `header` bytes long, the size of its fixed part, `what`.
fn open<'a>(
    msg: &'a [u8],
    expected: Kind,
    what: &'static str,
    header: usize,
) -> Result<reader::Reader<'a>, DecodeError> {
    let found = peek_kind(msg)?;
    if found != expected {
        return Err(DecodeError::new(0, K::UnexpectedKind { expected, found }));
    }
    let mut r = reader::Reader::new(msg);
    r.require(what, header)?;
    r.take("kind", 1)?;
    Ok(r)
}

/// Fails unless `received` descriptors are exactly the `expected` ones, and those are few
/// enough for one message; `at` is the offset of the field that announced them.
fn check_fds(at: usize, expected: usize, received: usize) -> Result<(), DecodeError> {
    if expected > MAX_FDS {
        Err(DecodeError::new(at, K::TooManyDescriptors(expected)))
    } else if expected != received {
        Err(DecodeError::new(at, K::DescriptorCount { expected, received }))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peek_kind_reads_the_first_byte_only() {
        assert_eq!(peek_kind(&[1]), Ok(Kind::Hello));
        assert_eq!(peek_kind(&[2, 0xff]), Ok(Kind::Call));
        assert_eq!(peek_kind(&[3]), Ok(Kind::Reply));
        assert_eq!(peek_kind(&[0]).unwrap_err().kind(), K::UnknownKind(0));
        assert_eq!(peek_kind(&[4]), Ok(Kind::CallBatch));
        assert_eq!(peek_kind(&[5]), Ok(Kind::ReplyBatch));
        assert_eq!(peek_kind(&[6]), Ok(Kind::RingSetup));
        assert_eq!(peek_kind(&[7]), Ok(Kind::Doorbell));
        assert_eq!(peek_kind(&[8]).unwrap_err().kind(), K::UnknownKind(8));
        let empty = peek_kind(&[]).unwrap_err();
        assert_eq!(empty.kind(), K::TooShort { what: "kind", needed: 1, got: 0 });
    }

    #[test]
    fn kind_codes_round_trip() {
        for k in [
            Kind::Hello,
            Kind::Call,
            Kind::Reply,
            Kind::CallBatch,
            Kind::ReplyBatch,
            Kind::RingSetup,
            Kind::Doorbell,
        ] {
            assert_eq!(Kind::from_u8(k as u8), Some(k));
        }
    }
}
