//! CALL (§4), client to server: its 32-byte header, and encoding a whole call.
//!
//! The layout is the header, `lease_count` 16-byte lease descriptors, the argument bytes
//! (unless they travel in a memfd), then the contents of every `INLINE` lease in lease order;
//! nothing else. Decoding is in [`decode_call`](super::decode_call).

use core::num::NonZeroU32;

use super::error::{DecodeError, EncodeError};
use super::fds::CallFds;
use super::lease::{Lease, LeaseDesc, WritableLeases};
use super::op::Op;
use super::payload::Payload;
use super::reader::Reader;
use super::{Kind, MAX_FDS, MAX_LEASES, open};

/// Flag bit 0: the argument bytes travel in a memfd.
const ARGS_IN_MEMFD: u8 = 1;

/// The fields of a CALL header (§4.1), checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CallHeader {
    /// The call id, echoed by the reply.
    pub id: u32,
    /// The operation.
    pub op: Op,
    /// Whether the argument bytes travel in a memfd (flag `ARGS_IN_MEMFD`).
    pub args_in_memfd: bool,
    /// The number of lease descriptors after the header (at most [`MAX_LEASES`]).
    pub lease_count: u16,
    /// The length of the argument bytes.
    pub arg_len: u32,
    /// The number of descriptors passed to the handler.
    pub fd_count: u16,
    /// Milliseconds the caller will still wait when it sends the call; `None` if no deadline.
    pub deadline_ms: Option<NonZeroU32>,
}

impl CallHeader {
    /// The size of the header on the wire.
    pub const SIZE: usize = 32;

    /// Decodes and checks the header of a CALL, ignoring what follows it.
    pub fn decode(msg: &[u8]) -> Result<CallHeader, DecodeError> {
        Self::read(&mut open(msg, Kind::Call, "CALL header", Self::SIZE)?)
    }

    /// Reads the header's fields after `kind`.
    pub(crate) fn read(r: &mut Reader<'_>) -> Result<CallHeader, DecodeError> {
        let (flags, lease_count) = r.flags_and_lease_count(ARGS_IN_MEMFD)?;
        let id = r.u32("id")?;
        let op = Op(r.u32("op")?);
        let arg_len = r.u32("arg_len")?;
        let fd_count = r.u16("fd_count")?;
        r.reserved::<2>("bytes 18..20")?;
        let deadline_ms = NonZeroU32::new(r.u32("deadline_ms")?);
        r.reserved::<8>("bytes 24..32")?;
        let args_in_memfd = flags & ARGS_IN_MEMFD != 0;
        Ok(CallHeader { id, op, args_in_memfd, lease_count, arg_len, fd_count, deadline_ms })
    }
}

/// The `id` of a message that has a whole CALL header, however malformed the rest.
///
/// A server answers a malformed call whose header it could read with `BAD_MESSAGE` (§7);
/// this gives the id to answer. `None` means the header could not be read: close the
/// connection.
pub fn call_id(msg: &[u8]) -> Option<u32> {
    let mut r = open(msg, Kind::Call, "CALL header", CallHeader::SIZE).ok()?;
    r.take("flags and lease_count", 3).ok()?;
    r.u32("id").ok()
}

/// A call to encode: what a client sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Call<'a> {
    /// The call id, which the reply echoes.
    pub id: u32,
    /// The operation.
    pub op: Op,
    /// Milliseconds the caller will still wait for the reply; `None` for no deadline.
    pub deadline_ms: Option<NonZeroU32>,
    /// The argument bytes, or the length of the argument memfd.
    pub args: Payload<'a>,
    /// The leases, at most [`MAX_LEASES`].
    pub leases: &'a [Lease<'a>],
    /// How many descriptors are passed to the handler, after the memfds.
    pub fd_count: u16,
}

impl Call<'_> {
    /// The length of the encoded message (saturating, for calls too long to encode).
    pub fn encoded_len(&self) -> usize {
        let descs = self.leases.len().saturating_mul(LeaseDesc::SIZE);
        let inline =
            self.leases.iter().fold(0usize, |n, l| n.saturating_add(l.contents.inline_len()));
        CallHeader::SIZE
            .saturating_add(descs)
            .saturating_add(self.args.inline_len())
            .saturating_add(inline)
    }

    /// The layout of the descriptors to send with the call.
    pub fn fds(&self) -> CallFds {
        let memfds = self.leases.iter().filter(|l| l.contents.is_memfd()).count();
        CallFds::new(self.args.is_memfd(), memfds, usize::from(self.fd_count))
    }

    /// What the reply to this call must return.
    pub fn writable_leases(&self) -> WritableLeases {
        WritableLeases::of(self.leases)
    }

    /// Appends the encoded call to `out`, reusing its capacity; on error, appends nothing.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        if self.leases.len() > MAX_LEASES {
            return Err(EncodeError::TooManyLeases(self.leases.len()));
        }
        let arg_len = self.args.wire_len("arguments")?;
        for lease in self.leases {
            lease.contents.wire_len("lease contents")?;
        }
        let fds = self.fds().total();
        if fds > MAX_FDS {
            return Err(EncodeError::TooManyDescriptors(fds));
        }
        // Checked above: there are at most 64 leases.
        let lease_count = self.leases.len() as u16;
        let flags = if self.args.is_memfd() { ARGS_IN_MEMFD } else { 0 };
        out.reserve(self.encoded_len());
        out.extend_from_slice(&[Kind::Call as u8, flags]);
        out.extend_from_slice(&lease_count.to_le_bytes());
        out.extend_from_slice(&self.id.to_le_bytes());
        out.extend_from_slice(&self.op.0.to_le_bytes());
        out.extend_from_slice(&arg_len.to_le_bytes());
        out.extend_from_slice(&self.fd_count.to_le_bytes());
        out.extend_from_slice(&[0; 2]);
        out.extend_from_slice(&self.deadline_ms.map_or(0, NonZeroU32::get).to_le_bytes());
        out.extend_from_slice(&[0; 8]);
        for lease in self.leases {
            // The length fits: checked above.
            let len = lease.contents.wire_len("lease contents").unwrap_or(u32::MAX);
            LeaseDesc { access: lease.access, transport: lease.transport(), len }.encode(out);
        }
        out.extend_from_slice(self.args.inline().unwrap_or_default());
        for lease in self.leases {
            out.extend_from_slice(lease.contents.inline().unwrap_or_default());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::lease::Access;

    fn appendix_call() -> Call<'static> {
        Call {
            id: 7,
            op: Op(3),
            deadline_ms: None,
            args: Payload::Inline(&[1, 0, 0, 0]),
            leases: &[],
            fd_count: 0,
        }
    }

    #[test]
    fn header_decodes_alone() {
        let mut out = Vec::new();
        appendix_call().encode(&mut out).unwrap();
        let header = CallHeader::decode(&out).unwrap();
        assert_eq!((header.id, header.op, header.arg_len), (7, Op(3), 4));
        assert_eq!(call_id(&out), Some(7));
        assert_eq!(call_id(&out[..31]), None);
        out[0] = 3;
        assert_eq!(call_id(&out), None);
    }

    #[test]
    fn encode_checks_before_writing() {
        let lease = Lease { access: Access::Read, contents: Payload::InMemfd { len: 1 } };
        let many = [lease; MAX_LEASES + 1];
        let mut out = vec![9];
        let call = Call { leases: &many, ..appendix_call() };
        assert_eq!(call.encode(&mut out), Err(EncodeError::TooManyLeases(65)));
        let call = Call { fd_count: 253, leases: &many[..1], ..appendix_call() };
        assert_eq!(call.encode(&mut out), Err(EncodeError::TooManyDescriptors(254)));
        assert_eq!(out, [9]);
    }

    #[test]
    fn encode_appends_and_reports_its_length() {
        let buf = [5u8; 3];
        let leases = [
            Lease { access: Access::Write, contents: Payload::Inline(&buf) },
            Lease { access: Access::Read, contents: Payload::InMemfd { len: 9 } },
        ];
        let call = Call { leases: &leases, fd_count: 2, ..appendix_call() };
        let mut out = vec![0xee];
        call.encode(&mut out).unwrap();
        assert_eq!(out.len(), 1 + call.encoded_len());
        assert_eq!(call.encoded_len(), 32 + 32 + 4 + 3);
        assert_eq!(call.fds().total(), 3);
        assert_eq!(call.writable_leases(), WritableLeases { count: 1, total_len: 3 });
    }
}
