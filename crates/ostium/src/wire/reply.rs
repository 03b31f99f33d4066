//! REPLY (§5), server to client: its 24-byte header, and encoding a whole reply.
//!
//! The layout is the header, the reply data (unless they travel in a memfd), then the
//! contents of the call's writable `INLINE` leases in the call's lease order. The lengths of
//! those contents are not repeated: they are the call's. Decoding is in
//! [`decode_reply`](super::decode_reply).

use super::error::{DecodeError, DecodeErrorKind as K, EncodeError};
use super::fds::ReplyFds;
use super::payload::Payload;
use super::reader::Reader;
use super::status::{Fault, Status};
use super::{Kind, MAX_FDS, MAX_LEASES, open};

/// Flag bit 0: the reply data travel in a memfd.
const DATA_IN_MEMFD: u8 = 1;

/// The fields of a REPLY header (§5.1), checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReplyHeader {
    /// The id of the call answered.
    pub id: u32,
    /// The outcome.
    pub status: Status,
    /// Whether the data travel in a memfd (flag `DATA_IN_MEMFD`).
    pub data_in_memfd: bool,
    /// The number of writable inline leases whose contents are returned.
    pub lease_count: u16,
    /// The length of the reply data.
    pub data_len: u32,
    /// The number of descriptors returned to the caller.
    pub fd_count: u16,
}

impl ReplyHeader {
    /// The size of the header on the wire.
    pub const SIZE: usize = 24;

    /// Decodes and checks the header of a REPLY, ignoring what follows it.
    pub fn decode(msg: &[u8]) -> Result<ReplyHeader, DecodeError> {
        Self::read(&mut open(msg, Kind::Reply, "REPLY header", Self::SIZE)?)
    }

    /// Reads the header's fields after `kind`; a fault must come with no payload.
    pub(crate) fn read(r: &mut Reader<'_>) -> Result<ReplyHeader, DecodeError> {
        let (flags, lease_count) = r.flags_and_lease_count(DATA_IN_MEMFD)?;
        let id = r.u32("id")?;
        let status = Status::from_u32(r.u32("status")?);
        let data_len = r.u32("data_len")?;
        let fd_count = r.u16("fd_count")?;
        r.reserved::<6>("bytes 18..24")?;
        let data_in_memfd = flags & DATA_IN_MEMFD != 0;
        if status.is_fault() {
            let payload = [
                (1, "flags", data_in_memfd),
                (2, "lease_count", lease_count != 0),
                (12, "data_len", data_len != 0),
                (16, "fd_count", fd_count != 0),
            ];
            if let Some(&(at, field, _)) = payload.iter().find(|p| p.2) {
                return Err(DecodeError::new(at, K::FaultWithPayload { field }));
            }
        }
        Ok(ReplyHeader { id, status, data_in_memfd, lease_count, data_len, fd_count })
    }
}

/// A reply to encode: what a server sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Reply<'a> {
    /// The id of the call answered.
    pub id: u32,
    /// The outcome.
    pub status: Status,
    /// The reply data, or the length of the data memfd.
    pub data: Payload<'a>,
    /// The contents of the call's writable `INLINE` leases, in the call's lease order.
    pub leases: &'a [&'a [u8]],
    /// How many descriptors are returned to the caller, after the data memfd.
    pub fd_count: u16,
}

impl Reply<'_> {
    /// A fault reply to call `id`: no data, no lease contents, no descriptors.
    pub const fn fault(id: u32, fault: Fault) -> Reply<'static> {
        Reply { id, status: Status::Fault(fault), data: Payload::EMPTY, leases: &[], fd_count: 0 }
    }

    /// The length of the encoded message (saturating, for replies too long to encode).
    pub fn encoded_len(&self) -> usize {
        let leases = self.leases.iter().fold(0usize, |n, l| n.saturating_add(l.len()));
        ReplyHeader::SIZE.saturating_add(self.data.inline_len()).saturating_add(leases)
    }

    /// The layout of the descriptors to send with the reply.
    pub fn fds(&self) -> ReplyFds {
        ReplyFds::new(self.data.is_memfd(), usize::from(self.fd_count))
    }

    /// Appends the encoded reply to `out`, reusing its capacity; on error, appends nothing.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        if self.leases.len() > MAX_LEASES {
            return Err(EncodeError::TooManyLeases(self.leases.len()));
        }
        let data_len = self.data.wire_len("reply data")?;
        let payload = data_len != 0 || self.data.is_memfd() || self.fd_count != 0;
        if self.status.is_fault() && (payload || !self.leases.is_empty()) {
            return Err(EncodeError::FaultWithPayload);
        }
        let fds = self.fds().total();
        if fds > MAX_FDS {
            return Err(EncodeError::TooManyDescriptors(fds));
        }
        // Checked above: there are at most 64 leases.
        let lease_count = self.leases.len() as u16;
        let flags = if self.data.is_memfd() { DATA_IN_MEMFD } else { 0 };
        out.reserve(self.encoded_len());
        out.extend_from_slice(&[Kind::Reply as u8, flags]);
        out.extend_from_slice(&lease_count.to_le_bytes());
        out.extend_from_slice(&self.id.to_le_bytes());
        out.extend_from_slice(&self.status.to_u32().to_le_bytes());
        out.extend_from_slice(&data_len.to_le_bytes());
        out.extend_from_slice(&self.fd_count.to_le_bytes());
        out.extend_from_slice(&[0; 6]);
        out.extend_from_slice(self.data.inline().unwrap_or_default());
        for lease in self.leases {
            out.extend_from_slice(lease);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fault_reply_is_a_bare_header() {
        let mut out = Vec::new();
        Reply::fault(9, Fault::BadMessage).encode(&mut out).unwrap();
        assert_eq!(
            out,
            [3, 0, 0, 0, 9, 0, 0, 0, 2, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        );
        let header = ReplyHeader::decode(&out).unwrap();
        assert_eq!((header.id, header.status), (9, Status::Fault(Fault::BadMessage)));
    }

    #[test]
    fn a_fault_with_payload_cannot_be_encoded_or_decoded() {
        let reply = Reply { fd_count: 1, ..Reply::fault(1, Fault::Revoked) };
        assert_eq!(reply.encode(&mut Vec::new()), Err(EncodeError::FaultWithPayload));
        let reply = Reply { leases: &[&[]], ..Reply::fault(1, Fault::Revoked) };
        assert_eq!(reply.encode(&mut Vec::new()), Err(EncodeError::FaultWithPayload));

        let mut out = Vec::new();
        Reply::fault(1, Fault::Revoked).encode(&mut out).unwrap();
        out[12] = 1; // data_len
        let err = ReplyHeader::decode(&out).unwrap_err();
        assert_eq!((err.offset(), err.kind()), (12, K::FaultWithPayload { field: "data_len" }));
    }

    #[test]
    fn encoded_len_and_fds() {
        let reply = Reply {
            id: 1,
            status: Status::Ok,
            data: Payload::InMemfd { len: 1 << 20 },
            leases: &[b"ab", b"c"],
            fd_count: 2,
        };
        let mut out = Vec::new();
        reply.encode(&mut out).unwrap();
        assert_eq!(out.len(), reply.encoded_len());
        assert_eq!(reply.encoded_len(), 24 + 3);
        assert_eq!((reply.fds().data(), reply.fds().returned()), (Some(0), 1..3));
    }
}
