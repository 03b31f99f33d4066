//! The reply slot (§3.3): a memfd the client shares with the server, in which the server
//! puts replies and whose sequence word it bumps, waking the client with a futex instead
//! of a socket message. The messages that set it up and ring it, and the slot's layout.
//!
//! The slot is memory both processes write, so nothing read from it is trusted: the client
//! copies a reply out of the slot before decoding it like any received message, and the
//! server reads nothing but the `CLIENT_WAITING` flag, whose every value means something.

use super::error::{DecodeError, DecodeErrorKind as K, EncodeError};
use super::{Kind, MIN_MAX_MESSAGE, check_fds, open};

/// The size of the slot's header, before the reply bytes.
pub const HEADER_LEN: usize = 64;
/// Offset of `REPLY_SEQ`, a `u32` the server increments once per reply on the connection,
/// after the reply is in place; the word the client's futex waits on.
pub const REPLY_SEQ: usize = 0;
/// Offset of `CLIENT_WAITING`, a `u32` the client sets to 1 before it waits on the futex;
/// the server swaps it back to 0 after publishing a reply and wakes the futex if it was set.
pub const CLIENT_WAITING: usize = 4;
/// Offset of `REPLY_LEN`, a `u32`: the length of the reply at [`HEADER_LEN`], or
/// [`ON_SOCKET`].
pub const REPLY_LEN: usize = 8;
/// `REPLY_LEN` of a reply that went on the socket (it has descriptors or does not fit).
pub const ON_SOCKET: u32 = u32::MAX;
/// The largest slot a client may ask for: 16 MiB.
pub const MAX_SLOT: u32 = 16 << 20;

/// `RING_SETUP` (8 bytes and one descriptor, the memfd): the client's reply slot.
///
/// The memfd must be at least [`HEADER_LEN`]` + slot_len` bytes and sealed against
/// shrinking, so that neither side's mapping can lose its pages (§3.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RingSetup {
    /// The room for a reply in the slot: [`MIN_MAX_MESSAGE`] to [`MAX_SLOT`] bytes.
    pub slot_len: u32,
}

impl RingSetup {
    /// The size of a `RING_SETUP` on the wire.
    pub const SIZE: usize = 8;

    /// The memfd length the slot needs.
    pub fn memfd_len(&self) -> usize {
        HEADER_LEN + self.slot_len as usize
    }

    /// Appends the message's 8 bytes to `out`; it travels with the memfd.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        if !(MIN_MAX_MESSAGE..=MAX_SLOT).contains(&self.slot_len) {
            return Err(EncodeError::RingSlot(self.slot_len));
        }
        out.extend_from_slice(&[Kind::RingSetup as u8, 0, 0, 0]);
        out.extend_from_slice(&self.slot_len.to_le_bytes());
        Ok(())
    }

    /// Decodes and checks a `RING_SETUP` that came with `fds_received` descriptors.
    pub fn decode(msg: &[u8], fds_received: usize) -> Result<RingSetup, DecodeError> {
        let mut r = open(msg, Kind::RingSetup, "RING_SETUP", Self::SIZE)?;
        r.reserved::<3>("bytes 1..4")?;
        let at = r.pos();
        let slot_len = r.u32("slot_len")?;
        if !(MIN_MAX_MESSAGE..=MAX_SLOT).contains(&slot_len) {
            return Err(DecodeError::new(at, K::RingSlot(slot_len)));
        }
        r.finish()?;
        check_fds(0, 1, fds_received)?;
        Ok(RingSetup { slot_len })
    }
}

/// `DOORBELL` (8 bytes, no descriptors): the reply numbered `seq` is in the slot, sent on
/// the socket when the client was not waiting on the futex.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Doorbell {
    /// The `REPLY_SEQ` the reply was published with.
    pub seq: u32,
}

impl Doorbell {
    /// The size of a `DOORBELL` on the wire.
    pub const SIZE: usize = 8;

    /// The message's 8 bytes.
    pub fn encode(&self) -> [u8; Self::SIZE] {
        let seq = self.seq.to_le_bytes();
        [Kind::Doorbell as u8, 0, 0, 0, seq[0], seq[1], seq[2], seq[3]]
    }

    /// Decodes and checks a `DOORBELL` that came with `fds_received` descriptors.
    pub fn decode(msg: &[u8], fds_received: usize) -> Result<Doorbell, DecodeError> {
        let mut r = open(msg, Kind::Doorbell, "DOORBELL", Self::SIZE)?;
        r.reserved::<3>("bytes 1..4")?;
        let seq = r.u32("seq")?;
        r.finish()?;
        check_fds(0, 0, fds_received)?;
        Ok(Doorbell { seq })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ring_setup_bytes_and_round_trip() {
        let mut out = Vec::new();
        RingSetup { slot_len: 65536 }.encode(&mut out).unwrap();
        assert_eq!(out, [6, 0, 0, 0, 0, 0, 1, 0]);
        assert_eq!(RingSetup::decode(&out, 1), Ok(RingSetup { slot_len: 65536 }));
        assert_eq!(RingSetup { slot_len: 65536 }.memfd_len(), 65536 + 64);
    }

    #[test]
    fn ring_setup_checks_the_slot_the_descriptor_and_the_reserved_bytes() {
        for bad in [0, MIN_MAX_MESSAGE - 1, MAX_SLOT + 1, u32::MAX] {
            let mut msg = vec![6, 0, 0, 0];
            msg.extend_from_slice(&bad.to_le_bytes());
            let err = RingSetup::decode(&msg, 1).unwrap_err();
            assert_eq!((err.offset(), err.kind()), (4, K::RingSlot(bad)));
            assert_eq!(
                RingSetup { slot_len: bad }.encode(&mut Vec::new()),
                Err(EncodeError::RingSlot(bad))
            );
        }
        let good = [6, 0, 0, 0, 0, 0x10, 0, 0];
        assert_eq!(
            RingSetup::decode(&good, 0).unwrap_err().kind(),
            K::DescriptorCount { expected: 1, received: 0 }
        );
        assert_eq!(
            RingSetup::decode(&good, 2).unwrap_err().kind(),
            K::DescriptorCount { expected: 1, received: 2 }
        );
        let mut reserved = good;
        reserved[2] = 1;
        assert_eq!(RingSetup::decode(&reserved, 1).unwrap_err().offset(), 1);
        assert_eq!(RingSetup::decode(&good[..7], 1).unwrap_err().offset(), 0);
        let mut long = good.to_vec();
        long.push(0);
        assert_eq!(RingSetup::decode(&long, 1).unwrap_err().kind(), K::TrailingBytes { extra: 1 });
    }

    #[test]
    fn doorbell_bytes_round_trip_and_checks() {
        let bell = Doorbell { seq: 0x0102_0304 };
        assert_eq!(bell.encode(), [7, 0, 0, 0, 4, 3, 2, 1]);
        assert_eq!(Doorbell::decode(&bell.encode(), 0), Ok(bell));
        assert_eq!(
            Doorbell::decode(&bell.encode(), 1).unwrap_err().kind(),
            K::DescriptorCount { expected: 0, received: 1 }
        );
        let err = Doorbell::decode(&[6, 0, 0, 0, 0, 0, 0, 0], 0).unwrap_err();
        assert_eq!(
            err.kind(),
            K::UnexpectedKind { expected: Kind::Doorbell, found: Kind::RingSetup }
        );
        let mut reserved = bell.encode();
        reserved[3] = 9;
        assert_eq!(Doorbell::decode(&reserved, 0).unwrap_err().offset(), 1);
    }
}
