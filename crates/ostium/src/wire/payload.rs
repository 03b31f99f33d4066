//! Payloads: bytes that travel either in the message or in a memfd beside it (§4.3).

/// A payload (a call's arguments, a reply's data, a lease's contents) and where it travels.
///
/// Inline, the bytes are right here, borrowed from the caller (when encoding) or from the
/// received message (when decoding). In a memfd, only the length is in the message; the
/// memfd itself is one of the message's descriptors, whose index the views tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Payload<'a> {
    /// The bytes travel in the message.
    Inline(&'a [u8]),
    /// The bytes travel in a sealed memfd of at least `len` bytes.
    InMemfd {
        /// The payload's length in bytes.
        len: u32,
    },
}

impl<'a> Payload<'a> {
    /// An empty inline payload.
    pub const EMPTY: Payload<'static> = Payload::Inline(&[]);

    /// The payload's length in bytes, wherever it travels.
    pub fn len(&self) -> u64 {
        match *self {
            // A slice's length fits a u64 on every target Rust supports.
            Payload::Inline(bytes) => bytes.len() as u64,
            Payload::InMemfd { len } => u64::from(len),
        }
    }

    /// Whether the payload has no bytes.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the payload travels in a memfd.
    pub const fn is_memfd(&self) -> bool {
        matches!(self, Payload::InMemfd { .. })
    }

    /// The bytes, if they travel inline.
    pub const fn inline(&self) -> Option<&'a [u8]> {
        match *self {
            Payload::Inline(bytes) => Some(bytes),
            Payload::InMemfd { .. } => None,
        }
    }

    /// The bytes this payload adds to the message: its length inline, 0 in a memfd.
    pub(crate) const fn inline_len(&self) -> usize {
        match *self {
            Payload::Inline(bytes) => bytes.len(),
            Payload::InMemfd { .. } => 0,
        }
    }

    /// The length as the message's `u32` field says it, or an error naming `what`.
    pub(crate) fn wire_len(&self, what: &'static str) -> Result<u32, super::EncodeError> {
        match *self {
            Payload::Inline(bytes) => u32::try_from(bytes.len())
                .map_err(|_| super::EncodeError::TooLong { what, len: bytes.len() }),
            Payload::InMemfd { len } => Ok(len),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_wherever_the_bytes_travel() {
        assert_eq!(Payload::Inline(b"abc").len(), 3);
        assert_eq!(Payload::InMemfd { len: 1 << 20 }.len(), 1 << 20);
        assert!(Payload::EMPTY.is_empty());
        assert_eq!(Payload::InMemfd { len: 7 }.inline_len(), 0);
        assert_eq!(Payload::Inline(b"ab").inline(), Some(&b"ab"[..]));
        assert_eq!(Payload::InMemfd { len: 7 }.wire_len("x"), Ok(7));
    }
}
