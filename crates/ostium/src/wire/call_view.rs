//! Decoding a CALL (§4) into a checked view that borrows the message.

use core::iter::FusedIterator;
use core::slice::ChunksExact;

use super::call::CallHeader;
use super::error::DecodeError;
use super::fds::CallFds;
use super::lease::{Lease, LeaseDesc, Transport, WritableLeases};
use super::payload::Payload;
use super::reader::{Reader, wire_len};
use super::{Kind, check_fds, open};

/// Decodes a CALL that came with `fds_received` descriptors, checking all of it (§7).
///
/// On success every length in the message has been checked against the bytes, and the
/// descriptor count against `fds_received`; the view's accessors cannot fail. On error, a
/// server may still answer with `BAD_MESSAGE` if [`call_id`](super::call_id) finds an id.
pub fn decode_call(msg: &[u8], fds_received: usize) -> Result<CallView<'_>, DecodeError> {
    let mut r = open(msg, Kind::Call, "CALL header", CallHeader::SIZE)?;
    let header = CallHeader::read(&mut r)?;

    let descs_at = r.pos();
    // At most 64 × 16 bytes: no overflow.
    r.require("lease descriptors", usize::from(header.lease_count) * LeaseDesc::SIZE)?;
    let mut lease_memfds = 0;
    for _ in 0..header.lease_count {
        if LeaseDesc::decode(&mut r)?.transport == Transport::Memfd {
            lease_memfds += 1;
        }
    }
    let descs = r.since(descs_at);

    let args = if header.args_in_memfd {
        Payload::InMemfd { len: header.arg_len }
    } else {
        Payload::Inline(r.take("arguments", wire_len(header.arg_len))?)
    };

    let inline_at = r.pos();
    for desc in LeaseDescs::new(descs).filter(|d| d.transport == Transport::Inline) {
        r.take("inline lease contents", wire_len(desc.len))?;
    }
    let inline = r.since(inline_at);
    r.finish()?;

    let fds = CallFds::new(header.args_in_memfd, lease_memfds, usize::from(header.fd_count));
    check_fds(16, fds.total(), fds_received)?;
    Ok(CallView { header, descs, args, inline, fds })
}

/// A CALL that [`decode_call`] checked, borrowing the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallView<'a> {
    header: CallHeader,
    descs: &'a [u8],
    args: Payload<'a>,
    inline: &'a [u8],
    fds: CallFds,
}

impl<'a> CallView<'a> {
    /// The header's fields.
    pub const fn header(&self) -> &CallHeader {
        &self.header
    }

    /// The argument bytes, or the length of the argument memfd.
    pub const fn args(&self) -> Payload<'a> {
        self.args
    }

    /// The number of leases.
    pub const fn lease_count(&self) -> usize {
        self.header.lease_count as usize
    }

    /// The lease descriptors, in order.
    pub fn lease_descs(&self) -> LeaseDescs<'a> {
        LeaseDescs::new(self.descs)
    }

    /// The leases with their inline contents, in order.
    pub fn leases(&self) -> Leases<'a> {
        Leases { descs: self.lease_descs(), inline: self.inline }
    }

    /// Lease `i` with its inline contents, if there is such a lease.
    pub fn lease(&self, i: usize) -> Option<Lease<'a>> {
        self.leases().nth(i)
    }

    /// The contents of lease `i`, if it is an `INLINE` lease.
    pub fn inline_lease(&self, i: usize) -> Option<&'a [u8]> {
        self.lease(i)?.contents.inline()
    }

    /// The index, among the received descriptors, of lease `i`'s memfd, if it is a `MEMFD`
    /// lease.
    pub fn lease_fd(&self, i: usize) -> Option<usize> {
        let mut memfds = self.fds.leases();
        for (n, desc) in self.lease_descs().enumerate() {
            let fd = if desc.transport == Transport::Memfd { memfds.next() } else { None };
            if n == i {
                return fd;
            }
        }
        None
    }

    /// Which received descriptor is which.
    pub const fn fds(&self) -> CallFds {
        self.fds
    }

    /// What the reply to this call must return (§5.2).
    pub fn writable_leases(&self) -> WritableLeases {
        let returned = self.lease_descs().filter(LeaseDesc::is_returned);
        returned.fold(WritableLeases::default(), |acc, d| WritableLeases {
            count: acc.count + 1,
            total_len: acc.total_len + u64::from(d.len),
        })
    }
}

/// The lease descriptors of a checked call, in order.
#[derive(Debug, Clone)]
pub struct LeaseDescs<'a> {
    chunks: ChunksExact<'a, u8>,
}

impl<'a> LeaseDescs<'a> {
    fn new(descs: &'a [u8]) -> Self {
        LeaseDescs { chunks: descs.chunks_exact(LeaseDesc::SIZE) }
    }
}

impl Iterator for LeaseDescs<'_> {
    type Item = LeaseDesc;

    fn next(&mut self) -> Option<LeaseDesc> {
        // The bytes were checked by `decode_call`; decoding them again cannot fail.
        LeaseDesc::decode(&mut Reader::new(self.chunks.next()?)).ok()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.chunks.size_hint()
    }
}

impl ExactSizeIterator for LeaseDescs<'_> {}
impl FusedIterator for LeaseDescs<'_> {}

/// The leases of a checked call with their inline contents, in order.
#[derive(Debug, Clone)]
pub struct Leases<'a> {
    descs: LeaseDescs<'a>,
    inline: &'a [u8],
}

impl<'a> Iterator for Leases<'a> {
    type Item = Lease<'a>;

    fn next(&mut self) -> Option<Lease<'a>> {
        let desc = self.descs.next()?;
        let contents = match desc.transport {
            Transport::Memfd => Payload::InMemfd { len: desc.len },
            Transport::Inline => {
                // `decode_call` checked that the inline contents add up.
                let (bytes, rest) = self.inline.split_at_checked(wire_len(desc.len))?;
                self.inline = rest;
                Payload::Inline(bytes)
            }
        };
        Some(Lease { access: desc.access, contents })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.descs.size_hint()
    }
}

impl ExactSizeIterator for Leases<'_> {}
impl FusedIterator for Leases<'_> {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{Access, Call, DecodeErrorKind as K, Op};

    #[test]
    fn a_call_with_every_part_decodes_to_its_parts() {
        let (a, b) = ([1u8, 2, 3], [4u8; 5]);
        let leases = [
            Lease { access: Access::Read, contents: Payload::Inline(&a) },
            Lease { access: Access::ReadWrite, contents: Payload::InMemfd { len: 4096 } },
            Lease { access: Access::Write, contents: Payload::Inline(&b) },
            Lease { access: Access::Write, contents: Payload::InMemfd { len: 1 } },
        ];
        let call = Call {
            id: 1,
            op: Op(2),
            deadline_ms: None,
            args: Payload::InMemfd { len: 100_000 },
            leases: &leases,
            fd_count: 2,
        };
        let mut msg = Vec::new();
        call.encode(&mut msg).unwrap();
        let view = decode_call(&msg, 5).unwrap();
        assert_eq!(view.args(), Payload::InMemfd { len: 100_000 });
        assert_eq!(view.leases().collect::<Vec<_>>(), leases);
        assert_eq!(view.inline_lease(0), Some(&a[..]));
        assert_eq!(view.inline_lease(1), None);
        assert_eq!(view.inline_lease(2), Some(&b[..]));
        assert_eq!(view.lease(4), None);
        let lease_fds: Vec<_> = (0..5).map(|i| view.lease_fd(i)).collect();
        assert_eq!(lease_fds, [None, Some(1), None, Some(2), None]);
        assert_eq!((view.fds().args(), view.fds().handler()), (Some(0), 3..5));
        assert_eq!(view.writable_leases(), call.writable_leases());
        assert_eq!(view.lease_descs().len(), 4);

        let err = decode_call(&msg, 4).unwrap_err();
        assert_eq!(err.offset(), 16);
        assert_eq!(err.kind(), K::DescriptorCount { expected: 5, received: 4 });
    }
}
