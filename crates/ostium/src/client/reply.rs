//! A call's [`Reply`] as the caller receives it, and its [`ApplicationError`].

use std::os::fd::OwnedFd;

use ostium_sys::Memfd;

use crate::wire::{self, Payload, Status};
use crate::{CallError, OwnedLend, ProtocolError};

/// A handler's reply, as the caller receives it.
#[derive(Debug)]
pub struct Reply {
    /// `Ok`, or the application's error code (faults are [`CallError::Fault`]).
    pub status: Status,
    /// The reply data.
    pub data: Vec<u8>,
    /// Descriptors the server returned; the caller owns them.
    pub fds: Vec<OwnedFd>,
    /// The leases a [`LoopConnection`] call lent ([`OwnedLend`]), in order, with what the
    /// server wrote in the writable ones; empty for [`Client`] calls, whose leases are
    /// written in place.
    pub leases: Vec<OwnedLend>,
}

impl Reply {
    /// The reply as a `Result`, so that `?` passes an application error on: `Ok` with the
    /// reply when its status is ok, `Err` with the handler's error code and data otherwise.
    ///
    /// ```no_run
    /// # fn call(client: &ostium::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// let data = client.call(1, b"args")?.into_result()?.data;
    /// # Ok(()) }
    /// ```
    pub fn into_result(self) -> Result<Reply, ApplicationError> {
        match self.status {
            Status::Error(code) => Err(ApplicationError { code, data: self.data }),
            _ => Ok(self),
        }
    }
}

/// A handler's application error ([`Reply::into_result`]): its code, and the data it sent
/// with it (an encoded error, if its interface defines one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationError {
    /// The error code the handler chose.
    pub code: crate::wire::ErrorCode,
    /// The reply's data.
    pub data: Vec<u8>,
}

impl std::fmt::Display for ApplicationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the handler failed with application error {}", self.code.get())
    }
}

impl std::error::Error for ApplicationError {}

/// The data and descriptors of a successful reply (its data copied out of the message, or
/// out of the memfd it came in).
pub(crate) fn reply_of(
    view: &wire::ReplyView<'_>,
    mut fds: Vec<OwnedFd>,
) -> Result<Reply, CallError> {
    let layout = view.fds();
    let data = match view.data() {
        Payload::Inline(bytes) => bytes.to_vec(),
        Payload::InMemfd { len } => {
            let index =
                layout.data().ok_or(CallError::Protocol(ProtocolError::BadDataMemfd(None)))?;
            let fd = fds[index].try_clone().map_err(CallError::io)?;
            let map = Memfd::from_fd(fd).and_then(|m| m.map_sealed()).map_err(|err| {
                CallError::Protocol(ProtocolError::BadDataMemfd(Some(err.kind())))
            })?;
            map.as_slice()
                .get(..len as usize)
                .ok_or(CallError::Protocol(ProtocolError::BadDataMemfd(None)))?
                .to_vec()
        }
    };
    let returned_fds: Vec<OwnedFd> = fds.drain(layout.returned()).collect();
    Ok(Reply { status: view.status(), data, fds: returned_fds, leases: Vec::new() })
}
