//! Memory lent to the server for a call (a lease, protocol §4.3): borrowed by a caller
//! that waits for the reply ([`Lend`]), owned by one that cannot ([`OwnedLend`], which
//! travels with the call and comes back with its reply).

use crate::wire::Access;

/// Memory lent to the server for one call (a lease), with the access granted.
#[derive(Debug)]
pub enum Lend<'a> {
    /// The server may read these bytes.
    Read(&'a [u8]),
    /// The server may write these bytes; what it writes is here when the call returns.
    Write(&'a mut [u8]),
    /// The server may read and write these bytes.
    ReadWrite(&'a mut [u8]),
}

impl Lend<'_> {
    pub(crate) fn bytes(&self) -> &[u8] {
        match self {
            Lend::Read(bytes) => bytes,
            Lend::Write(bytes) | Lend::ReadWrite(bytes) => bytes,
        }
    }

    pub(crate) fn writable(&mut self) -> Option<&mut [u8]> {
        match self {
            Lend::Read(_) => None,
            Lend::Write(bytes) | Lend::ReadWrite(bytes) => Some(bytes),
        }
    }

    pub(crate) fn access(&self) -> Access {
        match self {
            Lend::Read(_) => Access::Read,
            Lend::Write(_) => Access::Write,
            Lend::ReadWrite(_) => Access::ReadWrite,
        }
    }
}

/// Memory lent to the server for a call made through a
/// [`LoopConnection`](crate::LoopConnection), which cannot borrow the caller's buffers
/// across the loop's turns: the buffer goes with the call and comes back in
/// [`Reply::leases`](crate::Reply::leases), holding what the server wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OwnedLend {
    /// The server may read these bytes.
    Read(Vec<u8>),
    /// The server may write these bytes.
    Write(Vec<u8>),
    /// The server may read and write these bytes.
    ReadWrite(Vec<u8>),
}

impl OwnedLend {
    /// The lease as a [`Lend`] of its buffer.
    pub fn as_lend(&mut self) -> Lend<'_> {
        match self {
            OwnedLend::Read(bytes) => Lend::Read(bytes),
            OwnedLend::Write(bytes) => Lend::Write(bytes),
            OwnedLend::ReadWrite(bytes) => Lend::ReadWrite(bytes),
        }
    }

    /// The buffer.
    pub fn into_bytes(self) -> Vec<u8> {
        match self {
            OwnedLend::Read(bytes) | OwnedLend::Write(bytes) | OwnedLend::ReadWrite(bytes) => bytes,
        }
    }
}
