//! [`ReplyToken`]: the reply of a `Pipelined` server's call, which the handler may send
//! later, from any thread.
//!
//! A door's handler returns its [`Answer`]; it cannot return first and reply later. So
//! the dispatching worker waits, blocked on a condition variable, until the token is
//! completed or dropped: the handler itself has returned and its thread (or another) holds
//! the token. The worker is one of the door's elastic pool, so a pipelined door serves up
//! to `max_threads` calls awaiting replies at once, and the pool grows for them as it does
//! for slow handlers. A token dropped unanswered replies with
//! [`Fault::ReplyDropped`], so no caller hangs.

use std::sync::{Arc, Condvar, Mutex, PoisonError};

use ostium::Answer;
use ostium::wire::Fault;

/// Where a token's response goes.
#[derive(Default)]
struct Slot {
    response: Mutex<Option<Answer>>,
    ready: Condvar,
}

impl Slot {
    fn put(&self, response: Answer) {
        let mut slot = self.response.lock().unwrap_or_else(PoisonError::into_inner);
        slot.get_or_insert(response);
        self.ready.notify_one();
    }
}

/// The promise of a reply of type `R` (what the operation's handler would return: `T`, or
/// `Result<T, HandlerError<E>>`). Send it to another thread, and [`reply`](Self::reply)
/// there; dropping it unanswered answers the caller with [`Fault::ReplyDropped`].
#[must_use = "a dropped token answers the caller with a fault"]
pub struct ReplyToken<R> {
    slot: Arc<Slot>,
    encode: fn(R) -> Answer,
    answered: bool,
}

/// The dispatching side of a [`ReplyToken`]: waits for its response.
pub struct Pending {
    slot: Arc<Slot>,
}

impl<R> ReplyToken<R> {
    /// A token whose reply `encode` turns into a response, and the [`Pending`] response.
    pub fn new(encode: fn(R) -> Answer) -> (ReplyToken<R>, Pending) {
        let slot = Arc::new(Slot::default());
        (ReplyToken { slot: slot.clone(), encode, answered: false }, Pending { slot })
    }

    /// Sends the reply.
    pub fn reply(mut self, value: R) {
        self.answered = true;
        self.slot.put((self.encode)(value));
    }

    /// Answers the caller with `fault` instead.
    pub fn fault(mut self, fault: Fault) {
        self.answered = true;
        self.slot.put(Answer::fault(fault));
    }
}

impl<R> Drop for ReplyToken<R> {
    fn drop(&mut self) {
        if !self.answered {
            self.slot.put(Answer::fault(Fault::ReplyDropped));
        }
    }
}

impl<R> std::fmt::Debug for ReplyToken<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReplyToken").field("answered", &self.answered).finish()
    }
}

impl Pending {
    /// Blocks until the token is answered or dropped.
    pub fn wait(self) -> Answer {
        let mut slot = self.slot.response.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            if let Some(response) = slot.take() {
                return response;
            }
            slot = self.slot.ready.wait(slot).unwrap_or_else(PoisonError::into_inner);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ostium::wire::Status;

    #[test]
    fn a_reply_from_another_thread_arrives() {
        let (token, pending) = ReplyToken::new(|n: u8| Answer::ok(vec![n]));
        std::thread::spawn(move || token.reply(7));
        assert_eq!(pending.wait().data(), &[7]);
    }

    #[test]
    fn a_dropped_token_is_a_fault() {
        let (token, pending) = ReplyToken::new(|n: u8| Answer::ok(vec![n]));
        std::thread::spawn(move || drop(token));
        assert_eq!(pending.wait().status(), Status::Fault(Fault::ReplyDropped));
    }
}
