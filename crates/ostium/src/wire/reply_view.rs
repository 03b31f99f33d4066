//! Decoding a REPLY (§5) into a checked view that borrows the message.

use super::error::{DecodeError, DecodeErrorKind as K};
use super::fds::ReplyFds;
use super::lease::WritableLeases;
use super::payload::Payload;
use super::reader::wire_len;
use super::reply::ReplyHeader;
use super::status::Status;
use super::{Kind, check_fds, open};

/// Decodes a REPLY that came with `fds_received` descriptors, checking all of it (§7).
///
/// `call` is what the reply must return for the call it answers ([`Call::writable_leases`]
/// of the call sent): the reply's `lease_count` must equal `call.count`, and its lease
/// contents must be `call.total_len` bytes long, unless the reply is a fault, which returns
/// none. With `None` (for a receiver that does not know the call, such as a fuzzer), every
/// byte after the data is taken as lease contents, and there must be none if `lease_count`
/// is 0.
///
/// [`Call::writable_leases`]: super::Call::writable_leases
pub fn decode_reply(
    msg: &[u8],
    fds_received: usize,
    call: Option<WritableLeases>,
) -> Result<ReplyView<'_>, DecodeError> {
    let mut r = open(msg, Kind::Reply, "REPLY header", ReplyHeader::SIZE)?;
    let header = ReplyHeader::read(&mut r)?;
    // A fault returns no lease contents whatever the call (the header checked it has none).
    let call = if header.status.is_fault() { None } else { call };
    if let Some(call) = call
        && call.count != usize::from(header.lease_count)
    {
        let kind = K::LeaseCountMismatch { expected: call.count, found: header.lease_count };
        return Err(DecodeError::new(2, kind));
    }

    let data = if header.data_in_memfd {
        Payload::InMemfd { len: header.data_len }
    } else {
        Payload::Inline(r.take("reply data", wire_len(header.data_len))?)
    };

    let leases = match call {
        Some(call) => {
            let len = usize::try_from(call.total_len).unwrap_or(usize::MAX);
            r.take("returned lease contents", len)?
        }
        None if header.lease_count == 0 => &[],
        None => r.take("returned lease contents", r.remaining())?,
    };
    r.finish()?;

    let fds = ReplyFds::new(header.data_in_memfd, usize::from(header.fd_count));
    check_fds(16, fds.total(), fds_received)?;
    Ok(ReplyView { header, data, leases, fds })
}

/// A REPLY that [`decode_reply`] checked, borrowing the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplyView<'a> {
    header: ReplyHeader,
    data: Payload<'a>,
    leases: &'a [u8],
    fds: ReplyFds,
}

impl<'a> ReplyView<'a> {
    /// The header's fields.
    pub const fn header(&self) -> &ReplyHeader {
        &self.header
    }

    /// The id of the call answered.
    pub const fn id(&self) -> u32 {
        self.header.id
    }

    /// The outcome.
    pub const fn status(&self) -> Status {
        self.header.status
    }

    /// The reply data, or the length of the data memfd.
    pub const fn data(&self) -> Payload<'a> {
        self.data
    }

    /// The returned contents of all writable inline leases, one after another.
    pub const fn lease_contents(&self) -> &'a [u8] {
        self.leases
    }

    /// The returned contents split by the lengths of the call's writable inline leases,
    /// `lens`, in lease order. Stops early if `lens` are not those the reply was checked with.
    pub fn lease_chunks<I>(&self, lens: I) -> impl Iterator<Item = &'a [u8]> + use<'a, I>
    where
        I: IntoIterator<Item = u32>,
    {
        let mut rest = self.leases;
        lens.into_iter().map_while(move |len| {
            let (chunk, tail) = rest.split_at_checked(wire_len(len))?;
            rest = tail;
            Some(chunk)
        })
    }

    /// Which received descriptor is which.
    pub const fn fds(&self) -> ReplyFds {
        self.fds
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{Fault, Reply};

    fn encode(reply: &Reply<'_>) -> Vec<u8> {
        let mut out = Vec::new();
        reply.encode(&mut out).unwrap();
        out
    }

    #[test]
    fn returned_leases_are_checked_against_the_call() {
        let reply = Reply {
            id: 4,
            status: Status::Ok,
            data: Payload::Inline(b"xyz"),
            leases: &[b"ab", b"", b"cde"],
            fd_count: 1,
        };
        let msg = encode(&reply);
        let call = WritableLeases { count: 3, total_len: 5 };
        let view = decode_reply(&msg, 1, Some(call)).unwrap();
        assert_eq!((view.id(), view.data()), (4, Payload::Inline(b"xyz")));
        assert_eq!(view.lease_contents(), b"abcde");
        let chunks: Vec<_> = view.lease_chunks([2, 0, 3]).collect();
        assert_eq!(chunks, [&b"ab"[..], b"", b"cde"]);
        assert_eq!(decode_reply(&msg, 1, None), Ok(view));

        let fewer = WritableLeases { count: 2, total_len: 5 };
        let err = decode_reply(&msg, 1, Some(fewer)).unwrap_err();
        assert_eq!(err.kind(), K::LeaseCountMismatch { expected: 2, found: 3 });
        let longer = WritableLeases { count: 3, total_len: 6 };
        let err = decode_reply(&msg, 1, Some(longer)).unwrap_err();
        let short = K::TooShort { what: "returned lease contents", needed: 6, got: 5 };
        assert_eq!((err.offset(), err.kind()), (27, short));
        let shorter = WritableLeases { count: 3, total_len: 4 };
        let err = decode_reply(&msg, 1, Some(shorter)).unwrap_err();
        assert_eq!((err.offset(), err.kind()), (31, K::TrailingBytes { extra: 1 }));
    }

    #[test]
    fn a_fault_returns_no_leases_whatever_the_call() {
        let msg = encode(&Reply::fault(4, Fault::HandlerPanicked));
        let call = WritableLeases { count: 3, total_len: 5 };
        let view = decode_reply(&msg, 0, Some(call)).unwrap();
        assert_eq!(view.status(), Status::Fault(Fault::HandlerPanicked));
        assert_eq!(view.lease_contents(), b"");
    }
}
