//! The sending half of the [`Core`]: calls encoded, one to send now or queued to go
//! together, and the descriptors each carries.

use std::os::fd::{BorrowedFd, OwnedFd};
use std::time::Instant;

use super::{Core, InFlight, NewCall, Queued, Transmit};
use crate::client::encode::{self, CallParts, Limits};
use crate::wire::{self, Capabilities, Kind};
use crate::{CallError, InvalidCall, Lend, OwnedLend};

impl Core {
    /// Encodes a call as [`message`](Self::message), to send now with
    /// [`descriptors`](Self::descriptors); returns its id. Calls queued earlier must have
    /// been sent first (order is the protocol's).
    pub(crate) fn start(&mut self, call: NewCall<'_, '_>) -> Result<u32, CallError> {
        if self.has_queued() {
            return Err(CallError::Invalid(InvalidCall::NotReady));
        }
        let mut out = std::mem::take(&mut self.out);
        let started = self.encode(call, &mut out);
        self.out = out;
        let (id, in_flight) = started?;
        self.in_flight.push_back(in_flight);
        Ok(id)
    }

    /// Encodes a call into the queue, sent with the others queued by
    /// [`transmit`](Self::transmit); returns its id.
    pub(crate) fn queue(&mut self, call: NewCall<'_, '_>) -> Result<u32, CallError> {
        let mut message = Vec::with_capacity(wire::CallHeader::SIZE + call.args.len());
        let (id, mut in_flight) = self.encode(call, &mut message)?;
        let args_memfd = in_flight.args_memfd.take();
        self.in_flight.push_back(in_flight);
        self.outbox.push_back(Queued { message, args_memfd });
        Ok(id)
    }

    /// The descriptors of the call [`start`](Self::start)ed last, in the protocol's order,
    /// with the handler's `fds` at the end.
    pub(crate) fn descriptors<'c>(
        &'c self,
        fds: &[BorrowedFd<'c>],
    ) -> Result<Vec<BorrowedFd<'c>>, CallError> {
        let Some(call) = self.in_flight.back() else { return Ok(fds.to_vec()) };
        encode::descriptors(&call.homes, call.args_memfd.as_ref(), &self.arenas, fds)
    }

    fn encode(
        &mut self,
        call: NewCall<'_, '_>,
        out: &mut Vec<u8>,
    ) -> Result<(u32, InFlight), CallError> {
        if !self.has_room() {
            return Err(CallError::Invalid(InvalidCall::NotReady));
        }
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1).max(1);
        let mut owned = call.owned;
        let owned_lends: Vec<Lend<'_>> = owned.iter_mut().map(OwnedLend::as_lend).collect();
        let leases = if owned_lends.is_empty() { call.leases } else { &owned_lends };
        let parts = CallParts {
            id,
            op: call.op,
            args: call.args,
            leases,
            fd_count: call.fd_count,
            deadline_ms: deadline_ms(call.deadline, call.now),
            inline_lease_max: call.inline_lease_max,
        };
        let limits = Limits {
            server_max_message: self.session.server_max_message,
            reply_max_message: self.greeting.max_message,
            memfd: self.session.capabilities.contains(Capabilities::MEMFD),
        };
        // The arenas serve one call at a time: a pipelined call behind another gets
        // memfds of its own.
        let arenas = self.in_flight.is_empty().then_some(&mut self.arenas);
        let encoded = encode::encode(&parts, limits, arenas, out)?;
        drop(owned_lends);
        let in_flight = InFlight {
            id,
            returned: encoded.returned,
            homes: encoded.homes,
            args_memfd: encoded.args_memfd,
            owned,
        };
        Ok((id, in_flight))
    }

    /// The next message of queued calls to send: a `CALL_BATCH` of as many as fit the
    /// server's largest message (§4.6), so that its worker is woken once for them, or one
    /// call alone (one with a memfd, or where the server does not pipeline).
    pub(crate) fn transmit(&mut self) -> Option<Transmit> {
        let first = self.outbox.front()?;
        let max = self.session.server_max_message as usize;
        let mut count = 0;
        let mut len = wire::BATCH_HEADER;
        for call in self.outbox.iter().take(wire::MAX_BATCH) {
            if call.args_memfd.is_some() || len + wire::ENTRY_HEADER + call.message.len() > max {
                break;
            }
            len += wire::ENTRY_HEADER + call.message.len();
            count += 1;
        }
        if count < 2 || first.args_memfd.is_some() || !self.pipelines() {
            let queued = self.outbox.pop_front()?;
            let fds = queued.args_memfd.map(OwnedFd::from).into_iter().collect();
            return Some(Transmit { message: queued.message, fds, calls: 1 });
        }
        let calls: Vec<Queued> = self.outbox.drain(..count).collect();
        let messages: Vec<&[u8]> = calls.iter().map(|q| q.message.as_slice()).collect();
        let mut message = Vec::with_capacity(len);
        // Within the limits checked above: it encodes.
        let _ = wire::encode_batch(Kind::CallBatch, &messages, &mut message);
        Some(Transmit { message, fds: Vec::new(), calls: count })
    }

    fn pipelines(&self) -> bool {
        self.session.capabilities.contains(Capabilities::PIPELINING)
    }
}

/// What a call's deadline leaves the server at `now`, in whole milliseconds (at least 1).
fn deadline_ms(deadline: Option<Instant>, now: Instant) -> Option<std::num::NonZeroU32> {
    let left = deadline?.saturating_duration_since(now).as_millis();
    std::num::NonZeroU32::new(u32::try_from(left).unwrap_or(u32::MAX).max(1))
}
