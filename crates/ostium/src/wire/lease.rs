//! Leases (§4.2): memory of the caller that the server may read or write during one call.
//!
//! On the wire a lease is a 16-byte descriptor ([`LeaseDesc`]) after the CALL header, and
//! its contents travel inline after the arguments or in a memfd. [`Lease`] is a lease with
//! its contents, as a caller encodes it and as a decoded call yields it.

use super::error::{DecodeError, DecodeErrorKind};
use super::payload::Payload;
use super::reader::Reader;

/// What the server may do with a lease. An empty access cannot be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Access {
    /// `READ` (bit 0): the server may read the lease.
    Read = 1,
    /// `WRITE` (bit 1): the server may write the lease.
    Write = 2,
    /// `READ | WRITE`.
    ReadWrite = 3,
}

impl Access {
    /// The access whose bits are `bits`, unless they are empty or have an unknown bit.
    pub const fn from_bits(bits: u8) -> Option<Access> {
        match bits {
            1 => Some(Access::Read),
            2 => Some(Access::Write),
            3 => Some(Access::ReadWrite),
            _ => None,
        }
    }

    /// The bits sent on the wire.
    pub const fn bits(self) -> u8 {
        self as u8
    }

    /// Whether the server may read the lease.
    pub const fn can_read(self) -> bool {
        self.bits() & 1 != 0
    }

    /// Whether the server may write the lease (and the reply returns it, if inline).
    pub const fn can_write(self) -> bool {
        self.bits() & 2 != 0
    }
}

/// Where a lease's contents travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Transport {
    /// `0`: in the message, after the arguments.
    Inline = 0,
    /// `1`: in a memfd of the message's descriptors (§4.3).
    Memfd = 1,
}

impl Transport {
    /// The transport whose code is `code`, if version 1 has one.
    pub const fn from_u8(code: u8) -> Option<Transport> {
        match code {
            0 => Some(Transport::Inline),
            1 => Some(Transport::Memfd),
            _ => None,
        }
    }
}

/// A lease descriptor as the CALL carries it (§4.2): 16 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LeaseDesc {
    /// What the server may do with the lease.
    pub access: Access,
    /// Where the contents travel.
    pub transport: Transport,
    /// The lease's length in bytes.
    pub len: u32,
}

impl LeaseDesc {
    /// The size of a descriptor on the wire.
    pub const SIZE: usize = 16;

    /// Whether the reply returns this lease's contents: inline and writable (§5.2).
    pub const fn is_returned(&self) -> bool {
        self.access.can_write() && matches!(self.transport, Transport::Inline)
    }

    /// Appends the descriptor's 16 bytes.
    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[self.access.bits(), self.transport as u8, 0, 0]);
        out.extend_from_slice(&self.len.to_le_bytes());
        out.extend_from_slice(&[0; 8]);
    }

    /// Reads and checks one descriptor at the reader's position.
    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<LeaseDesc, DecodeError> {
        let at = r.pos();
        let bits = r.u8("lease access")?;
        let access = Access::from_bits(bits)
            .ok_or(DecodeError::new(at, DecodeErrorKind::BadLeaseAccess(bits)))?;
        let at = r.pos();
        let code = r.u8("lease transport")?;
        let transport = Transport::from_u8(code)
            .ok_or(DecodeError::new(at, DecodeErrorKind::BadLeaseTransport(code)))?;
        r.reserved::<2>("lease bytes 2..4")?;
        let len = r.u32("lease len")?;
        r.reserved::<8>("lease bytes 8..16")?;
        Ok(LeaseDesc { access, transport, len })
    }
}

/// A lease with its contents: what a caller encodes, and what a decoded call yields.
///
/// Inline contents are the caller's bytes (a write-only lease's too: what the server does not
/// write keeps them); in a memfd, only the length is here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Lease<'a> {
    /// What the server may do with the lease.
    pub access: Access,
    /// The contents, or the memfd's length.
    pub contents: Payload<'a>,
}

impl Lease<'_> {
    /// The lease's transport.
    pub const fn transport(&self) -> Transport {
        match self.contents {
            Payload::Inline(_) => Transport::Inline,
            Payload::InMemfd { .. } => Transport::Memfd,
        }
    }

    /// Whether the reply returns this lease's contents: inline and writable (§5.2).
    pub const fn is_returned(&self) -> bool {
        self.access.can_write() && !self.contents.is_memfd()
    }
}

/// What a reply must return for its call (§5.2): how many writable inline leases the call
/// has, and their total length. A client passes it to [`decode_reply`](super::decode_reply).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct WritableLeases {
    /// The number of writable `INLINE` leases.
    pub count: usize,
    /// The sum of their lengths in bytes.
    pub total_len: u64,
}

impl WritableLeases {
    /// Those of `leases` that a reply returns.
    pub fn of<'a>(leases: impl IntoIterator<Item = &'a Lease<'a>>) -> WritableLeases {
        leases.into_iter().filter(|l| l.is_returned()).fold(Self::default(), |acc, l| {
            WritableLeases {
                count: acc.count.saturating_add(1),
                total_len: acc.total_len.saturating_add(l.contents.len()),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_bits() {
        for a in [Access::Read, Access::Write, Access::ReadWrite] {
            assert_eq!(Access::from_bits(a.bits()), Some(a));
        }
        assert_eq!(Access::from_bits(0), None);
        assert_eq!(Access::from_bits(4), None);
        assert!(Access::ReadWrite.can_read() && Access::ReadWrite.can_write());
        assert!(!Access::Read.can_write() && !Access::Write.can_read());
    }

    #[test]
    fn descriptor_round_trip_and_layout() {
        let desc = LeaseDesc { access: Access::Write, transport: Transport::Memfd, len: 0x0102 };
        let mut out = Vec::new();
        desc.encode(&mut out);
        assert_eq!(out, [2, 1, 0, 0, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(LeaseDesc::decode(&mut Reader::new(&out)), Ok(desc));
    }

    #[test]
    fn descriptor_errors_point_at_the_field() {
        let bad = |bytes: [u8; 16]| LeaseDesc::decode(&mut Reader::new(&bytes)).unwrap_err();
        let mut d = [1, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        d[0] = 0;
        assert_eq!(bad(d).kind(), DecodeErrorKind::BadLeaseAccess(0));
        d[0] = 1;
        d[1] = 2;
        assert_eq!((bad(d).offset(), bad(d).kind()), (1, DecodeErrorKind::BadLeaseTransport(2)));
        d[1] = 0;
        d[15] = 1;
        assert_eq!(bad(d).offset(), 8);
    }

    #[test]
    fn writable_leases_counts_inline_writable_ones() {
        let buf = [0u8; 10];
        let leases = [
            Lease { access: Access::Read, contents: Payload::Inline(&buf) },
            Lease { access: Access::Write, contents: Payload::Inline(&buf[..3]) },
            Lease { access: Access::ReadWrite, contents: Payload::InMemfd { len: 100 } },
            Lease { access: Access::ReadWrite, contents: Payload::Inline(&buf[..4]) },
        ];
        assert_eq!(WritableLeases::of(&leases), WritableLeases { count: 2, total_len: 7 });
    }
}
