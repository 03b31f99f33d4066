//! A checked little-endian cursor over an HTTP message, for the decoders of this module.
//!
//! Every read is bounds-checked and fails with a [`DecodeError`] located at the cursor, so
//! the decoders are straight-line field reads with `?` and cannot panic. The offsets it
//! reports are from the start of the whole message, also when it reads a part of one (the
//! header block), so that an error points at the byte that is wrong.

use super::error::{DecodeError, ErrorKind};

/// A position in (a part of) a message.
#[derive(Debug, Clone)]
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    /// The offset of `bytes[0]` in the whole message.
    base: usize,
}

impl<'a> Reader<'a> {
    /// A cursor at the start of `bytes`, which begin at offset `base` of the message.
    pub(crate) const fn new(bytes: &'a [u8], base: usize) -> Reader<'a> {
        Reader { bytes, pos: 0, base }
    }

    /// The message offset of the next byte.
    pub(crate) const fn offset(&self) -> usize {
        self.base.saturating_add(self.pos)
    }

    /// Bytes left after the cursor.
    pub(crate) const fn remaining(&self) -> usize {
        self.bytes.len().saturating_sub(self.pos)
    }

    /// An error of `kind` at message offset `offset`.
    pub(crate) const fn error_at(offset: usize, kind: ErrorKind) -> DecodeError {
        DecodeError::new(offset, kind)
    }

    /// The next `len` bytes, which hold `field`. `len` is a `u64` so that a length from the
    /// wire is compared as it came, never truncated first.
    pub(crate) fn take(&mut self, field: &'static str, len: u64) -> Result<&'a [u8], DecodeError> {
        let available = self.remaining();
        let fits = usize::try_from(len).ok().filter(|&len| len <= available);
        let Some(len) = fits else {
            let kind = ErrorKind::Truncated { field, needed: len, available };
            return Err(DecodeError::new(self.offset(), kind));
        };
        let end = self.pos.saturating_add(len);
        // Cannot fail after the check above; `get` keeps it so without a panic path.
        let bytes = self.bytes.get(self.pos..end).unwrap_or_default();
        self.pos = end;
        Ok(bytes)
    }

    /// The next `N` bytes as an array.
    pub(crate) fn array<const N: usize>(
        &mut self,
        field: &'static str,
    ) -> Result<[u8; N], DecodeError> {
        let mut out = [0; N];
        out.copy_from_slice(self.take(field, N as u64)?);
        Ok(out)
    }

    /// The next byte.
    pub(crate) fn u8(&mut self, field: &'static str) -> Result<u8, DecodeError> {
        Ok(self.array::<1>(field)?[0])
    }

    /// The next little-endian `u16`.
    pub(crate) fn u16(&mut self, field: &'static str) -> Result<u16, DecodeError> {
        self.array(field).map(u16::from_le_bytes)
    }

    /// The next little-endian `u32`.
    pub(crate) fn u32(&mut self, field: &'static str) -> Result<u32, DecodeError> {
        self.array(field).map(u32::from_le_bytes)
    }

    /// The next little-endian `u64`.
    pub(crate) fn u64(&mut self, field: &'static str) -> Result<u64, DecodeError> {
        self.array(field).map(u64::from_le_bytes)
    }

    /// Skips a reserved field of `N` bytes, failing unless every byte is zero.
    pub(crate) fn reserved<const N: usize>(
        &mut self,
        field: &'static str,
    ) -> Result<(), DecodeError> {
        let at = self.offset();
        let bytes: [u8; N] = self.array(field)?;
        match bytes.iter().all(|&b| b == 0) {
            true => Ok(()),
            false => Err(DecodeError::new(at, ErrorKind::ReservedNotZero { field })),
        }
    }
}
