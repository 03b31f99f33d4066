//! The errors of doors: creating one ([`DoorError`]) and calling one ([`CallError`]).

use std::fmt;
use std::io;
use std::path::PathBuf;

use crate::wire::Fault;

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
/// a [`Reply`](crate::Reply) whose status says so.
#[derive(Debug)]
#[non_exhaustive]
pub enum CallError {
    /// Nobody serves the door: the path does not exist, or nobody accepts connections there.
    NoDoor {
        /// The door's path.
        path: PathBuf,
        /// What connecting said.
        source: io::Error,
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
    /// The server broke the protocol (a malformed hello or reply), as described.
    Protocol(String),
    /// The call could not be sent as asked (too many descriptors, say).
    Invalid(String),
    /// Any other I/O error.
    Io(io::Error),
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

/// The OS error of [`CallError::NoDoor`] and [`CallError::Io`] is part of the message, so
/// it is not also a `source()`: printed as a chain, each cause appears once.
impl std::error::Error for CallError {}
