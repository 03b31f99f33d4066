//! What a door's handler receives ([`Request`]) and returns ([`Answer`]), and who called
//! ([`Caller`]).

use std::os::fd::OwnedFd;

use crate::Leases;
use crate::wire::{ErrorCode, Fault, Status};

/// The process at the other end of a door connection, as the kernel reported it when it
/// connected (`SO_PEERCRED`): these cannot be forged by the caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Caller {
    /// The caller's process id; `None` when it is not visible from this process's pid
    /// namespace.
    pub pid: Option<u32>,
    /// The caller's effective user id.
    pub uid: u32,
    /// The caller's effective group id.
    pub gid: u32,
}

/// One call, as the handler sees it.
#[derive(Debug)]
pub struct Request<'a> {
    /// The operation number (`1..=0xFFFF_FEFF`; the reserved ones are answered by the
    /// runtime and never reach a handler).
    pub op: u32,
    /// The argument bytes.
    pub args: &'a [u8],
    /// Descriptors the caller passed; the handler owns them, and those it does not keep are
    /// closed when the request is dropped.
    pub fds: Vec<OwnedFd>,
    /// Who called.
    pub caller: Caller,
    /// Memory the caller lent for this call.
    pub leases: Leases<'a>,
}

/// A handler's answer.
#[derive(Debug)]
pub struct Answer {
    pub(crate) status: Status,
    pub(crate) data: Vec<u8>,
    pub(crate) fds: Vec<OwnedFd>,
}

impl Answer {
    /// Success, with reply data.
    pub fn ok(data: impl Into<Vec<u8>>) -> Answer {
        Answer { status: Status::Ok, data: data.into(), fds: Vec::new() }
    }

    /// An application error: `code` (`1..=0xFFFF_FEFF`) and optional data describing it.
    ///
    /// A code outside that range is the handler's mistake: the caller is answered with the
    /// fault [`Fault::HandlerPanicked`], since the handler failed to produce a valid reply.
    pub fn error(code: u32, data: impl Into<Vec<u8>>) -> Answer {
        let status = match ErrorCode::new(code) {
            Some(code) => Status::Error(code),
            None => Status::Fault(Fault::HandlerPanicked),
        };
        Answer { status, data: data.into(), fds: Vec::new() }
    }

    /// A runtime fault (for a handler that finds the request malformed, say
    /// [`Fault::BadMessage`]).
    pub fn fault(fault: Fault) -> Answer {
        Answer { status: Status::Fault(fault), data: Vec::new(), fds: Vec::new() }
    }

    /// Adds descriptors to return to the caller (at most 253 in all).
    pub fn with_fds(mut self, fds: impl IntoIterator<Item = OwnedFd>) -> Answer {
        self.fds.extend(fds);
        self
    }

    /// The status.
    pub fn status(&self) -> Status {
        self.status
    }

    /// The data.
    pub fn data(&self) -> &[u8] {
        &self.data
    }
}
