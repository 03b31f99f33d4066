//! The errors of doors: creating one ([`DoorError`]) and calling one ([`CallError`]: the
//! server's fault is a [`ProtocolError`], the caller's an [`InvalidCall`]).

use std::fmt;
use std::io;
use std::path::PathBuf;
use std::sync::Arc;

use crate::wire::{DecodeError, EncodeError, Fault};

/// Why a door could not be created.
#[derive(Debug)]
#[non_exhaustive]
pub enum DoorError {
    /// A server is already serving at the path.
    InUse(PathBuf),
    /// Something other than a socket is at the path; it is left alone.
    NotASocket(PathBuf),
    /// The system refused something while setting the door up.
    Io {
        /// The door's path.
        path: PathBuf,
        /// What the system said.
        source: io::Error,
    },
}

impl fmt::Display for DoorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DoorError::InUse(path) => write!(f, "a door is already served at {}", path.display()),
            DoorError::NotASocket(path) => {
                write!(f, "{} exists and is not a socket; not replacing it", path.display())
            }
            DoorError::Io { path, source } => write!(f, "door {}: {source}", path.display()),
        }
    }
}

/// The OS error of [`DoorError::Io`] is part of the message, so it is not also a
/// `source()`: printed as a chain (anyhow's `{:#}`), each cause appears once.
impl std::error::Error for DoorError {}

/// Why a call did not produce a reply from the handler.
///
/// An application error (a non-zero status the handler chose) is not a `CallError`: it is
/// a [`Reply`](crate::Reply) whose status says so ([`Reply::into_result`] makes it an
/// error). Cheap to clone: the OS errors it carries are shared.
///
/// [`Reply::into_result`]: crate::Reply::into_result
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum CallError {
    /// Nobody serves the door: the path does not exist, or nobody accepts connections there.
    NoDoor {
        /// The door's path.
        path: PathBuf,
        /// What connecting said.
        source: Arc<io::Error>,
    },
    /// The connection ended (end of stream or reset) while the call was outstanding: the
    /// server died or closed it. Whether the call ran is unknown. Reported within the
    /// reply slot's futex window (20 ms) of the death at most, at once on a connection
    /// without a slot.
    ServerDeath {
        /// The door's path.
        path: PathBuf,
    },
    /// The server's runtime refused or failed the call, with this fault.
    Fault(Fault),
    /// The deadline passed before the reply arrived.
    Deadline,
    /// The server broke the protocol: the caller's connection is no longer usable.
    Protocol(ProtocolError),
    /// The call could not be sent as asked; nothing was sent.
    Invalid(InvalidCall),
    /// Any other I/O error.
    Io(Arc<io::Error>),
}

impl CallError {
    /// [`CallError::NoDoor`] for `path`.
    pub fn no_door(path: &std::path::Path, source: io::Error) -> CallError {
        CallError::NoDoor { path: path.to_path_buf(), source: Arc::new(source) }
    }

    /// [`CallError::Io`].
    pub fn io(source: io::Error) -> CallError {
        CallError::Io(Arc::new(source))
    }
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallError::NoDoor { path, source } => {
                write!(f, "no door at {}: {source}", path.display())
            }
            CallError::ServerDeath { path } => {
                write!(f, "the server of {} died during the call", path.display())
            }
            CallError::Fault(fault) => write!(f, "the door refused the call: {fault}"),
            CallError::Deadline => f.write_str("the call's deadline passed"),
            CallError::Protocol(err) => write!(f, "the server broke the door protocol: {err}"),
            CallError::Invalid(why) => write!(f, "invalid call: {why}"),
            CallError::Io(err) => write!(f, "door call: {err}"),
        }
    }
}

/// What the server sent that the protocol does not allow ([`CallError::Protocol`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProtocolError {
    /// A message that does not decode, with the decoder's located error.
    Malformed(DecodeError),
    /// A message longer than this client accepts (it announced its `max_message`).
    TooLong,
    /// A reply to another call than the one awaited: `(got, awaited)`.
    WrongReply(u32, u32),
    /// A message when no call was in flight, or more replies than calls.
    Unsolicited,
    /// A `DOORBELL` for a reply that is not in the reply slot.
    StrayDoorbell,
    /// A reply slot that says something impossible (a length past the slot, say).
    BadSlot,
    /// A reply whose data memfd is missing, unmappable (this kind of error) or shorter than
    /// the reply says.
    BadDataMemfd(Option<io::ErrorKind>),
    /// A reply without the contents of the call's writable inline leases.
    MissingLeaseContents,
    /// A `CONNECT` reply without exactly one descriptor, the connection.
    MissingConnection,
    /// An earlier message on the connection broke the protocol: the calls still in flight
    /// on it fail with this.
    Broken,
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProtocolError::Malformed(err) => write!(f, "a malformed message: {err}"),
            ProtocolError::TooLong => f.write_str("a message longer than this client accepts"),
            ProtocolError::WrongReply(got, awaited) => {
                write!(f, "a reply to call {got} while call {awaited} was awaited")
            }
            ProtocolError::Unsolicited => f.write_str("a message with no call in flight for it"),
            ProtocolError::StrayDoorbell => f.write_str("a doorbell for a reply not in the slot"),
            ProtocolError::BadSlot => f.write_str("an impossible reply slot"),
            ProtocolError::BadDataMemfd(None) => f.write_str("a missing or short data memfd"),
            ProtocolError::BadDataMemfd(Some(kind)) => write!(f, "an unusable data memfd: {kind}"),
            ProtocolError::MissingLeaseContents => f.write_str("a reply without its leases"),
            ProtocolError::MissingConnection => f.write_str("a CONNECT reply without its socket"),
            ProtocolError::Broken => f.write_str("the connection broke the protocol earlier"),
        }
    }
}

impl std::error::Error for ProtocolError {}

/// Why a call could not be sent as asked ([`CallError::Invalid`]); nothing was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum InvalidCall {
    /// The message cannot be encoded (too many leases, a length past the protocol's).
    Encode(EncodeError),
    /// More descriptors than one message carries.
    TooManyDescriptors(usize),
    /// Arguments or a lease too large for a message, and the server takes no memfds.
    NeedsMemfd,
    /// A connection that cannot take a call now (an event loop's, still connecting or
    /// with calls waiting for room).
    NotReady,
}

impl fmt::Display for InvalidCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InvalidCall::Encode(err) => write!(f, "{err}"),
            InvalidCall::TooManyDescriptors(n) => write!(f, "{n} descriptors in one call"),
            InvalidCall::NeedsMemfd => {
                f.write_str("too large for a message, and this server takes no memfds")
            }
            InvalidCall::NotReady => f.write_str("the connection cannot take a call now"),
        }
    }
}

impl std::error::Error for InvalidCall {}

impl From<DecodeError> for CallError {
    fn from(err: DecodeError) -> CallError {
        CallError::Protocol(ProtocolError::Malformed(err))
    }
}

impl From<EncodeError> for CallError {
    fn from(err: EncodeError) -> CallError {
        CallError::Invalid(InvalidCall::Encode(err))
    }
}

/// The OS error of [`CallError::NoDoor`] and [`CallError::Io`] is part of the message, so
/// it is not also a `source()`: printed as a chain, each cause appears once.
impl std::error::Error for CallError {}
