//! The receiving half of the [`Core`]: what the server sends, matched to the calls in
//! flight — a `HELLO`, a reply, a `REPLY_BATCH`, a `DOORBELL` for a reply in the slot — and
//! the leases written back.

use std::os::fd::OwnedFd;

use super::{Core, State, slot_error};
use crate::client::encode;
use crate::client::reply::reply_of;
use crate::client::reply_slot::Arrival;
use crate::wire::ring::Doorbell;
use crate::wire::{self, Kind};
use crate::{CallError, Lend, LoopEvent, OwnedLend, ProtocolError, Reply};

impl Core {
    /// A reply that came in a `REPLY_BATCH` and was not handed out yet.
    pub(crate) fn next_ready(&mut self) -> Option<Result<Reply, CallError>> {
        self.ready.pop_front()
    }

    /// Takes in a message from the server (`msg`, with `fds`): what it means for the
    /// driver, if anything. `lent` are the borrowed leases of the call in flight, if the
    /// driver lent some (one call at a time then). An `Err` breaks the connection; a call's
    /// own failure comes as [`LoopEvent::Reply`] with an `Err`.
    pub(crate) fn on_message(
        &mut self,
        msg: &[u8],
        fds: Vec<OwnedFd>,
        lent: &mut [Lend<'_>],
        max_send: u32,
    ) -> Result<Option<LoopEvent>, CallError> {
        self.received += 1;
        let outcome = match self.state {
            State::Greeting => self.greeted(msg, fds.len(), max_send).map(Some),
            State::Ready => self.answered(msg, fds, lent),
            State::Broken => Err(CallError::Protocol(ProtocolError::Unsolicited)),
        };
        if outcome.is_err() {
            self.state = State::Broken;
        }
        outcome
    }

    fn greeted(&mut self, msg: &[u8], fds: usize, max_send: u32) -> Result<LoopEvent, CallError> {
        self.session = self.greeting.settle(msg, fds, |theirs| theirs.min(max_send))?;
        self.state = State::Ready;
        Ok(LoopEvent::Ready)
    }

    fn answered(
        &mut self,
        msg: &[u8],
        fds: Vec<OwnedFd>,
        lent: &mut [Lend<'_>],
    ) -> Result<Option<LoopEvent>, CallError> {
        match wire::peek_kind(msg) {
            Ok(Kind::ReplyBatch) => self.replied_batch(msg, fds.len()),
            Ok(Kind::Doorbell) if self.slot.is_some() => self.rang(msg, fds.len(), lent),
            _ => Ok(Some(LoopEvent::Reply(self.replied(msg, fds, lent)))),
        }
    }

    /// The outcome of the oldest call in flight from its reply `msg`; a reply that breaks
    /// the protocol breaks the connection too.
    fn replied(
        &mut self,
        msg: &[u8],
        fds: Vec<OwnedFd>,
        lent: &mut [Lend<'_>],
    ) -> Result<Reply, CallError> {
        let Some(mut call) = self.in_flight.pop_front() else {
            self.state = State::Broken;
            return Err(CallError::Protocol(ProtocolError::Unsolicited));
        };
        if let Some(slot) = self.slot.as_mut() {
            slot.received();
        }
        let outcome = encode::check_reply(msg, fds.len(), call.id, call.returned)
            .and_then(|view| {
                if call.owned.is_empty() {
                    encode::write_back(lent, &call.homes, &self.arenas, &view)?;
                } else {
                    let mut owned: Vec<Lend<'_>> =
                        call.owned.iter_mut().map(OwnedLend::as_lend).collect();
                    encode::write_back(&mut owned, &call.homes, &self.arenas, &view)?;
                }
                reply_of(&view, fds)
            })
            .map(|reply| Reply { leases: std::mem::take(&mut call.owned), ..reply });
        if !matches!(outcome, Ok(_) | Err(CallError::Fault(_))) {
            self.state = State::Broken;
        }
        outcome
    }

    /// The replies of a `REPLY_BATCH`, each to the next call in flight: the first is
    /// returned, the others wait for [`next_ready`](Self::next_ready).
    fn replied_batch(&mut self, msg: &[u8], fds: usize) -> Result<Option<LoopEvent>, CallError> {
        for reply in wire::decode_batch(msg, fds, Kind::ReplyBatch)? {
            if self.in_flight.is_empty() {
                return Err(CallError::Protocol(ProtocolError::Unsolicited));
            }
            let outcome = self.replied(reply, Vec::new(), &mut []);
            self.ready.push_back(outcome);
        }
        Ok(self.ready.pop_front().map(LoopEvent::Reply))
    }

    /// A `DOORBELL`: the reply to the call in flight is in the slot, or (another `seq`) a
    /// late bell for a reply already taken.
    fn rang(
        &mut self,
        msg: &[u8],
        fds: usize,
        lent: &mut [Lend<'_>],
    ) -> Result<Option<LoopEvent>, CallError> {
        let bell = Doorbell::decode(msg, fds)?;
        let Some(slot) = self.slot.as_mut() else { return Ok(None) };
        if !slot.doorbell(bell.seq) {
            return Ok(None);
        }
        match slot.published().map_err(slot_error)? {
            Arrival::InSlot(len) => Ok(Some(LoopEvent::Reply(self.reply_in_slot(len, lent)))),
            Arrival::OnSocket | Arrival::Later => {
                Err(CallError::Protocol(ProtocolError::StrayDoorbell))
            }
        }
    }

    /// The reply of `len` bytes the slot holds, as the outcome of the call in flight.
    pub(crate) fn reply_in_slot(
        &mut self,
        len: usize,
        lent: &mut [Lend<'_>],
    ) -> Result<Reply, CallError> {
        let Some(slot) = self.slot.as_ref() else {
            return Err(CallError::Protocol(ProtocolError::StrayDoorbell));
        };
        let mut reply = std::mem::take(&mut self.slot_buf);
        reply.resize(len.max(reply.len()), 0);
        if let Err(err) = slot.copy_reply(len, &mut reply) {
            self.state = State::Broken;
            return Err(slot_error(err));
        }
        let outcome = self.replied(&reply[..len], Vec::new(), lent);
        self.slot_buf = reply;
        outcome
    }
}
