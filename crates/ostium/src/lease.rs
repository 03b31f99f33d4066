//! Leases as a handler sees them: memory the caller lends for the duration of one call,
//! readable, writable or both, every access checked against its bounds and its access.
//!
//! A handler asks for lease `i` with the access it needs ([`Leases::read`],
//! [`Leases::write`], [`Leases::read_write`]) and gets a [`Leased`] whose type allows only
//! that: `Leased<R>` has no `write_at`. Asking for more access than the caller granted is a
//! [`LeaseError`], which a handler answers with [`Fault::BadLease`](crate::wire::Fault).
//! What a handler writes reaches the caller's buffer when the reply arrives.

use std::fmt;
use std::marker::PhantomData;
use std::ops::Range;

use ostium_sys::memfd::{FileId, SealedMap, SharedMap};

use crate::wire::Access;

/// Read access (a marker for [`Leased`]).
#[derive(Debug)]
pub enum R {}
/// Write access (a marker for [`Leased`]).
#[derive(Debug)]
pub enum W {}
/// Read and write access (a marker for [`Leased`]).
#[derive(Debug)]
pub enum RW {}

/// Access markers that allow reading.
pub trait Readable: sealed::Sealed {}
/// Access markers that allow writing.
pub trait Writable: sealed::Sealed {}
impl Readable for R {}
impl Readable for RW {}
impl Writable for W {}
impl Writable for RW {}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::R {}
    impl Sealed for super::W {}
    impl Sealed for super::RW {}
}

/// Where a lease's bytes are, on the server.
pub(crate) enum Backing {
    /// Read-only, inline: these bytes of the call message.
    InlineRead(Range<usize>),
    /// Writable, inline: a copy of the caller's bytes, returned in the reply.
    InlineWrite(Vec<u8>),
    /// Read-only, in a memfd sealed against writing.
    MemfdRead(SealedMap, usize),
    /// In a memfd shared with the caller (file `FileId`), read and written by copying.
    MemfdShared(SharedMap, usize, FileId),
}

impl Backing {
    fn len(&self) -> usize {
        match self {
            Backing::InlineRead(range) => range.len(),
            Backing::InlineWrite(bytes) => bytes.len(),
            Backing::MemfdRead(_, len) | Backing::MemfdShared(_, len, _) => *len,
        }
    }

    fn read(&self, msg: &[u8], offset: usize, dest: &mut [u8]) {
        match self {
            Backing::InlineRead(range) => {
                let start = range.start + offset;
                dest.copy_from_slice(&msg[start..start + dest.len()]);
            }
            Backing::InlineWrite(bytes) => {
                dest.copy_from_slice(&bytes[offset..offset + dest.len()])
            }
            Backing::MemfdRead(map, _) => {
                dest.copy_from_slice(&map.as_slice()[offset..offset + dest.len()]);
            }
            Backing::MemfdShared(map, ..) => {
                // In bounds: checked against `len`, which is at most the mapping's length.
                let _ = map.read_at(offset, dest);
            }
        }
    }

    fn write(&mut self, offset: usize, src: &[u8]) {
        match self {
            Backing::InlineWrite(bytes) => bytes[offset..offset + src.len()].copy_from_slice(src),
            Backing::MemfdShared(map, ..) => {
                let _ = map.write_at(offset, src);
            }
            // `Leases` hands out writable views only of writable leases.
            Backing::InlineRead(_) | Backing::MemfdRead(..) => {}
        }
    }
}

/// A call's leases, in the order the caller gave them.
pub struct Leases<'a> {
    /// The call message, which holds the read-only inline leases.
    pub(crate) msg: &'a [u8],
    pub(crate) slots: &'a mut [(Access, Backing)],
}

impl<'a> Leases<'a> {
    /// How many leases the call carries.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether the call carries none.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// The access the caller granted to lease `index`.
    pub fn access(&self, index: usize) -> Option<Access> {
        self.slots.get(index).map(|(access, _)| *access)
    }

    /// Lease `index`, to read.
    pub fn read(&mut self, index: usize) -> Result<Leased<'_, R>, LeaseError> {
        self.get(index, Access::Read)
    }

    /// Lease `index`, to write.
    pub fn write(&mut self, index: usize) -> Result<Leased<'_, W>, LeaseError> {
        self.get(index, Access::Write)
    }

    /// Lease `index`, to read and write.
    pub fn read_write(&mut self, index: usize) -> Result<Leased<'_, RW>, LeaseError> {
        self.get(index, Access::ReadWrite)
    }

    fn get<A>(&mut self, index: usize, wanted: Access) -> Result<Leased<'_, A>, LeaseError> {
        let count = self.slots.len();
        let (granted, backing) =
            self.slots.get_mut(index).ok_or(LeaseError::NoSuchLease { index, count })?;
        let allowed = (!wanted.can_read() || granted.can_read())
            && (!wanted.can_write() || granted.can_write());
        if !allowed {
            return Err(LeaseError::Access { index, granted: *granted, wanted });
        }
        Ok(Leased { msg: self.msg, backing, index, access: PhantomData })
    }
}

impl fmt::Debug for Leases<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.slots.iter().map(|(access, b)| (access, b.len()))).finish()
    }
}

/// One lease, with access `A` ([`R`], [`W`] or [`RW`]): bytes `0..len()` of the caller's
/// buffer.
pub struct Leased<'l, A> {
    msg: &'l [u8],
    backing: &'l mut Backing,
    index: usize,
    access: PhantomData<A>,
}

impl<A> Leased<'_, A> {
    /// The lease's length in bytes.
    pub fn len(&self) -> usize {
        self.backing.len()
    }

    /// Whether the lease is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the lease came in a memfd shared with the caller rather than inline in the
    /// call message (for diagnostics and benchmarks: access is the same either way).
    pub fn in_memfd(&self) -> bool {
        matches!(self.backing, Backing::MemfdRead(..) | Backing::MemfdShared(..))
    }

    fn check(&self, range: &Range<usize>) -> Result<(), LeaseError> {
        if range.start <= range.end && range.end <= self.len() {
            Ok(())
        } else {
            Err(LeaseError::OutOfBounds {
                index: self.index,
                range: range.clone(),
                len: self.len(),
            })
        }
    }
}

impl<A: Readable> Leased<'_, A> {
    /// Copies the whole lease into `dest`, which must be exactly as long.
    pub fn read(&self, dest: &mut [u8]) -> Result<(), LeaseError> {
        if dest.len() != self.len() {
            return Err(LeaseError::OutOfBounds {
                index: self.index,
                range: 0..dest.len(),
                len: self.len(),
            });
        }
        self.read_range(0..dest.len(), dest)
    }

    /// The byte at `offset`.
    pub fn read_at(&self, offset: usize) -> Result<u8, LeaseError> {
        let mut byte = [0u8];
        self.read_range(offset..offset.saturating_add(1), &mut byte)?;
        Ok(byte[0])
    }

    /// Copies bytes `range` of the lease into `dest` (as long as the range).
    pub fn read_range(&self, range: Range<usize>, dest: &mut [u8]) -> Result<(), LeaseError> {
        self.check(&range)?;
        if dest.len() != range.len() {
            return Err(LeaseError::OutOfBounds { index: self.index, range, len: dest.len() });
        }
        self.backing.read(self.msg, range.start, dest);
        Ok(())
    }
}

impl<A: Writable> Leased<'_, A> {
    /// Writes `src` over the whole lease; it must be exactly as long.
    pub fn write(&mut self, src: &[u8]) -> Result<(), LeaseError> {
        if src.len() != self.len() {
            return Err(LeaseError::OutOfBounds {
                index: self.index,
                range: 0..src.len(),
                len: self.len(),
            });
        }
        self.write_range(0..src.len(), src)
    }

    /// Writes one byte at `offset`.
    pub fn write_at(&mut self, offset: usize, byte: u8) -> Result<(), LeaseError> {
        self.write_range(offset..offset.saturating_add(1), &[byte])
    }

    /// Writes `src` over bytes `range` of the lease (as long as the range).
    pub fn write_range(&mut self, range: Range<usize>, src: &[u8]) -> Result<(), LeaseError> {
        self.check(&range)?;
        if src.len() != range.len() {
            return Err(LeaseError::OutOfBounds { index: self.index, range, len: src.len() });
        }
        self.backing.write(range.start, src);
        Ok(())
    }
}

/// A lease access that the caller's grant or the lease's bounds do not allow.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LeaseError {
    /// The call carries fewer leases.
    NoSuchLease {
        /// The lease asked for.
        index: usize,
        /// How many the call carries.
        count: usize,
    },
    /// The caller did not grant the access asked for.
    Access {
        /// The lease.
        index: usize,
        /// What the caller granted.
        granted: Access,
        /// What was asked.
        wanted: Access,
    },
    /// The bytes asked for are not all inside the lease (or the buffer given does not
    /// match the range).
    OutOfBounds {
        /// The lease.
        index: usize,
        /// The range asked for.
        range: Range<usize>,
        /// The lease's (or the buffer's) length.
        len: usize,
    },
}

impl fmt::Display for LeaseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LeaseError::NoSuchLease { index, count } => {
                write!(f, "lease {index} asked for, but the call carries {count}")
            }
            LeaseError::Access { index, granted, wanted } => {
                write!(f, "lease {index}: {wanted:?} access asked for, {granted:?} granted")
            }
            LeaseError::OutOfBounds { index, range, len } => {
                write!(f, "lease {index}: bytes {range:?} asked for, length {len}")
            }
        }
    }
}

impl std::error::Error for LeaseError {}
