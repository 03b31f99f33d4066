//! [`Gate`]: who may hold a connection to a door, and for how long — the rules a door
//! keeps so that no local user can take it, or the process serving it, down.
//!
//! - At most `max_connections` connections are open; at the limit the door stops
//!   accepting (new connections wait in the socket's backlog) until one closes.
//! - At most `max_per_uid` of them belong to one user (by `SO_PEERCRED`), except the door
//!   owner's and root's: a user past its cap is closed as soon as it is accepted.
//! - A connection must complete `HELLO` within `hello_timeout` of being accepted.
//! - Out of descriptors (`EMFILE`, `ENFILE`), the door rests from accepting for a moment
//!   rather than retrying at once: the listener stays readable, so retrying would spin.
//!
//! The gate is pure bookkeeping: the door's leader asks it what to do and when to wake
//! ([`Gate::next_deadline`]), and does the I/O itself.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

/// How long a door rests from accepting after running out of descriptors.
pub(crate) const ACCEPT_REST: Duration = Duration::from_millis(100);

/// The limits a gate keeps.
#[derive(Clone, Copy, Debug)]
pub(crate) struct GateLimits {
    pub(crate) max_connections: usize,
    pub(crate) max_per_uid: usize,
    pub(crate) hello_timeout: Duration,
    /// The uid exempt from the per-user cap besides root: the door's owner.
    pub(crate) owner: u32,
}

/// Whether the door accepts now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Accepting {
    Yes,
    /// At `max_connections`: until a connection closes.
    Full,
    /// Out of descriptors: until then.
    Resting(Instant),
}

/// Why a connection was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Its user holds `max_per_uid` connections already.
    UserCap,
}

/// A door's connection bookkeeping.
#[derive(Debug)]
pub(crate) struct Gate {
    limits: GateLimits,
    open: usize,
    per_uid: HashMap<u32, usize>,
    /// Connections still to complete `HELLO`, by deadline (in order: one timeout for all).
    hello_due: VecDeque<(Instant, u64)>,
    accepting: Accepting,
}

impl Gate {
    pub(crate) fn new(limits: GateLimits) -> Gate {
        let limits = GateLimits {
            max_connections: limits.max_connections.max(1),
            max_per_uid: limits.max_per_uid.max(1),
            ..limits
        };
        Gate {
            limits,
            open: 0,
            per_uid: HashMap::new(),
            hello_due: VecDeque::new(),
            accepting: Accepting::Yes,
        }
    }

    /// Whether the door accepts now.
    pub(crate) fn accepting(&self) -> Accepting {
        self.accepting
    }

    /// The door's owner, whose connections are not capped.
    pub(crate) fn owner(&self) -> u32 {
        self.limits.owner
    }

    /// Admits connection `id` of user `uid`, accepted at `now`, or says why not.
    pub(crate) fn admit(&mut self, id: u64, uid: u32, now: Instant) -> Result<(), Refusal> {
        self.count_in(uid)?;
        self.hello_due.push_back((now + self.limits.hello_timeout, id));
        Ok(())
    }

    /// Admits a connection the door's own process made (`Door::adopt_connection`): counted
    /// as any, but with no deadline for its `HELLO`, since whoever was handed the other end
    /// may say it when it first calls.
    pub(crate) fn admit_adopted(&mut self, uid: u32) -> Result<(), Refusal> {
        self.count_in(uid)
    }

    fn count_in(&mut self, uid: u32) -> Result<(), Refusal> {
        let exempt = uid == 0 || uid == self.limits.owner;
        let held = self.per_uid.entry(uid).or_insert(0);
        if !exempt && *held >= self.limits.max_per_uid {
            return Err(Refusal::UserCap);
        }
        *held += 1;
        self.open += 1;
        if self.open >= self.limits.max_connections {
            self.accepting = Accepting::Full;
        }
        Ok(())
    }

    /// Forgets a connection of user `uid`; returns whether the door was full and may
    /// accept again.
    pub(crate) fn release(&mut self, uid: u32) -> bool {
        if let Some(held) = self.per_uid.get_mut(&uid) {
            *held -= 1;
            if *held == 0 {
                self.per_uid.remove(&uid);
            }
        }
        self.open = self.open.saturating_sub(1);
        let reopen = self.accepting == Accepting::Full && self.open < self.limits.max_connections;
        if reopen {
            self.accepting = Accepting::Yes;
        }
        reopen
    }

    /// Rests from accepting until `now + ACCEPT_REST` (out of descriptors).
    pub(crate) fn rest(&mut self, now: Instant) {
        self.accepting = Accepting::Resting(now + ACCEPT_REST);
    }

    /// Ends a rest that is over; returns whether the door may accept again.
    pub(crate) fn rested(&mut self, now: Instant) -> bool {
        match self.accepting {
            Accepting::Resting(until) if until <= now => {
                self.accepting = if self.open >= self.limits.max_connections {
                    Accepting::Full
                } else {
                    Accepting::Yes
                };
                self.accepting == Accepting::Yes
            }
            _ => false,
        }
    }

    /// The connections whose `HELLO` deadline has passed at `now` (each once; the caller
    /// closes those that have not completed it).
    pub(crate) fn hellos_due(&mut self, now: Instant) -> Vec<u64> {
        let mut due = Vec::new();
        while let Some(&(deadline, id)) = self.hello_due.front() {
            if deadline > now {
                break;
            }
            self.hello_due.pop_front();
            due.push(id);
        }
        due
    }

    /// Drops the `HELLO` deadlines of connections that completed it or closed, if they
    /// are at the front (so an idle door holds no stale deadline, and does not wake for
    /// one): `settled` says which.
    pub(crate) fn settle_hellos(&mut self, settled: impl Fn(u64) -> bool) {
        while self.hello_due.front().is_some_and(|&(_, id)| settled(id)) {
            self.hello_due.pop_front();
        }
    }

    /// When the leader must next wake for the gate: a `HELLO` deadline or the end of a rest.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        let rest = match self.accepting {
            Accepting::Resting(until) => Some(until),
            _ => None,
        };
        let hello = self.hello_due.front().map(|&(deadline, _)| deadline);
        match (rest, hello) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OWNER: u32 = 1000;

    fn gate(max_connections: usize, max_per_uid: usize) -> Gate {
        Gate::new(GateLimits {
            max_connections,
            max_per_uid,
            hello_timeout: Duration::from_secs(5),
            owner: OWNER,
        })
    }

    #[test]
    fn a_user_past_its_cap_is_refused_but_the_owner_and_root_are_not() {
        let now = Instant::now();
        let mut gate = gate(100, 2);
        assert_eq!(gate.admit(1, 65534, now), Ok(()));
        assert_eq!(gate.admit(2, 65534, now), Ok(()));
        assert_eq!(gate.admit(3, 65534, now), Err(Refusal::UserCap));
        assert_eq!(gate.admit(4, 1001, now), Ok(()));
        for id in 5..10 {
            assert_eq!(gate.admit(id, OWNER, now), Ok(()));
            assert_eq!(gate.admit(id + 100, 0, now), Ok(()));
        }
        gate.release(65534);
        assert_eq!(gate.admit(11, 65534, now), Ok(()));
    }

    #[test]
    fn at_the_limit_the_door_stops_accepting_until_a_connection_closes() {
        let now = Instant::now();
        let mut gate = gate(2, 2);
        gate.admit(1, OWNER, now).unwrap();
        assert_eq!(gate.accepting(), Accepting::Yes);
        gate.admit(2, OWNER, now).unwrap();
        assert_eq!(gate.accepting(), Accepting::Full);
        assert!(gate.release(OWNER));
        assert_eq!(gate.accepting(), Accepting::Yes);
        assert!(!gate.release(OWNER), "was not full");
    }

    #[test]
    fn a_rest_ends_at_its_deadline_and_wakes_the_leader_then() {
        let now = Instant::now();
        let mut gate = gate(10, 10);
        assert_eq!(gate.next_deadline(), None, "an idle door never wakes");
        gate.rest(now);
        assert_eq!(gate.next_deadline(), Some(now + ACCEPT_REST));
        assert!(!gate.rested(now));
        assert!(gate.rested(now + ACCEPT_REST));
        assert_eq!(gate.accepting(), Accepting::Yes);
        assert_eq!(gate.next_deadline(), None);
    }

    #[test]
    fn hello_deadlines_come_due_in_order_and_settled_ones_are_dropped() {
        let now = Instant::now();
        let mut gate = gate(10, 10);
        gate.admit(1, OWNER, now).unwrap();
        gate.admit(2, OWNER, now + Duration::from_secs(1)).unwrap();
        gate.admit(3, OWNER, now + Duration::from_secs(2)).unwrap();
        assert_eq!(gate.next_deadline(), Some(now + Duration::from_secs(5)));
        gate.settle_hellos(|id| id == 1);
        assert_eq!(gate.next_deadline(), Some(now + Duration::from_secs(6)));
        assert_eq!(gate.hellos_due(now + Duration::from_secs(6)), vec![2]);
        assert_eq!(gate.hellos_due(now + Duration::from_secs(60)), vec![3]);
        assert_eq!(gate.next_deadline(), None);
    }
}
