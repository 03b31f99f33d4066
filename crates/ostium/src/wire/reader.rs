//! A checked little-endian cursor over a received message.
//!
//! Every read is bounds-checked and fails with a [`DecodeError`] at the cursor's offset, so
//! the decoders above it can be written as straight-line field reads with `?` and cannot
//! panic. Lengths taken from the message are allegations: the cursor never trusts one before
//! comparing it with the bytes that are really there, and it does so without arithmetic that
//! could overflow.

use super::error::{DecodeError, DecodeErrorKind};

/// A position in a message, advanced by each read.
#[derive(Debug, Clone)]
pub(crate) struct Reader<'a> {
    msg: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A cursor at the start of `msg`.
    pub(crate) const fn new(msg: &'a [u8]) -> Self {
        Self { msg, pos: 0 }
    }

    /// The offset of the next byte to be read.
    pub(crate) const fn pos(&self) -> usize {
        self.pos
    }

    /// How many bytes are left after the cursor.
    pub(crate) const fn remaining(&self) -> usize {
        // `pos` never passes `msg.len()`: `take` only advances over bytes that exist.
        self.msg.len().saturating_sub(self.pos)
    }

    /// An error of `kind` at the cursor.
    pub(crate) const fn error(&self, kind: DecodeErrorKind) -> DecodeError {
        DecodeError::new(self.pos, kind)
    }

    /// Fails unless `what`, of `needed` bytes, fits in the rest of the message.
    pub(crate) fn require(&self, what: &'static str, needed: usize) -> Result<(), DecodeError> {
        if needed <= self.remaining() {
            Ok(())
        } else {
            Err(self.error(DecodeErrorKind::TooShort { what, needed, got: self.remaining() }))
        }
    }

    /// The next `len` bytes, which hold `what`.
    pub(crate) fn take(&mut self, what: &'static str, len: usize) -> Result<&'a [u8], DecodeError> {
        self.require(what, len)?;
        // Cannot fail after `require`; `get` keeps it so without a panic path.
        let end = self.pos.saturating_add(len);
        let bytes = self.msg.get(self.pos..end).ok_or_else(|| {
            self.error(DecodeErrorKind::TooShort { what, needed: len, got: self.remaining() })
        })?;
        self.pos = end;
        Ok(bytes)
    }

    /// The next `N` bytes as an array.
    pub(crate) fn array<const N: usize>(
        &mut self,
        what: &'static str,
    ) -> Result<[u8; N], DecodeError> {
        let mut out = [0; N];
        out.copy_from_slice(self.take(what, N)?);
        Ok(out)
    }

    /// The next byte.
    pub(crate) fn u8(&mut self, what: &'static str) -> Result<u8, DecodeError> {
        Ok(self.array::<1>(what)?[0])
    }

    /// The next little-endian `u16`.
    pub(crate) fn u16(&mut self, what: &'static str) -> Result<u16, DecodeError> {
        self.array(what).map(u16::from_le_bytes)
    }

    /// The next little-endian `u32`.
    pub(crate) fn u32(&mut self, what: &'static str) -> Result<u32, DecodeError> {
        self.array(what).map(u32::from_le_bytes)
    }

    /// The next little-endian `u64`.
    pub(crate) fn u64(&mut self, what: &'static str) -> Result<u64, DecodeError> {
        self.array(what).map(u64::from_le_bytes)
    }

    /// Skips a reserved field of `N` bytes (at most 8), failing unless it is zero.
    pub(crate) fn reserved<const N: usize>(
        &mut self,
        field: &'static str,
    ) -> Result<(), DecodeError> {
        const { assert!(N <= 8, "a reserved field's value is reported as a u64") };
        let at = self.pos;
        let bytes: [u8; N] = self.array(field)?;
        let value = bytes.iter().rev().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
        if value == 0 {
            Ok(())
        } else {
            Err(DecodeError::new(at, DecodeErrorKind::ReservedNotZero { field, value }))
        }
    }

    /// The bytes from offset `start` up to the cursor.
    pub(crate) fn since(&self, start: usize) -> &'a [u8] {
        self.msg.get(start..self.pos).unwrap_or_default()
    }

    /// Fails if any byte is left: a message must end where its parts end.
    pub(crate) fn finish(&self) -> Result<(), DecodeError> {
        match self.remaining() {
            0 => Ok(()),
            extra => Err(self.error(DecodeErrorKind::TrailingBytes { extra })),
        }
    }
}

/// A length from the wire as a `usize`.
///
/// Exact wherever `usize` has 32 bits or more (every Linux target). Were it narrower, the
/// length would saturate, and a saturated length is longer than any message, so the check
/// that follows still rejects it: a length is never made smaller by the conversion.
impl Reader<'_> {
    /// Reads bytes 1..4 of a CALL or REPLY: `flags`, of which only `known` bits may be set,
    /// and `lease_count`, at most [`MAX_LEASES`](super::MAX_LEASES).
    pub(crate) fn flags_and_lease_count(&mut self, known: u8) -> Result<(u8, u16), DecodeError> {
        let flags = self.u8("flags")?;
        let reserved = flags & !known;
        if reserved != 0 {
            let kind =
                DecodeErrorKind::ReservedNotZero { field: "flags", value: u64::from(reserved) };
            return Err(DecodeError::new(1, kind));
        }
        let lease_count = self.u16("lease_count")?;
        if usize::from(lease_count) > super::MAX_LEASES {
            return Err(DecodeError::new(2, DecodeErrorKind::TooManyLeases(lease_count)));
        }
        Ok((flags, lease_count))
    }
}

pub(crate) fn wire_len(len: u32) -> usize {
    usize::try_from(len).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_little_endian_fields_in_order() {
        let msg = [1, 0x34, 0x12, 0x78, 0x56, 0x34, 0x12, 9, 0, 0, 0, 0, 0, 0, 0];
        let mut r = Reader::new(&msg);
        assert_eq!(r.u8("a"), Ok(1));
        assert_eq!(r.u16("b"), Ok(0x1234));
        assert_eq!(r.u32("c"), Ok(0x1234_5678));
        assert_eq!(r.u64("d"), Ok(9));
        assert_eq!(r.finish(), Ok(()));
    }

    #[test]
    fn a_read_past_the_end_reports_where_and_how_much() {
        let mut r = Reader::new(&[0; 6]);
        r.u32("first").unwrap();
        let err = r.u32("second").unwrap_err();
        assert_eq!(err.offset(), 4);
        assert_eq!(err.kind(), DecodeErrorKind::TooShort { what: "second", needed: 4, got: 2 });
        // A failed read does not move the cursor.
        assert_eq!(r.pos(), 4);
    }

    #[test]
    fn huge_alleged_lengths_fail_without_overflow() {
        let mut r = Reader::new(&[0; 3]);
        r.u8("x").unwrap();
        assert!(r.take("big", usize::MAX).is_err());
        assert!(r.take("big", wire_len(u32::MAX)).is_err());
        assert_eq!(r.remaining(), 2);
    }

    #[test]
    fn reserved_fields_must_be_zero() {
        let mut r = Reader::new(&[0, 0, 0, 3, 0]);
        assert_eq!(r.reserved::<2>("r1"), Ok(()));
        let err = r.reserved::<3>("r2").unwrap_err();
        assert_eq!(err.offset(), 2);
        assert_eq!(err.kind(), DecodeErrorKind::ReservedNotZero { field: "r2", value: 0x300 });
    }

    #[test]
    fn trailing_bytes_are_an_error() {
        let mut r = Reader::new(&[0; 5]);
        r.u32("x").unwrap();
        let err = r.finish().unwrap_err();
        assert_eq!(err.offset(), 4);
        assert_eq!(err.kind(), DecodeErrorKind::TrailingBytes { extra: 1 });
    }
}
