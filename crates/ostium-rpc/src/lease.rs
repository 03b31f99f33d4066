//! The server's side of typed leases: [`LeaseSet`] checks each lease of a call against the
//! interface (count, access, length, `max_len`) before the handler runs, and gives the
//! handler a [`Lease<A, T>`] that reads and writes `T`s rather than bytes.
//!
//! All leases of a call are handed to the handler at once, so each [`Lease`] reaches the
//! call's [`Leases`] through a shared `RefCell` and borrows it only for one access.

use core::cell::RefCell;
use core::marker::PhantomData;
use core::ops::Range;

use zerocopy::{FromBytes, Immutable, IntoBytes};

use ostium::wire::{Access, Fault};
use ostium::{LeaseError, Leases, R, RW, Readable, W, Writable};

/// A type a lease may have: `[E]` of any length, or a sized `T` (`[E; N]` included), with
/// `E` and `T` fixed-layout (zerocopy) types.
pub trait Leasable {
    /// Whether a lease of `bytes` bytes is one of this type, of at most `max_len` elements
    /// (for `[E]`).
    fn fits(bytes: usize, max_len: Option<u32>) -> bool;
}

impl<T: FromBytes + IntoBytes> Leasable for T {
    fn fits(bytes: usize, _: Option<u32>) -> bool {
        bytes == size_of::<T>()
    }
}

impl<E: FromBytes + IntoBytes> Leasable for [E] {
    fn fits(bytes: usize, max_len: Option<u32>) -> bool {
        let size = size_of::<E>();
        let elements = bytes.checked_div(size).unwrap_or(0);
        // `>`: a lease of exactly `max_len` elements is allowed.
        let too_long = max_len.is_some_and(|max| elements > max as usize);
        bytes.is_multiple_of(size) && !too_long
    }
}

/// How a [`Lease`] reaches the call's leases.
trait LeaseAccess {
    fn read(&self, index: usize, offset: usize, dest: &mut [u8]) -> Result<(), LeaseError>;
    fn write(&self, index: usize, offset: usize, src: &[u8]) -> Result<(), LeaseError>;
}

impl LeaseAccess for RefCell<Leases<'_>> {
    fn read(&self, index: usize, offset: usize, dest: &mut [u8]) -> Result<(), LeaseError> {
        let mut leases = self.borrow_mut();
        let range = offset..offset.saturating_add(dest.len());
        leases.read(index)?.read_range(range, dest)
    }

    fn write(&self, index: usize, offset: usize, src: &[u8]) -> Result<(), LeaseError> {
        let mut leases = self.borrow_mut();
        let range = offset..offset.saturating_add(src.len());
        leases.write(index)?.write_range(range, src)
    }
}

/// A call's leases, for the typed views of generated dispatch code.
pub struct LeaseSet<'r> {
    leases: RefCell<Leases<'r>>,
}

impl<'r> LeaseSet<'r> {
    /// The leases of a call that declares `count`: a caller that lent another number is
    /// answered [`Fault::BadLease`].
    pub fn new(leases: Leases<'r>, count: usize) -> Result<LeaseSet<'r>, Fault> {
        if leases.len() != count {
            return Err(Fault::BadLease);
        }
        Ok(LeaseSet { leases: RefCell::new(leases) })
    }

    /// Lease `index`, declared readable.
    pub fn read<T: Leasable + ?Sized>(
        &self,
        index: usize,
        max_len: Option<u32>,
    ) -> Result<Lease<'_, R, T>, Fault> {
        self.get(index, Access::Read, max_len)
    }

    /// Lease `index`, declared writable.
    pub fn write<T: Leasable + ?Sized>(
        &self,
        index: usize,
        max_len: Option<u32>,
    ) -> Result<Lease<'_, W, T>, Fault> {
        self.get(index, Access::Write, max_len)
    }

    /// Lease `index`, declared readable and writable.
    pub fn read_write<T: Leasable + ?Sized>(
        &self,
        index: usize,
        max_len: Option<u32>,
    ) -> Result<Lease<'_, RW, T>, Fault> {
        self.get(index, Access::ReadWrite, max_len)
    }

    fn get<A, T: Leasable + ?Sized>(
        &self,
        index: usize,
        declared: Access,
        max_len: Option<u32>,
    ) -> Result<Lease<'_, A, T>, Fault> {
        let mut leases = self.leases.borrow_mut();
        let granted = leases.access(index).ok_or(Fault::BadLease)?;
        let enough = (!declared.can_read() || granted.can_read())
            && (!declared.can_write() || granted.can_write());
        if !enough {
            return Err(Fault::BadLease);
        }
        let bytes = match granted.can_read() {
            true => leases.read(index).map(|l| l.len()),
            false => leases.write(index).map(|l| l.len()),
        }
        .map_err(|_| Fault::BadLease)?;
        if !T::fits(bytes, max_len) {
            return Err(Fault::BadLease);
        }
        Ok(Lease { leases: &self.leases, index, bytes, marker: PhantomData })
    }
}

/// Lease `index` of a call as the handler sees it: access `A` ([`R`], [`W`], [`RW`]) to a
/// `T`. Its length and type were checked before the handler was called; accesses are still
/// bounds-checked, and one out of bounds is an error, never a panic.
pub struct Lease<'a, A, T: ?Sized> {
    leases: &'a dyn LeaseAccess,
    index: usize,
    bytes: usize,
    marker: PhantomData<(A, *const T)>,
}

impl<A, T: ?Sized> core::fmt::Debug for Lease<'_, A, T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Lease").field("index", &self.index).field("bytes", &self.bytes).finish()
    }
}

impl<A, E> Lease<'_, A, [E]> {
    /// The number of elements lent.
    pub fn len(&self) -> usize {
        self.bytes.checked_div(size_of::<E>()).unwrap_or(0)
    }

    /// Whether no element was lent.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn byte_range(&self, range: &Range<usize>) -> Result<Range<usize>, LeaseError> {
        let size = size_of::<E>();
        let start = range.start.checked_mul(size);
        let end = range.end.checked_mul(size);
        match (start, end) {
            (Some(start), Some(end)) if start <= end && end <= self.bytes => Ok(start..end),
            _ => Err(LeaseError::OutOfBounds {
                index: self.index,
                range: range.clone(),
                len: self.len(),
            }),
        }
    }
}

impl<A: Readable, E: FromBytes + IntoBytes> Lease<'_, A, [E]> {
    /// Element `i`, if there is one.
    pub fn read_at(&self, i: usize) -> Option<E> {
        let mut value = E::new_zeroed();
        self.read_range(i..i.checked_add(1)?, core::slice::from_mut(&mut value)).ok()?;
        Some(value)
    }

    /// Copies elements `range` into `dest`, which must be as long.
    pub fn read_range(&self, range: Range<usize>, dest: &mut [E]) -> Result<(), LeaseError> {
        let bytes = self.byte_range(&range)?;
        if dest.len() != range.len() {
            return Err(LeaseError::OutOfBounds { index: self.index, range, len: dest.len() });
        }
        self.leases.read(self.index, bytes.start, dest.as_mut_bytes())
    }

    /// Every element, copied out.
    pub fn read_to_vec(&self) -> Result<Vec<E>, LeaseError> {
        let mut all: Vec<E> = core::iter::repeat_with(E::new_zeroed).take(self.len()).collect();
        self.read_range(0..all.len(), &mut all)?;
        Ok(all)
    }
}

impl<A: Writable, E: IntoBytes + Immutable> Lease<'_, A, [E]> {
    /// Writes element `i`.
    pub fn write_at(&mut self, i: usize, value: E) -> Result<(), LeaseError> {
        self.write_range(i..i.saturating_add(1), core::slice::from_ref(&value))
    }

    /// Writes `src` over elements `range` (as long as `src`).
    pub fn write_range(&mut self, range: Range<usize>, src: &[E]) -> Result<(), LeaseError> {
        let bytes = self.byte_range(&range)?;
        if src.len() != range.len() {
            return Err(LeaseError::OutOfBounds { index: self.index, range, len: src.len() });
        }
        self.leases.write(self.index, bytes.start, src.as_bytes())
    }
}

impl<A: Readable, T: FromBytes + IntoBytes> Lease<'_, A, T> {
    /// The value lent.
    pub fn read(&self) -> Result<T, LeaseError> {
        let mut value = T::new_zeroed();
        self.leases.read(self.index, 0, value.as_mut_bytes())?;
        Ok(value)
    }
}

impl<A: Writable, T: IntoBytes + Immutable> Lease<'_, A, T> {
    /// Writes `value` over the lease.
    pub fn write(&mut self, value: &T) -> Result<(), LeaseError> {
        self.leases.write(self.index, 0, value.as_bytes())
    }
}
